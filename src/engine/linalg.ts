/**
 * Dense float64 linear algebra for initialisation, references and tests. Matrices are row-major
 * Float64Arrays: element (i, j) of an m x n matrix is a[i * n + j]. Nothing here allocates outside its
 * return values, and nothing touches the GPU.
 */

/** The n x n identity. */
export function identityMatrix(n: number): Float64Array {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) out[i * n + i] = 1;
  return out;
}

/** C = A B with A m x k and B k x n. */
export function matmul(a: ArrayLike<number>, b: ArrayLike<number>, m: number, k: number, n: number): Float64Array {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let p = 0; p < k; p++) {
      const aip = a[i * k + p];
      if (aip === 0) continue;
      for (let j = 0; j < n; j++) out[i * n + j] += aip * b[p * n + j];
    }
  }
  return out;
}

/** C = A^T B with A k x m and B k x n (so C is m x n). */
export function matmulTN(a: ArrayLike<number>, b: ArrayLike<number>, k: number, m: number, n: number): Float64Array {
  const out = new Float64Array(m * n);
  for (let p = 0; p < k; p++) {
    for (let i = 0; i < m; i++) {
      const api = a[p * m + i];
      if (api === 0) continue;
      for (let j = 0; j < n; j++) out[i * n + j] += api * b[p * n + j];
    }
  }
  return out;
}

/** C = A B^T with A m x k and B n x k (so C is m x n). */
export function matmulNT(a: ArrayLike<number>, b: ArrayLike<number>, m: number, k: number, n: number): Float64Array {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let acc = 0;
      for (let p = 0; p < k; p++) acc += a[i * k + p] * b[j * k + p];
      out[i * n + j] = acc;
    }
  }
  return out;
}

/** The factorised transition W = U diag(relu(s)) V^T (U, V n x n; negative s_i contribute nothing). */
export function composeW(u: ArrayLike<number>, v: ArrayLike<number>, s: ArrayLike<number>, n: number): Float64Array {
  const us = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let k = 0; k < n; k++) us[i * n + k] = u[i * n + k] * Math.max(s[k], 0);
  return matmulNT(us, v, n, n, n);
}

/** The transpose of a rows x cols matrix (a cols x rows matrix). */
export function transpose(a: ArrayLike<number>, rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j * rows + i] = a[i * cols + j];
  return out;
}

/** max_ij |a_ij - b_ij|. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`maxAbsDiff: length ${a.length} != ${b.length}`);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

/** max_ij |(M^T M - I)_ij| for an n x n matrix M: 0 for an exactly orthogonal matrix. */
export function maxOrthogonalityError(m: ArrayLike<number>, n: number): number {
  const gram = matmulTN(m, m, n, n, n);
  for (let i = 0; i < n; i++) gram[i * n + i] -= 1;
  return maxAbsDiff(gram, new Float64Array(n * n));
}

export interface QR {
  /** orthogonal n x n */
  q: Float64Array;
  /** upper triangular n x n with diag(R) >= 0 */
  r: Float64Array;
}

/**
 * Householder QR of a square n x n matrix, A = Q R, normalised so that diag(R) >= 0. With that sign
 * convention the Q of a Gaussian matrix is Haar-distributed (Mezzadri 2007).
 */
export function qr(a: ArrayLike<number>, n: number): QR {
  const r = Float64Array.from(a);
  const q = identityMatrix(n);
  const v = new Float64Array(n);
  for (let k = 0; k < n - 1; k++) {
    let norm = 0;
    for (let i = k; i < n; i++) norm += r[i * n + k] * r[i * n + k];
    norm = Math.sqrt(norm);
    if (norm === 0) continue;
    const alpha = r[k * n + k] > 0 ? -norm : norm;
    // v = x - alpha e_1, normalised; H = I - 2 v v^T maps x to alpha e_1.
    let vnorm = 0;
    for (let i = k; i < n; i++) {
      v[i] = r[i * n + k] - (i === k ? alpha : 0);
      vnorm += v[i] * v[i];
    }
    vnorm = Math.sqrt(vnorm);
    if (vnorm === 0) continue;
    for (let i = k; i < n; i++) v[i] /= vnorm;
    // R <- H R (rows k..n-1)
    for (let j = 0; j < n; j++) {
      let dot = 0;
      for (let i = k; i < n; i++) dot += v[i] * r[i * n + j];
      for (let i = k; i < n; i++) r[i * n + j] -= 2 * v[i] * dot;
    }
    // Q <- Q H (columns k..n-1)
    for (let i = 0; i < n; i++) {
      let dot = 0;
      for (let j = k; j < n; j++) dot += q[i * n + j] * v[j];
      for (let j = k; j < n; j++) q[i * n + j] -= 2 * dot * v[j];
    }
    for (let i = k + 1; i < n; i++) r[i * n + k] = 0;
  }
  // Sign fix: flip row k of R and column k of Q wherever R_kk < 0.
  for (let k = 0; k < n; k++) {
    if (r[k * n + k] >= 0) continue;
    for (let j = 0; j < n; j++) r[k * n + j] = -r[k * n + j];
    for (let i = 0; i < n; i++) q[i * n + k] = -q[i * n + k];
  }
  return { q, r };
}

