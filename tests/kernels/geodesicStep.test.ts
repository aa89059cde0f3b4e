import { describe, expect, it } from 'vitest';
import { HYPER_STRIDE, Hyper } from '../../src/engine/hyper.ts';
import { healthTable } from '../../src/engine/runHealth.ts';
import { readF32, uploadArray, uploadF32 } from '../../src/gpu/buffers.ts';
import { type Dispatch, encodeDispatches } from '../../src/gpu/kernel.ts';
import { prepareGeodesicStep } from '../../src/gpu/ops/geodesicStep.ts';
import { Rng } from '../../src/random/rng.ts';
import { geodesicStep, haarOrthogonal, orthogonalityError } from '../../src/reference/geodesicStep.ts';
import { expectClose } from '../helpers/compare.ts';
import { device, gpu, kernels, submit } from '../helpers/gpu.ts';
import { firstDifference } from '../helpers/sameBits.ts';

// One step on an orthogonal M (entries ~ 1/sqrt(n)) with tau ||A|| up to ~1: f32 matmuls of n terms and an
// n-step elimination err by a few 1e-7; atol 2e-5 leaves a wide margin and still catches any wrong sign or term.
const TOL = { atol: 2e-5, rtol: 1e-4 };
// Orthogonality after 10,000 f32 steps (docs/SCIENCE.md sections 5.1 and 7.3): a fixed bound, not to be loosened.
const DRIFT_BOUND = 1e-4;

const ctx = { device, kernels, software: true, quads: gpu.quadSwaps };

function hyperTable(taus: number[]): Float32Array {
  const h = new Float32Array(taus.length * HYPER_STRIDE);
  taus.forEach((tau, r) => {
    h[r * HYPER_STRIDE + Hyper.TAU] = tau;
  });
  return h;
}

/** S Haar-orthogonal matrices back to back, rounded to f32. */
function orthogonalStack(rng: Rng, systems: number, n: number): Float32Array {
  const out = new Float32Array(systems * n * n);
  for (let s = 0; s < systems; s++) out.set(haarOrthogonal(rng, n), s * n * n);
  return out;
}

function skewOf(M: ArrayLike<number>, G: ArrayLike<number>, n: number): Float64Array {
  const A = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let a = 0;
      for (let k = 0; k < n; k++) a += G[i * n + k] * M[j * n + k] - M[i * n + k] * G[j * n + k];
      A[i * n + j] = a;
    }
  }
  return A;
}

const frob2 = (x: ArrayLike<number>) => Array.from(x).reduce((s, v) => s + v * v, 0);

async function runStep(
  M0: Float32Array,
  G: Float32Array,
  taus: number[],
  n: number,
  systemsPerRun: number,
  frozen: number[] = [],
  software = true,
  quads = ctx.quads,
): Promise<Float32Array> {
  const systems = M0.length / (n * n);
  const Mb = uploadF32(device, M0);
  const Gb = uploadF32(device, G);
  const hb = uploadF32(device, hyperTable(taus));
  const health = uploadArray(device, healthTable(taus.length, frozen));
  submit(
    await prepareGeodesicStep(
      { ...ctx, software, quads: software && quads },
      { systems, n, systemsPerRun },
      { G: Gb, M: Mb, hyper: hb, health },
    ),
  );
  const out = await readF32(device, Mb, systems * n * n);
  for (const b of [Mb, Gb, hb, health]) b.destroy();
  return out;
}

