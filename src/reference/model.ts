/**
 * Float64 reference of the whole recurrent model of ONE run (docs/SCIENCE.md sections 1, 2, 4, 5 and 7): forward
 * over a batch of sequences, readout, task loss and penalties, and the backward (BPTT with the
 * elementwise clip of dLoss/da_t) giving the gradient of the training loss for every trained parameter,
 * plus the gradient-flow profile of Fig. 2. Everything the GPU trainer computes is judged against this.
 *
 * Parameters are keyed and laid out as in docs/ENGINE.md (per-run slices): W [n][n] (plain) or
 * UV [2][n][n] (U then V) with s [n] (no margin) or p [n] (margin); Win [n][I], b [n], h0 [n],
 * Wout [O][n], bout [O], slope [1]. Gradients use the same keys and layouts; for U and V they are the
 * Euclidean gradients dLoss/dU, dLoss/dV (the geodesic step turns them into rotations).
 *
 * Cell: a_t = W h_{t-1} + Win x_t + b, z_t = g a_t, h_t = f(z_t), t = 1..L. Layouts: a [L][B][n]
 * (slot t-1 holds step t), h [L+1][B][n] (slot 0 is h0 for every batch element).
 */

import { alignedFlow, flowRows } from '../engine/flowRows.ts';
import { composeW, sigmoid } from '../engine/linalg.ts';
import type { RunModelSettings } from '../engine/modelSettings.ts';
import { hasMargin, isFactorised, spectrumFromP } from '../engine/modelSettings.ts';

export type ModelParameters = Record<string, Float64Array>;

/** One batch of a task, as the model sees it. */
export interface TaskBatch {
  /** inputs [L][B][I] */
  x: Float64Array;
  L: number;
  B: number;
  I: number;
  O: number;
  /** 'all': a readout at every step (Lout = L); 'last': at step L only (Lout = 1) */
  outputSteps: 'all' | 'last';
  /** 'xent': softmax cross-entropy over O classes; 'mse': mean over O of the squared error */
  loss: 'xent' | 'mse';
  /** xent: class indices [Lout][B] (ignored where weight is 0); mse: values [Lout][B][O] */
  targets: ArrayLike<number>;
  /** loss weight of each scored position [Lout][B]: task loss = sum weight * loss (0 = not scored) */
  weight: ArrayLike<number>;
  /** accuracy weight [Lout][B]: accuracy = sum accWeight * correct / sum accWeight */
  accWeight: ArrayLike<number>;
}

/** Number of readout positions: L for 'all', 1 for 'last'. */
export function outputCount(batch: TaskBatch): number {
  return batch.outputSteps === 'all' ? batch.L : 1;
}

/** The step t (1..L) read by readout position k. */
export function outputStep(batch: TaskBatch, k: number): number {
  return batch.outputSteps === 'all' ? k + 1 : batch.L;
}

/** The transition the cell uses: W (plain or composite) and, for factorised models, the effective s. */
export interface Recurrence {
  W: Float64Array;
  /** effective spectrum before relu (margin map applied); null for plain models */
  s: Float64Array | null;
}

export function recurrence(settings: RunModelSettings, params: ModelParameters): Recurrence {
  const n = params.b.length;
  if (!isFactorised(settings)) return { W: params.W, s: null };
  const s = hasMargin(settings) ? spectrumFromP(params.p, settings.margin ?? 0) : params.s;
  const UV = params.UV;
  return { W: composeW(UV.subarray(0, n * n), UV.subarray(n * n), s, n), s };
}

/** What every cell's forward pass gives: the hidden states, the readout and the losses. */
export interface ReadoutPass {
  /** hidden states [L+1][B][n] (with hiddenOffset added, if one was given) */
  h: Float64Array;
  /** readout logits / values [Lout][B][O] */
  y: Float64Array;
  /** per-position task loss [Lout][B] (0 where weight is 0) */
  positionLoss: Float64Array;
  /** sum of weight * positionLoss: the logged loss (no penalties) */
  taskLoss: number;
  penalty: number;
  /** taskLoss + penalty: what the backward differentiates */
  trainingLoss: number;
  /** null for mse or when no position has accuracy weight */
  accuracy: number | null;
}

