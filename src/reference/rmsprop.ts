/**
 * float64 reference of shaders/rmsprop.wgsl (Lasagne's RMSprop): ms <- rho ms + (1 - rho) g^2;
 * param <- param - lr g / sqrt(ms + eps) with lr = hyper[r][lrIndex]; lr = 0 (or a zero denominator) leaves
 * param unchanged, ms is updated regardless. Runs frozen in `health` (src/engine/runHealth.ts) are not touched.
 */
import { HYPER_STRIDE } from '../engine/hyper.ts';
import { isFrozen } from '../engine/runHealth.ts';

export function rmsprop(
  param: Float64Array,
  ms: Float64Array,
  grad: ArrayLike<number>,
  hyper: ArrayLike<number>,
  R: number,
  size: number,
  lrIndex: number,
  rho = 0.9,
  eps = 1e-6,
  health?: ArrayLike<number>,
): void {
  for (let r = 0; r < R; r++) {
    if (health && isFrozen(health, r)) continue;
    const lr = hyper[r * HYPER_STRIDE + lrIndex];
    for (let k = 0; k < size; k++) {
      const o = r * size + k;
      const g = grad[o];
      ms[o] = rho * ms[o] + (1 - rho) * g * g;
      const denom = Math.sqrt(ms[o] + eps);
      if (lr !== 0 && denom > 0) param[o] -= (lr * g) / denom;
    }
  }
}
