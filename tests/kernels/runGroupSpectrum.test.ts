/**
 * The live spectrum a run group tracks: for plain RNNs and LSTMs it is computed on the GPU
 * (shaders/singularValues.wgsl) and equals the float64 SVD of the W read back from the GPU at that iteration
 * (the stacked [4n][n] W for an LSTM); factorised runs report s; a run whose W is not finite gets no
 * spectrum and a note saying why, never numbers.
 */
import { describe, expect, it } from 'vitest';
import { svd } from '../../src/engine/linalg.ts';
import { type IterationRecord, RunGroup } from '../../src/engine/runGroup.ts';
import { type GroupSettings, PAPER_RUN, type RunSettings } from '../../src/engine/settings.ts';
import { singularValues } from '../../src/reference/singularValues.ts';
import { expectClose } from '../helpers/compare.ts';
import { device, gpu, kernels } from '../helpers/gpu.ts';

const ops = { device, kernels, software: gpu.adapterInfo.isSoftware, quads: gpu.quadSwaps };
const interactive: RunSettings = { ...PAPER_RUN, lrFree: 0.01, lrSpectrum: 0.01, lrGeodesic: 0.01 };

// the kernel's accuracy (tests/kernels/singularValues.test.ts): 2e-6 of the largest value + 1e-6 relative
const tol = (s: ArrayLike<number>) => ({ atol: 2e-6 * s[0], rtol: 1e-6 });

/** The float64 singular values of one run's W as read back: [rows][n]. */
function float64Spectrum(W: Float32Array, rows: number, n: number): Float64Array {
  if (rows === n) return svd(W, n).s;
  const out = new Float64Array(n);
  singularValues(out, new Float64Array(16), W, 1, rows, n);
  return out;
}

async function lastTracked(rg: RunGroup, iterations: number): Promise<IterationRecord> {
  let last: IterationRecord | undefined;
  for (let k = 0; k < iterations; k++) rg.step();
  for (const rec of await rg.collect()) if (rec.track) last = rec;
  if (!last) throw new Error('no tracked iteration');
  return last;
}

describe('the tracked spectrum of plain and LSTM runs (GPU Jacobi)', () => {
  for (const n of [20, 32]) {
    it(`equals the float64 SVD of the W read back, beside factorised runs (n=${n})`, { timeout: 180_000 }, async () => {
      const group: GroupSettings = { task: 'copy', T: 5, batchSize: 8, hidden: n, optimizer: 'rmsprop', dataSeed: 2, trackEvery: 3 };
      const runs: RunSettings[] = [
        { ...interactive, name: 'm=1', margin: 1 },
        { ...interactive, name: 'plain orthogonal', parameterisation: 'plain', margin: null },
        { ...interactive, name: 'lstm', parameterisation: 'lstm', margin: null, clip: 1 },
        { ...interactive, name: 'plain glorot', parameterisation: 'plain', margin: null, init: 'glorot', seed: 3 },
        { ...interactive, name: 'lstm glorot', parameterisation: 'lstm', margin: null, init: 'glorot', seed: 4 },
      ];
      const rg = await RunGroup.create(ops, group, runs);
      try {
        // iteration 1 is tracked (the initial state after one update), then every 3rd: check the first and the 6th
        for (const iterations of [1, 5]) {
          const rec = await lastTracked(rg, iterations);
          expect(rec.iteration).toBe(rg.iteration);
          for (let r = 0; r < runs.length; r++) {
            const got = rec.track!.spectrum[r];
            expect(got, `${runs[r].name}: a spectrum`).not.toBeNull();
            expect(rec.track!.spectrumNote?.[r] ?? null).toBeNull();
            const p = await rg.readParameters(r);
            if (runs[r].parameterisation === 'factorised') {
              expectClose(
                `${runs[r].name}: s`,
                got!,
                Float32Array.from(p.s, (v) => Math.max(v, 0)),
                { atol: 0, rtol: 0 },
              );
              continue;
            }
            const rows = runs[r].parameterisation === 'lstm' ? 4 * n : n;
            const want = float64Spectrum(p.W, rows, n);
            expectClose(`${runs[r].name} at iteration ${rec.iteration}`, got!, want, tol(want));
          }
        }
      } finally {
        await rg.destroy();
      }
    });
  }

  it('gives no spectrum, with a note, for a plain run whose W is not finite; the others keep theirs', async () => {
    const group: GroupSettings = { task: 'copy', T: 5, batchSize: 8, hidden: 8, optimizer: 'rmsprop', dataSeed: 1, trackEvery: 1 };
    const rg = await RunGroup.create(ops, group, [
      { ...interactive, name: 'plain', parameterisation: 'plain', margin: null },
      { ...interactive, name: 'broken', parameterisation: 'plain', margin: null },
      { ...interactive, name: 'lstm', parameterisation: 'lstm', margin: null },
    ]);
    try {
      await lastTracked(rg, 2);
      const p = await rg.readParameters(1);
      p.W[5] = Number.POSITIVE_INFINITY;
      rg.writeParameters(1, p);
      const rec = await lastTracked(rg, 1);
      expect(rec.track!.spectrum[1]).toBeNull();
      expect(rec.track!.spectrumNote![1]).toMatch(/W has a NaN or infinite entry/);
      expect(rec.track!.spectrum[0]!.every(Number.isFinite)).toBe(true);
      expect(rec.track!.spectrum[2]!.every(Number.isFinite)).toBe(true);
      expect(rec.track!.spectrumNote![0]).toBeNull();
    } finally {
      await rg.destroy();
    }
  });
});