export interface ForwardPass extends ReadoutPass {
  W: Float64Array;
  s: Float64Array | null;
  /** pre-activations before the gain [L][B][n] */
  a: Float64Array;
}

/**
 * Forward pass. hiddenOffset [L+1][B][n], if given, is added to every h_t after the nonlinearity (and to
 * h_0): the gradient of the loss with respect to it is dLoss/dh_t, which is what tests probe.
 */
export function forward(settings: RunModelSettings, params: ModelParameters, batch: TaskBatch, hiddenOffset?: Float64Array): ForwardPass {
  const { L, B, I } = batch;
  const n = params.b.length;
  const { W, s } = recurrence(settings, params);
  const { Win, b, h0, Wout, bout } = params;
  const g = settings.gain;
  const a = new Float64Array(L * B * n);
  const h = new Float64Array((L + 1) * B * n);
  for (let bi = 0; bi < B; bi++) h.set(h0, bi * n);
  if (hiddenOffset) for (let j = 0; j < B * n; j++) h[j] += hiddenOffset[j];
  const z = new Float64Array(n);
  for (let t = 1; t <= L; t++) {
    for (let bi = 0; bi < B; bi++) {
      const hPrev = (t - 1) * B * n + bi * n;
      const xt = (t - 1) * B * I + bi * I;
      const at = (t - 1) * B * n + bi * n;
      for (let i = 0; i < n; i++) {
        let acc = b[i];
        for (let j = 0; j < n; j++) acc += W[i * n + j] * h[hPrev + j];
        for (let k = 0; k < I; k++) acc += Win[i * I + k] * batch.x[xt + k];
        a[at + i] = acc;
        z[i] = g * acc;
      }
      const ht = t * B * n + bi * n;
      activate(settings.nonlinearity, params.slope[0], z, h, ht, n);
      if (hiddenOffset) for (let i = 0; i < n; i++) h[ht + i] += hiddenOffset[ht + i];
    }
  }

  const { y, positionLoss, taskLoss } = readoutForward(batch, h, Wout, bout, n);
  const penalty = penalties(settings, params, W, s);
  return {
    W,
    s,
    a,
    h,
    y,
    positionLoss,
    taskLoss,
    penalty,
    trainingLoss: taskLoss + penalty,
    accuracy: accuracy(batch, y),
  };
}

/**
 * The readout every cell shares: y = W_out h_t + b_out at the scored steps [Lout][B][O], the per-position
 * task loss (0 where the weight is 0) and the weighted task loss. h is [L+1][B][n].
 */
export function readoutForward(batch: TaskBatch, h: Float64Array, Wout: Float64Array, bout: Float64Array, n: number) {
  const { B, O } = batch;
  const Lout = outputCount(batch);
  const y = new Float64Array(Lout * B * O);
  const positionLoss = new Float64Array(Lout * B);
  let taskLoss = 0;
  for (let k = 0; k < Lout; k++) {
    const t = outputStep(batch, k);
    for (let bi = 0; bi < B; bi++) {
      const yk = (k * B + bi) * O;
      const ht = t * B * n + bi * n;
      for (let o = 0; o < O; o++) {
        let acc = bout[o];
        for (let j = 0; j < n; j++) acc += Wout[o * n + j] * h[ht + j];
        y[yk + o] = acc;
      }
      const w = batch.weight[k * B + bi];
      if (w === 0) continue;
      positionLoss[k * B + bi] = lossAt(batch, y, k, bi);
      taskLoss += w * positionLoss[k * B + bi];
    }
  }
  return { y, positionLoss, taskLoss };
}

