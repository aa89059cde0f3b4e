/**
 * The spectrum references checked on their own, in float64, before any kernel is judged by them:
 * spectrumBackward's gs, gp and dU against central differences of a scalar loss through s(p) and
 * W = U diag(relu(s)) V^T; spectrumForward against the release's formula; spectrumRemargin as the inverse map.
 */
import { describe, expect, it } from 'vitest';
import { HYPER_STRIDE, Hyper } from '../../src/engine/hyper.ts';
import { Rng } from '../../src/random/rng.ts';
import { spectrumBackward } from '../../src/reference/spectrumBackward.ts';
import { marginSpectrum, spectrumForward } from '../../src/reference/spectrumForward.ts';
import { spectrumRemargin } from '../../src/reference/spectrumRemargin.ts';
import { expectClose } from '../helpers/compare.ts';

// Central differences with h = 1e-5 on a smooth loss: truncation ~h^2, rounding ~1e-16/h.
const FD_TOL = { atol: 1e-7, rtol: 1e-6 };
const H = 1e-5;

/** One run's setting: margin m (null = no margin) and prior lambda. */
interface Case {
  m: number | null;
  prior: number;
}

function hyperFor(c: Case): Float64Array {
  const h = new Float64Array(HYPER_STRIDE);
  h[Hyper.FACTORISED] = 1;
  h[Hyper.MARGIN_MODE] = c.m === null ? 0 : 1;
  h[Hyper.MARGIN] = c.m ?? 0;
  h[Hyper.PRIOR] = c.prior;
  return h;
}

/** W = U diag(relu(s)) V^T with UV = [U; V] ([2][n][n]). */
function compose(UV: ArrayLike<number>, s: ArrayLike<number>, n: number): Float64Array {
  const W = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let acc = 0;
      for (let k = 0; k < n; k++) acc += UV[i * n + k] * Math.max(s[k], 0) * UV[n * n + j * n + k];
      W[i * n + j] = acc;
    }
  }
  return W;
}

/** A smooth scalar loss of W: sum G.W + 0.5 ||W||^2 (so dW = G + W), plus the prior lambda sum (s - 1)^2. */
function loss(G: Float64Array, UV: ArrayLike<number>, s: ArrayLike<number>, n: number, prior: number): number {
  const W = compose(UV, s, n);
  let L = 0;
  for (let k = 0; k < n * n; k++) L += G[k] * W[k] + 0.5 * W[k] * W[k];
  for (let i = 0; i < n; i++) L += prior * (s[i] - 1) * (s[i] - 1);
  return L;
}

function sOf(c: Case, p: ArrayLike<number>, s: ArrayLike<number>, n: number): Float64Array {
  const out = Float64Array.from(s);
  spectrumForward(out, p, hyperFor(c), 1, n);
  return out;
}

