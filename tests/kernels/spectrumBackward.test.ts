import { describe, expect, it } from 'vitest';
import { HYPER_STRIDE, Hyper } from '../../src/engine/hyper.ts';
import { readF32, uploadF32 } from '../../src/gpu/buffers.ts';
import type { OpContext } from '../../src/gpu/ops/context.ts';
import { prepareSpectrumBackward } from '../../src/gpu/ops/spectrum.ts';
import { Rng } from '../../src/random/rng.ts';
import { spectrumBackward } from '../../src/reference/spectrumBackward.ts';
import { marginSpectrum } from '../../src/reference/spectrumForward.ts';
import { expectClose } from '../helpers/compare.ts';
import { device, gpu, kernels, submit } from '../helpers/gpu.ts';

// ds' is an f32 sum of n products of O(1) terms (n <= 32): error ~ sqrt(n) * 1e-7 * |terms|.
const TOL = { atol: 2e-5, rtol: 1e-5 };
// dU = T1 * relu(s): one f32 product.
const TOL_DU = { atol: 1e-6, rtol: 1e-6 };

// [FACTORISED, MARGIN_MODE, MARGIN, PRIOR]: margins 0, 0.1, 1, 3 (s can go negative: relu), no margin, plain.
const RUNS = [
  [1, 1, 0, 0],
  [1, 1, 0.1, 0.5],
  [1, 1, 1, 0],
  [1, 1, 3, 0.2],
  [1, 0, 0, 0.3],
  [1, 0, 0, 0],
  [0, 0, 0, 0.5],
];
const STATS_STRIDE = 3;
const STATS_OFFSET = 1;

describe('spectrumBackward kernel vs float64 reference', () => {
  for (const software of [gpu.adapterInfo.isSoftware, !gpu.adapterInfo.isSoftware]) {
    for (const n of [6, 20, 32]) {
      it(`n=${n} R=${RUNS.length} (workgroup for software=${software})`, async () => {
        const R = RUNS.length;
        const nn = n * n;
        const rng = new Rng(700 + n);
        const hyper = new Float32Array(R * HYPER_STRIDE);
        RUNS.forEach(([f, mode, m, prior], r) => {
          hyper[r * HYPER_STRIDE + Hyper.FACTORISED] = f;
          hyper[r * HYPER_STRIDE + Hyper.MARGIN_MODE] = mode;
          hyper[r * HYPER_STRIDE + Hyper.MARGIN] = m;
          hyper[r * HYPER_STRIDE + Hyper.PRIOR] = prior;
        });
        const p = Float32Array.from(rng.normalArray(R * n, 1.5));
        const s = Float32Array.from(rng.uniformArray(R * n, -0.5, 2));
        for (let r = 0; r < R; r++) {
          if (RUNS[r][1] !== 1) continue;
          for (let i = 0; i < n; i++) s[r * n + i] = marginSpectrum(p[r * n + i], hyper[r * HYPER_STRIDE + Hyper.MARGIN]);
        }
        const T1 = Float32Array.from(rng.uniformArray(R * nn));
        const UV = Float32Array.from(rng.uniformArray(R * 2 * nn));
        const dUV0 = Float32Array.from(rng.uniformArray(R * 2 * nn)); // garbage: dU must be overwritten, dV kept
        const junk = Float32Array.from(rng.uniformArray(R * n));
        const stats0 = Float32Array.from(rng.uniformArray(R * STATS_STRIDE));

        const bufs = {
          hyper: uploadF32(device, hyper),
          T1: uploadF32(device, T1),
          UV: uploadF32(device, UV),
          s: uploadF32(device, s),
          p: uploadF32(device, p),
          gs: uploadF32(device, junk),
          gp: uploadF32(device, junk),
          dUV: uploadF32(device, dUV0),
          stats: uploadF32(device, stats0),
        };
        const ctx: OpContext = { device, kernels, software, quads: software && gpu.quadSwaps };
        submit(await prepareSpectrumBackward(ctx, { R, n, statsStride: STATS_STRIDE, statsOffset: STATS_OFFSET }, bufs));

        const gs = new Float64Array(R * n);
        const gp = new Float64Array(R * n);
        const dUV = Float64Array.from(dUV0);
        const prior = new Float64Array(R);
        spectrumBackward(gs, gp, dUV, prior, T1, UV, s, p, hyper, R, n);
        const stats = Float64Array.from(stats0);
        for (let r = 0; r < R; r++) stats[r * STATS_STRIDE + STATS_OFFSET] = prior[r];

        expectClose('gs', await readF32(device, bufs.gs, R * n), gs, TOL);
        expectClose('gp', await readF32(device, bufs.gp, R * n), gp, TOL);
        const gotDUV = await readF32(device, bufs.dUV, R * 2 * nn);
        expectClose('dUV', gotDUV, dUV, TOL_DU);
        expectClose('prior value (stats)', await readF32(device, bufs.stats, R * STATS_STRIDE), stats, { atol: 1e-5, rtol: 1e-5 });
        // dV slices untouched bit for bit; margin 0 gets gp = 0 exactly; no-margin runs gp = 0
        for (let r = 0; r < R; r++) {
          expect(Array.from(gotDUV.subarray((2 * r + 1) * nn, (2 * r + 2) * nn))).toEqual(
            Array.from(dUV0.subarray((2 * r + 1) * nn, (2 * r + 2) * nn)),
          );
        }
        const gotGp = await readF32(device, bufs.gp, R * n);
        expect(Array.from(gotGp.subarray(0, n)).every((v) => v === 0)).toBe(true);
        expect(Array.from(gotGp.subarray(4 * n, 6 * n)).every((v) => v === 0)).toBe(true);
      });
    }
  }
});
