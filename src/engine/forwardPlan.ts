/**
 * The forward-only pass of one cell's block of runs, for the evaluation pass (evaluation.ts): what the
 * training iteration's `gradients` list does up to the loss (xproj = x W_in^T, the fused recurrent forward,
 * the readout y = h W_out^T + b_out at the scored steps and the loss with its accuracy), and nothing after it:
 * no backward buffers (dh, da, dz, dhOut, flow, gradients, optimiser state) are allocated. The loss kernels
 * always write dLoss/dlogits too; that buffer is the pass's only scratch and is never read.
 *
 * The block's buffers are its own: a copy of the parameters and of the hyper table (filled from a run
 * group's block, or from its best-validation weights, before each set is scored), and activations over the
 * whole sequence at the evaluation's batch size. The buffer table, the dispatches (prepareForwardPlan) and
 * the footprint (forwardFootprint) are built from the same geometry; tests/kernels/evaluation.test.ts checks
 * that the memory plan equals what is created and dispatched.
 */
import { storageBuffer } from '../gpu/buffers.ts';
import type { Dispatch } from '../gpu/kernel.ts';
import type { OpContext } from '../gpu/ops/context.ts';
import { combine, type Footprint, type FootprintContext } from '../gpu/ops/footprint.ts';
import { lossFootprint, prepareMeanSquaredError, prepareSoftmaxCrossEntropy } from '../gpu/ops/losses.ts';
import { lstmForwardFootprint, prepareLstmForward } from '../gpu/ops/lstm.ts';
import { matmulFootprint, prepareMatmul } from '../gpu/ops/matmul.ts';
import { prepareRnnForward, rnnForwardFootprint } from '../gpu/ops/rnnForward.ts';
import { addBiasFootprint, prepareAddBias } from '../gpu/ops/smallOps.ts';
import type { LossKind } from '../tasks/task.ts';
import type { BatchBuffers, BufferSpec } from './groupBuffers.ts';
import { LOSS_STATS } from './groupBuffers.ts';
import { HYPER_STRIDE } from './hyper.ts';
import { type CellKind, type ModelDims, type ParamName, paramNames, paramShape, paramSize } from './parameters.ts';

/** The buffers of one block's forward-only pass. */
export interface ForwardBuffers {
  cell: CellKind;
  hyper: GPUBuffer;
  /** a copy of the block's parameters [R][...] per name (what the pass reads) */
  params: Record<ParamName, GPUBuffer>;
  /** [R][L][B][n] (RNN) or [R][L][B][4n] (LSTM) */
  xproj: GPUBuffer;
  /** [R][L+1][B][n] */
  h: GPUBuffer;
  /** RNN: pre-activations [R][L][B][n]; LSTM: gate activations [R][L][B][4n] */
  a: GPUBuffer;
  /** LSTM: cell states [R][L+1][B][n]; null for the RNN */
  c: GPUBuffer | null;
  logits: GPUBuffer;
  /** written by the loss kernel, never read */
  dlogits: GPUBuffer;
  /** [R][2]: (sum_p weight * loss, sum_p accWeight * correct) of the batch */
  lossStats: GPUBuffer;
  all: GPUBuffer[];
}

/** The rows of one block's forward-only buffers (d.R = the block's runs, d.B = the evaluation's batch). */
export function forwardBufferTable(cell: CellKind, d: ModelDims): BufferSpec[] {
  const { R, L, B, n, O, P } = d;
  const gates = cell === 'lstm' ? 4 : 1;
  const g = gates === 4 ? '4n' : 'n';
  const row = (key: string, floats: number, kind: BufferSpec['kind'], shape: string): BufferSpec => ({
    key,
    name: `evaluation.${cell}.${key}`,
    floats,
    kind,
    shape,
  });
  const seq = R * L * B * n;
  return [
    row('hyper', R * HYPER_STRIDE, 'settings', `[R][${HYPER_STRIDE}]`),
    ...paramNames(cell).map((name) =>
      row(`params.${name}`, R * paramSize(cell, name, d), 'parameters', `[R][${paramShape(cell, name, d).join('][')}]`),
    ),
    row('xproj', gates * seq, 'activations', `[R][L][B][${g}]`),
    row('h', R * (L + 1) * B * n, 'activations', '[R][L+1][B][n]'),
    cell === 'lstm' ? row('gates', 4 * seq, 'activations', '[R][L][B][4n]') : row('a', seq, 'activations', '[R][L][B][n]'),
    ...(cell === 'lstm' ? [row('c', R * (L + 1) * B * n, 'activations', '[R][L+1][B][n]')] : []),
    row('logits', R * P * O, 'activations', '[R][Lout][B][O]'),
    row('dlogits', R * P * O, 'scratch', '[R][Lout][B][O] (written by the loss, unused)'),
    row('lossStats', R * LOSS_STATS, 'metrics', `[R][${LOSS_STATS}]`),
  ];
}

