/**
 * float64 reference of shaders/lstmBackward.wgsl (BPTT of lstmForward), all R runs, literally the equations of
 * docs/ENGINE.md ("The LSTM cell"). For t = L .. 1 and every batch row, with dz_{L+1} = 0 and dc_next = 0 at t = L:
 *   dh_t = dhOut_t + W^T dz_{t+1};  tc = tanh(c_t);  dao = dh_t tc o(1-o)
 *   dc = dc_next + dh_t o (1 - tc^2) + dao p_o
 *   dai = dc g i(1-i);  dag = dc i (1-g^2);  daf = dc c_{t-1} f(1-f)
 *   dc_prev = dc f + dai p_i + daf p_f                 (dc_next of step t-1)
 *   dz_t = clip([dai, daf, dag, dao], -c, c)           (c = hyper CLIP, 0 = off)
 *   dp_i += dai c_{t-1};  dp_f += daf c_{t-1};  dp_o += dao c_t      (unclipped, summed over t and b)
 * and dh0 = W^T dz_1, dc0 = dc_prev of step 1 per batch row.
 * Gradient flow (when `flow` is given), aligned on each row's last scored step t_b (src/engine/flowRows.ts):
 * a second delta for Loss_last starts from scale_b * dhOut_{t_b} at t = t_b in row b (nothing for a row with
 * t_b = 0) with nothing injected elsewhere, is propagated the same way (same clip), and
 * flow[r][k] = sum over b, u of (dLoss_last/dh_t)^2 at t = k - (L - t_b), k = 0..L (t = 0: its dh0); the raw
 * sums the kernel reduces. A number for the rows: every row at L with that scale.
 * Layouts: dz, gates [R][L][B][4n]; dh0, dc0 [R][B][n]; peepGrad, peep [R][3][n]; flow [R][L+1];
 * W [R][4n][n]; c [R][L+1][B][n]; dhOut [R][L][B][n]; hyper [R][16]. Everything is overwritten.
 */
import { type FlowRows, uniformFlowRows } from '../engine/flowRows.ts';
import { HYPER_STRIDE, Hyper } from '../engine/hyper.ts';

/** What one delta leaves per step: the total dh_t and the clipped dz_t of every row, dc_prev of step 1. */
/** t = 1..L: dh_t [B][n], dz_t [B][4n]; t = 0: dh0 [B][n], dz = null, dcPrev = dc0 [B][n] */
type DeltaVisit = (t: number, dh: Float64Array, dz: Float64Array | null, dcPrev: Float64Array) => void;

/**
 * One delta of run r propagated from t = L down to 0. inject(t, dh) adds dLoss/dh_t from outside into dh [B][n];
 * peepGrad (the run's [3][n] slice) receives the peephole sums.
 */
