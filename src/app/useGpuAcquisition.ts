/**
 * Acquires WebGPU once for the page (acquireGpu from src/gpu/device.ts) and says how it went. Device loss and
 * uncaptured GPU errors go to the problem banner. The device is destroyed when the component using the hook
 * unmounts (React's strict mode mounts twice in development: the first device is released at once).
 */
import { useEffect, useState } from 'react';
import { acquireGpu, type GpuContext, NoWebGpuError } from '../gpu/device.ts';
import { reportGpuError } from './gpuProblems.ts';

export type UnavailableReason = NoWebGpuError['reason'] | 'unexpected';

export type GpuAcquisition =
  | { status: 'acquiring' }
  | { status: 'ready'; gpu: GpuContext }
  | { status: 'unavailable'; reason: UnavailableReason; message: string };

export function useGpuAcquisition(): GpuAcquisition {
  const [state, setState] = useState<GpuAcquisition>({ status: 'acquiring' });

  useEffect(() => {
    let released = false;
    let acquired: GpuContext | undefined;
    acquireGpu(navigator.gpu as GPU | undefined, {
      onDeviceLost: (e) => !released && reportGpuError(e),
      onUncapturedError: (e) => !released && reportGpuError(e),
    }).then(
      (gpu) => {
        if (released) return gpu.destroy();
        acquired = gpu;
        setState({ status: 'ready', gpu });
      },
      (err: unknown) => {
        if (released) return;
        if (err instanceof NoWebGpuError) setState({ status: 'unavailable', reason: err.reason, message: err.message });
        else setState({ status: 'unavailable', reason: 'unexpected', message: String((err as Error)?.message ?? err) });
      },
    );
    return () => {
      released = true;
      acquired?.destroy();
    };
  }, []);

  return state;
}
