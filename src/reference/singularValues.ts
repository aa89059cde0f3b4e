/**
 * float64 reference of shaders/singularValues.wgsl: the singular values of R matrices A[r] of shape
 * [rows][n] (rows >= n; row-major, as the W of a plain RNN, rows = n, and the stacked gate matrix of an
 * LSTM, rows = 4n), sorted in descending order, by one-sided (Hestenes) Jacobi on the columns with the
 * kernel's ordering: in each sweep every pair of columns (p, q) is visited once; when the cosine
 * |a_p . a_q| / (|a_p| |a_q|) exceeds `tol` the pair is rotated to be orthogonal; the sweep that rotates
 * nothing ends the iteration, and the singular values are the column norms. Nothing squares the matrix,
 * so tiny singular values keep an absolute accuracy of a few ulps of the largest.
 *
 * With `qr` the columns are first replaced by those of R^T from a Householder QR (A = Q R), as the kernel
 * does for tall matrices (and on SwiftShader for all): the same singular values, fewer sweeps.
 *
 * Matrices whose hyper row has FACTORISED = 1 are skipped (their spectrum is s itself) and keep `out` as
 * it was; a matrix with a NaN or infinite entry gets NaN singular values and `finite: false`.
 */
import { HYPER_STRIDE, Hyper } from '../engine/hyper.ts';

export interface SingularValuesInfo {
  /** sweeps done, the last one included (it found every cosine at or below tol) */
  sweeps: number;
  converged: boolean;
  /** the largest cosine the last sweep found */
  off: number;
  finite: boolean;
  /** false for a skipped (factorised) run */
  computed: boolean;
}

export interface SingularValuesOptions {
  /** rotate a pair when its cosine exceeds this; converged when no pair does (default 1e-15) */
  tol?: number;
  maxSweeps?: number;
  /** the kernel's block ordering with this many blocks pairs per matrix (1 = plain round robin) */
  groups?: number;
  /** precondition as the kernel's qr = 1: Householder QR, then Jacobi on the columns of R^T */
  qr?: boolean;
}

/**
 * The pairs of columns one sweep visits, in the kernel's order: a list of block rounds, each a list of
 * inner rounds, each a list of disjoint pairs. The n columns are split into 2G blocks of b = ceil(n / 2G);
 * block round k pairs the blocks by the circle method (2G - 1 rounds); in block round 0 each pair of
 * blocks is swept as one set of 2b columns (every pair within and across them, 2b - 1 inner rounds), in
 * the other block rounds only the b x b pairs across the two blocks (b inner rounds). Each pair of
 * columns comes once per sweep. Pairs with a column >= n (padding) are left out.
 */
export function sweepSchedule(n: number, groups: number): [number, number][][][] {
  const G = groups;
  const b = Math.ceil(n / (2 * G));
  const out: [number, number][][][] = [];
  for (let k = 0; k < 2 * G - 1; k++) {
    const inner: [number, number][][] = [];
    const blocks = Array.from({ length: G }, (_, w) => circlePair(2 * G, k, w));
    const innerRounds = k === 0 ? 2 * b - 1 : b;
    for (let t = 0; t < innerRounds; t++) {
      const pairs: [number, number][] = [];
      for (const [P, Q] of blocks) {
        for (let m = 0; m < b; m++) {
          let p: number;
          let q: number;
          if (k === 0) {
            const [lp, lq] = circlePair(2 * b, t, m);
            p = lp < b ? P * b + lp : Q * b + lp - b;
            q = lq < b ? P * b + lq : Q * b + lq - b;
          } else {
            p = P * b + m;
            q = Q * b + ((m + t) % b);
          }
          if (p < n && q < n) pairs.push([p, q]);
        }
      }
      inner.push(pairs);
    }
    out.push(inner);
  }
  return out;
}

/** Pair m of round t of the circle method on N items (N even): N - 1 rounds of N / 2 disjoint pairs. */
export function circlePair(N: number, t: number, m: number): [number, number] {
  if (m === 0) return [N - 1, t];
  return [(t + m) % (N - 1), (t - m + N - 1) % (N - 1)];
}

