/**
 * The kernel layout table the memory plan relies on (src/gpu/kernelLayouts.ts) against the WGSL itself:
 * every shader in shaders/ has a row, and each row's Params size and storage-binding count are what
 * webgpu-utils reflects from the file (the reflection Kernel.makeParams allocates from).
 */
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { makeShaderDataDefinitions } from 'webgpu-utils';
import { KERNEL_LAYOUTS } from '../../src/gpu/kernelLayouts.ts';
import { nodeShaderLibrary, SHADER_DIR } from '../../src/gpu/shadersNode.ts';

// webgpu-utils reads the stage flags from the WebGPU global (the spec's values); no device is needed here
const g = globalThis as { GPUShaderStage?: unknown };
g.GPUShaderStage ??= { VERTEX: 1, FRAGMENT: 2, COMPUTE: 4 };

describe('kernel layout table', () => {
  // the kernels as compiled: their includes of shaders/lib/ expanded
  const shaders = nodeShaderLibrary();
  const files = readdirSync(SHADER_DIR)
    .filter((f) => f.endsWith('.wgsl'))
    .map((f) => f.slice(0, -5))
    .sort();

  it('has one row per shader', () => {
    expect(Object.keys(KERNEL_LAYOUTS).sort()).toEqual(files);
  });

  it.each(files)('%s: the Params size and the storage bindings match the WGSL', (name) => {
    const defs = makeShaderDataDefinitions(shaders(name));
    const row = KERNEL_LAYOUTS[name as keyof typeof KERNEL_LAYOUTS];
    expect({ params: defs.uniforms.params?.size ?? 0, storage: Object.keys(defs.storages).length }).toEqual(row);
  });
});
