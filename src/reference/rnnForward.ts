/**
 * float64 reference of shaders/rnnForward.wgsl (and rnnForwardStep.wgsl), all R runs:
 *   a_t = W h_{t-1} + xproj_t + b ;  h_t = f(g a_t),  t = 1..L,  h[r][0][b] = h0[r].
 * Layouts as in docs/ENGINE.md: a [R][L][B][n], h [R][L+1][B][n], hyper [R][16], W [R][n][n],
 * xproj [R][L][B][n], b and h0 [R][n], slope [R].
 */
import { HYPER_STRIDE, Hyper, Nonlin } from '../engine/hyper.ts';

/** f(z) for a whole row of n units (oplu works on pairs (2k, 2k+1) -> (max, min)). */
export function activateRow(out: Float64Array, z: ArrayLike<number>, kind: number, alpha: number): void {
  const n = z.length;
  for (let i = 0; i < n; i++) {
    const v = z[i];
    switch (kind) {
      case Nonlin.tanh:
        out[i] = Math.tanh(v);
        break;
      case Nonlin.relu:
        out[i] = Math.max(v, 0);
        break;
      case Nonlin.leaky:
      case Nonlin.prelu:
        out[i] = v >= 0 ? v : alpha * v;
        break;
      case Nonlin.oplu: {
        const p = z[i ^ 1];
        out[i] = (i & 1) === 0 ? Math.max(v, p) : Math.min(v, p);
        break;
      }
      default:
        out[i] = v;
    }
  }
}

export function rnnForward(
  a: Float64Array,
  h: Float64Array,
  hyper: ArrayLike<number>,
  W: ArrayLike<number>,
  xproj: ArrayLike<number>,
  b: ArrayLike<number>,
  h0: ArrayLike<number>,
  slope: ArrayLike<number>,
  R: number,
  L: number,
  B: number,
  n: number,
): void {
  const z = new Float64Array(n);
  const hv = new Float64Array(n);
  for (let r = 0; r < R; r++) {
    const kind = hyper[r * HYPER_STRIDE + Hyper.NONLIN];
    const g = hyper[r * HYPER_STRIDE + Hyper.GAIN];
    for (let bb = 0; bb < B; bb++) {
      for (let i = 0; i < n; i++) h[(r * (L + 1) * B + bb) * n + i] = h0[r * n + i];
    }
    for (let t = 1; t <= L; t++) {
      for (let bb = 0; bb < B; bb++) {
        const prev = ((r * (L + 1) + t - 1) * B + bb) * n;
        const aOff = ((r * L + t - 1) * B + bb) * n;
        for (let i = 0; i < n; i++) {
          let s = xproj[aOff + i] + b[r * n + i];
          for (let j = 0; j < n; j++) s += W[(r * n + i) * n + j] * h[prev + j];
          a[aOff + i] = s;
          z[i] = g * s;
        }
        activateRow(hv, z, kind, slope[r]);
        h.set(hv, ((r * (L + 1) + t) * B + bb) * n);
      }
    }
  }
}
