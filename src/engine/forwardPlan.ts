/**
 * The forward-only pass of one cell's block of runs, for the evaluation pass (evaluation.ts): what the
 * training iteration's `gradients` list does up to the loss (xproj = x W_in^T, the fused recurrent forward,
 * the readout y = h W_out^T + b_out at the scored steps and the loss with its accuracy), and nothing after it:
 * no backward buffers (dh, da, dz, dhOut, flow, gradients, optimiser state) are allocated. The loss kernels
 * always write dLoss/dlogits too; that buffer is the pass's only scratch and is never read. The readout and
 * loss are training's own dispatch list (plan.ts prepareReadoutForward), the segments' restores and saves
 * training's forward sweep (plan.ts prepareSegmentSweeps).
 *
 * The block's buffers are its own: a copy of the parameters and of the hyper table (filled from a run
 * group's block, or from its best-validation weights, before each set is scored), and activations kept as
 * the group keeps its own (its Storage): with full storage over the whole sequence; with recomputation in
 * segments of k steps, the pass runs the segments first to last, each one's forward then its readout (the
 * loss sums add up over the segments), the state at each segment's end saved in the checkpoints and restored
 * into slot 0 before the next, so that its activations are those of one segment at the evaluation's batch
 * size. Nothing is recomputed: a forward-only pass needs no activation twice. The buffer table, the
 * dispatches (prepareForwardPlan) and the footprint (forwardFootprint) are built from the same geometry;
 * tests/kernels/evaluation.test.ts checks that the memory plan equals what is created and dispatched.
 */
import { storageBuffer } from '../gpu/buffers.ts';
import type { Dispatch } from '../gpu/kernel.ts';
import type { OpContext } from '../gpu/ops/context.ts';
import { combine, type Footprint, type FootprintContext } from '../gpu/ops/footprint.ts';
import { lossPartialBytes } from '../gpu/ops/losses.ts';
import { lstmForwardFootprint, prepareLstmForward } from '../gpu/ops/lstm.ts';
import { matmulFootprint, prepareMatmul } from '../gpu/ops/matmul.ts';
import { prepareRnnForward, rnnForwardFootprint } from '../gpu/ops/rnnForward.ts';
import { copyStatesFootprint } from '../gpu/ops/smallOps.ts';
import type { LossKind } from '../tasks/task.ts';
import type { BatchBuffers, BufferSpec } from './groupBuffers.ts';
import { LOSS_STATS } from './groupBuffers.ts';
import { HYPER_STRIDE } from './hyper.ts';
import { clampStorage } from './memoryPlan.ts';
import { type CellKind, type ModelDims, type ParamName, paramNames, paramShape, paramSize } from './parameters.ts';
import { prepareReadoutForward, prepareSegmentSweeps, scoredPart } from './plan.ts';
import { readoutForwardFootprint } from './planFootprint.ts';
import { checkpointSlots, type Storage, segmentsOf, storageSlots } from './recompute.ts';

/** The buffers of one block's forward-only pass. */
export interface ForwardBuffers {
  cell: CellKind;
  hyper: GPUBuffer;
  /** a copy of the block's parameters [R][...] per name (what the pass reads) */
  params: Record<ParamName, GPUBuffer>;
  /** [R][K][B][n] (RNN) or [R][K][B][4n] (LSTM); K = L (full storage) or the segment length k */
  xproj: GPUBuffer;
  /** [R][K+1][B][n] */
  h: GPUBuffer;
  /** RNN: pre-activations [R][K][B][n]; LSTM: gate activations [R][K][B][4n] */
  a: GPUBuffer;
  /** LSTM: cell states [R][K+1][B][n]; null for the RNN */
  c: GPUBuffer | null;
  /** the state at the end of every segment but the last, [R][S-1][B][n] (h; the LSTM's c); null for one segment */
  checkpoints: { h: GPUBuffer; c: GPUBuffer | null } | null;
  /** [R][min(K, Lout)][B][O] */
  logits: GPUBuffer;
  /** written by the loss kernel, never read */
  dlogits: GPUBuffer;
  /** [R][2]: (sum_p weight * loss, sum_p accWeight * correct) of the batch */
  lossStats: GPUBuffer;
  /** the loss's partial sums shared by the segments' readouts; null for one segment (the loss makes its own) */
  lossPartial: GPUBuffer | null;
  all: GPUBuffer[];
}

