/**
 * One Dawn device per test file (SwiftShader here), created at module level, kept referenced, destroyed in
 * afterAll. Every GPU check runs inside validation error scopes; any uncaptured error fails the file.
 */
import { afterAll, expect } from 'vitest';
import { createNodeGpu } from '../../src/gpu/nodeGpu.ts';
import { nodeShaderLibrary } from '../../src/gpu/shadersNode.ts';
import { Kernel, type OverrideConstants } from '../../src/gpu/kernel.ts';

export const gpu = await createNodeGpu();
export const device = gpu.device;
export const shaders = nodeShaderLibrary();

afterAll(async () => {
  await device.queue.onSubmittedWorkDone();
  expect(gpu.uncapturedErrors.map((e) => e.message)).toEqual([]);
  gpu.destroy();
});

const kernelCache = new Map<string, Promise<Kernel>>();
export function kernel(name: string, constants: OverrideConstants = {}): Promise<Kernel> {
  const key = `${name}:${JSON.stringify(constants)}`;
  let k = kernelCache.get(key);
  if (!k) {
    k = Kernel.create(device, shaders, name, constants);
    kernelCache.set(key, k);
  }
  return k;
}

/** Encodes one or more dispatches in a single compute pass and submits them. */
export function submit(record: (pass: GPUComputePassEncoder) => void): void {
  const enc = device.createCommandEncoder();
  const pass = enc.beginComputePass();
  record(pass);
  pass.end();
  device.queue.submit([enc.finish()]);
}
