import { describe, expect, it } from 'vitest';
import { HYPER_STRIDE, Hyper } from '../../src/engine/hyper.ts';
import { healthTable } from '../../src/engine/runHealth.ts';
import { readF32, uploadArray, uploadF32 } from '../../src/gpu/buffers.ts';
import type { OpContext } from '../../src/gpu/ops/context.ts';
import { prepareSgd } from '../../src/gpu/ops/optimizers.ts';
import { Rng } from '../../src/random/rng.ts';
import { sgd } from '../../src/reference/sgd.ts';
import { expectClose } from '../helpers/compare.ts';
import { device, gpu, kernels, submit } from '../helpers/gpu.ts';

// Two steps of size lr * O(1) on O(1) parameters: f32 rounding of theta, ~1e-7.
const TOL = { atol: 1e-6, rtol: 1e-6 };
const LRS = [0.1, 0, 1e-3, 0.1]; // per run, in the LR_FREE column; lr = 0 must leave parameter and velocity alone
// run 3 is frozen by the run guard and gets NaN and infinite gradients: neither its parameter nor its velocity may change
const FROZEN = [3];

describe('sgd kernel vs float64 reference (two steps)', () => {
  const variants = [
    { momentum: 0, nesterov: false },
    { momentum: 0.9, nesterov: false },
    { momentum: 0.9, nesterov: true },
  ];
  for (const v of variants) {
    for (const size of [6, 20 * 20, 32 * 32 + 3]) {
      it(`momentum=${v.momentum} nesterov=${v.nesterov} R=${LRS.length} size=${size}`, async () => {
        const R = LRS.length;
        const rng = new Rng(60 + size);
        const hyper = new Float32Array(R * HYPER_STRIDE).fill(0.5);
        LRS.forEach((lr, r) => {
          hyper[r * HYPER_STRIDE + Hyper.LR_FREE] = lr;
        });
        const theta0 = Float32Array.from(rng.uniformArray(R * size));
        const vel0 = Float32Array.from(rng.uniformArray(R * size, -0.1, 0.1));
        const g1 = Float32Array.from(rng.uniformArray(R * size));
        const g2 = Float32Array.from(rng.uniformArray(R * size));
        g1.fill(Number.NaN, 3 * size);
        g2.fill(Number.NEGATIVE_INFINITY, 3 * size);
        const health = healthTable(R, FROZEN);
        const bufs = {
          hyper: uploadF32(device, hyper),
          param: uploadF32(device, theta0),
          grad: uploadF32(device, g1),
          state: v.momentum === 0 ? undefined : uploadF32(device, vel0),
          health: uploadArray(device, health),
        };
        const ctx: OpContext = { device, kernels, software: gpu.adapterInfo.isSoftware, quads: gpu.quadSwaps };
        const step = await prepareSgd(ctx, { R, size, lrIndex: Hyper.LR_FREE, ...v }, bufs);
        submit(step);
        device.queue.writeBuffer(bufs.grad, 0, g2);
        submit(step);

        const theta = Float64Array.from(theta0);
        const vel = Float64Array.from(vel0);
        sgd(theta, vel, g1, hyper, R, size, Hyper.LR_FREE, v.momentum, v.nesterov, health);
        sgd(theta, vel, g2, hyper, R, size, Hyper.LR_FREE, v.momentum, v.nesterov, health);
        const got = await readF32(device, bufs.param, R * size);
        expectClose('sgd param', got, theta, TOL);
        expect(Array.from(got.subarray(size, 2 * size))).toEqual(Array.from(theta0.subarray(size, 2 * size)));
        // the frozen run: bit for bit what it was, despite the NaN and infinite gradients
        expect(Array.from(got.subarray(3 * size))).toEqual(Array.from(theta0.subarray(3 * size)));
        if (bufs.state) {
          const gotVel = await readF32(device, bufs.state, R * size);
          expectClose('sgd velocity', gotVel, vel, TOL);
          expect(Array.from(gotVel.subarray(3 * size))).toEqual(Array.from(vel0.subarray(3 * size)));
        }
      });
    }
  }
});
