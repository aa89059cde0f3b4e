/**
 * float64 reference of shaders/orthPenalty.wgsl: dW += 4 lambda (Q - W) + 2 wd W and
 * stats[r] = (lambda ||C - I||_F^2, wd ||W||_F^2), with C = W^T W, Q = W C, lambda = SOFT_ORTH,
 * wd = WEIGHT_DECAY. Also gramAndQ, which forms C and Q in float64 (what the trainer does with matmul).
 */
import { HYPER_STRIDE, Hyper } from '../engine/hyper.ts';

export function orthPenalty(
  dW: Float64Array,
  stats: Float64Array,
  W: ArrayLike<number>,
  C: ArrayLike<number>,
  Q: ArrayLike<number>,
  hyper: ArrayLike<number>,
  R: number,
  n: number,
): void {
  const nn = n * n;
  for (let r = 0; r < R; r++) {
    const lambda = hyper[r * HYPER_STRIDE + Hyper.SOFT_ORTH];
    const wd = hyper[r * HYPER_STRIDE + Hyper.WEIGHT_DECAY];
    let orth = 0;
    let decay = 0;
    for (let k = 0; k < nn; k++) {
      const o = r * nn + k;
      const w = W[o];
      if (lambda !== 0) {
        const c = C[o] - (k % (n + 1) === 0 ? 1 : 0);
        orth += c * c;
        dW[o] += 4 * lambda * (Q[o] - w);
      }
      if (wd !== 0) {
        decay += w * w;
        dW[o] += 2 * wd * w;
      }
    }
    stats[2 * r] = lambda * orth;
    stats[2 * r + 1] = wd * decay;
  }
}

/** C = W^T W and Q = W C for each of R row-major n x n matrices. */
export function gramAndQ(W: ArrayLike<number>, R: number, n: number): { C: Float64Array; Q: Float64Array } {
  const nn = n * n;
  const C = new Float64Array(R * nn);
  const Q = new Float64Array(R * nn);
  for (let r = 0; r < R; r++) {
    const b = r * nn;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let acc = 0;
        for (let k = 0; k < n; k++) acc += W[b + k * n + i] * W[b + k * n + j];
        C[b + i * n + j] = acc;
      }
    }
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let acc = 0;
        for (let k = 0; k < n; k++) acc += W[b + i * n + k] * C[b + k * n + j];
        Q[b + i * n + j] = acc;
      }
    }
  }
  return { C, Q };
}
