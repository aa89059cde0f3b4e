/** Per-run settings of the recurrent kernel tests and the hyper table they become (src/engine/hyper.ts). */
import { Hyper, HYPER_STRIDE, Nonlin, type NonlinName } from '../../src/engine/hyper.ts';

export interface RecurrentRun {
  nonlin: NonlinName;
  gain: number;
  clip: number;
  slope: number;
}

/** The hyper table of these runs, as f32 (what the GPU reads; references read the same values). */
export function recurrentHyper(runs: readonly RecurrentRun[]): Float32Array {
  const hyper = new Float32Array(runs.length * HYPER_STRIDE);
  runs.forEach((s, r) => {
    hyper[r * HYPER_STRIDE + Hyper.NONLIN] = Nonlin[s.nonlin];
    hyper[r * HYPER_STRIDE + Hyper.GAIN] = s.gain;
    hyper[r * HYPER_STRIDE + Hyper.CLIP] = s.clip;
  });
  return hyper;
}
