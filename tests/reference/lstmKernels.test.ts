/**
 * The float64 LSTM references (src/reference/lstmForward.ts, lstmBackward.ts) checked before any kernel is judged
 * by them. Central finite differences of the float64 forward through the scalar S = sum over t = 1..L of
 * dhOut_t . h_t (so dLoss/dh_t from the readout is exactly dhOut_t), clip off:
 *   dS/dxproj_t = dz_t,  dS/db = sum_t,b dz_t,  dS/dW = sum_t,b dz_t h_{t-1}^T,  dS/dpeep = peepGrad,
 *   dS/dh0 = sum_b dh0[b],  dS/dc0 = sum_b dc0[b].
 * The clip (which changes the gradient, not the function, so FD cannot see it) is checked by construction: every
 * |dz| <= c with many entries at +-c, and an independent recomputation step by step, whose local derivatives of
 * the cell come from FD of the cell function itself (not from the backward formulas), with the clipped dz
 * flowing into W^T dz: dz_t = clip(d/dz_t [dh_t . h_t + dc_next . c_t]) and dc_prev = d/dc_{t-1} of the same,
 * dh0 = W^T dz_1, dc0 = dc_prev of step 1, peepGrad = sum of d/dpeep of the same.
 * Gradient flow: with the clip off, flow[r][t] equals the sum over b, u of the squared FD derivatives of
 * S_last = flowScale * dhOut_L . h_L with respect to offsets added to the hidden state h_t (t = 0..L), in a
 * forward written here that takes such offsets; with the clip on, it equals sum dh^2 of a backward whose only
 * injection is flowScale * dhOut_L.
 */
import { describe, expect, it } from 'vitest';
import { HYPER_STRIDE, Hyper } from '../../src/engine/hyper.ts';
import { Rng } from '../../src/random/rng.ts';
import { lstmBackward } from '../../src/reference/lstmBackward.ts';
import { lstmForward, sigmoid } from '../../src/reference/lstmForward.ts';
import { expectClose } from '../helpers/compare.ts';
import { finiteDifference } from '../helpers/finiteDifferences.ts';

// Central differences (tests/helpers/finiteDifferences.ts, step 1e-6) in float64: truncation ~eps^2 and rounding ~1e-16/eps, both << 1e-6.
const FD_TOL = { atol: 1e-6, rtol: 1e-5 };

function setup(seed: number, clip: number) {
  const R = 3,
    L = 4,
    B = 2,
    n = 5;
  const rng = new Rng(seed);
  const hyper = new Float64Array(R * HYPER_STRIDE);
  for (let r = 0; r < R; r++) hyper[r * HYPER_STRIDE + Hyper.CLIP] = clip;
  const b = rng.uniformArray(R * 4 * n, -0.5, 0.5);
  for (let r = 0; r < R; r++) for (let u = 0; u < n; u++) b[r * 4 * n + n + u] += 1;
  return {
    R,
    L,
    B,
    n,
    hyper,
    b,
    W: rng.normalArray(R * 4 * n * n, 1 / Math.sqrt(n)),
    xproj: rng.uniformArray(R * L * B * 4 * n, -1, 1),
    peep: rng.uniformArray(R * 3 * n, -0.5, 0.5),
    h0: rng.uniformArray(R * n, -0.5, 0.5),
    c0: rng.uniformArray(R * n, -0.5, 0.5),
    dhOut: rng.uniformArray(R * L * B * n, -1, 1),
  };
}
type Setup = ReturnType<typeof setup>;

function forward(s: Setup) {
  const { R, L, B, n } = s;
  const gates = new Float64Array(R * L * B * 4 * n);
  const c = new Float64Array(R * (L + 1) * B * n);
  const h = new Float64Array(R * (L + 1) * B * n);
  lstmForward(gates, c, h, s.W, s.xproj, s.b, s.peep, s.h0, s.c0, R, L, B, n);
  return { gates, c, h };
}

/** S per run = sum_t dhOut_t . h_t. */
function lossPerRun(s: Setup): Float64Array {
  const { R, L, B, n } = s;
  const { h } = forward(s);
  const out = new Float64Array(R);
  for (let r = 0; r < R; r++) {
    for (let e = 0; e < L * B * n; e++) out[r] += s.dhOut[r * L * B * n + e] * h[(r * (L + 1) + 1) * B * n + e];
  }
  return out;
}

