/**
 * Float64 reference of the whole LSTM model of ONE run (docs/ENGINE.md "The LSTM cell"; docs/SCIENCE.md
 * sections 3, 4, 5 and 7): forward over a batch of sequences, readout, task loss and weight decay, and the
 * backward (BPTT with Lasagne's elementwise clip of dLoss/dz on the gate pre-activations) giving the
 * gradient of the training loss for every trained parameter, plus the gradient-flow profile of Fig. 2.
 * The GPU LSTM path is judged against this. Written per batch row and per unit, for clarity, not speed.
 *
 * Parameters (per-run slices, keys and layouts as in docs/ENGINE.md): W [4n][n], Win [4n][I], b [4n],
 * h0 [n], c0 [n], peep [3][n] (p_i, p_f, p_o), Wout [O][n], bout [O]. The 4n rows of W, Win, b (and of
 * z, gates, dz below) are four blocks of n in the gate order i, f, g, o. Gradients use the same keys and
 * layouts; grads.h0 and grads.c0 are sums over the batch of the per-row dhInitial and dcInitial.
 *
 * Cell, t = 1..L (`.` elementwise, sig = 1/(1+e^-x), float64 without clamping):
 *   z_t = W h_{t-1} + Win x_t + b                                   (the pre-activations, before peepholes)
 *   i = sig(z_i + p_i . c_{t-1}),  f = sig(z_f + p_f . c_{t-1}),  g = tanh(z_g)
 *   c_t = f . c_{t-1} + i . g,     o = sig(z_o + p_o . c_t),       h_t = o . tanh(c_t)
 * Readout y = Wout h_t + bout at the scored steps. Layouts: z and gates [L][B][4n] (slot t-1 holds step t),
 * c and h [L+1][B][n] (slot 0 is c0 / h0 for every batch element).
 *
 * Penalties: weightDecay (||Win||_F^2 + ||W||_F^2 + ||Wout||_F^2), nothing else (no 1/2).
 */

import { alignedFlow } from '../engine/flowRows.ts';
import { sigmoid } from '../engine/linalg.ts';
import {
  accuracy,
  type ModelParameters,
  meanLastStepLoss,
  type ReadoutPass,
  readoutBackward,
  readoutForward,
  sumSquares,
  type TaskBatch,
} from './model.ts';

/** The per-run settings the LSTM model reads. clip 0 = off. */
export interface LstmModelSettings {
  clip: number;
  weightDecay: number;
}

/** The trained parameters of an LSTM run, in the order of docs/ENGINE.md. */
export const LSTM_PARAMETER_NAMES = ['W', 'Win', 'b', 'h0', 'c0', 'peep', 'Wout', 'bout'] as const;

/** Sizes implied by the parameters; throws when a parameter is missing or has the wrong length. */
export function lstmSizes(params: ModelParameters, batch: TaskBatch): { n: number; I: number; O: number } {
  const h0 = params.h0;
  if (!h0) throw new Error('LSTM parameters need h0');
  const n = h0.length;
  const { I, O } = batch;
  const want: Record<(typeof LSTM_PARAMETER_NAMES)[number], number> = {
    W: 4 * n * n,
    Win: 4 * n * I,
    b: 4 * n,
    h0: n,
    c0: n,
    peep: 3 * n,
    Wout: O * n,
    bout: O,
  };
  for (const name of LSTM_PARAMETER_NAMES) {
    const v = params[name];
    if (!v || v.length !== want[name]) {
      throw new Error(`LSTM parameter ${name} has length ${v ? v.length : 'none'}, expected ${want[name]} (n=${n}, I=${I}, O=${O})`);
    }
  }
  return { n, I, O };
}

export interface LstmForwardPass extends ReadoutPass {
  /** gate pre-activations W h_{t-1} + Win x_t + b, before the peepholes [L][B][4n] */
  z: Float64Array;
  /** gate activations after their nonlinearities (i, f, g, o) [L][B][4n] */
  gates: Float64Array;
  /** cell states [L+1][B][n] (slot 0 = c0) */
  c: Float64Array;
}

/**
 * Forward pass. hiddenOffset [L+1][B][n], if given, is added to every h_t after the cell (and to h_0); the
 * cell state is not offset. The gradient of the loss with respect to it is dLoss/dh_t, which tests probe.
 */
