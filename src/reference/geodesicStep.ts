/**
 * float64 reference of the geodesic (Cayley) step (docs/SCIENCE.md section 5.1) on one n x n matrix M with gradient G:
 *   A = G M^T - M G^T,   M <- (I + tau/2 A)^{-1} (I - tau/2 A) M,
 * solved with Gaussian elimination with partial pivoting (no explicit inverse). Also the helpers the checks use:
 * a Haar-random orthogonal matrix and the orthogonality error max|M^T M - I|.
 */
import type { Rng } from '../random/rng.ts';

export function geodesicStep(M: Float64Array, G: ArrayLike<number>, tau: number, n: number): void {
  const A = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let gm = 0;
      let mg = 0;
      for (let k = 0; k < n; k++) {
        gm += G[i * n + k] * M[j * n + k];
        mg += M[i * n + k] * G[j * n + k];
      }
      A[i * n + j] = gm - mg;
    }
  }
  // system [I + tau/2 A | (I - tau/2 A) M]
  const S = new Float64Array(n * n);
  const R = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      S[i * n + j] = (i === j ? 1 : 0) + (tau / 2) * A[i * n + j];
      let r = M[i * n + j];
      for (let k = 0; k < n; k++) r -= (tau / 2) * A[i * n + k] * M[k * n + j];
      R[i * n + j] = r;
    }
  }
  solveInPlace(S, R, n);
  M.set(R);
}

/** Solves S X = R for X (n x n right-hand sides), overwriting R with X; partial pivoting. */
function solveInPlace(S: Float64Array, R: Float64Array, n: number): void {
  const swap = (a: Float64Array, r1: number, r2: number) => {
    for (let j = 0; j < n; j++) {
      const t = a[r1 * n + j];
      a[r1 * n + j] = a[r2 * n + j];
      a[r2 * n + j] = t;
    }
  };
  for (let k = 0; k < n; k++) {
    let p = k;
    for (let i = k + 1; i < n; i++) if (Math.abs(S[i * n + k]) > Math.abs(S[p * n + k])) p = i;
    if (p !== k) {
      swap(S, p, k);
      swap(R, p, k);
    }
    for (let i = k + 1; i < n; i++) {
      const f = S[i * n + k] / S[k * n + k];
      if (f === 0) continue;
      for (let j = k; j < n; j++) S[i * n + j] -= f * S[k * n + j];
      for (let j = 0; j < n; j++) R[i * n + j] -= f * R[k * n + j];
    }
  }
  for (let i = n - 1; i >= 0; i--) {
    for (let j = 0; j < n; j++) {
      let x = R[i * n + j];
      for (let k = i + 1; k < n; k++) x -= S[i * n + k] * R[k * n + j];
      R[i * n + j] = x / S[i * n + i];
    }
  }
}

/** A Haar-distributed random orthogonal n x n matrix: QR of a Gaussian matrix (Gram-Schmidt), signs fixed by diag(R) > 0. */
export function haarOrthogonal(rng: Rng, n: number): Float64Array {
  const X = rng.normalArray(n * n);
  // modified Gram-Schmidt on the columns, twice for float64-level orthogonality; R's diagonal stays positive
  const Q = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    const v = new Float64Array(n);
    for (let i = 0; i < n; i++) v[i] = X[i * n + j];
    for (let pass = 0; pass < 2; pass++) {
      for (let q = 0; q < j; q++) {
        let d = 0;
        for (let i = 0; i < n; i++) d += Q[i * n + q] * v[i];
        for (let i = 0; i < n; i++) v[i] -= d * Q[i * n + q];
      }
    }
    let norm = 0;
    for (let i = 0; i < n; i++) norm += v[i] * v[i];
    norm = Math.sqrt(norm);
    for (let i = 0; i < n; i++) Q[i * n + j] = v[i] / norm;
  }
  return Q;
}

/** max_ij |(M^T M - I)_ij| for an n x n row-major M. */
export function orthogonalityError(M: ArrayLike<number>, n: number): number {
  let worst = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let d = i === j ? -1 : 0;
      for (let k = 0; k < n; k++) d += M[k * n + i] * M[k * n + j];
      worst = Math.max(worst, Math.abs(d));
    }
  }
  return worst;
}
