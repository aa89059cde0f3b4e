import { describe, expect, it } from 'vitest';
import { glorotNormal, identity, initRecurrent, initRunParameters, LSTM_FORGET_BIAS, orthogonalInit } from '../../src/engine/init.ts';
import {
  composeW,
  identityMatrix,
  logit,
  matmul,
  matmulNT,
  matmulTN,
  maxAbsDiff,
  maxOrthogonalityError,
  qr,
  sigmoid,
  singularValuesTall,
  svd,
  transpose,
} from '../../src/engine/linalg.ts';
import {
  DEFAULT_RUN_MODEL_SETTINGS,
  MARGIN_P_CLAMP,
  pFromSpectrum,
  type RunModelSettings,
  spectrumFromP,
  trainedParameterNames,
} from '../../src/engine/modelSettings.ts';
import { Rng } from '../../src/random/rng.ts';
import { expectClose } from '../helpers/compare.ts';

function diagTimes(u: Float64Array, s: Float64Array, n: number): Float64Array {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let k = 0; k < n; k++) out[i * n + k] = u[i * n + k] * s[k];
  return out;
}

function reconstruct(u: Float64Array, s: Float64Array, v: Float64Array, n: number): Float64Array {
  return matmulNT(diagTimes(u, s, n), v, n, n, n);
}

describe('linalg', () => {
  it('matmul variants agree with transpose', () => {
    const rng = new Rng(1);
    const a = rng.uniformArray(3 * 4);
    const b = rng.uniformArray(4 * 5);
    const ab = matmul(a, b, 3, 4, 5);
    expectClose('A^T B', matmulTN(transpose(a, 3, 4), b, 4, 3, 5), ab, { atol: 1e-15, rtol: 0 });
    expectClose('A B^T', matmulNT(a, transpose(b, 4, 5), 3, 4, 5), ab, { atol: 1e-15, rtol: 0 });
  });

  it('QR: Q orthogonal, R upper triangular with positive diagonal, A = QR', () => {
    const rng = new Rng(2);
    for (const n of [1, 2, 5, 17]) {
      const a = rng.normalArray(n * n);
      const { q, r } = qr(a, n);
      expect(maxOrthogonalityError(q, n)).toBeLessThan(1e-13);
      for (let i = 0; i < n; i++) {
        expect(r[i * n + i]).toBeGreaterThan(0);
        for (let j = 0; j < i; j++) expect(r[i * n + j] === 0).toBe(true);
      }
      expect(maxAbsDiff(matmul(q, r, n, n, n), a)).toBeLessThan(1e-13);
    }
  });

  it('SVD of random matrices: orthogonal factors, descending s, exact reconstruction', () => {
    const rng = new Rng(3);
    for (const n of [1, 2, 3, 8, 33]) {
      const a = rng.normalArray(n * n, 2);
      const { u, s, v } = svd(a, n);
      expect(maxOrthogonalityError(u, n)).toBeLessThan(1e-12);
      expect(maxOrthogonalityError(v, n)).toBeLessThan(1e-12);
      for (let k = 1; k < n; k++) expect(s[k]).toBeLessThanOrEqual(s[k - 1]);
      expect(s[n - 1]).toBeGreaterThanOrEqual(0);
      expect(maxAbsDiff(reconstruct(u, s, v, n), a)).toBeLessThan(1e-12);
      // Singular values are the square roots of the eigenvalues of A^T A: trace check.
      let trace = 0;
      for (let i = 0; i < n * n; i++) trace += a[i] * a[i];
      let sumSq = 0;
      for (let k = 0; k < n; k++) sumSq += s[k] * s[k];
      expect(Math.abs(sumSq - trace) / trace).toBeLessThan(1e-13);
    }
  });

  it('SVD of a known spectrum and of a rank-deficient matrix', () => {
    const rng = new Rng(4);
    const n = 6;
    const q1 = orthogonalInit(rng, n);
    const q2 = orthogonalInit(rng, n);
    const sigma = Float64Array.of(0.3, 5, 1, 0, 2.5, 0);
    const a = reconstruct(q1, sigma, q2, n);
    const { u, s, v } = svd(a, n);
    expectClose('singular values', s, [5, 2.5, 1, 0.3, 0, 0], { atol: 1e-13, rtol: 0 });
    expect(maxOrthogonalityError(u, n)).toBeLessThan(1e-12);
    expect(maxOrthogonalityError(v, n)).toBeLessThan(1e-12);
    expect(maxAbsDiff(reconstruct(u, s, v, n), a)).toBeLessThan(1e-12);
    const z = svd(new Float64Array(9), 3);
    expect(maxOrthogonalityError(z.u, 3)).toBeLessThan(1e-15);
  });

  it('composeW clamps negative singular values, sigmoid/logit are inverse', () => {
    const u = identityMatrix(2);
    expectClose('W', composeW(u, u, [2, -1], 2), [2, 0, 0, 0], { atol: 0, rtol: 0 });
    for (const x of [-30, -3, 0, 0.5, 12]) expect(Math.abs(logit(sigmoid(x)) - x)).toBeLessThan(1e-9);
    expect(sigmoid(0)).toBe(0.5);
    expect(logit(0.5)).toBe(0);
  });
});

