/**
 * Hands the page's GpuContext (device, adapter summary, features) to any component below the provider, so
 * the lab's panels need no prop chains: `const gpu = useGpu();`.
 */
import { createContext, type ReactNode, useContext } from 'react';
import type { GpuContext } from '../gpu/device.ts';

const GpuReactContext = createContext<GpuContext | null>(null);

export function GpuProvider({ gpu, children }: { gpu: GpuContext; children: ReactNode }) {
  return <GpuReactContext.Provider value={gpu}>{children}</GpuReactContext.Provider>;
}

export function useGpu(): GpuContext {
  const gpu = useContext(GpuReactContext);
  if (!gpu) throw new Error('useGpu() called outside <GpuProvider>: only the lab (after WebGPU is acquired) has a device');
  return gpu;
}
