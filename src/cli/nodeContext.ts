/** The GPU context of the headless commands: Dawn in Node (hardware adapter, else SwiftShader). */

import type { GpuContext } from '../gpu/device.ts';
import { KernelCache } from '../gpu/kernel.ts';
import { createNodeGpu, type NodeGpuOptions } from '../gpu/nodeGpu.ts';
import type { OpContext } from '../gpu/ops/context.ts';
import { nodeShaderLibrary } from '../gpu/shadersNode.ts';

export interface NodeEngine {
  gpu: GpuContext;
  ops: OpContext;
  describe(): string;
  close(): void;
}

export async function openNodeEngine(adapter: NodeGpuOptions['adapter'] = 'auto'): Promise<NodeEngine> {
  const gpu = await createNodeGpu({
    adapter,
    onUncapturedError: (e) => process.stderr.write(`${e.message}\n`),
    onDeviceLost: (e) => process.stderr.write(`${e.message}\n`),
  });
  const ops: OpContext = {
    device: gpu.device,
    kernels: new KernelCache(gpu.device, nodeShaderLibrary()),
    software: gpu.adapterInfo.isSoftware,
  };
  const a = gpu.adapterInfo;
  return {
    gpu,
    ops,
    describe: () =>
      `${[a.vendor, a.architecture, a.description].filter(Boolean).join(' / ') || 'unknown adapter'}${a.isSoftware ? ' (software, CPU)' : ''}`,
    close: () => gpu.destroy(),
  };
}
