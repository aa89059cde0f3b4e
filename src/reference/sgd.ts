/**
 * float64 reference of shaders/sgd.wgsl: plain SGD (momentum 0), classical momentum, or Lasagne's Nesterov
 * momentum (v <- mu v - lr g; param <- param + mu v - lr g). lr = hyper[r][lrIndex]; lr = 0 changes nothing,
 * nor does anything change for runs frozen in `health` (src/engine/runHealth.ts).
 */
import { HYPER_STRIDE } from '../engine/hyper.ts';
import { isFrozen } from '../engine/runHealth.ts';

export function sgd(
  param: Float64Array,
  velocity: Float64Array,
  grad: ArrayLike<number>,
  hyper: ArrayLike<number>,
  R: number,
  size: number,
  lrIndex: number,
  momentum = 0,
  nesterov = false,
  health?: ArrayLike<number>,
): void {
  for (let r = 0; r < R; r++) {
    const lr = hyper[r * HYPER_STRIDE + lrIndex];
    if (lr === 0 || (health && isFrozen(health, r))) continue;
    for (let k = 0; k < size; k++) {
      const o = r * size + k;
      const g = grad[o];
      if (momentum === 0) {
        param[o] -= lr * g;
        continue;
      }
      const v = momentum * velocity[o] - lr * g;
      velocity[o] = v;
      param[o] += nesterov ? momentum * v - lr * g : v;
    }
  }
}