function propagate(
  r: number,
  clip: number,
  W: ArrayLike<number>,
  peep: ArrayLike<number>,
  gates: ArrayLike<number>,
  c: ArrayLike<number>,
  L: number,
  B: number,
  n: number,
  inject: (t: number, dh: Float64Array) => void,
  visit: DeltaVisit,
  peepGrad: Float64Array,
): void {
  const pi = r * 3 * n,
    pf = pi + n,
    po = pi + 2 * n;
  peepGrad.fill(0);
  let dzNext = new Float64Array(B * 4 * n); // dz_{t+1}, zero at t = L
  let dcNext = new Float64Array(B * n); // dc_next, zero at t = L
  const clipped = (v: number) => (clip > 0 ? Math.min(clip, Math.max(-clip, v)) : v);
  for (let t = L; t >= 0; t--) {
    // dh_t = W^T dz_{t+1}, then what comes from outside
    const dh = new Float64Array(B * n);
    for (let bb = 0; bb < B; bb++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let q = 0; q < 4 * n; q++) s += W[(r * 4 * n + q) * n + j] * dzNext[bb * 4 * n + q];
        dh[bb * n + j] = s;
      }
    }
    if (t === 0) {
      visit(0, dh, null, dcNext);
      return;
    }
    inject(t, dh);
    const dz = new Float64Array(B * 4 * n);
    const dcPrev = new Float64Array(B * n);
    for (let bb = 0; bb < B; bb++) {
      const gOff = ((r * L + t - 1) * B + bb) * 4 * n;
      const cOff = ((r * (L + 1) + t) * B + bb) * n; // c_t; c_{t-1} is B * n earlier
      const cPrevOff = cOff - B * n;
      for (let u = 0; u < n; u++) {
        const i = gates[gOff + u],
          f = gates[gOff + n + u],
          g = gates[gOff + 2 * n + u],
          o = gates[gOff + 3 * n + u];
        const ct = c[cOff + u],
          cp = c[cPrevOff + u];
        const d = dh[bb * n + u];
        const tc = Math.tanh(ct);
        const dao = d * tc * o * (1 - o);
        const dc = dcNext[bb * n + u] + d * o * (1 - tc * tc) + dao * peep[po + u];
        const dai = dc * g * i * (1 - i);
        const dag = dc * i * (1 - g * g);
        const daf = dc * cp * f * (1 - f);
        dcPrev[bb * n + u] = dc * f + dai * peep[pi + u] + daf * peep[pf + u];
        peepGrad[u] += dai * cp;
        peepGrad[n + u] += daf * cp;
        peepGrad[2 * n + u] += dao * ct;
        const zo = bb * 4 * n + u;
        dz[zo] = clipped(dai);
        dz[zo + n] = clipped(daf);
        dz[zo + 2 * n] = clipped(dag);
        dz[zo + 3 * n] = clipped(dao);
      }
    }
    visit(t, dh, dz, dcPrev);
    dzNext = dz;
    dcNext = dcPrev;
  }
}

export function lstmBackward(
  dz: Float64Array,
  dh0: Float64Array,
  dc0: Float64Array,
  peepGrad: Float64Array,
  flow: Float64Array | null,
  hyper: ArrayLike<number>,
  W: ArrayLike<number>,
  peep: ArrayLike<number>,
  gates: ArrayLike<number>,
  c: ArrayLike<number>,
  dhOut: ArrayLike<number>,
  R: number,
  L: number,
  B: number,
  n: number,
  flowScale: number | FlowRows = 1,
): void {
  const rows = typeof flowScale === 'number' ? uniformFlowRows(L, B, flowScale) : flowScale;
  const scratchPeep = new Float64Array(3 * n);
  for (let r = 0; r < R; r++) {
    const clip = hyper[r * HYPER_STRIDE + Hyper.CLIP];
    const dhOutAt = (t: number) => (r * L + t - 1) * B * n;
    propagate(
      r,
      clip,
      W,
      peep,
      gates,
      c,
      L,
      B,
      n,
      (t, dh) => {
        for (let e = 0; e < B * n; e++) dh[e] += dhOut[dhOutAt(t) + e];
      },
      (t, dh, dzt, dcPrev) => {
        if (t === 0) {
          dh0.set(dh, r * B * n);
          dc0.set(dcPrev, r * B * n);
        } else {
          dz.set(dzt!, (r * L + t - 1) * B * 4 * n);
        }
      },
      peepGrad.subarray(r * 3 * n, (r + 1) * 3 * n),
    );
    if (!flow) continue;
    propagate(
      r,
      clip,
      W,
      peep,
      gates,
      c,
      L,
      B,
      n,
      (t, dh) => {
        for (let b = 0; b < B; b++) {
          if (t !== rows.last[b]) continue;
          for (let u = 0; u < n; u++) dh[b * n + u] += rows.scale[b] * dhOut[dhOutAt(t) + b * n + u];
        }
      },
      (t, dh) => {
        if (t === L) for (let k = 0; k <= L; k++) flow[r * (L + 1) + k] = 0;
        for (let b = 0; b < B; b++) {
          const tb = rows.last[b];
          if (tb === 0 || t > tb) continue;
          let s = 0;
          for (let u = 0; u < n; u++) s += dh[b * n + u] ** 2;
          flow[r * (L + 1) + t + L - tb] += s;
        }
      },
      scratchPeep,
    );
  }
}