function backward(s: Setup, flowScale = 1) {
  const { R, L, B, n } = s;
  const f = forward(s);
  const g = {
    dz: new Float64Array(R * L * B * 4 * n),
    dh0: new Float64Array(R * B * n),
    dc0: new Float64Array(R * B * n),
    peepGrad: new Float64Array(R * 3 * n),
    flow: new Float64Array(R * (L + 1)),
  };
  lstmBackward(g.dz, g.dh0, g.dc0, g.peepGrad, g.flow, s.hyper, s.W, s.peep, f.gates, f.c, s.dhOut, R, L, B, n, flowScale);
  return { ...f, ...g };
}

/** Central differences of the per-run value `loss` w.r.t. every entry of `param` (entry e belongs to run e / perRun). */
function fd(loss: () => Float64Array, param: Float64Array, perRun: number): Float64Array {
  const out = new Float64Array(param.length);
  for (let e = 0; e < param.length; e++) out[e] = finiteDifference(() => loss()[Math.floor(e / perRun)], param, e);
  return out;
}

/** Sum over the batch rows of a [R][B][n] array. */
function sumRows(x: Float64Array, R: number, B: number, n: number): Float64Array {
  const out = new Float64Array(R * n);
  for (let r = 0; r < R; r++) for (let b = 0; b < B; b++) for (let u = 0; u < n; u++) out[r * n + u] += x[(r * B + b) * n + u];
  return out;
}

/** One cell step of one row, written out here: (z [4n] without peepholes, c_{t-1}, peep [3][n]) -> (h_t, c_t). */
function cell(z: ArrayLike<number>, cPrev: ArrayLike<number>, peep: ArrayLike<number>, n: number) {
  const h = new Float64Array(n);
  const c = new Float64Array(n);
  for (let u = 0; u < n; u++) {
    const i = sigmoid(z[u] + peep[u] * cPrev[u]);
    const f = sigmoid(z[n + u] + peep[n + u] * cPrev[u]);
    c[u] = f * cPrev[u] + i * Math.tanh(z[2 * n + u]);
    h[u] = sigmoid(z[3 * n + u] + peep[2 * n + u] * c[u]) * Math.tanh(c[u]);
  }
  return { h, c };
}

/** Central-difference gradient of f w.r.t. every entry of x (x restored afterwards). */
function fdGrad(f: () => number, x: Float64Array): Float64Array {
  const out = new Float64Array(x.length);
  for (let e = 0; e < x.length; e++) out[e] = finiteDifference(f, x, e);
  return out;
}

