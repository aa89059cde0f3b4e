/**
 * The dispatch plan of one training iteration for an LSTM block (docs/ENGINE.md, "The LSTM cell"),
 * prepared once; the same shape as the RNN's (plan.ts), whose readout and free optimiser it shares.
 * forward: xproj = x W_in^T (all steps at once); the fused LSTM forward (bias and peepholes inside);
 * readout and loss. backward: readout gradients; the fused LSTM BPTT -> dz (clipped), dh0, dc0, peephole
 * gradients and gradient flow; dW = sum_t dz_t h_{t-1}^T, dW_in = sum_t dz_t x_t^T, db, dh0, dc0 summed over
 * the batch; weight decay on W_in, W (its value reported like an RNN's W) and W_out. update: the free
 * optimiser on every parameter. spectrum (tracking iterations): the singular values of the stacked W.
 * The dispatch count does not depend on L or on the number of runs.
 */
import type { Dispatch } from '../gpu/kernel.ts';
import type { OpContext } from '../gpu/ops/context.ts';
import { prepareLstmBackward, prepareLstmForward } from '../gpu/ops/lstm.ts';
import { prepareMatmul } from '../gpu/ops/matmul.ts';
import { prepareWeightDecay } from '../gpu/ops/penalties.ts';
import { prepareReduceRows } from '../gpu/ops/smallOps.ts';
import type { LstmBuffers } from './groupBuffers.ts';
import { PENALTY_STATS } from './groupBuffers.ts';
import { type ModelDims, paramSize } from './parameters.ts';

import {
  type IterationPlan,
  type PlanOptions,
  prepareBlockGuard,
  prepareFreeSpectrum,
  prepareFreeUpdates,
  prepareReadout,
} from './plan.ts';

export async function prepareLstmPlan(ctx: OpContext, d: ModelDims, buf: LstmBuffers, opts: PlanOptions): Promise<IterationPlan> {
  const { R, L, B, n, I } = d;
  const p = buf.params;
  const g = buf.grads;
  const naive = opts.naive ?? false;
  const G = 4 * n;
  const hStride = (L + 1) * B * n;
  const readout = await prepareReadout(ctx, d, buf, opts.loss);
  const backward = await prepareLstmBackward(
    ctx,
    { R, L, B, n },
    {
      hyper: buf.hyper,
      W: p.W,
      peep: p.peep,
      gates: buf.gates,
      c: buf.c,
      dhOut: buf.dhOut,
      dz: buf.dz,
      dh0: buf.dh0,
      dc0: buf.dc0,
      peepGrad: g.peep,
      flow: buf.flow,
    },
    { naive },
  );
  const gradients: Dispatch[] = [
    // xproj = x W_in^T for all steps and all four gates at once (x is shared by the runs: stride 0)
    ...(await prepareMatmul(
      ctx,
      { batch: R, M: L * B, N: G, K: I, transB: 1, strideA: 0 },
      { A: buf.x, B: p.Win, C: buf.xproj },
      { label: 'lstm xproj' },
    )),
    ...(await prepareLstmForward(
      ctx,
      { R, L, B, n },
      { hyper: buf.hyper, W: p.W, xproj: buf.xproj, b: p.b, peep: p.peep, h0: p.h0, c0: p.c0, gates: buf.gates, c: buf.c, h: buf.h },
      { naive },
    )),
    ...readout.forward,
    ...readout.backward,
    ...backward.dispatches,
    // dW = sum_t dz_t h_{t-1}^T over all L*B rows, dW_in = sum_t dz_t x_t^T, db = sum_t dz_t
    ...(await prepareMatmul(
      ctx,
      { batch: R, M: G, N: n, K: L * B, transA: 1, strideA: L * B * G, strideB: hStride },
      { A: buf.dz, B: buf.h, C: g.W },
      { label: 'lstm dW' },
    )),
    ...(await prepareMatmul(
      ctx,
      { batch: R, M: G, N: I, K: L * B, transA: 1, strideB: 0 },
      { A: buf.dz, B: buf.x, C: g.Win },
      { label: 'lstm dWin' },
    )),
    ...(await prepareReduceRows(ctx, { batch: R, rows: L * B, cols: G }, { x: buf.dz, out: g.b })),
    ...(await prepareReduceRows(ctx, { batch: R, rows: B, cols: n }, { x: buf.dh0, out: g.h0 })),
    ...(await prepareReduceRows(ctx, { batch: R, rows: B, cols: n }, { x: buf.dc0, out: g.c0 })),
    // weight decay; its value on W goes where an RNN reports it (penalty slot 1; the soft orthogonality slot stays 0)
    ...(await prepareWeightDecay(
      ctx,
      { R, size: paramSize('lstm', 'W', d), statsStride: PENALTY_STATS, statsOffset: 1 },
      { hyper: buf.hyper, w: p.W, g: g.W, stats: buf.penaltyStats },
    )),
    ...(await prepareWeightDecay(ctx, { R, size: paramSize('lstm', 'Win', d) }, { hyper: buf.hyper, w: p.Win, g: g.Win })),
    ...(await prepareWeightDecay(ctx, { R, size: paramSize('lstm', 'Wout', d) }, { hyper: buf.hyper, w: p.Wout, g: g.Wout })),
  ];
  const update = await prepareFreeUpdates(ctx, 'lstm', d, buf, opts.optimizer);
  return {
    gradients,
    ...(await prepareBlockGuard(ctx, 'lstm', d, buf)),
    update,
    recompose: [],
    drift: [],
    spectrum: await prepareFreeSpectrum(ctx, d, buf, 4),
    remargin: [],
    setFlow: backward.setFlow,
    hasSoftOrth: false,
  };
}
