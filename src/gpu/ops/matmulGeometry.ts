/**
 * The geometry of one batched matmul (shaders/matmul.wgsl and matmulNaive.wgsl): its Params struct and the
 * extent of every operand it touches. Shared by the op (src/gpu/ops/matmul.ts, which checks buffer sizes
 * with it) and the float64 reference (src/reference/matmul.ts), so that shipped code never imports a test
 * oracle.
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