/**
 * The readout's backward: dy [Lout][B][O] (position weights applied), dW_out, db_out, dhOut [L][B][n] (zero
 * at unscored steps), and dyLast [B][O], the readout delta of Loss_last = (1/B') sum over the B' rows that
 * score anything of their loss at their last scored step t_b (the gradient flow's loss; rows = flowRows).
 */
export function readoutBackward(batch: TaskBatch, y: Float64Array, h: Float64Array, Wout: Float64Array, n: number) {
  const { L, B, O } = batch;
  const Lout = outputCount(batch);
  const dy = new Float64Array(Lout * B * O);
  const dyLast = new Float64Array(B * O);
  for (let k = 0; k < Lout; k++) {
    for (let bi = 0; bi < B; bi++) {
      const w = batch.weight[k * B + bi];
      if (w === 0) continue;
      lossGradientAt(batch, y, k, bi, w, dy, (k * B + bi) * O);
    }
  }
  const rows = flowRows(batch);
  for (let bi = 0; bi < B; bi++) {
    const tb = rows.last[bi];
    if (tb > 0) lossGradientAt(batch, y, outputIndex(batch, tb), bi, 1 / rows.scoring, dyLast, bi * O);
  }
  const dWout = new Float64Array(O * n);
  const dbout = new Float64Array(O);
  const dhOut = new Float64Array(L * B * n);
  for (let k = 0; k < Lout; k++) {
    const t = outputStep(batch, k);
    for (let bi = 0; bi < B; bi++) {
      const yk = (k * B + bi) * O;
      const ht = t * B * n + bi * n;
      const dht = (t - 1) * B * n + bi * n;
      for (let o = 0; o < O; o++) {
        const d = dy[yk + o];
        if (d === 0) continue;
        dbout[o] += d;
        for (let j = 0; j < n; j++) {
          dWout[o * n + j] += d * h[ht + j];
          dhOut[dht + j] += d * Wout[o * n + j];
        }
      }
    }
  }
  return { dy, dyLast, rows, dWout, dbout, dhOut };
}

/** The readout position k of step t (the inverse of outputStep; 'last': t = L only). */
export function outputIndex(batch: TaskBatch, t: number): number {
  return batch.outputSteps === 'all' ? t - 1 : 0;
}

/** f(z) for one hidden vector z [n], written into out[offset .. offset + n). */
function activate(
  kind: RunModelSettings['nonlinearity'],
  slope: number,
  z: Float64Array,
  out: Float64Array,
  offset: number,
  n: number,
): void {
  if (kind === 'oplu') {
    for (let i = 0; i + 1 < n; i += 2) {
      out[offset + i] = Math.max(z[i], z[i + 1]);
      out[offset + i + 1] = Math.min(z[i], z[i + 1]);
    }
    return;
  }
  for (let i = 0; i < n; i++) {
    const v = z[i];
    switch (kind) {
      case 'linear':
        out[offset + i] = v;
        break;
      case 'tanh':
        out[offset + i] = Math.tanh(v);
        break;
      case 'relu':
        out[offset + i] = Math.max(v, 0);
        break;
      case 'leaky':
      case 'prelu':
        out[offset + i] = v >= 0 ? v : slope * v;
        break;
    }
  }
}

/**
 * dz = (df/dz)^T dh for one hidden vector (z at zOffset, dh and dz at offset). OPLU's Jacobian is the
 * identity on a pair when z_2k >= z_2k+1 and the swap otherwise.
 */
