import { describe, expect, it } from 'vitest';
import { HYPER_STRIDE, Hyper } from '../../src/engine/hyper.ts';
import { healthTable } from '../../src/engine/runHealth.ts';
import { readF32, uploadArray, uploadF32 } from '../../src/gpu/buffers.ts';
import type { OpContext } from '../../src/gpu/ops/context.ts';
import { prepareRmsprop } from '../../src/gpu/ops/optimizers.ts';
import { Rng } from '../../src/random/rng.ts';
import { rmsprop } from '../../src/reference/rmsprop.ts';
import { expectClose } from '../helpers/compare.ts';
import { device, gpu, kernel, kernels, submit } from '../helpers/gpu.ts';

// Two steps from ms = 0: g / sqrt(ms + eps) is O(1) with f32 rounding ~1e-7 relative; steps are lr * O(3).
const TOL = { atol: 1e-6, rtol: 1e-6 };
const LRS = [1e-2, 0, 3e-4, 1e-2]; // per run, in the LR_P column; lr = 0 must leave the parameter alone
// run 3 is frozen by the run guard and gets NaN and infinite gradients: neither its parameter nor its mean square may change
const FROZEN = [3];

function hyperTable(): Float32Array {
  const h = new Float32Array(LRS.length * HYPER_STRIDE).fill(0.5); // unrelated columns hold junk
  LRS.forEach((lr, r) => {
    h[r * HYPER_STRIDE + Hyper.LR_P] = lr;
  });
  return h;
}

describe('rmsprop kernel vs float64 reference (two steps)', () => {
  for (const size of [6, 20 * 20, 32 * 32 + 3]) {
    it(`R=${LRS.length} size=${size}`, async () => {
      const R = LRS.length;
      const rng = new Rng(40 + size);
      const theta0 = Float32Array.from(rng.uniformArray(R * size));
      const g1 = Float32Array.from(rng.uniformArray(R * size));
      const g2 = Float32Array.from(rng.uniformArray(R * size));
      g1[3] = 0; // g = 0 with ms = 0: no step, no NaN
      g1.fill(Number.NaN, 3 * size, 4 * size);
      g2.fill(Number.POSITIVE_INFINITY, 3 * size, 4 * size);
      const ms0 = Float32Array.from(rng.uniformArray(R * size, 0, 1)).fill(0, 0, 3 * size);
      const hyper = hyperTable();
      const health = healthTable(R, FROZEN);
      const bufs = {
        hyper: uploadF32(device, hyper),
        param: uploadF32(device, theta0),
        grad: uploadF32(device, g1),
        state: uploadF32(device, ms0),
        health: uploadArray(device, health),
      };
      const ctx: OpContext = { device, kernels, software: gpu.adapterInfo.isSoftware, quads: gpu.quadSwaps };
      const step = await prepareRmsprop(ctx, { R, size, lrIndex: Hyper.LR_P }, bufs);
      submit(step);
      device.queue.writeBuffer(bufs.grad, 0, g2);
      submit(step);

      const theta = Float64Array.from(theta0);
      const ms = Float64Array.from(ms0);
      rmsprop(theta, ms, g1, hyper, R, size, Hyper.LR_P, 0.9, 1e-6, health);
      rmsprop(theta, ms, g2, hyper, R, size, Hyper.LR_P, 0.9, 1e-6, health);
      const got = await readF32(device, bufs.param, R * size);
      const gotMs = await readF32(device, bufs.state, R * size);
      expectClose('rmsprop param', got, theta, TOL);
      expectClose('rmsprop ms', gotMs, ms, TOL);
      expect(Array.from(got.subarray(size, 2 * size))).toEqual(Array.from(theta0.subarray(size, 2 * size)));
      // the frozen run: bit for bit what it was, despite the NaN and infinite gradients
      expect(Array.from(got.subarray(3 * size))).toEqual(Array.from(theta0.subarray(3 * size)));
      expect(Array.from(gotMs.subarray(3 * size))).toEqual(Array.from(ms0.subarray(3 * size)));
    });
  }

  it('grid-stride loop and the 0/0 guard (eps = 0, g = 0, ms = 0)', async () => {
    const R = 2;
    const size = 1000; // 3 workgroups of 64 cover it only by striding
    const rng = new Rng(7);
    const theta0 = Float32Array.from(rng.uniformArray(R * size));
    const g = Float32Array.from(rng.uniformArray(R * size));
    for (let k = 0; k < size; k += 7) g[k] = 0;
    const hyper = hyperTable();
    const k = await kernel('rmsprop', { WG: 64 });
    const pb = uploadF32(device, theta0);
    const mb = uploadF32(device, new Float32Array(R * size));
    const params = k.makeParams({ R, size, rho: 0.9, eps: 0, lrIndex: Hyper.LR_P });
    const health = uploadArray(device, healthTable(R));
    submit((pass) => k.dispatch(pass, k.bind([params, uploadF32(device, hyper), pb, uploadF32(device, g), mb, health]), 3, R));
    const theta = Float64Array.from(theta0);
    rmsprop(theta, new Float64Array(R * size), g, hyper, R, size, Hyper.LR_P, 0.9, 0);
    const got = await readF32(device, pb, R * size);
    expect(got.every(Number.isFinite)).toBe(true);
    expectClose('rmsprop eps=0', got, theta, TOL);
  });
});