export interface SVD {
  /** orthogonal n x n, columns are left singular vectors */
  u: Float64Array;
  /** singular values, sorted in DESCENDING order, all >= 0 */
  s: Float64Array;
  /** orthogonal n x n, columns are right singular vectors (V itself, not V^T) */
  v: Float64Array;
}

/**
 * SVD of a square n x n matrix by one-sided (Hestenes) Jacobi: A = U diag(s) V^T with U, V orthogonal
 * and s sorted in descending order. Columns of A are rotated pairwise until they are mutually orthogonal
 * (to machine precision); the rotations accumulate into V, the column norms are s, and the normalised
 * columns are U. Reconstruction error is a few ulps of max|A| (~1e-14 for n <= 128). Left singular
 * vectors of (numerically) zero singular values are completed to an orthonormal basis.
 */
export function svd(a: ArrayLike<number>, n: number): SVD {
  const w = Float64Array.from(a);
  const v = identityMatrix(n);
  const tol = 1e-15;
  for (let sweep = 0; sweep < 80; sweep++) {
    let rotated = false;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        let alpha = 0;
        let beta = 0;
        let gamma = 0;
        for (let i = 0; i < n; i++) {
          const wp = w[i * n + p];
          const wq = w[i * n + q];
          alpha += wp * wp;
          beta += wq * wq;
          gamma += wp * wq;
        }
        if (gamma === 0 || Math.abs(gamma) <= tol * Math.sqrt(alpha * beta)) continue;
        rotated = true;
        const zeta = (beta - alpha) / (2 * gamma);
        const t = (zeta >= 0 ? 1 : -1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const c = 1 / Math.sqrt(1 + t * t);
        const sn = c * t;
        rotateColumns(w, n, p, q, c, sn);
        rotateColumns(v, n, p, q, c, sn);
      }
    }
    if (!rotated) break;
  }

  const norms = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    let acc = 0;
    for (let i = 0; i < n; i++) acc += w[i * n + j] * w[i * n + j];
    norms[j] = Math.sqrt(acc);
  }
  const order = Array.from({ length: n }, (_, j) => j).sort((x, y) => norms[y] - norms[x]);
  const u = new Float64Array(n * n);
  const s = new Float64Array(n);
  const vSorted = new Float64Array(n * n);
  const tiny = n * 2.3e-16 * (norms[order[0]] || 1);
  const deficient: number[] = [];
  for (let k = 0; k < n; k++) {
    const j = order[k];
    s[k] = norms[j];
    for (let i = 0; i < n; i++) vSorted[i * n + k] = v[i * n + j];
    if (norms[j] <= tiny) {
      deficient.push(k);
      continue;
    }
    for (let i = 0; i < n; i++) u[i * n + k] = w[i * n + j] / norms[j];
  }
  if (deficient.length > 0) completeOrthonormalColumns(u, n, deficient);
  return { u, s, v: vSorted };
}

function rotateColumns(m: Float64Array, n: number, p: number, q: number, c: number, s: number): void {
  for (let i = 0; i < n; i++) {
    const mp = m[i * n + p];
    const mq = m[i * n + q];
    m[i * n + p] = c * mp - s * mq;
    m[i * n + q] = s * mp + c * mq;
  }
}

/** Fills the given columns of u with unit vectors orthogonal to all other columns (Gram-Schmidt, twice). */
function completeOrthonormalColumns(u: Float64Array, n: number, columns: number[]): void {
  const missing = new Set(columns);
  const col = new Float64Array(n);
  let candidate = 0;
  for (const k of columns) {
    for (; candidate < n; candidate++) {
      col.fill(0);
      col[candidate] = 1;
      for (let pass = 0; pass < 2; pass++) {
        for (let j = 0; j < n; j++) {
          if (j === k || (missing.has(j) && j > k)) continue;
          let dot = 0;
          for (let i = 0; i < n; i++) dot += u[i * n + j] * col[i];
          for (let i = 0; i < n; i++) col[i] -= dot * u[i * n + j];
        }
      }
      let norm = 0;
      for (let i = 0; i < n; i++) norm += col[i] * col[i];
      norm = Math.sqrt(norm);
      if (norm > 0.5) {
        for (let i = 0; i < n; i++) u[i * n + k] = col[i] / norm;
        missing.delete(k);
        candidate++;
        break;
      }
    }
  }
}

/** Logistic sigmoid 1 / (1 + e^-x), stable for large |x|. */
export function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/** Inverse of the sigmoid, ln(u / (1 - u)) for u in (0, 1). */
export function logit(u: number): number {
  return Math.log(u / (1 - u));
}

/**
 * The singular values (descending) of a tall rows x cols matrix (rows >= cols), e.g. an LSTM's stacked
 * [4n][n] recurrent matrix: the square roots of the eigenvalues of the Gram matrix A^T A (which, symmetric
 * and positive semi-definite, are its singular values). Accurate to ~1e-8 relative for values within 1e4 of
 * the largest, plenty for a live chart.
 */
export function singularValuesTall(a: ArrayLike<number>, rows: number, cols: number): Float64Array {
  if (rows === cols) return svd(a, cols).s;
  const gram = matmulTN(a, a, rows, cols, cols);
  return svd(gram, cols).s.map((v) => Math.sqrt(Math.max(v, 0)));
}