function activateBackward(
  kind: RunModelSettings['nonlinearity'],
  slope: number,
  z: Float64Array,
  dh: Float64Array,
  dz: Float64Array,
  n: number,
): void {
  if (kind === 'oplu') {
    for (let i = 0; i + 1 < n; i += 2) {
      const swapped = z[i] < z[i + 1];
      dz[i] = swapped ? dh[i + 1] : dh[i];
      dz[i + 1] = swapped ? dh[i] : dh[i + 1];
    }
    return;
  }
  for (let i = 0; i < n; i++) {
    const v = z[i];
    switch (kind) {
      case 'linear':
        dz[i] = dh[i];
        break;
      case 'tanh': {
        const th = Math.tanh(v);
        dz[i] = (1 - th * th) * dh[i];
        break;
      }
      case 'relu':
        dz[i] = v > 0 ? dh[i] : 0;
        break;
      case 'leaky':
      case 'prelu':
        dz[i] = v >= 0 ? dh[i] : slope * dh[i];
        break;
    }
  }
}

/** The loss of readout position (k, b): cross-entropy -log softmax(y)[target], or mean_o (y_o - t_o)^2. */
export function lossAt(batch: TaskBatch, y: Float64Array, k: number, bi: number): number {
  const O = batch.O;
  const yk = (k * batch.B + bi) * O;
  if (batch.loss === 'mse') {
    let acc = 0;
    for (let o = 0; o < O; o++) {
      const d = y[yk + o] - batch.targets[yk + o];
      acc += d * d;
    }
    return acc / O;
  }
  const target = batch.targets[k * batch.B + bi];
  if (!(Number.isInteger(target) && target >= 0 && target < O)) {
    throw new Error(`scored position (${k}, ${bi}) has target ${target}, not a class in 0..${O - 1}`);
  }
  let max = -Infinity;
  for (let o = 0; o < O; o++) max = Math.max(max, y[yk + o]);
  let sum = 0;
  for (let o = 0; o < O; o++) sum += Math.exp(y[yk + o] - max);
  return max + Math.log(sum) - y[yk + target];
}

/** scale * d loss(k, b) / dy, written into out[offset .. offset + O). */
export function lossGradientAt(
  batch: TaskBatch,
  y: Float64Array,
  k: number,
  bi: number,
  scale: number,
  out: Float64Array,
  offset: number,
): void {
  const O = batch.O;
  const yk = (k * batch.B + bi) * O;
  if (batch.loss === 'mse') {
    for (let o = 0; o < O; o++) out[offset + o] = (scale * 2 * (y[yk + o] - batch.targets[yk + o])) / O;
    return;
  }
  let max = -Infinity;
  for (let o = 0; o < O; o++) max = Math.max(max, y[yk + o]);
  let sum = 0;
  for (let o = 0; o < O; o++) sum += Math.exp(y[yk + o] - max);
  const target = batch.targets[k * batch.B + bi];
  for (let o = 0; o < O; o++) out[offset + o] = scale * (Math.exp(y[yk + o] - max) / sum - (o === target ? 1 : 0));
}

/** Accuracy over accuracy-weighted positions: argmax (first on ties) of y equals the target class. */
export function accuracy(batch: TaskBatch, y: Float64Array): number | null {
  if (batch.loss !== 'xent') return null;
  const { B, O } = batch;
  let correct = 0;
  let total = 0;
  for (let k = 0; k < outputCount(batch); k++) {
    for (let bi = 0; bi < B; bi++) {
      const w = batch.accWeight[k * B + bi];
      if (w === 0) continue;
      const yk = (k * B + bi) * O;
      let best = 0;
      for (let o = 1; o < O; o++) if (y[yk + o] > y[yk + best]) best = o;
      total += w;
      if (best === batch.targets[k * B + bi]) correct += w;
    }
  }
  return total > 0 ? correct / total : null;
}

/**
 * softOrth ||W^T W - I||_F^2 (composite W) + prior sum (s_i - 1)^2 (effective s, factorised only)
 * + weightDecay (||Win||_F^2 + ||W||_F^2 + ||Wout||_F^2).
 */
