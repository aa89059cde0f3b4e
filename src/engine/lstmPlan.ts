/**
 * The dispatch plan of one training iteration for an LSTM block (docs/ENGINE.md, "The LSTM cell"),
 * prepared once; the same shape as the RNN's (plan.ts), whose readout and free optimiser it shares.
 * forward: xproj = x W_in^T (all steps at once); the fused LSTM forward (bias and peepholes inside);
 * readout and loss. backward: readout gradients; the fused LSTM BPTT -> dz (clipped), dh0, dc0, peephole
 * gradients and gradient flow; dW = sum_t dz_t h_{t-1}^T, dW_in = sum_t dz_t x_t^T, db, dh0, dc0 summed over
 * the batch; weight decay on W_in, W (its value reported like an RNN's W) and W_out. update: the free
 * optimiser on every parameter. spectrum (tracking iterations): the singular values of the stacked W.
 * With full storage the dispatch count does not depend on L or on the number of runs; with recomputation
 * (src/engine/recompute.ts) the forward, readout and backward run per segment (plan.ts prepareSegmentSweeps):
 * the count grows with L/k.
 */
import type { Dispatch } from '../gpu/kernel.ts';
import type { OpContext } from '../gpu/ops/context.ts';
import { type LstmBackwardScratch, prepareLstmBackward, prepareLstmForward } from '../gpu/ops/lstm.ts';
import { prepareMatmul } from '../gpu/ops/matmul.ts';
import { prepareWeightDecay } from '../gpu/ops/penalties.ts';
import { prepareReduceRows } from '../gpu/ops/smallOps.ts';
import type { LstmBuffers } from './groupBuffers.ts';
import { PENALTY_STATS } from './groupBuffers.ts';
import { type ModelDims, paramSize } from './parameters.ts';
import {
  batchStrides,
  checkedLengths,
  type IterationPlan,
  lengthPlans,
  type PlanOptions,
  prepareBlockGuard,
  prepareFreeSpectrum,
  prepareFreeUpdates,
  prepareSegmentReadouts,
  prepareSegmentSweeps,
} from './plan.ts';
import { segmentsOf, segmentsOver } from './recompute.ts';

