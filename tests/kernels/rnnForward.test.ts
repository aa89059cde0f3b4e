import { describe, it } from 'vitest';
import { readF32, storageBuffer, uploadF32 } from '../../src/gpu/buffers.ts';
import { ceilDiv } from '../../src/gpu/kernel.ts';
import type { OpContext } from '../../src/gpu/ops/context.ts';
import { prepareRnnForward, rnnBlocking } from '../../src/gpu/ops/rnnForward.ts';
import { Rng } from '../../src/random/rng.ts';
import { rnnForward } from '../../src/reference/rnnForward.ts';
import { expectClose } from '../helpers/compare.ts';
import { device, gpu, kernels, submit } from '../helpers/gpu.ts';
import { type RecurrentRun, recurrentCases, recurrentHyper } from '../helpers/recurrentRuns.ts';

// f32 dot products of <= 32 terms of size ~1, carried through <= 17 steps of a W with spectral radius ~1:
// rounding stays near 1e-6 per step and grows at most linearly with L; atol 1e-4 + rtol 1e-3 leaves 10x margin
// while any indexing or nonlinearity mistake gives O(0.1) errors.
const TOL = { atol: 1e-4, rtol: 1e-3 };

const RUN_SETS: RecurrentRun[][] = [
  [
    { nonlin: 'tanh', gain: 1.05, clip: 0, slope: 0 },
    { nonlin: 'relu', gain: 1, clip: 0.05, slope: 0 },
    { nonlin: 'oplu', gain: 0.9, clip: 0, slope: 0 },
  ],
  [
    { nonlin: 'linear', gain: 1, clip: 0.02, slope: 0 },
    { nonlin: 'leaky', gain: 1.1, clip: 0, slope: 0.2 },
    { nonlin: 'prelu', gain: 1, clip: 0, slope: 0.7 },
  ],
];

/** Seeded inputs of the forward pass: W ~ N(0, 1/n) (spectral radius ~1), small inputs. */
function forwardInputs(rng: Rng, R: number, L: number, B: number, n: number) {
  return {
    W: rng.normalArray(R * n * n, 1 / Math.sqrt(n)),
    xproj: rng.uniformArray(R * L * B * n, -0.5, 0.5),
    b: rng.uniformArray(R * n, -0.1, 0.1),
    h0: rng.uniformArray(R * n, -0.5, 0.5),
  };
}

const ctx: OpContext = { device, kernels, software: gpu.adapterInfo.isSoftware };

describe('rnnForward kernels vs float64 reference', () => {
  for (const { n, B, L, setIndex, runs, naive, software, name } of recurrentCases(RUN_SETS, ctx.software)) {
    it(name, async () => {
      const R = runs.length;
      const rng = new Rng(7000 + 100 * n + 10 * B + L + setIndex);
      const hyper = recurrentHyper(runs);
      const slope = Float64Array.from(runs.map((s) => s.slope));
      const x = forwardInputs(rng, R, L, B, n);
      const bufs = {
        hyper: uploadF32(device, hyper),
        W: uploadF32(device, x.W),
        xproj: uploadF32(device, x.xproj),
        b: uploadF32(device, x.b),
        h0: uploadF32(device, x.h0),
        slope: uploadF32(device, slope),
        a: storageBuffer(device, R * L * B * n * 4),
        h: storageBuffer(device, R * (L + 1) * B * n * 4),
      };
      submit(await prepareRnnForward({ ...ctx, software }, { R, L, B, n }, bufs, { naive }));
      const a = new Float64Array(R * L * B * n);
      const h = new Float64Array(R * (L + 1) * B * n);
      rnnForward(a, h, hyper, x.W, x.xproj, x.b, x.h0, slope, R, L, B, n);
      expectClose('a', await readF32(device, bufs.a, a.length), a, TOL);
      expectClose('h', await readF32(device, bufs.h, h.length), h, TOL);
    });
  }

  it('fused kernel in two chunks of steps (tStart > 0) matches one pass', async () => {
    const [R, L, B, n] = [3, 9, 4, 20];
    const runs = RUN_SETS[0];
    const rng = new Rng(4242);
    const hyper = recurrentHyper(runs);
    const slope = new Float64Array(R);
    const x = forwardInputs(rng, R, L, B, n);
    const blocking = rnnBlocking(ctx.software, B, n);
    const k = await kernels.get('rnnForward', { ...blocking });
    const ins = [hyper, x.W, x.xproj, x.b, x.h0, slope].map((v) => uploadF32(device, v));
    const aBuf = storageBuffer(device, R * L * B * n * 4);
    const hBuf = storageBuffer(device, R * (L + 1) * B * n * 4);
    submit((pass) => {
      for (const [tStart, tEnd] of [
        [0, 4],
        [4, L],
      ]) {
        const p = k.makeParams({ R, L, B, n, tStart, tEnd });
        k.dispatch(pass, k.bind([p, ...ins, aBuf, hBuf]), ceilDiv(B, blocking.ROWS), R);
      }
    });
    const a = new Float64Array(R * L * B * n);
    const h = new Float64Array(R * (L + 1) * B * n);
    rnnForward(a, h, hyper, x.W, x.xproj, x.b, x.h0, slope, R, L, B, n);
    expectClose('h (chunked)', await readF32(device, hBuf, h.length), h, TOL);
  });
});
