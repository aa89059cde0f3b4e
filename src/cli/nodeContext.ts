/** The GPU context of the headless commands: Dawn in Node (hardware adapter, else SwiftShader). */

import { lstatSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GpuContext } from '../gpu/device.ts';
import { KernelCache } from '../gpu/kernel.ts';
import { createNodeGpu, type NodeGpuOptions } from '../gpu/nodeGpu.ts';
import { type OpContext, opContext } from '../gpu/ops/context.ts';
import { nodeShaderLibrary } from '../gpu/shadersNode.ts';

export interface NodeEngine {
  gpu: GpuContext;
  ops: OpContext;
  describe(): string;
  close(): void;
}

/**
 * A Vulkan driver loads libwayland-client, which prints "error: XDG_RUNTIME_DIR is invalid or not set in the
 * environment." when that variable is unset or relative (containers, CI jobs, cron). Where it is, point it at
 * a private folder of ours (owned by this user, mode 0700) before Dawn loads; nothing is written there.
 */
export function ensureRuntimeDir(): void {
  const current = process.env.XDG_RUNTIME_DIR;
  if (current?.startsWith('/')) return;
  const uid = process.getuid?.() ?? 0;
  const stable = join(tmpdir(), `orthogonality-lab-runtime-${uid}`);
  try {
    mkdirSync(stable, { mode: 0o700 });
  } catch {
    // already there (checked below) or not creatable
  }
  try {
    const st = lstatSync(stable);
    if (st.isDirectory() && st.uid === uid && (st.mode & 0o077) === 0) {
      process.env.XDG_RUNTIME_DIR = stable;
      return;
    }
  } catch {}
  process.env.XDG_RUNTIME_DIR = mkdtempSync(join(tmpdir(), 'orthogonality-lab-runtime-'));
}

export async function openNodeEngine(adapter: NodeGpuOptions['adapter'] = 'auto'): Promise<NodeEngine> {
  ensureRuntimeDir();
  const gpu = await createNodeGpu({
    adapter,
    onUncapturedError: (e) => process.stderr.write(`${e.message}\n`),
    onDeviceLost: (e) => process.stderr.write(`${e.message}\n`),
  });
  const ops: OpContext = opContext(gpu, new KernelCache(gpu.device, nodeShaderLibrary()));
  const a = gpu.adapterInfo;
  return {
    gpu,
    ops,
    describe: () =>
      `${[a.vendor, a.architecture, a.description].filter(Boolean).join(' / ') || 'unknown adapter'}${a.isSoftware ? ` (software, CPU${ops.quads ? '; subgroups of 4 lanes: quad-swap kernels' : ''})` : ''}`,
    close: () => gpu.destroy(),
  };
}