export function penalties(settings: RunModelSettings, params: ModelParameters, W: Float64Array, s: Float64Array | null): number {
  const n = params.b.length;
  let total = 0;
  if (settings.softOrth !== 0) {
    let acc = 0;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let e = i === j ? -1 : 0;
        for (let k = 0; k < n; k++) e += W[k * n + i] * W[k * n + j];
        acc += e * e;
      }
    }
    total += settings.softOrth * acc;
  }
  if (settings.prior !== 0 && s) {
    let acc = 0;
    for (let i = 0; i < n; i++) acc += (s[i] - 1) * (s[i] - 1);
    total += settings.prior * acc;
  }
  if (settings.weightDecay !== 0) {
    total += settings.weightDecay * (sumSquares(params.Win) + sumSquares(W) + sumSquares(params.Wout));
  }
  return total;
}

export function sumSquares(v: ArrayLike<number>): number {
  let acc = 0;
  for (let i = 0; i < v.length; i++) acc += v[i] * v[i];
  return acc;
}

export interface BackwardPass {
  /** gradient of the training loss for every trained parameter (keys of trainedParameterNames) */
  grads: ModelParameters;
  /** dLoss/dW of the task loss alone (composite W for factorised models) [n][n] */
  dWTask: Float64Array;
  /** dWTask plus the soft-orthogonality and weight-decay gradients [n][n] */
  dW: Float64Array;
  /** factorised: dLoss/ds for the effective s (relu mask and prior included) [n]; null for plain */
  ds: Float64Array | null;
  /** dLoss/dy [Lout][B][O] (position weights applied) */
  dy: Float64Array;
  /** dLoss/dh_t from the readout only [L][B][n] (zero at unscored steps) */
  dhOut: Float64Array;
  /** total dLoss/dh_t, t = 1..L, before going through f [L][B][n] */
  dh: Float64Array;
  /** dLoss/dh_0 for each batch element [B][n] (grads.h0 is its sum over the batch) */
  dhInitial: Float64Array;
  /** dLoss/da_t after the clip [L][B][n] */
  da: Float64Array;
  /**
   * flow[k], k = 0..L [L+1]: sum over b, i of (dLoss_last/dh_t)^2 at t = k - (L - t_b), scaled by B' / count[k]
   * (NaN where no row reaches k): the aligned flow of src/engine/flowRows.ts, as the run group records it
   */
  flow: Float64Array;
}

/**
 * BPTT for the training loss (task loss + penalties). da_t = clip(g (df/dz)^T dh_t, -c, c) elementwise
 * (c = settings.clip, 0 = off), dh_{t-1} = W^T da_t (+ the readout's dhOut_{t-1}).
 *
 * Gradient flow: Loss_last = (1/B') sum over the B' rows scoring anything of loss(t_b, b), t_b the row's last
 * scored step, without penalties. Its delta is propagated exactly like the training delta, with the same clip
 * applied to its own da, and flow is aligned on t_b (BackwardPass.flow).
 */
