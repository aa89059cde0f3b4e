/** float64 reference of shaders/selectRuns.wgsl: W[r] = FACTORISED[r] == 1 ? Wc[r] : W[r], except for runs frozen in `health`. */
import { HYPER_STRIDE, Hyper } from '../engine/hyper.ts';
import { isFrozen } from '../engine/runHealth.ts';

export function selectRuns(
  W: Float64Array,
  Wc: ArrayLike<number>,
  hyper: ArrayLike<number>,
  R: number,
  size: number,
  health?: ArrayLike<number>,
): void {
  for (let r = 0; r < R; r++) {
    if (hyper[r * HYPER_STRIDE + Hyper.FACTORISED] !== 1 || (health && isFrozen(health, r))) continue;
    for (let k = 0; k < size; k++) W[r * size + k] = Wc[r * size + k];
  }
}