/**
 * The rows of one block's forward-only buffers (d.R = the block's runs, d.B = the evaluation's batch), with
 * activations kept as `storage` keeps them.
 */
export function forwardBufferTable(cell: CellKind, d: ModelDims, storage: Storage = 'full'): BufferSpec[] {
  const st = clampStorage(storage, d.L);
  const { R, B, n, O } = d;
  const K = storageSlots(d.L, st);
  const S1 = checkpointSlots(d.L, st);
  const P = Math.min(K, d.Lout) * B;
  const Ks = st === 'full' ? 'L' : 'k';
  const Lo = st === 'full' ? 'Lout' : 'min(k,Lout)';
  const gates = cell === 'lstm' ? 4 : 1;
  const g = gates === 4 ? '4n' : 'n';
  const row = (key: string, floats: number, kind: BufferSpec['kind'], shape: string): BufferSpec => ({
    key,
    name: `evaluation.${cell}.${key}`,
    floats,
    kind,
    shape,
  });
  const seq = R * K * B * n;
  const rows = [
    row('hyper', R * HYPER_STRIDE, 'settings', `[R][${HYPER_STRIDE}]`),
    ...paramNames(cell).map((name) =>
      row(`params.${name}`, R * paramSize(cell, name, d), 'parameters', `[R][${paramShape(cell, name, d).join('][')}]`),
    ),
    row('xproj', gates * seq, 'activations', `[R][${Ks}][B][${g}]`),
    row('h', R * (K + 1) * B * n, 'activations', `[R][${Ks}+1][B][n]`),
    cell === 'lstm' ? row('gates', 4 * seq, 'activations', `[R][${Ks}][B][4n]`) : row('a', seq, 'activations', `[R][${Ks}][B][n]`),
    ...(cell === 'lstm' ? [row('c', R * (K + 1) * B * n, 'activations', `[R][${Ks}+1][B][n]`)] : []),
    row('logits', R * P * O, 'activations', `[R][${Lo}][B][O]`),
    row('dlogits', R * P * O, 'scratch', `[R][${Lo}][B][O] (written by the loss, unused)`),
    row('lossStats', R * LOSS_STATS, 'metrics', `[R][${LOSS_STATS}]`),
  ];
  if (S1 > 0) {
    rows.push(row('checkpoints.h', R * S1 * B * n, 'activations', `[R][${S1}][B][n] (h at each segment's end)`));
    if (cell === 'lstm') rows.push(row('checkpoints.c', R * S1 * B * n, 'activations', `[R][${S1}][B][n] (c at each segment's end)`));
    // the segments' readouts share one partial-sum scratch (the loss makes its own for a single segment)
    rows.push(row('lossPartial', lossPartialBytes(R, P) / 4, 'scratch', '[R][ceil(min(k,Lout) B/64)][2]'));
  }
  return rows;
}