export function forward(
  settings: LstmModelSettings,
  params: ModelParameters,
  batch: TaskBatch,
  hiddenOffset?: Float64Array,
): LstmForwardPass {
  const { L, B, I } = batch;
  const { n } = lstmSizes(params, batch);
  const { W, Win, b, h0, c0, peep, Wout, bout } = params;
  const n4 = 4 * n;
  const z = new Float64Array(L * B * n4);
  const gates = new Float64Array(L * B * n4);
  const c = new Float64Array((L + 1) * B * n);
  const h = new Float64Array((L + 1) * B * n);
  for (let bi = 0; bi < B; bi++) {
    h.set(h0, bi * n);
    c.set(c0, bi * n);
  }
  if (hiddenOffset) for (let j = 0; j < B * n; j++) h[j] += hiddenOffset[j];
  for (let t = 1; t <= L; t++) {
    for (let bi = 0; bi < B; bi++) {
      const prev = (t - 1) * B * n + bi * n; // h_{t-1}, c_{t-1}
      const cur = t * B * n + bi * n; // h_t, c_t
      const xt = (t - 1) * B * I + bi * I;
      const zt = (t - 1) * B * n4 + bi * n4; // z_t, gates_t
      for (let r = 0; r < n4; r++) {
        let acc = b[r];
        for (let j = 0; j < n; j++) acc += W[r * n + j] * h[prev + j];
        for (let k = 0; k < I; k++) acc += Win[r * I + k] * batch.x[xt + k];
        z[zt + r] = acc;
      }
      for (let u = 0; u < n; u++) {
        const cPrev = c[prev + u];
        const ig = sigmoid(z[zt + u] + peep[u] * cPrev);
        const fg = sigmoid(z[zt + n + u] + peep[n + u] * cPrev);
        const gg = Math.tanh(z[zt + 2 * n + u]);
        const ct = fg * cPrev + ig * gg;
        const og = sigmoid(z[zt + 3 * n + u] + peep[2 * n + u] * ct);
        gates[zt + u] = ig;
        gates[zt + n + u] = fg;
        gates[zt + 2 * n + u] = gg;
        gates[zt + 3 * n + u] = og;
        c[cur + u] = ct;
        h[cur + u] = og * Math.tanh(ct) + (hiddenOffset ? hiddenOffset[cur + u] : 0);
      }
    }
  }

  const { y, positionLoss, taskLoss } = readoutForward(batch, h, Wout, bout, n);
  const penalty = lstmPenalty(settings, params);
  return {
    z,
    gates,
    c,
    h,
    y,
    positionLoss,
    taskLoss,
    penalty,
    trainingLoss: taskLoss + penalty,
    accuracy: accuracy(batch, y),
  };
}

/** weightDecay (||Win||_F^2 + ||W||_F^2 + ||Wout||_F^2): the LSTM's only penalty. */
export function lstmPenalty(settings: LstmModelSettings, params: ModelParameters): number {
  if (settings.weightDecay === 0) return 0;
  return settings.weightDecay * (sumSquares(params.Win) + sumSquares(params.W) + sumSquares(params.Wout));
}

export interface LstmBackwardPass {
  /** gradient of the training loss for every trained parameter (keys of LSTM_PARAMETER_NAMES) */
  grads: ModelParameters;
  /** dLoss/dW of the task loss alone (sum_t dz_t^T h_{t-1}) [4n][n]; grads.W adds 2 wd W */
  dWTask: Float64Array;
  /** dLoss/dy [Lout][B][O] (position weights applied) */
  dy: Float64Array;
  /** dLoss/dh_t from the readout only [L][B][n] (slot t-1 holds step t; zero at unscored steps) */
  dhOut: Float64Array;
  /** total dLoss/dh_t = dhOut_t + W^T dz_{t+1}, t = 1..L [L][B][n] */
  dh: Float64Array;
  /** total dLoss/dc_t (the `dc` of the step: dc_next + dh . o (1 - tanh^2 c) + dao . p_o), t = 1..L [L][B][n] */
  dc: Float64Array;
  /** dLoss/dz_t after the clip, gate blocks i, f, g, o [L][B][4n] */
  dz: Float64Array;
  /** dLoss/dh_0 = W^T dz_1 per batch element [B][n] (grads.h0 is its sum over the batch) */
  dhInitial: Float64Array;
  /** dLoss/dc_0 = dc_prev of step 1 per batch element [B][n] (grads.c0 is its sum over the batch) */
  dcInitial: Float64Array;
  /** the gradient flow aligned on each row's last scored step, as model.ts BackwardPass.flow [L+1] */
  flow: Float64Array;
}

/**
 * The backward of one cell step for one batch row (docs/ENGINE.md), given dh_t and dc_next: writes the
 * UNCLIPPED gate gradients [dai, daf, dag, dao] into raw[0 .. 4n), dc into dc[dcOff ..) and dc_prev into
 * dcPrev[0 .. n). The caller clips raw into dz; the cell path and the peepholes use raw.
 */
