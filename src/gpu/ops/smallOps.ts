/**
 * Op wrappers of the small kernels: reduceRows (column sums), addBias (readout bias), orthDrift (max|M^T M - I|),
 * copyStates (moving state slots to and from the checkpoints of recomputation).
 */
import { ceilDiv, type Dispatch } from '../kernel.ts';
import type { OpContext } from './context.ts';
import { dispatch, type Footprint, type FootprintContext, footprintContext, uniforms } from './footprint.ts';

const WG = 64;

export function reduceRowsFootprint(dims: { batch: number; cols: number }): Footprint {
  return {
    buffers: [uniforms('reduceRows', 1)],
    dispatches: [dispatch('reduceRows', 'reduceRows', [ceilDiv(dims.cols, WG), dims.batch, 1])],
  };
}

/** Grid-stride over [R][P * O]: x clamped to the device's workgroups per dimension. */
export function addBiasFootprint(fc: FootprintContext, dims: { R: number; P: number; O: number }): Footprint {
  const x = Math.max(1, Math.min(ceilDiv(dims.P * dims.O, WG), fc.maxComputeWorkgroupsPerDimension));
  return { buffers: [uniforms('addBias', 1)], dispatches: [dispatch('addBias', 'addBias', [x, dims.R, 1])] };
}

export function orthDriftFootprint(dims: { S: number }): Footprint {
  return { buffers: [uniforms('orthDrift', 1)], dispatches: [dispatch('orthDrift', 'orthDrift', [dims.S, 1, 1])] };
}

export async function prepareReduceRows(
  ctx: OpContext,
  dims: { batch: number; rows: number; cols: number; beta?: number; stride?: number },
  bufs: { x: GPUBuffer; out: GPUBuffer },
): Promise<Dispatch[]> {
  const k = await ctx.kernels.get('reduceRows', { WG });
  const stride = dims.stride ?? dims.rows * dims.cols;
  const params = k.makeParams({ batch: dims.batch, rows: dims.rows, cols: dims.cols, beta: dims.beta ?? 0, stride });
  return [
    { label: 'reduceRows', kernel: k, group: k.bind([params, bufs.x, bufs.out]), workgroups: [ceilDiv(dims.cols, WG), dims.batch, 1] },
  ];
}

export async function prepareAddBias(
  ctx: OpContext,
  dims: { R: number; P: number; O: number },
  bufs: { bias: GPUBuffer; y: GPUBuffer },
): Promise<Dispatch[]> {
  const k = await ctx.kernels.get('addBias', { WG });
  const params = k.makeParams(dims);
  const [fp] = addBiasFootprint(footprintContext(ctx), dims).dispatches;
  return [{ label: 'addBias', kernel: k, group: k.bind([params, bufs.bias, bufs.y]), workgroups: fp.workgroups }];
}

export async function prepareOrthDrift(
  ctx: OpContext,
  dims: { S: number; n: number },
  bufs: { C: GPUBuffer; drift: GPUBuffer },
): Promise<Dispatch[]> {
  const k = await ctx.kernels.get('orthDrift');
  const params = k.makeParams(dims);
  return [{ label: 'orthDrift', kernel: k, group: k.bind([params, bufs.C, bufs.drift]), workgroups: [dims.S, 1, 1] }];
}

/** Grid-stride over [R][count]: x clamped to the device's workgroups per dimension. */
export function copyStatesFootprint(fc: FootprintContext, dims: { R: number; count: number }, count = 1): Footprint {
  const x = Math.max(1, Math.min(ceilDiv(dims.count, WG), fc.maxComputeWorkgroupsPerDimension));
  return { buffers: [uniforms('copyStates', count)], dispatches: [dispatch('copyStates', 'copyStates', [x, dims.R, 1], count)] };
}

/** dst[r * dstStride + dstOff + i] = src[r * srcStride + srcOff + i] for i < count (shaders/copyStates.wgsl). */
export async function prepareCopyStates(
  ctx: OpContext,
  dims: { R: number; count: number; srcOff: number; srcStride: number; dstOff: number; dstStride: number },
  bufs: { src: GPUBuffer; dst: GPUBuffer },
  label = 'copyStates',
): Promise<Dispatch[]> {
  const k = await ctx.kernels.get('copyStates', { WG });
  const params = k.makeParams(dims, `${label}.params`);
  const [fp] = copyStatesFootprint(footprintContext(ctx), dims).dispatches;
  return [{ label, kernel: k, group: k.bind([params, bufs.src, bufs.dst]), workgroups: fp.workgroups }];
}
