/**
 * The include directive with the real compiler (Dawn/SwiftShader): a kernel built from fragments compiles and
 * runs, and a compile error inside a fragment is reported at the fragment's own file and line
 * (lib/<name>.wgsl:<line>, src/gpu/shaders.ts sourceLine), not at the line of the expanded source.
 */
import { describe, expect, it } from 'vitest';
import { Kernel } from '../../src/gpu/kernel.ts';
import { libraryFromRecord } from '../../src/gpu/shaders.ts';
import { device } from '../helpers/gpu.ts';

const KERNEL = [
  '// a kernel from two fragments',
  '//! include decls',
  '@group(0) @binding(0) var<storage, read_write> out: array<f32>;',
  '//! include body',
  '@compute @workgroup_size(1) fn main() { out[0] = value(); }',
].join('\n');

describe('shader include directive on the device', () => {
  it('a kernel made of fragments compiles and runs', async () => {
    const lib = libraryFromRecord({
      k: KERNEL,
      'lib/decls': 'const SEVEN = 7.0;',
      'lib/body': '//! include decls\nfn value() -> f32 { return SEVEN * 2.0; }',
    });
    const k = await Kernel.create(device, lib, 'k');
    const out = device.createBuffer({ size: 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
    const read = device.createBuffer({ size: 4, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    const enc = device.createCommandEncoder();
    const pass = enc.beginComputePass();
    k.dispatch(pass, k.bind([out]), 1);
    pass.end();
    enc.copyBufferToBuffer(out, 0, read, 0, 4);
    device.queue.submit([enc.finish()]);
    await read.mapAsync(GPUMapMode.READ);
    expect(Array.from(new Float32Array(read.getMappedRange()))).toEqual([14]);
    read.unmap();
    out.destroy();
    read.destroy();
  });

  it("a compile error in a fragment names the fragment's file and line", async () => {
    const lib = libraryFromRecord({
      k: KERNEL,
      'lib/decls': 'const SEVEN = 7.0;',
      'lib/body': '// line 1\nfn value() -> f32 { let x: not_a_type = 1; return 0.0; }',
    });
    device.pushErrorScope('validation');
    const err = await Kernel.create(device, lib, 'k').then(
      () => undefined,
      (e: Error) => e,
    );
    await device.popErrorScope();
    expect(err?.message).toContain('not_a_type');
    expect(err?.message).toMatch(/lib\/body\.wgsl:2:\d+ error/);
  });
});
