import { describe, expect, it } from 'vitest';
import { quadSwapsOf, summariseAdapter } from '../../src/gpu/device.ts';

// A stand-in GPUAdapter: only `info` and `features` are read.
function adapter(info: Record<string, unknown>, features: string[] = ['subgroups']): GPUAdapter {
  return { info, features: new Set(features) } as unknown as GPUAdapter;
}

function quads(info: Record<string, unknown>, deviceFeatures: string[] = ['subgroups']): boolean {
  const a = adapter(info);
  return quadSwapsOf(summariseAdapter(a), a, new Set(deviceFeatures));
}

describe('quadSwapsOf: where the quad-swap kernels may run', () => {
  const swiftShaderNode = {
    vendor: 'google',
    architecture: '',
    description: 'SwiftShader driver 5.0.0',
    subgroupMinSize: 4,
    subgroupMaxSize: 4,
  };
  const swiftShaderChromium = {
    vendor: 'google',
    architecture: 'swiftshader',
    description: '',
    isFallbackAdapter: true,
    subgroupMinSize: 4,
    subgroupMaxSize: 4,
  };

  it('SwiftShader with subgroups of exactly 4 lanes and the feature on the device', () => {
    expect(quads(swiftShaderNode)).toBe(true);
    expect(quads(swiftShaderChromium)).toBe(true);
  });

  it('not without the device feature, nor with other subgroup sizes, nor where the sizes are not reported', () => {
    expect(quads(swiftShaderNode, [])).toBe(false);
    expect(quads({ ...swiftShaderNode, subgroupMaxSize: 8 })).toBe(false);
    expect(quads({ ...swiftShaderNode, subgroupMinSize: 2 })).toBe(false);
    expect(quads({ vendor: 'google', description: 'SwiftShader driver 5.0.0' })).toBe(false);
  });

  it('not on another CPU adapter or on a GPU, whatever their subgroups', () => {
    expect(quads({ vendor: 'mesa', description: 'llvmpipe (LLVM 15.0.6, 256 bits)', subgroupMinSize: 4, subgroupMaxSize: 4 })).toBe(false);
    expect(
      quads({ vendor: 'microsoft', description: 'Microsoft Basic Render Driver (WARP)', subgroupMinSize: 4, subgroupMaxSize: 4 }),
    ).toBe(false);
    expect(quads({ vendor: 'nvidia', architecture: 'hopper', description: 'NVIDIA H200', subgroupMinSize: 32, subgroupMaxSize: 32 })).toBe(
      false,
    );
    expect(quads({ vendor: 'apple', architecture: 'metal-3', subgroupMinSize: 4, subgroupMaxSize: 4 })).toBe(false);
  });
});
