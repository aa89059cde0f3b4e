import { describe, expect, it } from 'vitest';
import { NativeNoiseFilter } from '../../src/cli/nativeNoise.ts';

// The lines as Dawn 0.6 / Mesa 22.3 / libwayland print them (npm run train on a machine without a GPU).
const XDG = 'error: XDG_RUNTIME_DIR is invalid or not set in the environment.';
const LAVAPIPE = [
  'Warning: Vulkan shaderUniform*ArrayDynamicIndexing required.',
  ' - While initializing adapter (backend=BackendType::Vulkan)',
  '    at InitializeImpl (/home/runner/work/node-webgpu/node-webgpu/third_party/dawn/src/dawn/native/vulkan/PhysicalDeviceVk.cpp:257)',
  '',
];

function run(text: string, chunk: number): string {
  const f = new NativeNoiseFilter();
  let out = '';
  for (let i = 0; i < text.length; i += chunk) out += f.feed(text.slice(i, i + chunk));
  return out + f.end();
}

describe('native start-up noise filter', () => {
  it('drops exactly the known-harmless lines, however the stream is cut', () => {
    const real = ['Adapter: google / swiftshader', 'error: --out /x is a file, not a folder'];
    const text = [XDG, XDG, ...LAVAPIPE, real[0], XDG, real[1], ''].join('\n');
    for (const chunk of [1, 7, 64, text.length]) expect(run(text, chunk)).toBe(`${real[0]}\n${real[1]}\n`);
  });

  it('keeps every other line, including ones that only look alike', () => {
    const kept = [
      'error: XDG_RUNTIME_DIR is invalid or not set in the environment. (and more)',
      'Warning: Vulkan shaderUniform*ArrayDynamicIndexing required for something else',
      ' - While initializing adapter (backend=BackendType::Vulkan)',
      'Error: Loader Message: setup_loader_term_phys_devs:  Failed to detect any valid GPUs in the current config',
      '',
      'a last line without a newline',
    ];
    const text = kept.join('\n');
    expect(run(text, 5)).toBe(text);
  });

  it('ends a block at the first line that does not continue it, and keeps that line', () => {
    const text = [LAVAPIPE[0], 'GPU validation error: buffer too large', LAVAPIPE[1], ''].join('\n');
    expect(run(text, 3)).toBe(`GPU validation error: buffer too large\n${LAVAPIPE[1]}\n`);
  });
});
