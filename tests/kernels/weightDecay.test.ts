import { describe, expect, it } from 'vitest';
import { HYPER_STRIDE, Hyper } from '../../src/engine/hyper.ts';
import { readF32, uploadF32 } from '../../src/gpu/buffers.ts';
import type { OpContext } from '../../src/gpu/ops/context.ts';
import { prepareWeightDecay } from '../../src/gpu/ops/penalties.ts';
import { Rng } from '../../src/random/rng.ts';
import { weightDecay } from '../../src/reference/weightDecay.ts';
import { expectClose } from '../helpers/compare.ts';
import { device, gpu, kernels, submit } from '../helpers/gpu.ts';

// g += 2 wd w: one f32 fma. Values: f32 sums of up to ~1000 positive terms.
const TOL_GRAD = { atol: 1e-7, rtol: 1e-6 };
const TOL_VALUE = { atol: 1e-9, rtol: 2e-5 };
const WDS = [0, 1e-4, 0.5];
const STATS_STRIDE = 4;
const STATS_OFFSET = 2;

describe('weightDecay kernel vs float64 reference', () => {
  for (const groups of [undefined, 5]) {
    for (const [rows, cols] of [
      [6, 1],
      [20, 7],
      [10, 32],
      [32, 33],
    ]) {
      it(`size=${rows}x${cols} R=${WDS.length} groups=${groups ?? 'auto'}`, async () => {
        const R = WDS.length;
        const size = rows * cols;
        const rng = new Rng(600 + size);
        const hyper = new Float32Array(R * HYPER_STRIDE);
        WDS.forEach((wd, r) => {
          hyper[r * HYPER_STRIDE + Hyper.WEIGHT_DECAY] = wd;
        });
        const w = Float32Array.from(rng.uniformArray(R * size));
        const g0 = Float32Array.from(rng.uniformArray(R * size));
        const stats0 = new Float32Array(R * STATS_STRIDE).fill(-1);
        const bufs = {
          hyper: uploadF32(device, hyper),
          w: uploadF32(device, w),
          g: uploadF32(device, g0),
          stats: uploadF32(device, stats0),
        };
        const ctx: OpContext = { device, kernels, software: gpu.adapterInfo.isSoftware, quads: gpu.quadSwaps };
        submit(await prepareWeightDecay(ctx, { R, size, groups, statsStride: STATS_STRIDE, statsOffset: STATS_OFFSET }, bufs));

        const g = Float64Array.from(g0);
        const values = new Float64Array(R);
        weightDecay(g, values, w, hyper, R, size);
        const stats = Float64Array.from(stats0);
        values.forEach((v, r) => {
          stats[r * STATS_STRIDE + STATS_OFFSET] = v;
        });
        const gotG = await readF32(device, bufs.g, R * size);
        expectClose('weightDecay g', gotG, g, TOL_GRAD);
        expectClose('weightDecay stats', await readF32(device, bufs.stats, R * STATS_STRIDE), stats, TOL_VALUE);
        expect(Array.from(gotG.subarray(0, size))).toEqual(Array.from(g0.subarray(0, size)));
      });
    }
  }

  it('without a stats buffer: one dispatch, gradient only', async () => {
    const R = WDS.length;
    const size = 50;
    const rng = new Rng(5);
    const hyper = new Float32Array(R * HYPER_STRIDE);
    WDS.forEach((wd, r) => {
      hyper[r * HYPER_STRIDE + Hyper.WEIGHT_DECAY] = wd;
    });
    const w = Float32Array.from(rng.uniformArray(R * size));
    const g0 = Float32Array.from(rng.uniformArray(R * size));
    const gb = uploadF32(device, g0);
    const ctx: OpContext = { device, kernels, software: gpu.adapterInfo.isSoftware, quads: gpu.quadSwaps };
    const dispatches = await prepareWeightDecay(ctx, { R, size }, { hyper: uploadF32(device, hyper), w: uploadF32(device, w), g: gb });
    expect(dispatches.length).toBe(1);
    submit(dispatches);
    const g = Float64Array.from(g0);
    weightDecay(g, new Float64Array(R), w, hyper, R, size);
    expectClose('weightDecay g (no stats)', await readF32(device, gb, R * size), g, TOL_GRAD);
  });
});