describe('spectrumBackward reference vs finite differences', () => {
  const cases: Case[] = [
    { m: 0.1, prior: 0 },
    { m: 0.1, prior: 0.7 },
    { m: 1, prior: 0.3 },
    { m: 3, prior: 0.2 }, // some s < 0: relu blocks the loss, only the prior reaches p
    { m: 0, prior: 0.5 },
    { m: null, prior: 0 },
    { m: null, prior: 0.4 },
  ];
  for (const c of cases) {
    for (const n of [6, 9]) {
      it(`margin ${c.m ?? 'none'}, prior ${c.prior}, n=${n}`, () => {
        const rng = new Rng(50 + n + 10 * (c.m ?? 7));
        const nn = n * n;
        const UV = rng.normalArray(2 * nn, 1 / Math.sqrt(n));
        const G = rng.normalArray(nn);
        const p = rng.normalArray(n, 1.5);
        let s = rng.uniformArray(n, -0.6, 2);
        // keep every s away from relu's kink so the central difference is smooth
        for (let i = 0; i < n; i++) {
          for (let tries = 0; Math.abs(sOf(c, p, s, n)[i]) < 0.05 && tries < 100; tries++) {
            p[i] += 0.3;
            s[i] += 0.3;
          }
        }
        s = sOf(c, p, s, n);
        expect(Math.min(...s.map(Math.abs))).toBeGreaterThan(0.01);
        if (c.m === 3) expect(Math.min(...s)).toBeLessThan(0);

        // The backward inputs at this point: dW = G + W, T1 = dW V.
        const W = compose(UV, s, n);
        const T1 = new Float64Array(nn);
        for (let j = 0; j < n; j++) {
          for (let i = 0; i < n; i++) {
            let acc = 0;
            for (let k = 0; k < n; k++) acc += (G[j * n + k] + W[j * n + k]) * UV[nn + k * n + i];
            T1[j * n + i] = acc;
          }
        }
        const gs = new Float64Array(n);
        const gp = new Float64Array(n);
        const dUV = new Float64Array(2 * nn);
        const prior = new Float64Array(1);
        spectrumBackward(gs, gp, dUV, prior, T1, UV, s, p, hyperFor(c), 1, n);

        let priorValue = 0;
        for (let i = 0; i < n; i++) priorValue += c.prior * (s[i] - 1) ** 2;
        expect(prior[0]).toBeCloseTo(priorValue, 12);

        // d/dp (margin runs) or d/ds (no margin)
        const fdSpec = new Float64Array(n);
        for (let i = 0; i < n; i++) {
          const at = (delta: number) => {
            if (c.m === null) {
              const s2 = Float64Array.from(s);
              s2[i] += delta;
              return loss(G, UV, s2, n, c.prior);
            }
            const p2 = Float64Array.from(p);
            p2[i] += delta;
            return loss(G, UV, sOf(c, p2, s, n), n, c.prior);
          };
          fdSpec[i] = (at(H) - at(-H)) / (2 * H);
        }
        if (c.m === null) {
          expectClose('gs vs FD', gs, fdSpec, FD_TOL);
          expect(Array.from(gp).every((v) => v === 0)).toBe(true);
        } else {
          expectClose('gp vs FD', gp, fdSpec, FD_TOL);
          if (c.m === 0) expect(Array.from(gp).every((v) => v === 0)).toBe(true);
        }
        // dU against d/dU of the same loss
        const fdU = new Float64Array(nn);
        for (let k = 0; k < nn; k++) {
          const at = (delta: number) => {
            const UV2 = Float64Array.from(UV);
            UV2[k] += delta;
            return loss(G, UV2, s, n, c.prior);
          };
          fdU[k] = (at(H) - at(-H)) / (2 * H);
        }
        expectClose('dU vs FD', dUV.subarray(0, nn), fdU, FD_TOL);
      });
    }
  }
});

describe('spectrumForward reference', () => {
  it("equals the release's 2m sigmoid(p) + (1 - m) and maps p = 0 to s = 1", () => {
    const rng = new Rng(11);
    for (const m of [0, 0.001, 0.1, 1, 100]) {
      for (let k = 0; k < 50; k++) {
        const p = rng.range(-20, 20);
        const want = (2 * m) / (1 + Math.exp(-p)) + (1 - m);
        expect(Math.abs(marginSpectrum(p, m) - want)).toBeLessThan(1e-12 * (1 + m));
      }
      expect(marginSpectrum(0, m)).toBe(1);
    }
  });
});

describe('spectrumRemargin reference', () => {
  it('inverts the margin map inside the bounds and clamps outside', () => {
    const rng = new Rng(12);
    const eps = 1e-6;
    for (const m of [0.01, 0.1, 1, 10]) {
      const n = 40;
      const s = new Float64Array(n);
      for (let i = 0; i < n; i++) s[i] = i % 2 === 0 ? 1 + m * rng.range(-0.999, 0.999) : 1 + (i % 4 === 1 ? 1 : -1) * m * rng.range(1, 3);
      const hyper = hyperFor({ m, prior: 0 });
      const p = new Float64Array(n);
      spectrumRemargin(p, hyper, [1], s, 1, n, eps);
      for (let i = 0; i < n; i++) {
        const back = marginSpectrum(p[i], m);
        const target = Math.min(Math.max(s[i], 1 - m), 1 + m);
        expect(Math.abs(back - target)).toBeLessThanOrEqual(i % 2 === 0 ? 1e-12 * (1 + m) : 2 * m * eps * 1.0001);
        expect(Number.isFinite(p[i])).toBe(true);
      }
    }
    const p = Float64Array.from([3, -2]);
    spectrumRemargin(p, hyperFor({ m: 0, prior: 0 }), [1], [0.5, 1.7], 1, 2, eps);
    expect(Array.from(p)).toEqual([0, 0]);
  });
});