export function backward(settings: RunModelSettings, params: ModelParameters, batch: TaskBatch, fwd: ForwardPass): BackwardPass {
  const { L, B, I, O } = batch;
  const n = params.b.length;
  const { W, s, a, h, y } = fwd;
  const { Win, Wout } = params;
  const slope = params.slope[0];
  const g = settings.gain;
  const clip = settings.clip;
  const clipValue = (v: number) => (clip > 0 ? Math.min(clip, Math.max(-clip, v)) : v);

  const { dy, dyLast, rows, dWout, dbout, dhOut } = readoutBackward(batch, y, h, Wout, n);

  // Recurrent backward, carrying the training delta and the Loss_last delta side by side.
  const dh = new Float64Array(L * B * n);
  const da = new Float64Array(L * B * n);
  const dhInitial = new Float64Array(B * n);
  const flowSum = new Float64Array(L + 1);
  const dWTask = new Float64Array(n * n);
  const dWin = new Float64Array(n * I);
  const db = new Float64Array(n);
  let dslope = 0;
  const carry = new Float64Array(B * n); // W^T da_{t+1}, per batch element
  const carryLast = new Float64Array(B * n);
  const z = new Float64Array(n);
  const dz = new Float64Array(n);
  const dhVec = new Float64Array(n);
  const daLast = new Float64Array(B * n);
  for (let t = L; t >= 1; t--) {
    for (let bi = 0; bi < B; bi++) {
      const at = (t - 1) * B * n + bi * n;
      const tb = rows.last[bi];
      for (let i = 0; i < n; i++) {
        z[i] = g * a[at + i];
        dh[at + i] = dhOut[at + i] + carry[bi * n + i];
        dhVec[i] = dh[at + i];
      }
      activateBackward(settings.nonlinearity, slope, z, dhVec, dz, n);
      for (let i = 0; i < n; i++) da[at + i] = clipValue(g * dz[i]);
      if (settings.nonlinearity === 'prelu') {
        for (let i = 0; i < n; i++) if (z[i] < 0) dslope += dhVec[i] * z[i];
      }
      // Loss_last delta: starts at the row's last scored step t_b from that readout only.
      let sq = 0;
      for (let i = 0; i < n; i++) {
        let d = carryLast[bi * n + i];
        if (t === tb) for (let o = 0; o < O; o++) d += dyLast[bi * O + o] * Wout[o * n + i];
        dhVec[i] = d;
        sq += d * d;
      }
      if (tb > 0 && t <= tb) flowSum[t + L - tb] += sq;
      activateBackward(settings.nonlinearity, slope, z, dhVec, dz, n);
      for (let i = 0; i < n; i++) daLast[bi * n + i] = clipValue(g * dz[i]);
    }
    // Parameter gradients of this step, and the deltas handed to step t-1.
    carry.fill(0);
    carryLast.fill(0);
    for (let bi = 0; bi < B; bi++) {
      const at = (t - 1) * B * n + bi * n;
      const hPrev = (t - 1) * B * n + bi * n;
      const xt = (t - 1) * B * I + bi * I;
      for (let i = 0; i < n; i++) {
        const d = da[at + i];
        db[i] += d;
        for (let j = 0; j < n; j++) {
          dWTask[i * n + j] += d * h[hPrev + j];
          carry[bi * n + j] += W[i * n + j] * d;
          carryLast[bi * n + j] += W[i * n + j] * daLast[bi * n + i];
        }
        for (let k = 0; k < I; k++) dWin[i * I + k] += d * batch.x[xt + k];
      }
    }
  }
  dhInitial.set(carry);
  const dh0 = new Float64Array(n);
  for (let bi = 0; bi < B; bi++) for (let i = 0; i < n; i++) dh0[i] += carry[bi * n + i];
  for (let bi = 0; bi < B; bi++) {
    const tb = rows.last[bi];
    if (tb > 0) flowSum[L - tb] += sumSquares(carryLast.subarray(bi * n, (bi + 1) * n));
  }
  const flow = alignedFlow(flowSum, rows);

  // Penalties and weight decay.
  const dW = Float64Array.from(dWTask);
  if (settings.softOrth !== 0) addSoftOrthGradient(dW, W, settings.softOrth, n);
  const wd = settings.weightDecay;
  if (wd !== 0) {
    for (let i = 0; i < n * n; i++) dW[i] += 2 * wd * W[i];
    for (let i = 0; i < dWin.length; i++) dWin[i] += 2 * wd * Win[i];
    for (let i = 0; i < dWout.length; i++) dWout[i] += 2 * wd * Wout[i];
  }

  const grads: ModelParameters = {};
  let ds: Float64Array | null = null;
  if (!isFactorised(settings) || !s) {
    grads.W = dW;
  } else {
    const f = factorisedGradients(params.UV, s, dW, settings.prior, n);
    ds = f.ds;
    grads.UV = f.dUV;
    if (hasMargin(settings)) {
      const m = settings.margin ?? 0;
      const dp = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const sg = sigmoid(params.p[i]);
        dp[i] = ds[i] * 2 * m * sg * (1 - sg);
      }
      grads.p = dp;
    } else {
      grads.s = ds;
    }
  }
  grads.Win = dWin;
  grads.b = db;
  grads.h0 = dh0;
  grads.Wout = dWout;
  grads.bout = dbout;
  if (settings.nonlinearity === 'prelu') grads.slope = Float64Array.of(dslope);
  return { grads, dWTask, dW, ds, dy, dhOut, dh, dhInitial, da, flow };
}

