/**
 * float64 reference of shaders/rnnBackward.wgsl (and rnnBackwardStep.wgsl), all R runs. For t = L .. 1:
 *   dh_t = dhOut_t + W^T da_{t+1} (da_{L+1} = 0);  da_t = clip(g f'(g a_t)^T dh_t, -c, c);  dh0 = W^T da_1.
 * Gradient flow (when `flow` is given), aligned on each row's last scored step t_b (src/engine/flowRows.ts):
 * a second delta for Loss_last starts from scale_b * dhOut_{t_b} at t = t_b in row b (nothing for a row with
 * t_b = 0) with nothing injected elsewhere, is propagated the same way (its own clip), and
 * flow[r][k] = sum over b, i of (dLoss_last/dh_t)^2 at t = k - (L - t_b), k = 0..L (t = 0: its dh0); the raw
 * sums the kernels reduce (the row-count scale is the engine's, alignedFlow). A number for the rows: every
 * row at L with that scale.
 * Layouts (docs/ENGINE.md): dh, da, a, dhOut [R][L][B][n]; dh0 [R][B][n]; flow [R][L+1]; W [R][n][n].
 */
import { type FlowRows, uniformFlowRows } from '../engine/flowRows.ts';
import { HYPER_STRIDE, Hyper, Nonlin } from '../engine/hyper.ts';

/** (df/dz)^T d for one row of n units at z = g a (oplu: identity or swap per pair, ties = identity). */
export function backActivateRow(out: Float64Array, z: ArrayLike<number>, d: ArrayLike<number>, kind: number, alpha: number): void {
  for (let i = 0; i < z.length; i++) {
    const v = z[i];
    switch (kind) {
      case Nonlin.tanh: {
        const y = Math.tanh(v);
        out[i] = d[i] * (1 - y * y);
        break;
      }
      case Nonlin.relu:
        out[i] = v > 0 ? d[i] : 0;
        break;
      case Nonlin.leaky:
      case Nonlin.prelu:
        out[i] = v >= 0 ? d[i] : alpha * d[i];
        break;
      case Nonlin.oplu: {
        const even = (i & 1) === 0;
        const keepsOwn = even ? v >= z[i + 1] : z[i - 1] >= v;
        out[i] = keepsOwn ? d[i] : d[i ^ 1];
        break;
      }
      default:
        out[i] = d[i];
    }
  }
}

/** One delta propagated from t = L down to 0; inject(t, off, d, b) adds dLoss/dh_t of row b from outside. */
function propagate(
  r: number,
  hyper: ArrayLike<number>,
  W: ArrayLike<number>,
  a: ArrayLike<number>,
  alpha: number,
  L: number,
  B: number,
  n: number,
  inject: (t: number, off: number, d: Float64Array, b: number) => void,
  visit: (t: number, b: number, dhRow: Float64Array, daRow: Float64Array | null) => void,
): void {
  const g = hyper[r * HYPER_STRIDE + Hyper.GAIN];
  const kind = hyper[r * HYPER_STRIDE + Hyper.NONLIN];
  const c = hyper[r * HYPER_STRIDE + Hyper.CLIP];
  let next = new Float64Array(B * n); // da_{t+1}, zero for t = L
  const d = new Float64Array(n);
  const z = new Float64Array(n);
  const jz = new Float64Array(n);
  for (let t = L; t >= 0; t--) {
    const cur = new Float64Array(B * n);
    for (let b = 0; b < B; b++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let i = 0; i < n; i++) s += W[(r * n + i) * n + j] * next[b * n + i];
        d[j] = s;
      }
      if (t === 0) {
        visit(0, b, d, null);
        continue;
      }
      const off = ((r * L + t - 1) * B + b) * n;
      inject(t, off, d, b);
      for (let j = 0; j < n; j++) z[j] = g * a[off + j];
      backActivateRow(jz, z, d, kind, alpha);
      for (let j = 0; j < n; j++) {
        const v = g * jz[j];
        cur[b * n + j] = c > 0 ? Math.min(c, Math.max(-c, v)) : v;
      }
      visit(t, b, d, cur.subarray(b * n, (b + 1) * n));
    }
    next = cur;
  }
}

export function rnnBackward(
  dh: Float64Array,
  da: Float64Array,
  dh0: Float64Array,
  flow: Float64Array | null,
  hyper: ArrayLike<number>,
  W: ArrayLike<number>,
  a: ArrayLike<number>,
  slope: ArrayLike<number>,
  dhOut: ArrayLike<number>,
  R: number,
  L: number,
  B: number,
  n: number,
  flowScale: number | FlowRows = 1,
): void {
  const rows = typeof flowScale === 'number' ? uniformFlowRows(L, B, flowScale) : flowScale;
  for (let r = 0; r < R; r++) {
    propagate(
      r,
      hyper,
      W,
      a,
      slope[r],
      L,
      B,
      n,
      (_t, off, d) => {
        for (let j = 0; j < n; j++) d[j] += dhOut[off + j];
      },
      (t, b, dhRow, daRow) => {
        if (t === 0) {
          dh0.set(dhRow, (r * B + b) * n);
          return;
        }
        const off = ((r * L + t - 1) * B + b) * n;
        dh.set(dhRow, off);
        da.set(daRow!, off);
      },
    );
    if (!flow) continue;
    for (let t = 0; t <= L; t++) flow[r * (L + 1) + t] = 0;
    propagate(
      r,
      hyper,
      W,
      a,
      slope[r],
      L,
      B,
      n,
      (t, off, d, b) => {
        if (t === rows.last[b]) for (let j = 0; j < n; j++) d[j] += rows.scale[b] * dhOut[off + j];
      },
      (t, b, dhRow) => {
        const tb = rows.last[b];
        if (tb === 0 || t > tb) return;
        let s = 0;
        for (const v of dhRow) s += v * v;
        flow[r * (L + 1) + t + L - tb] += s;
      },
    );
  }
}

/**
 * dLoss/dalpha of the prelu slope per run: dalpha[r] = sum over t, b, i of dh_t * (z < 0 ? z : 0), z = g a_t,
 * with dh the total (unclipped) dLoss/dh_t. Runs whose nonlinearity is not prelu get 0 (their slope is not
 * trained: the trainer's learning rate LR_SLOPE is 0 for them; shaders/preluSlopeGrad.wgsl skips them).
 */
export function preluSlopeGrad(
  dalpha: Float64Array,
  hyper: ArrayLike<number>,
  dh: ArrayLike<number>,
  a: ArrayLike<number>,
  R: number,
  L: number,
  B: number,
  n: number,
): void {
  for (let r = 0; r < R; r++) {
    const g = hyper[r * HYPER_STRIDE + Hyper.GAIN];
    let s = 0;
    const count = hyper[r * HYPER_STRIDE + Hyper.NONLIN] === Nonlin.prelu ? L * B * n : 0;
    for (let e = r * L * B * n; e < r * L * B * n + count; e++) {
      const z = g * a[e];
      if (z < 0) s += dh[e] * z;
    }
    dalpha[r] = s;
  }
}
