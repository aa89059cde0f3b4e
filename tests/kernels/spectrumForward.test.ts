import { describe, expect, it } from 'vitest';
import { HYPER_STRIDE, Hyper } from '../../src/engine/hyper.ts';
import { healthTable } from '../../src/engine/runHealth.ts';
import { readF32, uploadArray, uploadF32 } from '../../src/gpu/buffers.ts';
import type { OpContext } from '../../src/gpu/ops/context.ts';
import { prepareSpectrumForward } from '../../src/gpu/ops/spectrum.ts';
import { Rng } from '../../src/random/rng.ts';
import { spectrumForward } from '../../src/reference/spectrumForward.ts';
import { expectClose } from '../helpers/compare.ts';
import { device, gpu, kernels, submit } from '../helpers/gpu.ts';

// s = 1 + m tanh(p/2) in f32: a few ulps of (1 + m), so atol 1e-6 (m <= 1) plus rtol 1e-6. m = 0 must give 1 exactly.
const TOL = { atol: 1e-6, rtol: 1e-6 };

// [FACTORISED, MARGIN_MODE, MARGIN]: margins 0, 0.1, 1, 3; a no-margin run; a plain run; a margin run frozen by
// the run guard (its s stays as it is).
const RUNS = [
  [1, 1, 0],
  [1, 1, 0.1],
  [1, 1, 1],
  [1, 1, 3],
  [1, 0, 0.5],
  [0, 1, 1],
  [1, 1, 0.5],
];
const FROZEN = [6];

function hyperTable(): Float32Array {
  const h = new Float32Array(RUNS.length * HYPER_STRIDE);
  RUNS.forEach(([f, mode, m], r) => {
    h[r * HYPER_STRIDE + Hyper.FACTORISED] = f;
    h[r * HYPER_STRIDE + Hyper.MARGIN_MODE] = mode;
    h[r * HYPER_STRIDE + Hyper.MARGIN] = m;
  });
  return h;
}

describe('spectrumForward kernel vs float64 reference', () => {
  for (const software of [gpu.adapterInfo.isSoftware, !gpu.adapterInfo.isSoftware]) {
    for (const n of [6, 20, 32]) {
      it(`n=${n} R=${RUNS.length} (workgroup for software=${software})`, async () => {
        const R = RUNS.length;
        const rng = new Rng(300 + n);
        const p = Float32Array.from(rng.normalArray(R * n, 2));
        p[1] = 40; // far in the tails: no overflow, s at the bound
        p[n + 2] = -40;
        const s0 = Float32Array.from(rng.uniformArray(R * n, -0.5, 2));
        const hyper = hyperTable();
        const ctx: OpContext = { device, kernels, software, quads: software && gpu.quadSwaps };
        const sBuf = uploadF32(device, s0);
        const health = healthTable(R, FROZEN);
        submit(
          await prepareSpectrumForward(
            ctx,
            { R, n },
            { hyper: uploadF32(device, hyper), p: uploadF32(device, p), s: sBuf, health: uploadArray(device, health) },
          ),
        );
        const got = await readF32(device, sBuf, R * n);
        const want = Float64Array.from(s0);
        spectrumForward(want, p, hyper, R, n, health);
        expectClose('spectrumForward', got, want, TOL);
        // margin 0 is the hard orthogonal model: exactly 1
        expect(Array.from(got.subarray(0, n))).toEqual(new Array(n).fill(1));
        // no-margin, plain and frozen runs untouched, bit for bit
        expect(Array.from(got.subarray(4 * n))).toEqual(Array.from(s0.subarray(4 * n)));
      });
    }
  }
});
