/**
 * WebGPU in Node through Dawn (npm package `webgpu`). Without a hardware adapter it points the Vulkan loader
 * at Chromium's SwiftShader (see docs/ENVIRONMENT.md). Keep the returned context referenced for
 * the life of the work and call destroy() at the end, or Dawn may abort or keep the process alive.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { installDawnPolling, pollIntervalFromEnv, setDawnPollInterval } from './dawnPolling.ts';
import { type AcquireOptions, acquireGpu, type GpuContext, NoWebGpuError } from './device.ts';

const SWIFTSHADER_ICDS = [
  process.env.ORTHO_SWIFTSHADER_ICD ?? '',
  '/usr/lib/chromium/vk_swiftshader_icd.json',
  '/usr/lib/chromium-browser/vk_swiftshader_icd.json',
].filter((p) => p && existsSync(p));

// Instances must outlive every device made from them (Dawn aborts when they are collected mid-use).
const keepAlive: unknown[] = [];

interface DawnModule {
  create(flags: string[]): GPU;
  globals: Record<string, unknown>;
}

function loadDawn(): DawnModule {
  const require = createRequire(import.meta.url);
  const dawn = require('webgpu') as DawnModule;
  Object.assign(globalThis, dawn.globals);
  // dawn.node waits for the GPU in a busy loop of setImmediate polls: see dawnPolling.ts
  installDawnPolling();
  return dawn;
}

export interface NodeGpuOptions extends AcquireOptions {
  /** 'auto' (hardware first, then SwiftShader), 'hardware' or 'software'. */
  adapter?: 'auto' | 'hardware' | 'software';
}

/**
 * How long a wait for the GPU sleeps between polls of Dawn (dawnPolling.ts): ORTHO_DAWN_POLL_MS where set,
 * else 1 ms on a CPU adapter (whose shader threads need the core the busy loop would take) and 0 (dawn.node's
 * busy loop, the least latency) on a hardware GPU.
 */
function pollIntervalFor(ctx: GpuContext, fromEnv: number | undefined): GpuContext {
  setDawnPollInterval(fromEnv ?? (ctx.adapterInfo.isSoftware ? 1 : 0));
  return ctx;
}

export async function createNodeGpu(options: NodeGpuOptions = {}): Promise<GpuContext> {
  const fromEnv = pollIntervalFromEnv();
  const dawn = loadDawn();
  const mode = options.adapter ?? (process.env.ORTHO_ADAPTER as NodeGpuOptions['adapter']) ?? 'auto';
  const attempts: string[] = [];
  if (mode !== 'software') {
    const gpu = dawn.create([]);
    keepAlive.push(gpu);
    try {
      const ctx = await acquireGpu(gpu, options);
      if (mode === 'hardware' || !ctx.adapterInfo.isSoftware || SWIFTSHADER_ICDS.length === 0) return pollIntervalFor(ctx, fromEnv);
      ctx.destroy();
    } catch (e) {
      attempts.push(`hardware: ${(e as Error).message}`);
      if (mode === 'hardware') throw e;
    }
  }
  if (SWIFTSHADER_ICDS.length === 0) {
    throw new NoWebGpuError(
      'no-adapter',
      `No WebGPU adapter in Node (${attempts.join('; ')}). Install the Vulkan loader (apt-get install libvulkan1) and ` +
        'Chromium (apt-get install chromium) for its SwiftShader, or set ORTHO_SWIFTSHADER_ICD to a vk_swiftshader_icd.json.',
    );
  }
  process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICDS[0];
  const gpu = dawn.create([]);
  keepAlive.push(gpu);
  try {
    return pollIntervalFor(await acquireGpu(gpu, { ...options, forceFallbackAdapter: true }), fromEnv);
  } catch {
    return pollIntervalFor(await acquireGpu(gpu, options), fromEnv);
  }
}
