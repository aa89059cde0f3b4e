/**
 * The float64 BPTT reference checked against central finite differences of the float64 forward, through the
 * scalar loss S = sum over t = 1..L of dhOut_t . h_t (so dLoss/dh_t from the readout is exactly dhOut_t):
 *   dS/dxproj_t = da_t (a_t = W h_{t-1} + xproj_t + b),  dS/dh0 = sum_b dh0[b],  dS/dW = sum_t da_t h_{t-1}^T,
 *   dS/dalpha (prelu) = preluSlopeGrad from dh.
 * FD holds only where no clip binds (clip off, or set so large it never binds). The clip itself is checked by
 * construction: every |da| <= c, the recursion dh_t = dhOut_t + W^T da_{t+1} holds with the clipped da, and
 * da_t = clip(unclipped da_t). Gradient flow is checked by construction: it equals sum dh^2 of a backward
 * pass whose only injection is flowScale * dhOut_L.
 */
import { describe, expect, it } from 'vitest';
import { HYPER_STRIDE, Hyper, Nonlin } from '../../src/engine/hyper.ts';
import { Rng } from '../../src/random/rng.ts';
import { preluSlopeGrad, rnnBackward } from '../../src/reference/rnnBackward.ts';
import { rnnForward } from '../../src/reference/rnnForward.ts';
import { expectClose } from '../helpers/compare.ts';

// Central differences with eps = 1e-6 in float64: truncation ~eps^2 and rounding ~1e-16/eps, both << 1e-6.
const FD_TOL = { atol: 1e-6, rtol: 1e-5 };
const EPS = 1e-6;

const NONLINS = ['linear', 'tanh', 'relu', 'leaky', 'prelu', 'oplu'] as const;

function setup(seed: number, clip: number) {
  const R = NONLINS.length,
    L = 4,
    B = 2,
    n = 6;
  const rng = new Rng(seed);
  const hyper = new Float64Array(R * HYPER_STRIDE);
  NONLINS.forEach((name, r) => {
    hyper[r * HYPER_STRIDE + Hyper.NONLIN] = Nonlin[name];
    hyper[r * HYPER_STRIDE + Hyper.GAIN] = r % 2 === 0 ? 1 : 1.05;
    hyper[r * HYPER_STRIDE + Hyper.CLIP] = clip;
  });
  return {
    R,
    L,
    B,
    n,
    hyper,
    W: rng.normalArray(R * n * n, 1 / Math.sqrt(n)),
    xproj: rng.uniformArray(R * L * B * n, -1, 1),
    b: rng.uniformArray(R * n, -0.2, 0.2),
    h0: rng.uniformArray(R * n, -0.5, 0.5),
    slope: Float64Array.from(NONLINS, (_, r) => (r === 3 ? 0.2 : 0.7)),
    dhOut: rng.uniformArray(R * L * B * n, -1, 1),
  };
}
type Setup = ReturnType<typeof setup>;

/** S per run = sum_t dhOut_t . h_t. */
function lossPerRun(s: Setup): Float64Array {
  const { R, L, B, n } = s;
  const a = new Float64Array(R * L * B * n);
  const h = new Float64Array(R * (L + 1) * B * n);
  rnnForward(a, h, s.hyper, s.W, s.xproj, s.b, s.h0, s.slope, R, L, B, n);
  const out = new Float64Array(R);
  for (let r = 0; r < R; r++) {
    for (let e = 0; e < L * B * n; e++) out[r] += s.dhOut[r * L * B * n + e] * h[r * (L + 1) * B * n + B * n + e];
  }
  return out;
}

function backward(s: Setup) {
  const { R, L, B, n } = s;
  const a = new Float64Array(R * L * B * n);
  const h = new Float64Array(R * (L + 1) * B * n);
  rnnForward(a, h, s.hyper, s.W, s.xproj, s.b, s.h0, s.slope, R, L, B, n);
  const dh = new Float64Array(R * L * B * n);
  const da = new Float64Array(R * L * B * n);
  const dh0 = new Float64Array(R * B * n);
  rnnBackward(dh, da, dh0, null, s.hyper, s.W, a, s.slope, s.dhOut, R, L, B, n);
  return { a, h, dh, da, dh0 };
}

/** Central differences of the per-run loss w.r.t. every entry of `param` (entry e belongs to run e / perRun). */
function fd(s: Setup, param: Float64Array, perRun: number): Float64Array {
  const out = new Float64Array(param.length);
  for (let e = 0; e < param.length; e++) {
    const keep = param[e];
    param[e] = keep + EPS;
    const up = lossPerRun(s)[Math.floor(e / perRun)];
    param[e] = keep - EPS;
    const down = lossPerRun(s)[Math.floor(e / perRun)];
    param[e] = keep;
    out[e] = (up - down) / (2 * EPS);
  }
  return out;
}

