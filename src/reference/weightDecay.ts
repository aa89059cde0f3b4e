/** float64 reference of shaders/weightDecay.wgsl: g += 2 wd w and stats[r] = wd ||w[r]||^2, wd = WEIGHT_DECAY. */
import { HYPER_STRIDE, Hyper } from '../engine/hyper.ts';

export function weightDecay(
  g: Float64Array,
  stats: Float64Array,
  w: ArrayLike<number>,
  hyper: ArrayLike<number>,
  R: number,
  size: number,
): void {
  for (let r = 0; r < R; r++) {
    const wd = hyper[r * HYPER_STRIDE + Hyper.WEIGHT_DECAY];
    let value = 0;
    if (wd !== 0) {
      for (let k = 0; k < size; k++) {
        const x = w[r * size + k];
        value += x * x;
        g[r * size + k] += 2 * wd * x;
      }
    }
    stats[r] = wd * value;
  }
}
