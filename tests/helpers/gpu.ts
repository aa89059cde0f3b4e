/**
 * One Dawn device per test file (SwiftShader here), created at module level, kept referenced, destroyed in
 * afterAll. Every GPU check runs inside validation error scopes; any uncaptured error fails the file.
 */
import { afterAll, expect } from 'vitest';
import { type Dispatch, encodeDispatches, type Kernel, KernelCache, type OverrideConstants } from '../../src/gpu/kernel.ts';
import { createNodeGpu } from '../../src/gpu/nodeGpu.ts';
import { nodeShaderLibrary } from '../../src/gpu/shadersNode.ts';

export const gpu = await createNodeGpu();
export const device = gpu.device;
export const shaders = nodeShaderLibrary();

afterAll(async () => {
  await device.queue.onSubmittedWorkDone();
  expect(gpu.uncapturedErrors.map((e) => e.message)).toEqual([]);
  gpu.destroy();
});

export const kernels = new KernelCache(device, shaders);
export function kernel(name: string, constants: OverrideConstants = {}): Promise<Kernel> {
  return kernels.get(name, constants);
}

/** Encodes one or more dispatches in a single compute pass and submits them. */
export function submit(record: ((pass: GPUComputePassEncoder) => void) | readonly Dispatch[]): void {
  const enc = device.createCommandEncoder();
  const pass = enc.beginComputePass();
  if (typeof record === 'function') record(pass);
  else encodeDispatches(pass, record);
  pass.end();
  device.queue.submit([enc.finish()]);
}