describe('rnnBackward reference vs finite differences (every nonlinearity, one run each)', () => {
  for (const clip of [0, 1000]) {
    it(`clip ${clip === 0 ? 'off' : `${clip} (never binds)`}`, () => {
      const s = setup(31 + clip, clip);
      const { R, L, B, n } = s;
      const g = backward(s);
      expectClose('da = dS/dxproj', g.da, fd(s, s.xproj, L * B * n), FD_TOL);

      const dh0Sum = new Float64Array(R * n);
      for (let r = 0; r < R; r++) for (let b = 0; b < B; b++) for (let i = 0; i < n; i++) dh0Sum[r * n + i] += g.dh0[(r * B + b) * n + i];
      expectClose('sum_b dh0 = dS/dh0', dh0Sum, fd(s, s.h0, n), FD_TOL);

      const dW = new Float64Array(R * n * n);
      for (let r = 0; r < R; r++)
        for (let t = 1; t <= L; t++)
          for (let b = 0; b < B; b++) {
            for (let i = 0; i < n; i++)
              for (let j = 0; j < n; j++) {
                dW[(r * n + i) * n + j] += g.da[((r * L + t - 1) * B + b) * n + i] * g.h[((r * (L + 1) + t - 1) * B + b) * n + j];
              }
          }
      expectClose('sum_t da_t h_{t-1}^T = dS/dW', dW, fd(s, s.W, n * n), FD_TOL);

      const dalpha = new Float64Array(R);
      preluSlopeGrad(dalpha, s.hyper, g.dh, g.a, R, L, B, n);
      const prelu = NONLINS.indexOf('prelu');
      expect(Math.abs(dalpha[prelu])).toBeGreaterThan(1e-3);
      expectClose('preluSlopeGrad = dS/dalpha', [dalpha[prelu]], [fd(s, s.slope, 1)[prelu]], FD_TOL);
      // the other runs' slopes are not trained: 0 (leaky's dS/dalpha is not 0, but its slope is fixed)
      NONLINS.forEach((name, r) => {
        if (name !== 'prelu') expect(dalpha[r], name).toBe(0);
      });
    });
  }

  it("clip active: |da| <= c, recursion uses the clipped da, da = clip(g f'(z) dh)", () => {
    const c = 0.15;
    const s = setup(77, c);
    const { R, L, B, n } = s;
    const g = backward(s);
    const free = backward({ ...s, hyper: s.hyper.map((v, k) => (k % HYPER_STRIDE === Hyper.CLIP ? 0 : v)) });
    let bound = 0;
    for (const v of g.da) {
      expect(Math.abs(v)).toBeLessThanOrEqual(c);
      if (Math.abs(v) === c) bound++;
    }
    expect(bound).toBeGreaterThan(10);
    // At t = L nothing flowed back yet: da_L = clip(unclipped da_L).
    for (let r = 0; r < R; r++)
      for (let e = 0; e < B * n; e++) {
        const k = (r * L + L - 1) * B * n + e;
        expect(g.da[k]).toBeCloseTo(Math.min(c, Math.max(-c, free.da[k])), 12);
      }
    // dh_t = dhOut_t + W^T da_{t+1} with the clipped da; dh0 = W^T da_1.
    for (let r = 0; r < R; r++)
      for (let t = 0; t < L; t++)
        for (let b = 0; b < B; b++)
          for (let j = 0; j < n; j++) {
            let v = t === 0 ? 0 : s.dhOut[((r * L + t - 1) * B + b) * n + j];
            for (let i = 0; i < n; i++) v += s.W[(r * n + i) * n + j] * g.da[((r * L + t) * B + b) * n + i];
            const got = t === 0 ? g.dh0[(r * B + b) * n + j] : g.dh[((r * L + t - 1) * B + b) * n + j];
            expect(got).toBeCloseTo(v, 12);
          }
  });

  it('gradient flow = sum dh^2 of a delta started from flowScale * dhOut_L only (clip active)', () => {
    const s = setup(5, 0.3);
    const { R, L, B, n } = s;
    const { a } = backward(s);
    const flowScale = 0.4;
    const flow = new Float64Array(R * (L + 1));
    rnnBackward(
      new Float64Array(R * L * B * n),
      new Float64Array(R * L * B * n),
      new Float64Array(R * B * n),
      flow,
      s.hyper,
      s.W,
      a,
      s.slope,
      s.dhOut,
      R,
      L,
      B,
      n,
      flowScale,
    );
    const last = new Float64Array(R * L * B * n);
    for (let r = 0; r < R; r++)
      for (let e = 0; e < B * n; e++) last[(r * L + L - 1) * B * n + e] = flowScale * s.dhOut[(r * L + L - 1) * B * n + e];
    const dh = new Float64Array(R * L * B * n);
    const dh0 = new Float64Array(R * B * n);
    rnnBackward(dh, new Float64Array(R * L * B * n), dh0, null, s.hyper, s.W, a, s.slope, last, R, L, B, n);
    const want = new Float64Array(R * (L + 1));
    for (let r = 0; r < R; r++) {
      for (let e = 0; e < B * n; e++) want[r * (L + 1)] += dh0[r * B * n + e] ** 2;
      for (let t = 1; t <= L; t++) for (let e = 0; e < B * n; e++) want[r * (L + 1) + t] += dh[(r * L + t - 1) * B * n + e] ** 2;
    }
    expectClose('flow', flow, want, { atol: 1e-12, rtol: 1e-12 });
    expect(flow.every((v, k) => k % (L + 1) === 0 || v > 0)).toBe(true);
  });
});