describe('lstmBackward reference vs finite differences of lstmForward', () => {
  it('clip off: dz, db, dW, peepGrad, dh0, dc0', () => {
    const s = setup(41, 0);
    const { R, L, B, n } = s;
    const g = backward(s);
    const loss = () => lossPerRun(s);
    expectClose('dz = dS/dxproj', g.dz, fd(loss, s.xproj, L * B * 4 * n), FD_TOL);

    const db = new Float64Array(R * 4 * n);
    const dW = new Float64Array(R * 4 * n * n);
    for (let r = 0; r < R; r++)
      for (let t = 1; t <= L; t++)
        for (let b = 0; b < B; b++) {
          for (let q = 0; q < 4 * n; q++) {
            const d = g.dz[((r * L + t - 1) * B + b) * 4 * n + q];
            db[r * 4 * n + q] += d;
            for (let j = 0; j < n; j++) dW[(r * 4 * n + q) * n + j] += d * g.h[((r * (L + 1) + t - 1) * B + b) * n + j];
          }
        }
    expectClose('sum dz = dS/db', db, fd(loss, s.b, 4 * n), FD_TOL);
    expectClose('sum_t dz_t h_{t-1}^T = dS/dW', dW, fd(loss, s.W, 4 * n * n), FD_TOL);
    expectClose('peepGrad = dS/dpeep', g.peepGrad, fd(loss, s.peep, 3 * n), FD_TOL);
    expectClose('sum_b dh0 = dS/dh0', sumRows(g.dh0, R, B, n), fd(loss, s.h0, n), FD_TOL);
    expectClose('sum_b dc0 = dS/dc0', sumRows(g.dc0, R, B, n), fd(loss, s.c0, n), FD_TOL);
    // the peepholes and the cell path matter in this setting
    expect(Math.min(...g.peepGrad.map(Math.abs))).toBeLessThan(Math.max(...g.peepGrad.map(Math.abs)));
    expect(Math.max(...g.dc0.map(Math.abs))).toBeGreaterThan(1e-2);
  });

  it('clip active: |dz| <= c, dz = clip(cell FD gradient) with the clipped dz flowing into W^T dz', () => {
    const clip = 0.02;
    const s = setup(77, clip);
    const { R, L, B, n } = s;
    const g = backward(s);
    let bound = 0;
    for (const v of g.dz) {
      expect(Math.abs(v)).toBeLessThanOrEqual(clip);
      if (Math.abs(v) === clip) bound++;
    }
    expect(bound).toBeGreaterThan(g.dz.length / 10);
    expect(bound).toBeLessThan(g.dz.length);

    const peepSum = new Float64Array(R * 3 * n);
    for (let r = 0; r < R; r++) {
      const peep = s.peep.slice(r * 3 * n, (r + 1) * 3 * n);
      for (let b = 0; b < B; b++) {
        let dcNext: Float64Array = new Float64Array(n);
        for (let t = L; t >= 0; t--) {
          // dh_t = dhOut_t + W^T dz_{t+1}, with the reference's clipped dz_{t+1}
          const dh = new Float64Array(n);
          for (let j = 0; j < n; j++) {
            let v = t === 0 ? 0 : s.dhOut[((r * L + t - 1) * B + b) * n + j];
            if (t < L) for (let q = 0; q < 4 * n; q++) v += s.W[(r * 4 * n + q) * n + j] * g.dz[((r * L + t) * B + b) * 4 * n + q];
            dh[j] = v;
          }
          if (t === 0) {
            expectClose(`dh0 r${r} b${b}`, g.dh0.subarray((r * B + b) * n, (r * B + b + 1) * n), dh, { atol: 1e-12, rtol: 1e-12 });
            expectClose(`dc0 r${r} b${b}`, g.dc0.subarray((r * B + b) * n, (r * B + b + 1) * n), dcNext, FD_TOL);
            break;
          }
          // the step's pre-activations z = W h_{t-1} + xproj_t + b and c_{t-1}, from the forward
          const hPrev = g.h.subarray(((r * (L + 1) + t - 1) * B + b) * n, ((r * (L + 1) + t - 1) * B + b + 1) * n);
          const cPrev = g.c.slice(((r * (L + 1) + t - 1) * B + b) * n, ((r * (L + 1) + t - 1) * B + b + 1) * n);
          const z = new Float64Array(4 * n);
          for (let q = 0; q < 4 * n; q++) {
            let v = s.xproj[((r * L + t - 1) * B + b) * 4 * n + q] + s.b[r * 4 * n + q];
            for (let j = 0; j < n; j++) v += s.W[(r * 4 * n + q) * n + j] * hPrev[j];
            z[q] = v;
          }
          const dcIn = dcNext;
          const lossOfZ = () => {
            const o = cell(z, cPrev, peep, n);
            let v = 0;
            for (let u = 0; u < n; u++) v += dh[u] * o.h[u] + dcIn[u] * o.c[u];
            return v;
          };
          const dzFree = fdGrad(lossOfZ, z);
          const dzRow = g.dz.subarray(((r * L + t - 1) * B + b) * 4 * n, ((r * L + t - 1) * B + b + 1) * 4 * n);
          expectClose(
            `dz r${r} t${t} b${b}`,
            dzRow,
            dzFree.map((v) => Math.min(clip, Math.max(-clip, v))),
            FD_TOL,
          );
          const dp = fdGrad(lossOfZ, peep);
          for (let e = 0; e < 3 * n; e++) peepSum[r * 3 * n + e] += dp[e];
          dcNext = fdGrad(lossOfZ, cPrev);
        }
      }
    }
    expectClose('peepGrad = sum of the cell FD peephole gradients (unclipped)', g.peepGrad, peepSum, FD_TOL);
  });
});

