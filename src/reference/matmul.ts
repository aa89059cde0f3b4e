/**
 * float64 reference of shaders/matmul.wgsl (and matmulNaive.wgsl):
 * C[b] = alpha * op(A[b]) [diag(d[b])] op(B[b]) + beta * C[b], batch item b of X at offX + b * strideX.
 */

/** The Params struct of shaders/matmul.wgsl, field for field. */
export interface MatmulParams {
  batch: number;
  M: number;
  N: number;
  K: number;
  /** 0: A stored [M][K]; 1: A stored [K][M] (op(A) = A^T) */
  transA: number;
  /** 0: B stored [K][N]; 1: B stored [N][K] (op(B) = B^T) */
  transB: number;
  offA: number;
  offB: number;
  offC: number;
  offD: number;
  /** element stride between batch items; 0 broadcasts one matrix */
  strideA: number;
  strideB: number;
  strideC: number;
  strideD: number;
  /** 0: none; 1: op(A) diag(d) op(B), d has K entries; 2: (op(A) op(B)) diag(d), d has N entries */
  diagMode: number;
  /** 1: use max(d, 0) */
  diagRelu: number;
  alpha: number;
  beta: number;
}

/** One past the largest element index each operand is read or written at (for buffer size checks). */
export function matmulExtents(p: MatmulParams): { A: number; B: number; C: number; D: number } {
  const last = (off: number, stride: number, size: number) => (size === 0 ? 0 : off + (p.batch - 1) * stride + size);
  return {
    A: last(p.offA, p.strideA, p.M * p.K),
    B: last(p.offB, p.strideB, p.K * p.N),
    C: last(p.offC, p.strideC, p.M * p.N),
    D: p.diagMode === 0 ? 0 : last(p.offD, p.strideD, p.diagMode === 1 ? p.K : p.N),
  };
}

export function matmul(
  C: Float64Array,
  A: ArrayLike<number>,
  B: ArrayLike<number>,
  D: ArrayLike<number> | undefined,
  p: MatmulParams,
): void {
  const d = (b: number, i: number) => {
    const v = D![p.offD + b * p.strideD + i];
    return p.diagRelu ? Math.max(v, 0) : v;
  };
  for (let b = 0; b < p.batch; b++) {
    const a0 = p.offA + b * p.strideA;
    const b0 = p.offB + b * p.strideB;
    const c0 = p.offC + b * p.strideC;
    for (let m = 0; m < p.M; m++) {
      for (let n = 0; n < p.N; n++) {
        let acc = 0;
        for (let k = 0; k < p.K; k++) {
          const a = p.transA ? A[a0 + k * p.M + m] : A[a0 + m * p.K + k];
          const bk = p.transB ? B[b0 + n * p.K + k] : B[b0 + k * p.N + n];
          acc += (p.diagMode === 1 ? a * d(b, k) : a) * bk;
        }
        if (p.diagMode === 2) acc *= d(b, n);
        const o = c0 + m * p.N + n;
        C[o] = p.beta === 0 ? p.alpha * acc : p.alpha * acc + p.beta * C[o];
      }
    }
  }
}
