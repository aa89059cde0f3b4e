/**
 * float64 reference of shaders/spectrumRemargin.wgsl: for runs with mask[r] != 0 and MARGIN_MODE = 1,
 * p = logit(clamp((s - (1 - m)) / (2m), eps, 1 - eps)) under the new margin m = MARGIN (p = 0 when m = 0).
 * Runs frozen in `health` (src/engine/runHealth.ts) are not touched.
 */
import { HYPER_STRIDE, Hyper } from '../engine/hyper.ts';
import { isFrozen } from '../engine/runHealth.ts';

export function spectrumRemargin(
  p: Float64Array,
  hyper: ArrayLike<number>,
  mask: ArrayLike<number>,
  s: ArrayLike<number>,
  R: number,
  n: number,
  eps = 1e-6,
  health?: ArrayLike<number>,
): void {
  const clamp = (x: number) => Math.min(Math.max(x, eps), 1 - eps);
  for (let r = 0; r < R; r++) {
    const h = r * HYPER_STRIDE;
    if (mask[r] === 0 || hyper[h + Hyper.MARGIN_MODE] !== 1 || (health && isFrozen(health, r))) continue;
    const m = hyper[h + Hyper.MARGIN];
    for (let i = 0; i < n; i++) {
      const o = r * n + i;
      if (m <= 0) {
        p[o] = 0;
        continue;
      }
      const lo = clamp((s[o] - (1 - m)) / (2 * m));
      const hi = clamp((1 + m - s[o]) / (2 * m));
      p[o] = Math.log(lo) - Math.log(hi);
    }
  }
}