export function singularValues(
  out: Float64Array,
  hyper: ArrayLike<number>,
  A: ArrayLike<number>,
  R: number,
  rows: number,
  n: number,
  opts: SingularValuesOptions = {},
): SingularValuesInfo[] {
  const tol = opts.tol ?? 1e-15;
  const maxSweeps = opts.maxSweeps ?? 60;
  const schedule = sweepSchedule(n, opts.groups ?? 1);
  const info: SingularValuesInfo[] = [];
  for (let r = 0; r < R; r++) {
    if (hyper[r * HYPER_STRIDE + Hyper.FACTORISED] === 1) {
      info.push({ sweeps: 0, converged: false, off: 0, finite: true, computed: false });
      continue;
    }
    // columns, contiguous
    let cols: Float64Array<ArrayBuffer>[] = Array.from({ length: n }, (_, j) => {
      const c = new Float64Array(rows);
      for (let i = 0; i < rows; i++) c[i] = A[(r * rows + i) * n + j];
      return c;
    });
    if (!cols.every((c) => c.every(Number.isFinite))) {
      out.fill(NaN, r * n, (r + 1) * n);
      info.push({ sweeps: 0, converged: false, off: NaN, finite: false, computed: true });
      continue;
    }
    if (opts.qr) cols = householderRTransposed(cols, rows);
    let sweeps = 0;
    let off = 0;
    let converged = false;
    while (sweeps < maxSweeps && !converged) {
      off = 0;
      for (const block of schedule)
        for (const pairs of block) for (const [p, q] of pairs) off = Math.max(off, rotatePair(cols[p], cols[q], tol));
      sweeps++;
      converged = off <= tol;
    }
    const norms = cols.map((c) => Math.hypot(...c)).sort((x, y) => y - x);
    out.set(norms, r * n);
    info.push({ sweeps, converged, off, finite: true, computed: true });
  }
  return info;
}

/**
 * The columns of R^T (n of length n) where A = Q R is the Householder QR of the matrix with these columns
 * (rows x n), as the kernel's load phase with qr = 1: step k reflects column k onto alpha e_k,
 * alpha = -sign(a_kk) |a_k|, with v = a_k - alpha e_k, and applies I - 2 v v^T / |v|^2 to the columns after it.
 */
export function householderRTransposed(cols: readonly Float64Array[], rows: number): Float64Array<ArrayBuffer>[] {
  const n = cols.length;
  const a = cols.map((c) => Float64Array.from(c));
  for (let k = 0; k < Math.min(n, rows - 1); k++) {
    const x = a[k];
    let norm2 = 0;
    for (let i = k; i < rows; i++) norm2 += x[i] * x[i];
    if (norm2 === 0) continue;
    const norm = Math.sqrt(norm2);
    const akk = x[k];
    const alpha = akk > 0 ? -norm : norm;
    const vnorm2 = 2 * norm * (norm + Math.abs(akk));
    x[k] = akk - alpha;
    for (let j = k + 1; j < n; j++) {
      let d = 0;
      for (let i = k; i < rows; i++) d += x[i] * a[j][i];
      const f = (2 * d) / vnorm2;
      for (let i = k; i < rows; i++) a[j][i] -= f * x[i];
    }
    x[k] = alpha;
    for (let i = k + 1; i < rows; i++) x[i] = 0;
  }
  // column c of R^T is row c of R
  return Array.from({ length: n }, (_, c) => Float64Array.from({ length: n }, (_, i) => a[i][c]));
}

/**
 * Makes columns x and y orthogonal by a plane rotation when their cosine exceeds tol; returns the cosine
 * found before (0 when either column is zero). The rotation is the one of shaders/singularValues.wgsl.
 */
export function rotatePair(x: Float64Array, y: Float64Array, tol: number): number {
  let alpha = 0;
  let beta = 0;
  let gamma = 0;
  for (let i = 0; i < x.length; i++) {
    alpha += x[i] * x[i];
    beta += y[i] * y[i];
    gamma += x[i] * y[i];
  }
  if (alpha === 0 || beta === 0) return 0;
  const cos = Math.abs(gamma) / (Math.sqrt(alpha) * Math.sqrt(beta));
  if (cos <= tol) return cos;
  const zeta = (beta - alpha) / (2 * gamma);
  const t = Math.abs(zeta) > 1e18 ? 0.5 / zeta : (zeta >= 0 ? 1 : -1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
  const c = 1 / Math.sqrt(1 + t * t);
  const s = c * t;
  // Rutishauser's form of x <- c x - s y, y <- s x + c y (the kernel's: rounding errors scale with s)
  const tau = s / (1 + c);
  for (let i = 0; i < x.length; i++) {
    const a = x[i];
    const b = y[i];
    x[i] = a - s * (b + tau * a);
    y[i] = b + s * (a - tau * b);
  }
  return cos;
}