export function allocateForwardBuffers(device: GPUDevice, cell: CellKind, d: ModelDims, storage: Storage = 'full'): ForwardBuffers {
  const byKey = new Map<string, GPUBuffer>();
  const all = forwardBufferTable(cell, d, storage).map((r) => {
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
    checkpoints: byKey.has('checkpoints.h') ? { h: get('checkpoints.h'), c: byKey.get('checkpoints.c') ?? null } : null,
    logits: get('logits'),
    dlogits: get('dlogits'),
    lossStats: get('lossStats'),
    lossPartial: byKey.get('lossPartial') ?? null,
    all,
  };
}

export interface ForwardOptions {
  loss: LossKind;
  /** the naive recurrent kernels (one dispatch per step) */
  naive?: boolean;
  /** how the activations are kept (the group's storage; default full) */
  storage?: Storage;
}

/**
 * Per segment, first to last: restore its state (after the first), xproj and the recurrent forward, save the
 * state at its end (before the last), then its readout and loss (training's prepareReadoutForward), the loss
 * sums of later segments adding to those of earlier ones. With full storage: xproj, the forward, the readout.
 */
export async function prepareForwardPlan(
  ctx: OpContext,
  d: ModelDims,
  buf: ForwardBuffers,
  batch: BatchBuffers,
  opts: ForwardOptions,
): Promise<Dispatch[]> {
  const { R, L, B, n, I } = d;
  const p = buf.params;
  const G = buf.cell === 'lstm' ? 4 * n : n;
  const naive = opts.naive ?? false;
  const segs = segmentsOf(L, clampStorage(opts.storage ?? 'full', L));
  const K = segs[0].slots;
  const forward: Dispatch[][] = [];
  for (const seg of segs) {
    const xproj = await prepareMatmul(
      ctx,
      { batch: R, M: seg.steps * B, N: G, K: I, transB: 1, offA: seg.start * B * I, strideA: 0, strideC: K * B * G },
      { A: batch.x, B: p.Win, C: buf.xproj },
      { label: 'evaluation xproj' },
    );
    const recurrent =
      buf.cell === 'lstm'
        ? await prepareLstmForward(
            ctx,
            { R, L, B, n },
            { W: p.W, xproj: buf.xproj, b: p.b, peep: p.peep, h0: p.h0, c0: p.c0, gates: buf.a, c: buf.c!, h: buf.h },
            { naive, segment: seg },
          )
        : await prepareRnnForward(
            ctx,
            { R, L, B, n },
            { hyper: buf.hyper, W: p.W, xproj: buf.xproj, b: p.b, h0: p.h0, slope: p.slope, a: buf.a, h: buf.h },
            { naive, segment: seg },
          );
    forward.push([...xproj, ...recurrent]);
  }
  const states = [{ seq: buf.h, checkpoint: buf.checkpoints?.h ?? null, label: `evaluation.${buf.cell}.h` }];
  if (buf.cell === 'lstm') states.push({ seq: buf.c!, checkpoint: buf.checkpoints?.c ?? null, label: 'evaluation.lstm.c' });
  const sweeps = await prepareSegmentSweeps(ctx, d, segs, forward, states);
  const readoutBuffers = { ...buf, targets: batch.targets, weight: batch.weight, accWeight: batch.accWeight };
  const out: Dispatch[] = [];
  let scored = false;
  for (const [s, seg] of segs.entries()) {
    out.push(...sweeps.forwardSegments[s]);
    const readout = await prepareReadoutForward(ctx, d, readoutBuffers, opts.loss, seg, {
      // the first segment that scores a step overwrites the loss sums, the later ones add to them
      accumulate: scored,
      lossPartial: buf.lossPartial ?? undefined,
      label: 'evaluation readout',
    });
    if (readout) {
      out.push(...readout);
      scored = true;
    }
  }
  return out;
}

/** What prepareForwardPlan creates (uniforms, the loss's partial sums) and dispatches, op by op. */
export function forwardFootprint(fc: FootprintContext, cell: CellKind, d: ModelDims, opts: ForwardOptions): Footprint {
  const { R, L, B, n, I } = d;
  const naive = opts.naive ?? false;
  const segs = segmentsOf(L, clampStorage(opts.storage ?? 'full', L));
  const S = segs.length;
  const states = cell === 'lstm' ? 2 : 1;
  return combine(
    ...segs.flatMap((segment) => [
      matmulFootprint(
        fc,
        { batch: R, M: segment.steps * B, N: cell === 'lstm' ? 4 * n : n, K: I, transB: 1 },
        { label: 'evaluation xproj' },
      ),
      cell === 'lstm'
        ? lstmForwardFootprint(fc, { R, L, B, n }, { naive, segment })
        : rnnForwardFootprint(fc, { R, L, B, n }, { naive, segment }),
      scoredPart(d, segment)
        ? readoutForwardFootprint(fc, d, opts.loss, segment, S > 1, 'evaluation readout')
        : { buffers: [], dispatches: [] },
    ]),
    S > 1 ? copyStatesFootprint(fc, { R, count: B * n }, 2 * states * (S - 1)) : { buffers: [], dispatches: [] },
  );
}
