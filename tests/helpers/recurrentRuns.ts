/** Per-run settings of the recurrent kernel tests and the hyper table they become (src/engine/hyper.ts). */
import { HYPER_STRIDE, Hyper, Nonlin, type NonlinName } from '../../src/engine/hyper.ts';

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

export interface RecurrentCase {
  n: number;
  B: number;
  L: number;
  setIndex: number;
  runs: RecurrentRun[];
  naive: boolean;
  /** blocking constants of this adapter class (the fused kernel also runs with the other class's at n > 100) */
  software: boolean;
  name: string;
}

/** Sizes that are and are not multiples of the blocking, n = 202 for several unit blocks per invocation. */
const SIZES: [number, number, number][] = [
  [6, 1, 1],
  [20, 3, 5],
  [32, 7, 17],
  [6, 7, 5],
  [202, 9, 3],
];

/** Every (size, run set, kernel, blocking) case of the recurrent kernel tests. */
export function recurrentCases(runSets: readonly RecurrentRun[][], software: boolean): RecurrentCase[] {
  const cases: RecurrentCase[] = [];
  for (const [n, B, L] of SIZES) {
    runSets.forEach((runs, setIndex) => {
      // [naive, blocking]: at n = 202 the fused kernel also runs with the other adapter class's blocking
      // (several unit blocks per invocation in software, WG = 64 and row chunks past the slice in hardware)
      const variants: [boolean, boolean][] =
        n > 100
          ? [
              [false, software],
              [false, !software],
              [true, software],
            ]
          : [
              [false, software],
              [true, software],
            ];
      for (const [naive, sw] of variants) {
        const name = `n=${n} B=${B} L=${L} runs=${runs.map((s) => s.nonlin).join(',')} ${naive ? 'naive' : `fused (${sw ? 'software' : 'hardware'} blocking)`}`;
        cases.push({ n, B, L, setIndex, runs, naive, software: sw, name });
      }
    });
  }
  return cases;
}

/**
 * The shared case matrix plus, for the LSTM kernels, B = 40 at n = 10 fused with both adapter classes'
 * blocking: several row slices (so partial sums over slices) and several register chunks per slice
 * (software 2 x 20 rows in 16-row chunks, hardware 5 x 8).
 */
export function recurrentCasesWithSlices(
  runSets: readonly RecurrentRun[][],
  software: boolean,
): Omit<RecurrentCase, 'name' | 'setIndex' | 'runs'>[] {
  return [...recurrentCases(runSets, software), ...[software, !software].map((sw) => ({ n: 10, B: 40, L: 3, naive: false, software: sw }))];
}
