/**
 * Loss ops, all R runs: per-position loss and gradient (shaders/softmaxCrossEntropy.wgsl or
 * meanSquaredError.wgsl, each workgroup writing a partial sum), then reduceRows over the workgroups' partials
 * into stats [R][2]. Two dispatches whatever P is. A recomputed segment (docs/ENGINE.md, "Recomputation") scores
 * positions pOff .. pOff+P-1 of the batch and adds its sums to stats (accumulate); the segments of one plan share
 * one partial-sum scratch (LossOptions.partial, sized by lossPartialBytes for the largest segment).
 */

import { storageBuffer } from '../buffers.ts';
import { ceilDiv, type Dispatch } from '../kernel.ts';
import type { OpContext } from './context.ts';
import { dispatch, type Footprint, scratchBuffer, uniforms } from './footprint.ts';

export interface LossDims {
  R: number;
  /** positions = scored steps x batch, row-major [step][batch] */
  P: number;
  /** classes (cross-entropy) or outputs (MSE) */
  O: number;
}

export interface SoftmaxCrossEntropyBuffers {
  logits: GPUBuffer;
  /** u32 [P] */
  targets: GPUBuffer;
  weight: GPUBuffer;
  accWeight: GPUBuffer;
  dlogits: GPUBuffer;
  /** [R][2]: (sum_p weight*CE, sum_p accWeight*correct) */
  stats: GPUBuffer;
}

export interface MeanSquaredErrorBuffers {
  pred: GPUBuffer;
  /** f32 [P][O] */
  targets: GPUBuffer;
  weight: GPUBuffer;
  dpred: GPUBuffer;
  /** [R][2]: (sum_p weight * sum_o (y-t)^2, 0) */
  stats: GPUBuffer;
}

const WG = 64;

export type LossKernel = 'softmaxCrossEntropy' | 'meanSquaredError';

export interface LossOptions {
  /** the first position of the batch's targets and weights this dispatch scores (default 0) */
  pOff?: number;
  /** add the sums to stats instead of overwriting them (the segments after the first of a recomputed pass) */
  accumulate?: boolean;
  /** a partial-sum scratch shared by several losses (at least lossPartialBytes of their P); default: its own */
  partial?: GPUBuffer;
  /**
   * positions per run in targets and weights: run r reads position r * pStride + pOff + p (each run its own
   * batch, a group with several data streams); 0 (default): one batch shared by the runs. A pipeline constant
   * (PSTRIDE), so that the shared case compiles and runs exactly the kernel it always did
   */
  pStride?: number;
}

/** Bytes of the partial-sum scratch [R][ceil(P/64)][2] for P positions. */
export function lossPartialBytes(R: number, P: number): number {
  return R * ceilDiv(P, WG) * 2 * 4;
}

/** A partial-sum scratch [R][groups][2] (unless shared), two uniforms, the loss dispatch and its reduction. */
export function lossFootprint(name: LossKernel, dims: LossDims, opts: { sharedPartial?: boolean } = {}): Footprint {
  const { R, P } = dims;
  const groups = ceilDiv(P, WG);
  return {
    buffers: [
      ...(opts.sharedPartial ? [] : [scratchBuffer(`${name}.partial`, lossPartialBytes(R, P), '[R][ceil(P/64)][2]')]),
      uniforms(name, 1),
      uniforms('reduceRows', 1, `${name}.reduce.params`),
    ],
    dispatches: [dispatch(name, name, [groups, R, 1]), dispatch(`${name} sums`, 'reduceRows', [1, R, 1])],
  };
}

async function withReduction(
  ctx: OpContext,
  name: LossKernel,
  dims: LossDims,
  inputs: GPUBuffer[],
  opts: LossOptions,
): Promise<Dispatch[]> {
  const { R, P, O } = dims;
  const groups = ceilDiv(P, WG);
  const partial = opts.partial ?? storageBuffer(ctx.device, lossPartialBytes(R, P), `${name}.partial`);
  const pStride = opts.pStride ?? 0;
  if (!Number.isInteger(pStride) || pStride < 0) throw new Error(`${name}: pStride must be a whole number >= 0 (got ${pStride})`);
  const k = await ctx.kernels.get(name, pStride ? { WG, PSTRIDE: pStride } : { WG });
  const params = k.makeParams({ R, P, O, pOff: opts.pOff ?? 0 });
  const reduce = await ctx.kernels.get('reduceRows', { WG: 64 });
  const stats = inputs.pop()!;
  const reduceParams = reduce.makeParams(
    { batch: R, rows: groups, cols: 2, beta: opts.accumulate ? 1 : 0, stride: groups * 2 },
    `${name}.reduce.params`,
  );
  return [
    { label: name, kernel: k, group: k.bind([params, ...inputs, partial]), workgroups: [groups, R, 1] },
    { label: `${name} sums`, kernel: reduce, group: reduce.bind([reduceParams, partial, stats]), workgroups: [1, R, 1] },
  ];
}

export function prepareSoftmaxCrossEntropy(
  ctx: OpContext,
  dims: LossDims,
  bufs: SoftmaxCrossEntropyBuffers,
  opts: LossOptions = {},
): Promise<Dispatch[]> {
  return withReduction(
    ctx,
    'softmaxCrossEntropy',
    dims,
    [bufs.logits, bufs.targets, bufs.weight, bufs.accWeight, bufs.dlogits, bufs.stats],
    opts,
  );
}

export function prepareMeanSquaredError(
  ctx: OpContext,
  dims: LossDims,
  bufs: MeanSquaredErrorBuffers,
  opts: LossOptions = {},
): Promise<Dispatch[]> {
  return withReduction(ctx, 'meanSquaredError', dims, [bufs.pred, bufs.targets, bufs.weight, bufs.dpred, bufs.stats], opts);
}
