/**
 * float64 reference of shaders/matmul.wgsl (and matmulNaive.wgsl):
 * C[b] = alpha * op(A[b]) [diag(d[b])] op(B[b]) + beta * C[b], batch item b of X at offX + b * strideX.
 * The geometry (Params, operand extents) is the op's: src/gpu/ops/matmulGeometry.ts.
 */

import type { MatmulParams } from '../gpu/ops/matmulGeometry.ts';

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
