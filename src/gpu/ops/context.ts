import type { GpuContext } from '../device.ts';
import type { KernelCache } from '../kernel.ts';

/** What every op needs to prepare its dispatches: the device, compiled kernels, and the adapter class. */
export interface OpContext {
  device: GPUDevice;
  kernels: KernelCache;
  /** True on a CPU adapter (SwiftShader): ops pick blocking constants for it. */
  software: boolean;
  /** The software schedule may use the quad-swap kernels (src/gpu/device.ts GpuContext.quadSwaps). */
  quads: boolean;
}

/** The ops' context on a device: its adapter class and whether the quad-swap kernels may run. */
export function opContext(gpu: Pick<GpuContext, 'device' | 'adapterInfo' | 'quadSwaps'>, kernels: KernelCache): OpContext {
  return { device: gpu.device, kernels, software: gpu.adapterInfo.isSoftware, quads: gpu.quadSwaps };
}
