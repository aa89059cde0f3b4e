import { describe, expect, it } from 'vitest';
import { readF32, storageBuffer, uploadF32 } from '../../src/gpu/buffers.ts';
import type { OpContext } from '../../src/gpu/ops/context.ts';
import { prepareLstmBackward } from '../../src/gpu/ops/lstm.ts';
import { Rng } from '../../src/random/rng.ts';
import { lstmBackward } from '../../src/reference/lstmBackward.ts';
import { lstmForward } from '../../src/reference/lstmForward.ts';
import { expectClose } from '../helpers/compare.ts';
import { device, gpu, kernels, submit } from '../helpers/gpu.ts';
import { type RecurrentRun, recurrentCasesWithSlices, recurrentHyper } from '../helpers/recurrentRuns.ts';

// f32 sums of <= 4*202 terms (W^T dz) carried back through <= 17 steps; the gate derivatives are bounded
// (sig' <= 1/4, tanh' <= 1) and the forget gate (< 1) damps the cell path, so rounding stays small: the worst error
// measured was below 1e-6 absolute (atol 1e-6 + rtol 1e-5 passed every case, 1e-7 + 1e-6 did not). atol 1e-5 +
// rtol 1e-4 (10x tighter than the RNN tests) keeps a 10x margin while a gate, peephole, clip, reset or row-index
// mistake gives O(0.01..1) errors. peepGrad and flow (sums over steps and rows, of products and of squares) are
// held to the same tolerance. Repeated submits must give the same bits.
const TOL = { atol: 1e-5, rtol: 1e-4 };

// Clips 0.05 and 0.01 bind on part of dz (|dz| ranges up to ~0.3); run 0 has no clip.
const RUNS: RecurrentRun[] = [0, 0.05, 0.01].map((clip) => ({ nonlin: 'tanh', gain: 1, clip, slope: 0 }));

/**
 * Seeded inputs as f32 (what the GPU sees). The forward quantities (gates, c) come from the float64 forward
 * on random weights (W ~ N(0, 1/n), xproj ~ U(-1, 1), b ~ U(-0.5, 0.5) with forget bias +1, peep ~ U(-0.5, 0.5),
 * h0, c0 ~ U(-0.5, 0.5)), rounded to f32. dhOut ~ U(-1, 1), zero at the first third of the steps.
 */
function backwardInputs(rng: Rng, R: number, L: number, B: number, n: number) {
  const W = Float32Array.from(rng.normalArray(R * 4 * n * n, 1 / Math.sqrt(n)));
  const xproj = rng.uniformArray(R * L * B * 4 * n, -1, 1);
  const b = rng.uniformArray(R * 4 * n, -0.5, 0.5);
  for (let r = 0; r < R; r++) for (let u = 0; u < n; u++) b[r * 4 * n + n + u] += 1;
  const peep = Float32Array.from(rng.uniformArray(R * 3 * n, -0.5, 0.5));
  const h0 = rng.uniformArray(R * n, -0.5, 0.5);
  const c0 = rng.uniformArray(R * n, -0.5, 0.5);
  const gates = new Float64Array(R * L * B * 4 * n);
  const c = new Float64Array(R * (L + 1) * B * n);
  lstmForward(gates, c, new Float64Array(R * (L + 1) * B * n), W, xproj, b, peep, h0, c0, R, L, B, n);
  const dhOut = Float32Array.from(rng.uniformArray(R * L * B * n, -1, 1));
  const unscored = Math.floor(L / 3);
  for (let r = 0; r < R; r++) dhOut.fill(0, r * L * B * n, (r * L + unscored) * B * n);
  return { W, peep, gates: Float32Array.from(gates), c: Float32Array.from(c), dhOut };
}

const ctx: OpContext = { device, kernels, software: gpu.adapterInfo.isSoftware, quads: gpu.quadSwaps };

const CASES = recurrentCasesWithSlices([RUNS], ctx.software);

describe('lstmBackward kernel vs float64 reference', () => {
  for (const { n, B, L, naive, software } of CASES) {
    const name = `n=${n} B=${B} L=${L} clips=${RUNS.map((s) => s.clip).join(',')} ${naive ? 'naive (one dispatch per step)' : `fused (${software ? 'software' : 'hardware'} blocking)`}`;
    it(name, async () => {
      const R = RUNS.length;
      const rng = new Rng(6100 + 100 * n + 10 * B + L);
      const hyper = recurrentHyper(RUNS);
      const x = backwardInputs(rng, R, L, B, n);
      const flowScale = 0.37;
      const bufs = {
        hyper: uploadF32(device, hyper),
        W: uploadF32(device, x.W),
        peep: uploadF32(device, x.peep),
        gates: uploadF32(device, x.gates),
        c: uploadF32(device, x.c),
        dhOut: uploadF32(device, x.dhOut),
        dz: storageBuffer(device, R * L * B * 4 * n * 4),
        dh0: storageBuffer(device, R * B * n * 4),
        dc0: storageBuffer(device, R * B * n * 4),
        peepGrad: storageBuffer(device, R * 3 * n * 4),
        flow: storageBuffer(device, R * (L + 1) * 4),
      };
      const plan = await prepareLstmBackward({ ...ctx, software }, { R, L, B, n }, bufs, { naive });
      // per channel one dispatch (fused) or one per step t = L..0 (naive), then the two sums
      expect(plan.dispatches.length).toBe(2 * (naive ? L + 1 : 1) + 2);
      plan.setFlow(true, flowScale);
      submit(plan.dispatches);

      const want = {
        dz: new Float64Array(R * L * B * 4 * n),
        dh0: new Float64Array(R * B * n),
        dc0: new Float64Array(R * B * n),
        peepGrad: new Float64Array(R * 3 * n),
        flow: new Float64Array(R * (L + 1)),
      };
      lstmBackward(want.dz, want.dh0, want.dc0, want.peepGrad, want.flow, hyper, x.W, x.peep, x.gates, x.c, x.dhOut, R, L, B, n, flowScale);
      const outputs = ['dz', 'dh0', 'dc0', 'peepGrad', 'flow'] as const;
      const read = async () => {
        const got: Record<string, Float32Array> = {};
        for (const k of outputs) got[k] = await readF32(device, bufs[k], want[k].length);
        return got;
      };
      const first = await read();
      for (const k of outputs) expectClose(k, first[k], want[k], TOL);
      // the binding clips really bind somewhere
      const LBn4 = L * B * 4 * n;
      for (const r of [1, 2]) {
        const c = RUNS[r].clip;
        const run = first.dz.subarray(r * LBn4, (r + 1) * LBn4);
        expect(
          run.some((v) => Math.abs(v) === Math.fround(c)),
          `clip ${c} binds`,
        ).toBe(true);
        expect(
          run.some((v) => Math.abs(v) < Math.fround(c)),
          `clip ${c} leaves some dz free`,
        ).toBe(true);
      }

      // With flow off the flow delta does nothing; the training outputs are unchanged (same bits).
      plan.setFlow(false, flowScale);
      submit(plan.dispatches);
      const off = await read();
      for (const k of ['dz', 'dh0', 'dc0', 'peepGrad'] as const) expect(off[k], `${k} (flow off)`).toEqual(first[k]);

      // Flow on again: every output, the carried state (dc scratch, peephole partials) reset at t = L.
      plan.setFlow(true, flowScale);
      submit(plan.dispatches);
      const again = await read();
      for (const k of outputs) expect(again[k], `${k} (second submit)`).toEqual(first[k]);
      for (const buf of Object.values(bufs)) buf.destroy();
    });
  }
});
