/** float64 reference of shaders/spectrumForward.wgsl, plus the margin map used by the other spectrum references. */
import { HYPER_STRIDE, Hyper } from '../engine/hyper.ts';
import { isFrozen } from '../engine/runHealth.ts';

/** s = 2m (sigmoid(p) - 1/2) + 1 = 1 + m tanh(p/2): the spectrum under margin m (docs/SCIENCE.md section 2.2). */
export function marginSpectrum(p: number, m: number): number {
  return 1 + m * Math.tanh(p / 2);
}

/** ds/dp = 2m sigmoid(p) (1 - sigmoid(p)). */
export function marginSlope(p: number, m: number): number {
  const e = Math.exp(-Math.abs(p));
  return (2 * m * e) / ((1 + e) * (1 + e));
}

/** s[r][i] = marginSpectrum(p[r][i], MARGIN) for factorised margin runs; other runs, and runs frozen in `health`, keep s. */
export function spectrumForward(
  s: Float64Array,
  p: ArrayLike<number>,
  hyper: ArrayLike<number>,
  R: number,
  n: number,
  health?: ArrayLike<number>,
): void {
  for (let r = 0; r < R; r++) {
    const h = r * HYPER_STRIDE;
    if (hyper[h + Hyper.FACTORISED] !== 1 || hyper[h + Hyper.MARGIN_MODE] !== 1 || (health && isFrozen(health, r))) continue;
    const m = hyper[h + Hyper.MARGIN];
    for (let i = 0; i < n; i++) s[r * n + i] = marginSpectrum(p[r * n + i], m);
  }
}
