/**
 * What an op creates and dispatches, known before it is prepared and without a device: its own buffers
 * (scratch space, and one Params uniform per dispatch it records) and its dispatch grids. Every op exports a
 * `<name>Footprint` beside its `prepare<Name>`, computed from the same geometry, so the memory plan
 * (src/engine/memoryPlan.ts) can list every buffer of a run group and check every grid against the device's
 * limits while the user is still choosing sizes. tests/kernels/memoryPlan.test.ts compares the footprints
 * with what the ops really create and dispatch.
 */
import { ceilDiv } from '../kernel.ts';
import { KERNEL_LAYOUTS, type KernelName } from '../kernelLayouts.ts';
import type { OpContext } from './context.ts';

/** What a buffer is for (the memory plan groups and reports by it). */
export type BufferKind =
  | 'batch'
  | 'settings'
  | 'parameters'
  | 'gradients'
  | 'optimiser'
  | 'activations'
  | 'scratch'
  | 'metrics'
  | 'staging'
  | 'uniforms';

/**
 * How a buffer is used: bound as a storage buffer (maxStorageBufferBindingSize applies), bound as a uniform,
 * or only copied (the metrics ring) or mapped for reading (staging).
 */
export type BufferBinding = 'storage' | 'uniform' | 'copy' | 'map-read';

export interface PlannedBuffer {
  /** the label the buffer is created with (uniforms: the op's label) */
  name: string;
  kind: BufferKind;
  /** bytes of ONE buffer, as created (storage buffers are padded to 4 bytes and at least 16) */
  bytes: number;
  binding: BufferBinding;
  /** how many buffers of this size (a naive op records one uniform per time step) */
  count: number;
  /** its layout or meaning, for the details view (e.g. "[R][L+1][B][n]") */
  shape?: string;
}

export interface PlannedDispatch {
  label: string;
  kernel: KernelName;
  workgroups: [number, number, number];
  /** how many dispatches with this grid (a naive op dispatches once per time step) */
  count: number;
}

export interface Footprint {
  buffers: PlannedBuffer[];
  dispatches: PlannedDispatch[];
}

/** What footprints depend on besides the sizes: the adapter class (blocking) and the grid clamp of elementwise ops. */
export interface FootprintContext {
  software: boolean;
  /** OpContext.quads: which software kernels (and so which workgroup counts) the ops pick */
  quads: boolean;
  maxComputeWorkgroupsPerDimension: number;
}

export function footprintContext(ctx: OpContext): FootprintContext {
  return { software: ctx.software, quads: ctx.quads, maxComputeWorkgroupsPerDimension: ctx.device.limits.maxComputeWorkgroupsPerDimension };
}

/** The size src/gpu/buffers.ts storageBuffer() creates for `byteLength` bytes: padded to 4, at least 16. */
export function storageBytes(byteLength: number): number {
  return Math.max(16, Math.ceil(byteLength / 4) * 4);
}

export function scratchBuffer(name: string, byteLength: number, shape?: string): PlannedBuffer {
  return { name, kind: 'scratch', bytes: storageBytes(byteLength), binding: 'storage', count: 1, shape };
}

/** `count` Params uniforms of `kernel` (Kernel.makeParams allocates the reflected struct size). */
export function uniforms(kernel: KernelName, count: number, name = `${kernel}.params`): PlannedBuffer {
  return { name, kind: 'uniforms', bytes: KERNEL_LAYOUTS[kernel].params, binding: 'uniform', count };
}

export function dispatch(label: string, kernel: KernelName, workgroups: [number, number, number], count = 1): PlannedDispatch {
  return { label, kernel, workgroups, count };
}

export function combine(...parts: Footprint[]): Footprint {
  return { buffers: parts.flatMap((p) => p.buffers), dispatches: parts.flatMap((p) => p.dispatches) };
}

/** Workgroup size and x count of a grid-stride elementwise kernel over [R][size] (clamped to the device's limit). */
export function elementwiseGrid(fc: FootprintContext, size: number): { wg: number; x: number } {
  const wg = fc.software ? 64 : 256;
  const x = Math.max(1, Math.min(ceilDiv(size, wg), fc.maxComputeWorkgroupsPerDimension));
  return { wg, x };
}
