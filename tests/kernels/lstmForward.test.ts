import { describe, expect, it } from 'vitest';
import { readF32, storageBuffer, uploadF32 } from '../../src/gpu/buffers.ts';
import type { OpContext } from '../../src/gpu/ops/context.ts';
import { prepareLstmForward } from '../../src/gpu/ops/lstm.ts';
import { Rng } from '../../src/random/rng.ts';
import { lstmForward } from '../../src/reference/lstmForward.ts';
import { expectClose } from '../helpers/compare.ts';
import { device, gpu, kernels, submit } from '../helpers/gpu.ts';
import { type RecurrentRun, recurrentCasesWithSlices } from '../helpers/recurrentRuns.ts';

// f32 dot products of <= 202 terms of size ~0.1 (W ~ N(0, 1/n), |h| < 1) through saturating gates (sig' <= 1/4,
// tanh' <= 1) and a forget gate < 1 that damps old rounding: over <= 17 steps the worst error measured was below
// 1e-6 absolute (atol 1e-6 + rtol 1e-5 passed every case, 1e-7 + 1e-6 did not). atol 1e-5 + rtol 1e-4 (10x tighter
// than the RNN tests, whose unbounded nonlinearities amplify rounding) keeps a 10x margin, also for a GPU's exp
// and tanh, while a wrong gate, peephole or row index gives O(0.01..1) errors.
const TOL = { atol: 1e-5, rtol: 1e-4 };

// The forward reads no per-run setting; three runs in one dispatch (different weights per run).
const RUNS: RecurrentRun[] = [0, 1, 2].map(() => ({ nonlin: 'tanh', gain: 1, clip: 0, slope: 0 }));

/**
 * Seeded inputs, rounded to f32 (what the GPU sees): W ~ N(0, 1/n), xproj ~ U(-1, 1) and b ~ U(-0.5, 0.5) with the
 * forget bias +1 (gates mostly away from saturation), peep ~ U(-0.5, 0.5), h0 and c0 ~ U(-0.5, 0.5).
 */
function lstmInputs(rng: Rng, R: number, L: number, B: number, n: number) {
  const b = rng.uniformArray(R * 4 * n, -0.5, 0.5);
  for (let r = 0; r < R; r++) for (let u = 0; u < n; u++) b[r * 4 * n + n + u] += 1;
  const f32 = (v: Float64Array) => Float32Array.from(v);
  return {
    W: f32(rng.normalArray(R * 4 * n * n, 1 / Math.sqrt(n))),
    xproj: f32(rng.uniformArray(R * L * B * 4 * n, -1, 1)),
    b: f32(b),
    peep: f32(rng.uniformArray(R * 3 * n, -0.5, 0.5)),
    h0: f32(rng.uniformArray(R * n, -0.5, 0.5)),
    c0: f32(rng.uniformArray(R * n, -0.5, 0.5)),
  };
}

const ctx: OpContext = { device, kernels, software: gpu.adapterInfo.isSoftware, quads: gpu.quadSwaps };

const CASES = recurrentCasesWithSlices([RUNS], ctx.software);

describe('lstmForward kernel vs float64 reference', () => {
  for (const { n, B, L, naive, software } of CASES) {
    const name = `n=${n} B=${B} L=${L} ${naive ? 'naive (one dispatch per step)' : `fused (${software ? 'software' : 'hardware'} blocking)`}`;
    it(name, async () => {
      const R = RUNS.length;
      const rng = new Rng(5100 + 100 * n + 10 * B + L);
      const x = lstmInputs(rng, R, L, B, n);
      const bufs = {
        W: uploadF32(device, x.W),
        xproj: uploadF32(device, x.xproj),
        b: uploadF32(device, x.b),
        peep: uploadF32(device, x.peep),
        h0: uploadF32(device, x.h0),
        c0: uploadF32(device, x.c0),
        gates: storageBuffer(device, R * L * B * 4 * n * 4),
        c: storageBuffer(device, R * (L + 1) * B * n * 4),
        h: storageBuffer(device, R * (L + 1) * B * n * 4),
      };
      const dispatches = await prepareLstmForward({ ...ctx, software }, { R, L, B, n }, bufs, { naive });
      expect(dispatches.length).toBe(naive ? L : 1);
      submit(dispatches);
      const gates = new Float64Array(R * L * B * 4 * n);
      const c = new Float64Array(R * (L + 1) * B * n);
      const h = new Float64Array(R * (L + 1) * B * n);
      lstmForward(gates, c, h, x.W, x.xproj, x.b, x.peep, x.h0, x.c0, R, L, B, n);
      const got = {
        gates: await readF32(device, bufs.gates, gates.length),
        c: await readF32(device, bufs.c, c.length),
        h: await readF32(device, bufs.h, h.length),
      };
      expectClose('gates', got.gates, gates, TOL);
      expectClose('c', got.c, c, TOL);
      expectClose('h', got.h, h, TOL);

      // A second identical submit over the outputs of the first gives the same bits.
      submit(dispatches);
      expect(await readF32(device, bufs.gates, gates.length)).toEqual(got.gates);
      expect(await readF32(device, bufs.c, c.length)).toEqual(got.c);
      expect(await readF32(device, bufs.h, h.length)).toEqual(got.h);
      for (const buf of Object.values(bufs)) buf.destroy();
    });
  }
});
