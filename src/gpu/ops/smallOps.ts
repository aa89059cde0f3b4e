/**
 * Op wrappers of the small kernels: reduceRows (column sums), addBias (readout bias), orthDrift (max|M^T M - I|),
 * copyStates (moving state slots to and from the checkpoints of recomputation).
 */
import { ceilDiv, type Dispatch } from '../kernel.ts';
import type { OpContext } from './context.ts';
import { dispatch, type Footprint, type FootprintContext, footprintContext, uniforms } from './footprint.ts';

const WG = 64;

/** Invocations per workgroup of reduceRows4.wgsl: 128 columns are 4 workgroups of 8 (one per 32 columns). */
const WG4 = 8;

/**
 * Whether the column sums run on reduceRows4.wgsl (4 columns an invocation, vec4 loads, the same bits): the
 * software schedule, cols and the matrices' stride multiples of 4. The recurrent layer's bias gradient
 * (6000 rows x 128 columns at copy T = 100, batch 50) took 3.7 ms on reduceRows.wgsl (wall clock, median of 21,
 * Dawn/SwiftShader, 2 idle cores), 1.2 on reduceRows4 (the timer's floor there; 1.3 at best with the scalar
 * kernel's loop four rows an iteration, median 3.4); in the profile the readout backward (dW_out, db_out,
 * dLoss/dh, db, dh_0) went 16.5 -> 13.3 ms.
 */
export function reduceRows4Eligible(software: boolean, dims: { cols: number; stride?: number }): boolean {
  return software && dims.cols % 4 === 0 && (dims.stride ?? 0) % 4 === 0;
}

function reduceRowsKernel(software: boolean, dims: { cols: number; stride?: number }) {
  return reduceRows4Eligible(software, dims)
    ? { name: 'reduceRows4' as const, WG: WG4, x: ceilDiv(dims.cols, 4 * WG4) }
    : { name: 'reduceRows' as const, WG, x: ceilDiv(dims.cols, WG) };
}

/** `stride`: of the matrices, as prepareReduceRows (a multiple of 4 unless given: rows x cols with cols % 4 = 0). */
export function reduceRowsFootprint(fc: FootprintContext, dims: { batch: number; cols: number; stride?: number }): Footprint {
  const k = reduceRowsKernel(fc.software, dims);
  return {
    buffers: [uniforms(k.name, 1, 'reduceRows.params')],
    dispatches: [dispatch('reduceRows', k.name, [k.x, dims.batch, 1])],
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
  const stride = dims.stride ?? dims.rows * dims.cols;
  const pick = reduceRowsKernel(ctx.software, { cols: dims.cols, stride });
  const k = await ctx.kernels.get(pick.name, { WG: pick.WG });
  const params = k.makeParams({ batch: dims.batch, rows: dims.rows, cols: dims.cols, beta: dims.beta ?? 0, stride });
  return [{ label: 'reduceRows', kernel: k, group: k.bind([params, bufs.x, bufs.out]), workgroups: [pick.x, dims.batch, 1] }];
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
