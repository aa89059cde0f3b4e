import { describe, it } from 'vitest';
import { readF32, storageBuffer, uploadF32 } from '../../src/gpu/buffers.ts';
import type { OpContext } from '../../src/gpu/ops/context.ts';
import { preparePreluSlopeGrad, prepareRnnBackward } from '../../src/gpu/ops/rnnBackward.ts';
import { Rng } from '../../src/random/rng.ts';
import { preluSlopeGrad, rnnBackward } from '../../src/reference/rnnBackward.ts';
import { expectClose } from '../helpers/compare.ts';
import { device, gpu, kernels, submit } from '../helpers/gpu.ts';
import { type RecurrentRun, recurrentCases, recurrentHyper } from '../helpers/recurrentRuns.ts';

// f32 dot products of <= 32 terms carried back through <= 17 steps (W with spectral radius ~1): rounding near
// 1e-6 per step; atol 1e-4 + rtol 1e-3 leaves a wide margin while an indexing, Jacobian or clip mistake gives
// O(0.01..1) errors. flow is a sum of squares over B*n terms: same relative tolerance.
const TOL = { atol: 1e-4, rtol: 1e-3 };

// Clips of 0.05 / 0.02 bind on part of the elements (|da| ranges up to ~1), so both branches are exercised.
const RUN_SETS: RecurrentRun[][] = [
  [
    { nonlin: 'tanh', gain: 1.05, clip: 0, slope: 0 },
    { nonlin: 'relu', gain: 1, clip: 0.05, slope: 0 },
    { nonlin: 'oplu', gain: 0.9, clip: 0, slope: 0 },
  ],
  [
    { nonlin: 'linear', gain: 1, clip: 0.02, slope: 0 },
    { nonlin: 'leaky', gain: 1.1, clip: 0, slope: 0.2 },
    { nonlin: 'prelu', gain: 1, clip: 0.3, slope: 0.7 },
  ],
];

/** Inputs as f32 (what the GPU sees); dhOut is zero at the first steps, as for a task scored at the end. */
function backwardInputs(rng: Rng, R: number, L: number, B: number, n: number) {
  const dhOut = Float32Array.from(rng.uniformArray(R * L * B * n, -1, 1));
  const unscored = Math.floor(L / 3);
  for (let r = 0; r < R; r++) dhOut.fill(0, r * L * B * n, (r * L + unscored) * B * n);
  return {
    W: Float32Array.from(rng.normalArray(R * n * n, 1 / Math.sqrt(n))),
    a: Float32Array.from(rng.uniformArray(R * L * B * n, -1.5, 1.5)),
    dhOut,
  };
}

const ctx: OpContext = { device, kernels, software: gpu.adapterInfo.isSoftware, quads: gpu.quadSwaps };

describe('rnnBackward kernels vs float64 reference', () => {
  for (const { n, B, L, setIndex, runs, naive, software, name } of recurrentCases(RUN_SETS, ctx.software)) {
    it(name, async () => {
      const R = runs.length;
      const rng = new Rng(9000 + 100 * n + 10 * B + L + setIndex);
      const hyper = recurrentHyper(runs);
      const slope = Float32Array.from(runs.map((s) => s.slope));
      const x = backwardInputs(rng, R, L, B, n);
      const flowScale = 0.37;
      const bufs = {
        hyper: uploadF32(device, hyper),
        W: uploadF32(device, x.W),
        a: uploadF32(device, x.a),
        slope: uploadF32(device, slope),
        dhOut: uploadF32(device, x.dhOut),
        dh: storageBuffer(device, R * L * B * n * 4),
        da: storageBuffer(device, R * L * B * n * 4),
        dh0: storageBuffer(device, R * B * n * 4),
        flow: storageBuffer(device, R * (L + 1) * 4),
      };
      const plan = await prepareRnnBackward({ ...ctx, software }, { R, L, B, n }, bufs, { naive });
      plan.setFlow(true, flowScale);
      submit(plan.dispatches);
      const dh = new Float64Array(R * L * B * n);
      const da = new Float64Array(R * L * B * n);
      const dh0 = new Float64Array(R * B * n);
      const flow = new Float64Array(R * (L + 1));
      rnnBackward(dh, da, dh0, flow, hyper, x.W, x.a, slope, x.dhOut, R, L, B, n, flowScale);
      expectClose('dh', await readF32(device, bufs.dh, dh.length), dh, TOL);
      expectClose('da', await readF32(device, bufs.da, da.length), da, TOL);
      expectClose('dh0', await readF32(device, bufs.dh0, dh0.length), dh0, TOL);
      expectClose('flow', await readF32(device, bufs.flow, flow.length), flow, TOL);

      // With flow off the flow delta does nothing; the training gradients are unchanged.
      plan.setFlow(false, flowScale);
      submit(plan.dispatches);
      expectClose('da (flow off)', await readF32(device, bufs.da, da.length), da, TOL);

      // prelu slope gradient from the kernel's own dh
      const slopeGrad = storageBuffer(device, R * 4);
      submit(await preluSlopeGrad_(bufs, slopeGrad, R, L, B, n));
      const want = new Float64Array(R);
      preluSlopeGrad(want, hyper, dh, x.a, R, L, B, n);
      expectClose('preluSlopeGrad', await readF32(device, slopeGrad, R), want, { atol: 1e-3, rtol: 1e-3 });
    });
  }
});

function preluSlopeGrad_(
  bufs: { hyper: GPUBuffer; dh: GPUBuffer; a: GPUBuffer },
  slopeGrad: GPUBuffer,
  R: number,
  L: number,
  B: number,
  n: number,
) {
  return preparePreluSlopeGrad(ctx, { R, L, B, n }, { hyper: bufs.hyper, dh: bufs.dh, a: bufs.a, slopeGrad });
}