describe('gradient flow of the lstmBackward reference', () => {
  /** A forward written here, with offsets added to the hidden states h_t (t = 0..L; [R][L+1][B][n]); returns h. */
  function forwardWithOffsets(s: Setup, offsets: Float64Array): Float64Array {
    const { R, L, B, n } = s;
    const h = new Float64Array(R * (L + 1) * B * n);
    for (let r = 0; r < R; r++) {
      const peep = s.peep.subarray(r * 3 * n, (r + 1) * 3 * n);
      for (let b = 0; b < B; b++) {
        let hPrev = new Float64Array(n);
        let cPrev = s.c0.slice(r * n, (r + 1) * n);
        for (let u = 0; u < n; u++) hPrev[u] = s.h0[r * n + u] + offsets[(r * (L + 1) * B + b) * n + u];
        h.set(hPrev, (r * (L + 1) * B + b) * n);
        for (let t = 1; t <= L; t++) {
          const z = new Float64Array(4 * n);
          for (let q = 0; q < 4 * n; q++) {
            let v = s.xproj[((r * L + t - 1) * B + b) * 4 * n + q] + s.b[r * 4 * n + q];
            for (let j = 0; j < n; j++) v += s.W[(r * 4 * n + q) * n + j] * hPrev[j];
            z[q] = v;
          }
          const o = cell(z, cPrev, peep, n);
          const slot = ((r * (L + 1) + t) * B + b) * n;
          for (let u = 0; u < n; u++) o.h[u] += offsets[slot + u];
          h.set(o.h, slot);
          hPrev = o.h;
          cPrev = o.c;
        }
      }
    }
    return h;
  }

  it('clip off: flow[r][t] = sum_b,u (dS_last/dh_t)^2 by FD w.r.t. hidden offsets', () => {
    const s = setup(5, 0);
    const { R, L, B, n } = s;
    const flowScale = 0.4;
    const g = backward(s, flowScale);
    const offsets = new Float64Array(R * (L + 1) * B * n);
    // the forward written here agrees with the reference forward
    expectClose('forward with zero offsets', forwardWithOffsets(s, offsets), g.h, { atol: 1e-14, rtol: 1e-13 });
    const lastLoss = () => {
      const h = forwardWithOffsets(s, offsets);
      const out = new Float64Array(R);
      for (let r = 0; r < R; r++)
        for (let e = 0; e < B * n; e++) {
          out[r] += flowScale * s.dhOut[(r * L + L - 1) * B * n + e] * h[(r * (L + 1) + L) * B * n + e];
        }
      return out;
    };
    const dh = fd(lastLoss, offsets, (L + 1) * B * n);
    const want = new Float64Array(R * (L + 1));
    for (let r = 0; r < R; r++)
      for (let t = 0; t <= L; t++)
        for (let e = 0; e < B * n; e++) {
          want[r * (L + 1) + t] += dh[(r * (L + 1) + t) * B * n + e] ** 2;
        }
    expectClose('flow', g.flow, want, FD_TOL);
    expect(g.flow.every((v) => v > 0)).toBe(true);
  });

  it('clip active: flow = sum dh^2 of a backward whose only injection is flowScale * dhOut_L', () => {
    const s = setup(6, 0.02);
    const { R, L, B, n } = s;
    const flowScale = 0.4;
    const g = backward(s, flowScale);
    // the same backward with dhOut replaced by flowScale * dhOut_L at t = L only; its dh_t from dz and dhOut
    const last = new Float64Array(R * L * B * n);
    for (let r = 0; r < R; r++)
      for (let e = 0; e < B * n; e++) last[(r * L + L - 1) * B * n + e] = flowScale * s.dhOut[(r * L + L - 1) * B * n + e];
    const dz = new Float64Array(R * L * B * 4 * n);
    const dh0 = new Float64Array(R * B * n);
    lstmBackward(
      dz,
      dh0,
      new Float64Array(R * B * n),
      new Float64Array(R * 3 * n),
      null,
      s.hyper,
      s.W,
      s.peep,
      g.gates,
      g.c,
      last,
      R,
      L,
      B,
      n,
    );
    const want = new Float64Array(R * (L + 1));
    for (let r = 0; r < R; r++) {
      for (let e = 0; e < B * n; e++) want[r * (L + 1)] += dh0[r * B * n + e] ** 2;
      for (let t = 1; t <= L; t++)
        for (let b = 0; b < B; b++)
          for (let j = 0; j < n; j++) {
            let v = last[((r * L + t - 1) * B + b) * n + j];
            if (t < L) for (let q = 0; q < 4 * n; q++) v += s.W[(r * 4 * n + q) * n + j] * dz[((r * L + t) * B + b) * 4 * n + q];
            want[r * (L + 1) + t] += v * v;
          }
    }
    expectClose('flow', g.flow, want, { atol: 1e-12, rtol: 1e-12 });
    // the training outputs do not depend on whether flow is asked for
    const noFlow = new Float64Array(R * L * B * 4 * n);
    lstmBackward(
      noFlow,
      new Float64Array(R * B * n),
      new Float64Array(R * B * n),
      new Float64Array(R * 3 * n),
      null,
      s.hyper,
      s.W,
      s.peep,
      g.gates,
      g.c,
      s.dhOut,
      R,
      L,
      B,
      n,
    );
    expect(noFlow).toEqual(g.dz);
  });
});