describe('initialisation schemes', () => {
  it('Haar orthogonal init is orthogonal to 1e-12 with all singular values 1', () => {
    for (const n of [4, 64]) {
      const w = orthogonalInit(new Rng(10 + n), n);
      expect(maxOrthogonalityError(w, n)).toBeLessThan(1e-12);
      const { s } = svd(w, n);
      expect(maxAbsDiff(s, new Float64Array(n).fill(1))).toBeLessThan(1e-12);
    }
  });

  it('Haar orthogonal init: entries look like N(0, 1/n)', () => {
    const n = 64;
    const w = orthogonalInit(new Rng(5), n);
    let mean = 0;
    let sq = 0;
    for (const v of w) {
      mean += v;
      sq += v * v;
    }
    mean /= n * n;
    expect(Math.abs(mean)).toBeLessThan(3 / n);
    expect(sq / n).toBeCloseTo(1, 10); // each column is a unit vector
  });

  it('Glorot normal has a spread spectrum, and its SVD reconstructs it', () => {
    const n = 64;
    const w = glorotNormal(new Rng(6), n);
    let sq = 0;
    for (const v of w) sq += v * v;
    expect(sq / (n * n)).toBeGreaterThan(0.9 / n);
    expect(sq / (n * n)).toBeLessThan(1.1 / n);
    const { u, s, v } = svd(w, n);
    expect(s[0]).toBeGreaterThan(1.5);
    expect(s[n - 1]).toBeLessThan(0.5);
    expect(maxAbsDiff(reconstruct(u, s, v, n), w)).toBeLessThan(1e-10);
  });

  it('identity', () => {
    expectClose('I', identity(3), [1, 0, 0, 0, 1, 0, 0, 0, 1], { atol: 0, rtol: 0 });
  });

  it('factorised init: orthogonal and identity give s = 1 and p = 0 exactly', () => {
    const n = 8;
    for (const scheme of ['orthogonal', 'identity'] as const) {
      for (const margin of [null, 0, 0.1, 1]) {
        const r = initRecurrent(scheme, new Rng(7), n, { parameterisation: 'factorised', margin });
        if (r.parameterisation !== 'factorised') throw new Error('expected factorised');
        expect(Array.from(r.s)).toEqual(new Array(n).fill(1));
        if (margin === null) expect(r.p).toBeNull();
        else expect(Array.from(r.p ?? [])).toEqual(new Array(n).fill(0));
        expect(maxOrthogonalityError(r.U, n)).toBeLessThan(1e-12);
        expect(maxOrthogonalityError(r.V, n)).toBeLessThan(1e-12);
      }
    }
  });

  it('factorised Glorot init: U0 diag(s0) V0^T = W0 (same draw as the plain scheme)', () => {
    const n = 16;
    const plain = initRecurrent('glorot', new Rng(8), n, { parameterisation: 'plain', margin: null });
    const fac = initRecurrent('glorot', new Rng(8), n, { parameterisation: 'factorised', margin: null });
    if (plain.parameterisation !== 'plain' || fac.parameterisation !== 'factorised') throw new Error('kinds');
    expect(maxAbsDiff(reconstruct(fac.U, fac.s, fac.V, n), plain.W)).toBeLessThan(1e-12);
  });

  it('margin map and its inverse: s = 2m(sigmoid(p) - 1/2) + 1, clamped inside the bounds', () => {
    for (const m of [0.01, 0.1, 1, 10]) {
      const s = Float64Array.of(1, 1 - 0.5 * m, 1 + 0.9 * m, 1 - 0.99 * m);
      expectClose(`round trip m=${m}`, spectrumFromP(pFromSpectrum(s, m), m), s, { atol: 1e-12, rtol: 0 });
      const outside = pFromSpectrum([1 + 2 * m, 1 - 5 * m], m);
      expect(outside[0]).toBeCloseTo(logit(1 - MARGIN_P_CLAMP), 12);
      expect(outside[1]).toBeCloseTo(logit(MARGIN_P_CLAMP), 12);
      const back = spectrumFromP(outside, m);
      expect(back[0]).toBeLessThan(1 + m);
      expect(back[1]).toBeGreaterThan(1 - m);
    }
    expect(Array.from(pFromSpectrum([0.3, 2], 0))).toEqual([0, 0]);
  });

  it('initRunParameters: names, shapes and distributions', () => {
    const dims = { n: 6, I: 3, O: 5 };
    const base: RunModelSettings = { ...DEFAULT_RUN_MODEL_SETTINGS, nonlinearity: 'prelu', slope: 0.7 };
    const fac = initRunParameters({ ...base, margin: 0.1, init: 'glorot' }, 42, dims);
    for (const name of trainedParameterNames({ ...base, margin: 0.1 })) expect(fac[name], name).toBeDefined();
    expect(fac.UV.length).toBe(2 * 36);
    expect(fac.p.length).toBe(6);
    expect(fac.Win.length).toBe(18);
    expect(fac.Wout.length).toBe(30);
    expect(Array.from(fac.slope)).toEqual([0.7]);
    for (const v of fac.Win) expect(Math.abs(v)).toBeLessThanOrEqual(0.01);
    const limit = Math.sqrt(6 / (6 + 5));
    for (const v of fac.Wout) expect(Math.abs(v)).toBeLessThanOrEqual(limit);
    for (const key of ['b', 'h0', 'bout']) expect(Array.from(fac[key]).every((v) => v === 0)).toBe(true);
    // The composite W matches U diag(relu(s)) V^T with s the spectrum p encodes.
    const s = spectrumFromP(fac.p, 0.1);
    expectClose('s', fac.s, s, { atol: 1e-15, rtol: 0 });
    expectClose('W', fac.W, composeW(fac.UV.subarray(0, 36), fac.UV.subarray(36), s, 6), { atol: 0, rtol: 0 });
    // Same seed, same parameters; plain orthogonal W is orthogonal.
    expect(Array.from(initRunParameters({ ...base, margin: 0.1, init: 'glorot' }, 42, dims).Wout)).toEqual(Array.from(fac.Wout));
    const plain = initRunParameters({ ...base, parameterisation: 'plain' }, 1, dims);
    expect(plain.UV).toBeUndefined();
    expect(maxOrthogonalityError(plain.W, 6)).toBeLessThan(1e-12);
    const hard = initRunParameters({ ...base, margin: 0, init: 'glorot' }, 1, dims);
    expect(Array.from(hard.s)).toEqual(new Array(6).fill(1));
    expect(maxOrthogonalityError(hard.W, 6)).toBeLessThan(1e-12);
  });

  it('initRunParameters for an LSTM: orthogonal gate blocks, forget bias 1, Lasagne-scale inputs and peepholes', () => {
    const n = 8;
    const dims = { n, I: 3, O: 5 };
    const run: RunModelSettings = { ...DEFAULT_RUN_MODEL_SETTINGS, parameterisation: 'lstm' };
    const p = initRunParameters(run, 7, dims);
    expect(Object.keys(p).sort()).toEqual([...trainedParameterNames(run)].sort());
    expect(p.W.length).toBe(4 * n * n);
    expect(p.Win.length).toBe(4 * n * 3);
    expect(p.peep.length).toBe(3 * n);
    // each gate's n x n block is its own Haar orthogonal matrix (independent: blocks differ)
    for (let k = 0; k < 4; k++) expect(maxOrthogonalityError(p.W.subarray(k * n * n, (k + 1) * n * n), n)).toBeLessThan(1e-12);
    expect(maxAbsDiff(p.W.subarray(0, n * n), p.W.subarray(n * n, 2 * n * n))).toBeGreaterThan(0.1);
    // so the stacked [4n][n] matrix has every singular value 2
    for (const v of singularValuesTall(p.W, 4 * n, n)) expect(v).toBeCloseTo(2, 10);
    // biases: 0 except the forget gate (block 1)
    expect(Array.from(p.b)).toEqual([...new Array(n).fill(0), ...new Array(n).fill(LSTM_FORGET_BIAS), ...new Array(2 * n).fill(0)]);
    for (const key of ['h0', 'c0', 'bout']) expect(Array.from(p[key]).every((v) => v === 0)).toBe(true);
    // N(0, 0.1^2) inputs and peepholes: spread of the right size, not the RNN's U(-0.01, 0.01)
    const std = (a: Float64Array) => Math.sqrt(a.reduce((acc, v) => acc + v * v, 0) / a.length);
    expect(std(p.Win)).toBeGreaterThan(0.05);
    expect(std(p.Win)).toBeLessThan(0.2);
    expect(std(p.peep)).toBeGreaterThan(0.04);
    expect(std(p.peep)).toBeLessThan(0.2);
    // identity blocks for the identity scheme; same seed, same draw
    const id = initRunParameters({ ...run, init: 'identity' }, 7, dims);
    for (let k = 0; k < 4; k++) expect(Array.from(id.W.subarray(k * n * n, (k + 1) * n * n))).toEqual(Array.from(identityMatrix(n)));
    expect(Array.from(initRunParameters(run, 7, dims).W)).toEqual(Array.from(p.W));
  });

  it('singular values of a tall matrix agree with those of its square Gram factor', () => {
    const rng = new Rng(3);
    const m = 12;
    const n = 4;
    const a = rng.normalArray(m * n);
    const s = singularValuesTall(a, m, n);
    // sum of squares of singular values = ||A||_F^2, and descending
    const fro = a.reduce((acc, v) => acc + v * v, 0);
    expect(s.reduce((acc, v) => acc + v * v, 0)).toBeCloseTo(fro, 9);
    for (let i = 1; i < n; i++) expect(s[i]).toBeLessThanOrEqual(s[i - 1]);
    // the largest singular value is the 2-norm: ||A x|| for its right singular vector from the Gram SVD
    const gram = matmulTN(a, a, m, n, n);
    const v1 = Array.from({ length: n }, (_, j) => svd(gram, n).v[j * n]);
    const av = matmul(a, v1, m, n, 1);
    expect(Math.sqrt(av.reduce((acc, v) => acc + v * v, 0))).toBeCloseTo(s[0], 9);
  });
});
