/**
 * Matrices with a known spectrum for the singular value checks: A = U diag(s) V^T ([rows][n] row-major)
 * with U a Haar-random rows x n matrix of orthonormal columns and V a Haar-random n x n orthogonal matrix,
 * and the spectra the issue names (all ones as for an orthogonal W, tiny and exactly zero values, a wide
 * dynamic range, repeated values).
 */
import { orthogonalInit } from '../../src/engine/init.ts';
import type { Rng } from '../../src/random/rng.ts';

/** rows x n with orthonormal columns, Haar: the Q of a Gaussian matrix (modified Gram-Schmidt, twice). */
export function haarColumns(rng: Rng, rows: number, n: number): Float64Array {
  if (rows === n) return orthogonalInit(rng, n);
  const q = rng.normalArray(rows * n);
  for (let j = 0; j < n; j++) {
    for (let pass = 0; pass < 2; pass++) {
      for (let k = 0; k < j; k++) {
        let dot = 0;
        for (let i = 0; i < rows; i++) dot += q[i * n + k] * q[i * n + j];
        for (let i = 0; i < rows; i++) q[i * n + j] -= dot * q[i * n + k];
      }
    }
    let norm = 0;
    for (let i = 0; i < rows; i++) norm += q[i * n + j] * q[i * n + j];
    norm = Math.sqrt(norm);
    for (let i = 0; i < rows; i++) q[i * n + j] /= norm;
  }
  return q;
}

/** U diag(s) V^T, [rows][n] row-major, for s of length n (any order; the spectrum is s sorted). */
export function withSpectrum(rng: Rng, rows: number, s: ArrayLike<number>): Float64Array {
  const n = s.length;
  const u = haarColumns(rng, rows, n);
  const v = orthogonalInit(rng, n);
  const us = new Float64Array(rows * n);
  for (let i = 0; i < rows; i++) for (let k = 0; k < n; k++) us[i * n + k] = u[i * n + k] * s[k];
  const a = new Float64Array(rows * n);
  for (let i = 0; i < rows; i++)
    for (let j = 0; j < n; j++) {
      let acc = 0;
      for (let k = 0; k < n; k++) acc += us[i * n + k] * v[j * n + k];
      a[i * n + j] = acc;
    }
  return a;
}

export type SpectrumKind = 'ones' | 'repeated' | 'tiny' | 'rankDeficient' | 'wide' | 'graded';

/** A spectrum of n values of the given kind (not sorted), largest value near `scale`. */
export function spectrumOf(kind: SpectrumKind, n: number, rng: Rng, scale = 1): Float64Array {
  const s = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    switch (kind) {
      case 'ones': // an orthogonal matrix: n repeated values
        s[i] = 1;
        break;
      case 'repeated': // three values, each repeated a third of the time
        s[i] = [2, 1, 0.5][i % 3];
        break;
      case 'tiny': // half of them 1e-6 of the largest, the rest spread in [0.5, 1]
        s[i] = i % 2 === 0 ? 1e-6 : rng.range(0.5, 1);
        break;
      case 'rankDeficient': // a quarter exactly zero, a few tiny ones
        s[i] = i % 4 === 0 ? 0 : i % 4 === 1 ? 1e-6 * rng.range(1, 5) : rng.range(0.1, 1);
        break;
      case 'wide': // log-uniform over six decades
        s[i] = 10 ** (-6 * rng.uniform());
        break;
      case 'graded': // geometric from 1 down to 1e-6
        s[i] = 10 ** ((-6 * i) / Math.max(1, n - 1));
        break;
    }
    s[i] *= scale;
  }
  return s;
}
