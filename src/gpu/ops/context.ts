import type { KernelCache } from '../kernel.ts';

/** What every op needs to prepare its dispatches: the device, compiled kernels, and the adapter class. */
export interface OpContext {
  device: GPUDevice;
  kernels: KernelCache;
  /** True on a CPU adapter (SwiftShader): ops pick blocking constants for it. */
  software: boolean;
}
