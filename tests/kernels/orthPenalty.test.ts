import { describe, expect, it } from 'vitest';
import { HYPER_STRIDE, Hyper } from '../../src/engine/hyper.ts';
import { readF32, uploadF32 } from '../../src/gpu/buffers.ts';
import type { OpContext } from '../../src/gpu/ops/context.ts';
import { prepareOrthPenalty } from '../../src/gpu/ops/penalties.ts';
import { Rng } from '../../src/random/rng.ts';
import { gramAndQ, orthPenalty } from '../../src/reference/orthPenalty.ts';
import { expectClose } from '../helpers/compare.ts';
import { device, gpu, kernels, submit } from '../helpers/gpu.ts';

// dW: 4 lambda (Q - W) from f32 copies of O(1) matrices: ~1e-6. Values: f32 sums of n^2 <= 1024 positive terms.
const TOL_GRAD = { atol: 2e-6, rtol: 1e-5 };
const TOL_VALUE = { atol: 1e-7, rtol: 2e-5 };

// [SOFT_ORTH, WEIGHT_DECAY]: off, orth only, decay only (paper's 1e-4), both.
const RUNS = [
  [0, 0],
  [0.5, 0],
  [0, 1e-4],
  [0.3, 0.01],
];

describe('orthPenalty kernel vs float64 reference', () => {
  for (const software of [gpu.adapterInfo.isSoftware, !gpu.adapterInfo.isSoftware]) {
    for (const groups of [undefined, 3]) {
      for (const n of [6, 20, 32]) {
        it(`n=${n} R=${RUNS.length} groups=${groups ?? 'auto'} (workgroup for software=${software})`, async () => {
          const R = RUNS.length;
          const nn = n * n;
          const rng = new Rng(500 + n);
          const hyper = new Float32Array(R * HYPER_STRIDE);
          RUNS.forEach(([lambda, wd], r) => {
            hyper[r * HYPER_STRIDE + Hyper.SOFT_ORTH] = lambda;
            hyper[r * HYPER_STRIDE + Hyper.WEIGHT_DECAY] = wd;
          });
          // Roughly orthogonal plus noise, like a trained W.
          const W = Float32Array.from(rng.normalArray(R * nn, 1 / Math.sqrt(n)));
          const { C: C64, Q: Q64 } = gramAndQ(W, R, n);
          const C = Float32Array.from(C64);
          const Q = Float32Array.from(Q64);
          // Runs without soft orthogonality must not read C and Q: fill them with NaN there.
          for (let r = 0; r < R; r++) {
            if (RUNS[r][0] === 0) {
              C.fill(NaN, r * nn, (r + 1) * nn);
              Q.fill(NaN, r * nn, (r + 1) * nn);
            }
          }
          const dW0 = Float32Array.from(rng.uniformArray(R * nn));
          const bufs = {
            hyper: uploadF32(device, hyper),
            W: uploadF32(device, W),
            C: uploadF32(device, C),
            Q: uploadF32(device, Q),
            dW: uploadF32(device, dW0),
            stats: uploadF32(device, new Float32Array(2 * R).fill(-1)),
          };
          const ctx: OpContext = { device, kernels, software, quads: software && gpu.quadSwaps };
          submit(await prepareOrthPenalty(ctx, { R, n, groups }, bufs));

          const dW = Float64Array.from(dW0);
          const stats = new Float64Array(2 * R);
          orthPenalty(dW, stats, W, C, Q, hyper, R, n);
          const gotDW = await readF32(device, bufs.dW, R * nn);
          expectClose('orthPenalty dW', gotDW, dW, TOL_GRAD);
          expectClose('orthPenalty stats', await readF32(device, bufs.stats, 2 * R), stats, TOL_VALUE);
          expect(Array.from(gotDW.subarray(0, nn))).toEqual(Array.from(dW0.subarray(0, nn)));
          expect(stats[2]).toBeGreaterThan(0);
        });
      }
    }
  }
});
