import { describe, expect, it } from 'vitest';
import { HYPER_STRIDE, Hyper } from '../../src/engine/hyper.ts';
import { healthTable } from '../../src/engine/runHealth.ts';
import { readF32, uploadArray, uploadF32 } from '../../src/gpu/buffers.ts';
import type { OpContext } from '../../src/gpu/ops/context.ts';
import { prepareSpectrumRemargin } from '../../src/gpu/ops/spectrum.ts';
import { Rng } from '../../src/random/rng.ts';
import { marginSpectrum } from '../../src/reference/spectrumForward.ts';
import { spectrumRemargin } from '../../src/reference/spectrumRemargin.ts';
import { expectClose } from '../helpers/compare.ts';
import { device, gpu, kernels, submit } from '../helpers/gpu.ts';

// p = log(q) - log(1 - q) with q in [0.05, 0.95] for values inside the bounds (|dp/dq| <= 21) or clamped at
// eps: f32 rounding of q (~1e-7 relative to (1 + m) / 2m) gives |dp| < 1e-5 for m >= 0.1.
const TOL_P = { atol: 1e-4, rtol: 1e-5 };
const EPS = 1e-6;

// [mask, MARGIN_MODE, new MARGIN]
const RUNS = [
  [1, 1, 0.1],
  [1, 1, 0], // new margin 0: p = 0
  [0, 1, 1], // not flagged: untouched
  [1, 0, 1], // no-margin run: untouched
  [1, 1, 1],
  [1, 1, 100],
  [1, 1, 0.5], // flagged, but frozen by the run guard: untouched
];
const FROZEN = [6];

describe('spectrumRemargin kernel vs float64 reference', () => {
  for (const maskType of ['u32', 'f32'] as const) {
    for (const n of [6, 20, 32]) {
      it(`n=${n} R=${RUNS.length} mask as ${maskType}`, async () => {
        const R = RUNS.length;
        const rng = new Rng(900 + n);
        const hyper = new Float32Array(R * HYPER_STRIDE);
        RUNS.forEach(([, mode, m], r) => {
          hyper[r * HYPER_STRIDE + Hyper.FACTORISED] = 1;
          hyper[r * HYPER_STRIDE + Hyper.MARGIN_MODE] = mode;
          hyper[r * HYPER_STRIDE + Hyper.MARGIN] = m;
        });
        // Half the values inside the new bounds (away from them), half outside (clamped to a bound).
        const s = new Float32Array(R * n);
        for (let r = 0; r < R; r++) {
          const m = RUNS[r][2];
          for (let i = 0; i < n; i++) {
            const inside = i % 2 === 0;
            s[r * n + i] = inside ? 1 + m * rng.range(-0.9, 0.9) : 1 + (rng.uniform() < 0.5 ? -1 : 1) * (m + rng.range(0.01, 2));
          }
        }
        const p0 = Float32Array.from(rng.normalArray(R * n));
        const mask = RUNS.map(([flag]) => flag);
        const maskBuf = maskType === 'u32' ? uploadArray(device, Uint32Array.from(mask)) : uploadF32(device, mask);
        const pBuf = uploadF32(device, p0);
        const health = healthTable(R, FROZEN);
        const ctx: OpContext = { device, kernels, software: gpu.adapterInfo.isSoftware, quads: gpu.quadSwaps };
        submit(
          await prepareSpectrumRemargin(
            ctx,
            { R, n },
            { hyper: uploadF32(device, hyper), mask: maskBuf, s: uploadF32(device, s), p: pBuf, health: uploadArray(device, health) },
          ),
        );
        const got = await readF32(device, pBuf, R * n);
        const want = Float64Array.from(p0);
        spectrumRemargin(want, hyper, mask, s, R, n, EPS, health);
        expectClose('spectrumRemargin p', got, want, TOL_P);

        expect(Array.from(got.subarray(n, 2 * n)).every((v) => v === 0)).toBe(true);
        expect(Array.from(got.subarray(2 * n, 4 * n))).toEqual(Array.from(p0.subarray(2 * n, 4 * n)));
        expect(Array.from(got.subarray(6 * n))).toEqual(Array.from(p0.subarray(6 * n)));
        // Mapped back: inside values keep their value, outside ones land within ~2 m eps of the bound.
        for (const r of [0, 4, 5]) {
          const m = RUNS[r][2];
          for (let i = 0; i < n; i++) {
            const back = marginSpectrum(got[r * n + i], m);
            const target = Math.min(Math.max(s[r * n + i], 1 - m), 1 + m);
            const tol = i % 2 === 0 ? 2e-6 * (1 + m) : 2.5 * m * EPS + 2e-6 * (1 + m);
            expect(Math.abs(back - target), `run ${r} unit ${i}: s ${s[r * n + i]} -> ${back}`).toBeLessThanOrEqual(tol);
          }
        }
      });
    }
  }
});