export async function prepareLstmPlan(ctx: OpContext, d: ModelDims, buf: LstmBuffers, opts: PlanOptions): Promise<IterationPlan> {
  const { R, L, B, n, I } = d;
  const p = buf.params;
  const g = buf.grads;
  const naive = opts.naive ?? false;
  const G = 4 * n;
  const storage = opts.storage ?? 'full';
  const K = segmentsOf(L, storage)[0].slots; // steps the activation buffers hold
  const hStride = (K + 1) * B * n;
  const zStride = K * B * G;
  const batchStride = batchStrides(d, opts.perRunBatch);
  // scratch every length shares: the loss partial of the segments, the backward's scratch
  const shared: { lossPartial?: GPUBuffer; backward?: LstmBackwardScratch } = {};
  const parts: Parameters<typeof lengthPlans>[0] = [];
  for (const length of checkedLengths(L, opts.lengths)) {
    const segs = segmentsOver(L, length, storage);
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
      { naive, segments: segs, unscored: L - d.Lout, top: length, scratch: shared.backward, perRunRows: opts.perRunBatch },
    );
    shared.backward = backward.scratch;
    // per segment: xproj = x W_in^T for its steps and all four gates at once (x is shared by the runs: stride 0),
    // the LSTM forward
    const forward: Dispatch[][] = [];
    for (const seg of segs)
      forward.push([
        ...(await prepareMatmul(
          ctx,
          { batch: R, M: seg.steps * B, N: G, K: I, transB: 1, offA: seg.start * B * I, strideA: batchStride.x, strideC: zStride },
          { A: buf.x, B: p.Win, C: buf.xproj },
          { label: 'lstm xproj' },
        )),
        ...(await prepareLstmForward(
          ctx,
          { R, L, B, n },
          { hyper: buf.hyper, W: p.W, xproj: buf.xproj, b: p.b, peep: p.peep, h0: p.h0, c0: p.c0, gates: buf.gates, c: buf.c, h: buf.h },
          { naive, segment: seg },
        )),
      ]);
    const sweeps = await prepareSegmentSweeps(ctx, d, segs, forward, [
      { seq: buf.h, checkpoint: buf.checkpoints?.h ?? null, label: 'lstm.h' },
      { seq: buf.c, checkpoint: buf.checkpoints?.c ?? null, label: 'lstm.c' },
    ]);
    const readouts = await prepareSegmentReadouts(ctx, d, buf, opts.loss, segs, shared, batchStride.positions);
    const gradients: Dispatch[] = [...sweeps.forwardSweep];
    // the backward sweep, last segment first; each segment's gradients add to the later segments' (beta = 1)
    for (let s = segs.length - 1; s >= 0; s--) {
      const seg = segs[s];
      const beta = s < segs.length - 1 ? 1 : 0;
      const rows = seg.steps * B;
      gradients.push(...sweeps.recompute[s]);
      const ro = readouts[s];
      if (ro) gradients.push(...ro.forward, ...ro.backward);
      gradients.push(
        ...backward.segments[s],
        // dW = sum_t dz_t h_{t-1}^T over the segment's rows, dW_in = sum_t dz_t x_t^T, db = sum_t dz_t
        ...(await prepareMatmul(
          ctx,
          { batch: R, M: G, N: n, K: rows, transA: 1, strideA: zStride, strideB: hStride, beta },
          { A: buf.dz, B: buf.h, C: g.W },
          { label: 'lstm dW' },
        )),
        ...(await prepareMatmul(
          ctx,
          { batch: R, M: G, N: I, K: rows, transA: 1, strideA: zStride, offB: seg.start * B * I, strideB: batchStride.x, beta },
          { A: buf.dz, B: buf.x, C: g.Win },
          { label: 'lstm dWin' },
        )),
        ...(await prepareReduceRows(ctx, { batch: R, rows, cols: G, stride: zStride, beta }, { x: buf.dz, out: g.b })),
      );
      if (s === 0)
        gradients.push(
          ...(await prepareReduceRows(ctx, { batch: R, rows: B, cols: n }, { x: buf.dh0, out: g.h0 })),
          ...(await prepareReduceRows(ctx, { batch: R, rows: B, cols: n }, { x: buf.dc0, out: g.c0 })),
        );
    }
    parts.push({ length, gradients, backward });
  }
  // the parts every length shares (the same dispatches appended to each list)
  const tail: Dispatch[] = [];
  tail.push(
    // weight decay; its value on W goes where an RNN reports it (penalty slot 1; the soft orthogonality slot stays 0)
    ...(await prepareWeightDecay(
      ctx,
      { R, size: paramSize('lstm', 'W', d), statsStride: PENALTY_STATS, statsOffset: 1 },
      { hyper: buf.hyper, w: p.W, g: g.W, stats: buf.penaltyStats },
    )),
    ...(await prepareWeightDecay(ctx, { R, size: paramSize('lstm', 'Win', d) }, { hyper: buf.hyper, w: p.Win, g: g.Win })),
    ...(await prepareWeightDecay(ctx, { R, size: paramSize('lstm', 'Wout', d) }, { hyper: buf.hyper, w: p.Wout, g: g.Wout })),
  );
  for (const part of parts) part.gradients.push(...tail);
  const update = await prepareFreeUpdates(ctx, 'lstm', d, buf, opts.optimizer);
  return {
    ...lengthPlans(parts),
    ...(await prepareBlockGuard(ctx, 'lstm', d, buf)),
    update,
    recompose: [],
    drift: [],
    spectrum: await prepareFreeSpectrum(ctx, d, buf, 4),
    remargin: [],
    hasSoftOrth: false,
  };
}