function cellBackward(
  n: number,
  gates: Float64Array,
  gOff: number,
  c: Float64Array,
  cPrevOff: number,
  cOff: number,
  peep: Float64Array,
  dh: Float64Array,
  dcNext: Float64Array,
  raw: Float64Array,
  dc: Float64Array | null,
  dcOff: number,
  dcPrev: Float64Array,
): void {
  for (let u = 0; u < n; u++) {
    const ig = gates[gOff + u];
    const fg = gates[gOff + n + u];
    const gg = gates[gOff + 2 * n + u];
    const og = gates[gOff + 3 * n + u];
    const cPrev = c[cPrevOff + u];
    const tc = Math.tanh(c[cOff + u]);
    const dao = dh[u] * tc * og * (1 - og);
    const dcu = dcNext[u] + dh[u] * og * (1 - tc * tc) + dao * peep[2 * n + u];
    const dai = dcu * gg * ig * (1 - ig);
    const daf = dcu * cPrev * fg * (1 - fg);
    const dag = dcu * ig * (1 - gg * gg);
    raw[u] = dai;
    raw[n + u] = daf;
    raw[2 * n + u] = dag;
    raw[3 * n + u] = dao;
    if (dc) dc[dcOff + u] = dcu;
    dcPrev[u] = dcu * fg + dai * peep[u] + daf * peep[n + u];
  }
}

/**
 * BPTT for the training loss (task loss + weight decay). Per step t = L .. 1 and batch row:
 * dh_t = dhOut_t + W^T dz_{t+1}, the cell backward (cellBackward) gives the unclipped gate gradients,
 * dz_t = clip(them, -c, c) elementwise (c = settings.clip, 0 = off). The clipped dz_t flows to W, Win, b
 * and h_{t-1}; the cell path (dc_prev) and the peephole gradients use the unclipped values (Lasagne's
 * grad_clipping on the gate pre-activations before the peepholes are added).
 *
 * Gradient flow: Loss_last = (1/B') sum over the B' rows scoring anything of loss(t_b, b), t_b the row's last
 * scored step, without penalties. Its delta (dh and dc) is propagated exactly like the training delta, with
 * the same clip applied to its own dz, and flow is aligned on t_b (model.ts BackwardPass.flow).
 */
