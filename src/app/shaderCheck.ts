/**
 * The browser-side shader check: compiles every shaders/*.wgsl file with Kernel.create (one pipeline per
 * compute entry point, default override constants); a shader that does not compile makes Kernel.create reject with the compiler's messages. It proves the browser
 * compiles the same WGSL the kernel tests run on Dawn; new shaders appear here without any change.
 */
import { makeShaderDataDefinitions } from 'webgpu-utils';
import { Kernel } from '../gpu/kernel.ts';
import type { ShaderLibrary } from '../gpu/shaders.ts';

// The kernels of src/gpu/shadersBrowser.ts's glob (the bundler shares the modules); here only the names are used.
// Not shaders/lib/: its fragments are included by kernels and never compiled on their own.
const files = import.meta.glob('../../shaders/*.wgsl', { query: '?raw', import: 'default', eager: true });

/** Names of every shader in shaders/ (file name without .wgsl), sorted. */
export const shaderNames: readonly string[] = Object.keys(files)
  .map((path) => path.replace(/^.*\//, '').replace(/\.wgsl$/, ''))
  .sort();

export interface ShaderCompileResult {
  name: string;
  entryPoints: string[];
  ok: boolean;
  ms: number;
  error?: string;
}

const COMPUTE_STAGE = 4; // GPUShaderStage.COMPUTE

function computeEntryPoints(code: string): string[] {
  const entries = Object.entries(makeShaderDataDefinitions(code).entryPoints);
  const compute = entries.filter(([, e]) => (e.stage & COMPUTE_STAGE) !== 0).map(([name]) => name);
  return compute.length > 0 ? compute : ['main'];
}

export async function compileShader(device: GPUDevice, shaders: ShaderLibrary, name: string): Promise<ShaderCompileResult> {
  const start = performance.now();
  let entryPoints: string[] = [];
  try {
    entryPoints = computeEntryPoints(shaders(name));
    for (const entryPoint of entryPoints) {
      // no error scope: scopes are per device, so one would also catch the lab's errors from pipelines it
      // builds at the same time; Kernel.create rejects on its own with the compiler's messages
      await Kernel.create(device, shaders, name, {}, entryPoint);
    }
    return { name, entryPoints, ok: true, ms: performance.now() - start };
  } catch (e) {
    return { name, entryPoints, ok: false, ms: performance.now() - start, error: (e as Error).message ?? String(e) };
  }
}