describe('geodesicStep kernels vs float64 reference', () => {
  for (const n of [6, 20, 32]) {
    it(`(a) one step matches the reference, n=${n}, 2 runs x 2 systems with different tau`, async () => {
      const rng = new Rng(70 + n);
      const taus = [0.05, 0.5];
      const M0 = orthogonalStack(rng, 4, n);
      const G = Float32Array.from(rng.normalArray(4 * n * n, 1 / Math.sqrt(n)));
      const got = await runStep(M0, G, taus, n, 2);
      const want = Float64Array.from(M0);
      for (let s = 0; s < 4; s++) {
        const M = want.subarray(s * n * n, (s + 1) * n * n);
        const Gs = G.subarray(s * n * n, (s + 1) * n * n);
        const before = Float64Array.from(M);
        geodesicStep(M, Gs, taus[s >> 1], n);
        // the reference itself: the Cayley map keeps orthogonality and solves (I + tA/2) M' = (I - tA/2) M
        expect(orthogonalityError(M, n)).toBeLessThan(1e-6 + orthogonalityError(before, n));
        const A = skewOf(before, Gs, n);
        let residual = 0;
        for (let i = 0; i < n; i++) {
          for (let j = 0; j < n; j++) {
            let r = M[i * n + j] - before[i * n + j];
            for (let k = 0; k < n; k++) r += (taus[s >> 1] / 2) * A[i * n + k] * (M[k * n + j] + before[k * n + j]);
            residual = Math.max(residual, Math.abs(r));
          }
        }
        expect(residual).toBeLessThan(1e-12);
      }
      expectClose(`geodesicStep n=${n}`, got, want, TOL);
    });
  }

  // The drift comes from f32 rounding in every step, not from the size: measured after 10,000 steps (2 systems),
  // n = 32 3.3e-6; n = 16 5.6e-6 to 1.9e-5 over 3 seeds; n = 8 1.2e-5 to 1.7e-5 over 4 seeds. n = 8 drifts as much
  // as any and, alone, costs a sixth of n = 16's time (SwiftShader, 2 cores: 2.7 s against 15.8 s). In full runs,
  // where another test file shares the cores and each of the 40,000 dispatches waits for one, n = 16 took 47 s
  // (load ~10) and n = 8 27 to 42 s (load 10 to 22).
  it('(b) 10,000 f32 steps keep max|M^T M - I| below 1e-4 (n=8)', async () => {
    for (const n of [8]) {
      const rng = new Rng(900 + n);
      const systems = 2;
      const tau = 0.02;
      const M0 = orthogonalStack(rng, systems, n);
      const Mb = uploadF32(device, M0);
      const hb = uploadF32(device, hyperTable([tau, tau]));
      const health = uploadArray(device, healthTable(systems));
      // eight fixed gradients, cycled; each step's A depends on the current M
      const steps: Dispatch[][] = [];
      const Gs: GPUBuffer[] = [];
      let rmsStep = 0;
      for (let g = 0; g < 8; g++) {
        const G = Float32Array.from(rng.normalArray(systems * n * n, 1 / Math.sqrt(n)));
        const A = skewOf(M0.subarray(0, n * n), G.subarray(0, n * n), n);
        rmsStep += (tau * Math.sqrt(frob2(A) / n)) / 8; // tau times the RMS singular value of A
        Gs.push(uploadF32(device, G));
        steps.push(await prepareGeodesicStep(ctx, { systems, n, systemsPerRun: 1 }, { G: Gs[g], M: Mb, hyper: hb, health }));
      }
      expect(rmsStep).toBeGreaterThan(0.01);
      expect(rmsStep).toBeLessThan(0.1);
      const total = 10_000;
      const perSubmit = 500;
      for (let done = 0; done < total; done += perSubmit) {
        const enc = device.createCommandEncoder();
        const pass = enc.beginComputePass();
        for (let i = done; i < done + perSubmit; i++) encodeDispatches(pass, steps[i % steps.length]);
        pass.end();
        device.queue.submit([enc.finish()]);
        await device.queue.onSubmittedWorkDone();
      }
      const M = await readF32(device, Mb, systems * n * n);
      let drift = 0;
      let moved = 0;
      for (let s = 0; s < systems; s++) {
        drift = Math.max(drift, orthogonalityError(M.subarray(s * n * n, (s + 1) * n * n), n));
        moved = Math.max(moved, Math.sqrt(frob2(M.subarray(s * n * n, (s + 1) * n * n).map((v, i) => v - M0[s * n * n + i]))));
      }
      console.log(
        `geodesicStep n=${n}: tau*rms(sigma(A)) = ${rmsStep.toFixed(3)}, ||M - M0||_F = ${moved.toFixed(2)}, max|M^T M - I| after ${total} steps = ${drift.toExponential(2)}`,
      );
      expect(moved).toBeGreaterThan(0.5); // the steps went somewhere
      expect(drift).toBeLessThan(DRIFT_BOUND);
      for (const b of [Mb, hb, health, ...Gs]) b.destroy();
    }
  }, 120_000);

  it('(c) descent: for L(M) = sum(C * M) with G = C a small step lowers L by about tau/2 ||A||_F^2', async () => {
    const n = 20;
    const rng = new Rng(31);
    const M0 = orthogonalStack(rng, 1, n);
    const C = Float32Array.from(rng.normalArray(n * n));
    const loss = (M: ArrayLike<number>) => Array.from(M).reduce((s, v, i) => s + v * C[i], 0);
    for (const tau of [1e-3, 1e-2]) {
      const M = await runStep(M0, C, [tau], n, 1);
      const decrease = loss(M0) - loss(M);
      const predicted = (tau / 2) * frob2(skewOf(M0, C, n));
      expect(decrease).toBeGreaterThan(0);
      expect(Math.abs(decrease - predicted) / predicted).toBeLessThan(0.05 + 20 * tau);
    }
  });

  it('(d) tau = 0 leaves M bit for bit unchanged (and another run in the same dispatch does move)', async () => {
    const n = 20;
    const rng = new Rng(41);
    const M0 = orthogonalStack(rng, 2, n);
    const G = Float32Array.from(rng.normalArray(2 * n * n));
    const M = await runStep(M0, G, [0, 0.1], n, 1);
    expect(Array.from(M.subarray(0, n * n))).toEqual(Array.from(M0.subarray(0, n * n)));
    expect(Array.from(M.subarray(n * n))).not.toEqual(Array.from(M0.subarray(n * n)));
  });

  it('(e) the bases of a run frozen by the run guard stay bit for bit, even with NaN and infinite gradients; the other run steps as the reference', async () => {
    const n = 20;
    const rng = new Rng(43);
    const M0 = orthogonalStack(rng, 4, n);
    const G = Float32Array.from(rng.normalArray(4 * n * n, 1 / Math.sqrt(n)));
    G.fill(Number.NaN, 2 * n * n, 3 * n * n);
    G.fill(Number.POSITIVE_INFINITY, 3 * n * n);
    const M = await runStep(M0, G, [0.5, 0.5], n, 2, [1]);
    expect(Array.from(M.subarray(2 * n * n))).toEqual(Array.from(M0.subarray(2 * n * n)));
    const want = Float64Array.from(M0.subarray(0, 2 * n * n));
    for (let s = 0; s < 2; s++) geodesicStep(want.subarray(s * n * n, (s + 1) * n * n), G.subarray(s * n * n, (s + 1) * n * n), 0.5, n);
    expectClose('geodesicStep beside a frozen run', M.subarray(0, 2 * n * n), want, TOL);
  });
  // A diverging run's step: tau/2 ||A|| far above 1 (G up to the guard's gradient bound, 1e12, gets there). Without
  // pivoting the elimination's multipliers are as large as the entries and the entries grow as their square:
  // measured with the unpivoted solve on these inputs, n = 7 lost orthogonality (max|M^T M - I| 1.2e-4, max error
  // 8.9e-5), n = 22 and n = 32 became NaN. With partial pivoting (measured): n = 7 5.9e-6 (odd n: the skew A has a
  // zero eigenvalue, I + tau/2 A's condition number is ~ tau/2 ||A||, and the f32 error grows with it), n = 22 and
  // 32 ~ 2e-6 to 2e-5. Both the software (WG 4) and the hardware (WG 256) geometry.
  for (const [n, scale] of [
    [7, 1e4],
    [22, 1e8],
    [32, 1e12],
  ] as const) {
    for (const software of [true, false]) {
      it(`(f) a huge step (G ~ ${scale.toExponential()}, n = ${n}, ${software ? 'software' : 'hardware'} workgroups) stays finite and orthogonal, as the reference`, async () => {
        const rng = new Rng(5 + n);
        const M0 = orthogonalStack(rng, 1, n);
        const G = Float32Array.from(rng.normalArray(n * n, scale / Math.sqrt(n)));
        const tau = 0.01;
        const got = await runStep(M0, G, [tau], n, 1, [], software);
        const want = Float64Array.from(M0);
        geodesicStep(want, G, tau, n);
        expect(orthogonalityError(want, n)).toBeLessThan(1e-6);
        expect(got.every(Number.isFinite)).toBe(true);
        expect(orthogonalityError(got, n)).toBeLessThan(2e-5);
        expectClose(`huge geodesic step n=${n}`, got, want, { atol: 2e-5, rtol: 0 });
      });
    }
  }
  // The blocked solve (a CPU adapter's: four pivot steps per pass) makes the same fma on the same operands in the
  // same order as the step-at-a-time solve (a GPU's), so the two must agree bit for bit: at every n mod 4 (the
  // short last block), at training's step sizes (pivots in the natural order) and at a diverging run's (pivots
  // out of order), with 2 runs x 2 systems and one run frozen.
  it('(g) the blocked solve (software) and the step-at-a-time solve (hardware) agree bit for bit', async () => {
    let compared = 0;
    for (const n of [1, 2, 3, 4, 5, 7, 13, 22, 33]) {
      for (const scale of [1, 1e3, 1e9]) {
        const rng = new Rng(1000 + n);
        const M0 = orthogonalStack(rng, 4, n);
        const G = Float32Array.from(rng.normalArray(4 * n * n, scale / Math.sqrt(n)));
        const taus = [0.02, 0.5];
        for (const frozen of [[], [1]]) {
          // the products G M^T and A M in the same order on both sides (no quad matmuls: they chain 4 k), so
          // that only the solves differ
          const blocked = await runStep(M0, G, taus, n, 2, frozen, true, false);
          const stepwise = await runStep(M0, G, taus, n, 2, frozen, false);
          const first = firstDifference(blocked, stepwise);
          expect(
            first,
            `n = ${n}, G ~ ${scale}, frozen ${frozen}: first difference at ${first}: ${blocked[first]} vs ${stepwise[first]}`,
          ).toBe(-1);
          compared += blocked.length;
        }
      }
    }
    expect(compared).toBeGreaterThan(10_000);
  }, 60_000);
});