/** dW += lambda * 4 W (W^T W - I), the gradient of lambda ||W^T W - I||_F^2. */
function addSoftOrthGradient(dW: Float64Array, W: Float64Array, lambda: number, n: number): void {
  const E = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let e = i === j ? -1 : 0;
      for (let k = 0; k < n; k++) e += W[k * n + i] * W[k * n + j];
      E[i * n + j] = e;
    }
  }
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let acc = 0;
      for (let k = 0; k < n; k++) acc += W[i * n + k] * E[k * n + j];
      dW[i * n + j] += 4 * lambda * acc;
    }
  }
}

/**
 * For W = U diag(relu(s)) V^T: dU = dW V diag(s+), dV = dW^T U diag(s+), and
 * ds_k = (U^T dW V)_kk [s_k > 0] + 2 prior (s_k - 1).
 */
function factorisedGradients(UV: Float64Array, s: Float64Array, dW: Float64Array, prior: number, n: number) {
  const U = UV.subarray(0, n * n);
  const V = UV.subarray(n * n);
  const dUV = new Float64Array(2 * n * n);
  const ds = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const sk = Math.max(s[k], 0);
    let diag = 0;
    for (let i = 0; i < n; i++) {
      let dWV = 0; // (dW V)_ik
      let dWtU = 0; // (dW^T U)_ik
      for (let j = 0; j < n; j++) {
        dWV += dW[i * n + j] * V[j * n + k];
        dWtU += dW[j * n + i] * U[j * n + k];
      }
      dUV[i * n + k] = dWV * sk;
      dUV[n * n + i * n + k] = dWtU * sk;
      diag += U[i * n + k] * dWV;
    }
    ds[k] = (s[k] > 0 ? diag : 0) + 2 * prior * (s[k] - 1);
  }
  return { dUV, ds };
}

/** Forward and backward in one call. */
export function lossAndGradients(settings: RunModelSettings, params: ModelParameters, batch: TaskBatch) {
  const fwd = forward(settings, params, batch);
  return { forward: fwd, backward: backward(settings, params, batch, fwd) };
}

/** The training loss (task loss + penalties), e.g. for finite differences. */
export function trainingLoss(settings: RunModelSettings, params: ModelParameters, batch: TaskBatch, hiddenOffset?: Float64Array): number {
  return forward(settings, params, batch, hiddenOffset).trainingLoss;
}

/** Loss_last = (1/B') sum over the rows scoring anything of loss(t_b, b) (no penalties), for the flow. */
export function lastStepLoss(settings: RunModelSettings, params: ModelParameters, batch: TaskBatch, hiddenOffset?: Float64Array): number {
  return meanLastStepLoss(batch, forward(settings, params, batch, hiddenOffset).positionLoss);
}

/** (1/B') sum over the B' rows scoring anything of the loss at the row's last scored step: Loss_last of any cell. */
export function meanLastStepLoss(batch: TaskBatch, positionLoss: Float64Array): number {
  const rows = flowRows(batch);
  let total = 0;
  for (let bi = 0; bi < batch.B; bi++) {
    const tb = rows.last[bi];
    if (tb > 0) total += positionLoss[outputIndex(batch, tb) * batch.B + bi] / rows.scoring;
  }
  return total;
}