export function allocateForwardBuffers(device: GPUDevice, cell: CellKind, d: ModelDims): ForwardBuffers {
  const byKey = new Map<string, GPUBuffer>();
  const all = forwardBufferTable(cell, d).map((r) => {
    const b = storageBuffer(device, r.floats * 4, r.name);
    byKey.set(r.key, b);
    return b;
  });
  const get = (key: string) => byKey.get(key) as GPUBuffer;
  return {
    cell,
    hyper: get('hyper'),
    params: Object.fromEntries(paramNames(cell).map((name) => [name, get(`params.${name}`)])) as Record<ParamName, GPUBuffer>,
    xproj: get('xproj'),
    h: get('h'),
    a: get(cell === 'lstm' ? 'gates' : 'a'),
    c: cell === 'lstm' ? get('c') : null,
    logits: get('logits'),
    dlogits: get('dlogits'),
    lossStats: get('lossStats'),
    all,
  };
}

export interface ForwardOptions {
  loss: LossKind;
  /** the naive recurrent kernels (one dispatch per step) */
  naive?: boolean;
}

/** xproj, the recurrent forward, the readout, its bias and the loss: the training forward, nothing more. */
export async function prepareForwardPlan(
  ctx: OpContext,
  d: ModelDims,
  buf: ForwardBuffers,
  batch: BatchBuffers,
  opts: ForwardOptions,
): Promise<Dispatch[]> {
  const { R, L, B, n, I, O, P, Lout } = d;
  const p = buf.params;
  const G = buf.cell === 'lstm' ? 4 * n : n;
  const naive = opts.naive ?? false;
  const hStride = (L + 1) * B * n;
  const out: Dispatch[] = [
    ...(await prepareMatmul(
      ctx,
      { batch: R, M: L * B, N: G, K: I, transB: 1, strideA: 0 },
      { A: batch.x, B: p.Win, C: buf.xproj },
      { label: 'evaluation xproj' },
    )),
  ];
  if (buf.cell === 'lstm')
    out.push(
      ...(await prepareLstmForward(
        ctx,
        { R, L, B, n },
        { W: p.W, xproj: buf.xproj, b: p.b, peep: p.peep, h0: p.h0, c0: p.c0, gates: buf.a, c: buf.c!, h: buf.h },
        { naive },
      )),
    );
  else
    out.push(
      ...(await prepareRnnForward(
        ctx,
        { R, L, B, n },
        { hyper: buf.hyper, W: p.W, xproj: buf.xproj, b: p.b, h0: p.h0, slope: p.slope, a: buf.a, h: buf.h },
        { naive },
      )),
    );
  const hScoredOffset = (L - Lout + 1) * B * n; // h slot of the first scored step
  out.push(
    ...(await prepareMatmul(
      ctx,
      { batch: R, M: P, N: O, K: n, transB: 1, offA: hScoredOffset, strideA: hStride },
      { A: buf.h, B: p.Wout, C: buf.logits },
      { label: 'evaluation readout' },
    )),
    ...(await prepareAddBias(ctx, { R, P, O }, { bias: p.bout, y: buf.logits })),
    ...(opts.loss === 'xent'
      ? await prepareSoftmaxCrossEntropy(
          ctx,
          { R, P, O },
          {
            logits: buf.logits,
            targets: batch.targets,
            weight: batch.weight,
            accWeight: batch.accWeight,
            dlogits: buf.dlogits,
            stats: buf.lossStats,
          },
        )
      : await prepareMeanSquaredError(
          ctx,
          { R, P, O },
          { pred: buf.logits, targets: batch.targets, weight: batch.weight, dpred: buf.dlogits, stats: buf.lossStats },
        )),
  );
  return out;
}

/** What prepareForwardPlan creates (uniforms, the loss's partial sums) and dispatches, op by op. */
export function forwardFootprint(fc: FootprintContext, cell: CellKind, d: ModelDims, opts: ForwardOptions): Footprint {
  const { R, L, B, n, I, O, P } = d;
  const naive = opts.naive ?? false;
  return combine(
    matmulFootprint(fc, { batch: R, M: L * B, N: cell === 'lstm' ? 4 * n : n, K: I, transB: 1 }, { label: 'evaluation xproj' }),
    cell === 'lstm' ? lstmForwardFootprint(fc, { R, L, B, n }, { naive }) : rnnForwardFootprint(fc, { R, L, B, n }, { naive }),
    matmulFootprint(fc, { batch: R, M: P, N: O, K: n, transB: 1 }, { label: 'evaluation readout' }),
    addBiasFootprint(fc, { R, P, O }),
    lossFootprint(opts.loss === 'xent' ? 'softmaxCrossEntropy' : 'meanSquaredError', { R, P, O }),
  );
}