export function backward(settings: LstmModelSettings, params: ModelParameters, batch: TaskBatch, fwd: LstmForwardPass): LstmBackwardPass {
  const { L, B, I, O } = batch;
  const { n } = lstmSizes(params, batch);
  const n4 = 4 * n;
  const { gates, c, h, y } = fwd;
  const { W, Win, peep, Wout } = params;
  const clip = settings.clip;
  const clipValue = (v: number) => (clip > 0 ? Math.min(clip, Math.max(-clip, v)) : v);

  // Readout: dy, dWout, dbout, dhOut (and dyLast, the readout delta of Loss_last).
  const { dy, dyLast, rows, dWout, dbout, dhOut } = readoutBackward(batch, y, h, Wout, n);

  // Recurrent backward, carrying the training delta and the Loss_last delta side by side.
  const dh = new Float64Array(L * B * n);
  const dc = new Float64Array(L * B * n);
  const dz = new Float64Array(L * B * n4);
  const flowSum = new Float64Array(L + 1);
  const dWTask = new Float64Array(n4 * n);
  const dWin = new Float64Array(n4 * I);
  const db = new Float64Array(n4);
  const dpeep = new Float64Array(3 * n);
  const carry = new Float64Array(B * n); // W^T dz_{t+1}, per batch row
  const carryLast = new Float64Array(B * n);
  const dcNext = new Float64Array(B * n); // cell gradient handed down from step t+1
  const dcNextLast = new Float64Array(B * n);
  const dzLast = new Float64Array(B * n4);
  const raw = new Float64Array(n4);
  const dhVec = new Float64Array(n);
  const dcPrev = new Float64Array(n);
  for (let t = L; t >= 1; t--) {
    for (let bi = 0; bi < B; bi++) {
      const tb = rows.last[bi];
      const ht = (t - 1) * B * n + bi * n; // slot of step t in dh, dc, dhOut
      const zt = (t - 1) * B * n4 + bi * n4;
      const cPrevOff = (t - 1) * B * n + bi * n;
      const cOff = t * B * n + bi * n;
      // Training delta.
      for (let u = 0; u < n; u++) {
        dh[ht + u] = dhOut[ht + u] + carry[bi * n + u];
        dhVec[u] = dh[ht + u];
      }
      cellBackward(n, gates, zt, c, cPrevOff, cOff, peep, dhVec, dcNext.subarray(bi * n, bi * n + n), raw, dc, ht, dcPrev);
      for (let r = 0; r < n4; r++) dz[zt + r] = clipValue(raw[r]);
      for (let u = 0; u < n; u++) {
        dpeep[u] += raw[u] * c[cPrevOff + u];
        dpeep[n + u] += raw[n + u] * c[cPrevOff + u];
        dpeep[2 * n + u] += raw[3 * n + u] * c[cOff + u];
      }
      dcNext.set(dcPrev, bi * n);
      // Loss_last delta: starts at the row's last scored step t_b from that readout only.
      let sq = 0;
      for (let u = 0; u < n; u++) {
        let d = carryLast[bi * n + u];
        if (t === tb) for (let o = 0; o < O; o++) d += dyLast[bi * O + o] * Wout[o * n + u];
        dhVec[u] = d;
        sq += d * d;
      }
      if (tb > 0 && t <= tb) flowSum[t + L - tb] += sq;
      cellBackward(n, gates, zt, c, cPrevOff, cOff, peep, dhVec, dcNextLast.subarray(bi * n, bi * n + n), raw, null, 0, dcPrev);
      for (let r = 0; r < n4; r++) dzLast[bi * n4 + r] = clipValue(raw[r]);
      dcNextLast.set(dcPrev, bi * n);
    }
    // Parameter gradients of this step, and the deltas handed to step t-1 through h_{t-1}.
    carry.fill(0);
    carryLast.fill(0);
    for (let bi = 0; bi < B; bi++) {
      const zt = (t - 1) * B * n4 + bi * n4;
      const hPrev = (t - 1) * B * n + bi * n;
      const xt = (t - 1) * B * I + bi * I;
      for (let r = 0; r < n4; r++) {
        const d = dz[zt + r];
        const dLast = dzLast[bi * n4 + r];
        db[r] += d;
        for (let j = 0; j < n; j++) {
          dWTask[r * n + j] += d * h[hPrev + j];
          carry[bi * n + j] += W[r * n + j] * d;
          carryLast[bi * n + j] += W[r * n + j] * dLast;
        }
        for (let k = 0; k < I; k++) dWin[r * I + k] += d * batch.x[xt + k];
      }
    }
  }
  const dhInitial = Float64Array.from(carry);
  const dcInitial = Float64Array.from(dcNext);
  const dh0 = new Float64Array(n);
  const dc0 = new Float64Array(n);
  for (let bi = 0; bi < B; bi++) {
    for (let u = 0; u < n; u++) {
      dh0[u] += dhInitial[bi * n + u];
      dc0[u] += dcInitial[bi * n + u];
    }
  }
  for (let bi = 0; bi < B; bi++) {
    const tb = rows.last[bi];
    if (tb > 0) flowSum[L - tb] += sumSquares(carryLast.subarray(bi * n, (bi + 1) * n));
  }
  const flow = alignedFlow(flowSum, rows);

  // Weight decay.
  const dW = Float64Array.from(dWTask);
  const wd = settings.weightDecay;
  if (wd !== 0) {
    for (let i = 0; i < dW.length; i++) dW[i] += 2 * wd * W[i];
    for (let i = 0; i < dWin.length; i++) dWin[i] += 2 * wd * Win[i];
    for (let i = 0; i < dWout.length; i++) dWout[i] += 2 * wd * Wout[i];
  }

  const grads: ModelParameters = {
    W: dW,
    Win: dWin,
    b: db,
    h0: dh0,
    c0: dc0,
    peep: dpeep,
    Wout: dWout,
    bout: dbout,
  };
  return { grads, dWTask, dy, dhOut, dh, dc, dz, dhInitial, dcInitial, flow };
}

/** Forward and backward in one call. */
export function lossAndGradients(settings: LstmModelSettings, params: ModelParameters, batch: TaskBatch) {
  const fwd = forward(settings, params, batch);
  return { forward: fwd, backward: backward(settings, params, batch, fwd) };
}

/** The training loss (task loss + weight decay), e.g. for finite differences. */
export function trainingLoss(settings: LstmModelSettings, params: ModelParameters, batch: TaskBatch, hiddenOffset?: Float64Array): number {
  return forward(settings, params, batch, hiddenOffset).trainingLoss;
}

/** Loss_last = (1/B') sum over the rows scoring anything of loss(t_b, b) (no penalties), for the flow. */
export function lastStepLoss(settings: LstmModelSettings, params: ModelParameters, batch: TaskBatch, hiddenOffset?: Float64Array): number {
  return meanLastStepLoss(batch, forward(settings, params, batch, hiddenOffset).positionLoss);
}
