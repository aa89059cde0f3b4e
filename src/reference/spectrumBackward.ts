/**
 * float64 reference of shaders/spectrumBackward.wgsl. With T1 = dW V ([R][n][n]) and U = UV[r][0]:
 * ds'_i = sum_j U[j][i] T1[j][i]; ds_i = ds'_i [s_i > 0] + 2 PRIOR (s_i - 1); gs = ds; gp = ds * ds/dp
 * (margin runs, else 0); dU = T1 diag(relu(s)) into dUV[r][0]; prior[r] = PRIOR sum_i (s_i - 1)^2.
 * Plain runs (FACTORISED = 0) get zeros everywhere. dUV[r][1] is not touched.
 */
import { HYPER_STRIDE, Hyper } from '../engine/hyper.ts';
import { marginSlope } from './spectrumForward.ts';

export function spectrumBackward(
  gs: Float64Array,
  gp: Float64Array,
  dUV: Float64Array,
  prior: Float64Array,
  T1: ArrayLike<number>,
  UV: ArrayLike<number>,
  s: ArrayLike<number>,
  p: ArrayLike<number>,
  hyper: ArrayLike<number>,
  R: number,
  n: number,
): void {
  const nn = n * n;
  for (let r = 0; r < R; r++) {
    const h = r * HYPER_STRIDE;
    const factorised = hyper[h + Hyper.FACTORISED] === 1;
    const marginMode = hyper[h + Hyper.MARGIN_MODE] === 1;
    const m = hyper[h + Hyper.MARGIN];
    const lambda = hyper[h + Hyper.PRIOR];
    const uBase = r * 2 * nn;
    let value = 0;
    for (let i = 0; i < n; i++) {
      const o = r * n + i;
      if (!factorised) {
        gs[o] = 0;
        gp[o] = 0;
        for (let j = 0; j < n; j++) dUV[uBase + j * n + i] = 0;
        continue;
      }
      const si = s[o];
      const sPlus = Math.max(si, 0);
      let acc = 0;
      for (let j = 0; j < n; j++) {
        const t = T1[r * nn + j * n + i];
        acc += UV[uBase + j * n + i] * t;
        dUV[uBase + j * n + i] = t * sPlus;
      }
      const ds = (si > 0 ? acc : 0) + 2 * lambda * (si - 1);
      gs[o] = ds;
      gp[o] = marginMode ? ds * marginSlope(p[o], m) : 0;
      value += lambda * (si - 1) * (si - 1);
    }
    prior[r] = value;
  }
}
