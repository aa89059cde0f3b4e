/**
 * A trained character-level model, read for its text (issue 10, "Beyond the paper"): samples drawn from it,
 * the probabilities it gives a continuation, and how strongly each earlier character's gradient reaches each
 * prediction of a sentence (docs/SCIENCE.md, "Samples and the character-by-character gradient view").
 *
 * Float64 throughout, from a run's parameters with the cells' definitions of docs/SCIENCE.md sections 1-3 and
 * docs/ENGINE.md (the RNN: plain W, factorised U diag(s) V^T with or without a margin, every nonlinearity and
 * the gain; the LSTM with its peepholes), written here again rather than imported: shipped code does not use
 * the float64 references (tests/unit/shippedImports.test.ts), which judge it instead
 * (tests/unit/charModel.test.ts). On the text task's shape: the input at a step is the one-hot code
 * of the character read (vocabulary.ts, I = 49), the readout scores the next character (O = 49).
 *
 * Step k = 1, 2, ... reads character c_{k-1} of a sentence and gives h_k; its logits W_out h_k + b_out
 * predict c_k. h_0 is the learned initial state. No step predicts the first character (the task reads it,
 * never scores it), so a sample starts from a prompt of at least one character (the sampler's choice,
 * docs/SCIENCE.md): the logits at h_0 were never trained.
 */
import { NEWLINE, VOCABULARY_SIZE } from '../data/vocabulary.ts';
import { composeW, sigmoid } from '../engine/linalg.ts';
import { isLstm, type NonlinName, type RunModelSettings, spectrumFromP } from '../engine/modelSettings.ts';
import { Rng } from '../random/rng.ts';

export type ModelParameters = Record<string, Float64Array>;

/** The highest temperature the sampler takes (the lab's slider goes to 2). */
export const MAX_TEMPERATURE = 10;
/** The longest sentence (characters with the final newline) a sample or a gradient view may have. */
export const MAX_TEXT_LENGTH = 1000;

/** A recurrent state: h [n] and, for the LSTM, the cell state c [n] (null for the RNN). */
export interface CharState {
  h: Float64Array;
  c: Float64Array | null;
}

export class CharModelError extends Error {}

/** The parameters a model of these settings needs, with their lengths (I = O = 49). */
function expectedLengths(settings: RunModelSettings, n: number): Record<string, number> {
  const V = VOCABULARY_SIZE;
  if (isLstm(settings)) return { W: 4 * n * n, Win: 4 * n * V, b: 4 * n, h0: n, c0: n, peep: 3 * n, Wout: V * n, bout: V };
  const want: Record<string, number> = { Win: n * V, b: n, h0: n, Wout: V * n, bout: V, slope: 1 };
  if (settings.parameterisation === 'plain') want.W = n * n;
  else {
    want.UV = 2 * n * n;
    if (settings.margin === null) want.s = n;
    else want.p = n;
  }
  return want;
}

/**
 * The model of one run, ready to step: checks that every parameter it reads is there, has the text task's
 * size and is finite (a message names the first that is not), and composes W once for the RNN cells.
 */
export class CharModel {
  readonly n: number;
  readonly lstm: boolean;
  /** RNN: W [n][n] (composite for factorised runs); LSTM: W [4n][n] */
  readonly W: Float64Array;
  readonly params: ModelParameters;

  constructor(
    readonly settings: RunModelSettings,
    params: Record<string, ArrayLike<number>>,
  ) {
    const h0 = params.h0;
    if (!h0 || h0.length < 1) throw new CharModelError('the run has no initial state h0 (not a recurrent run of this lab?)');
    const n = h0.length;
    const want = expectedLengths(settings, n);
    const p: ModelParameters = {};
    for (const [name, len] of Object.entries(want)) {
      const v = params[name];
      if (!v) throw new CharModelError(`the run has no parameter ${name}`);
      if (v.length !== len)
        throw new CharModelError(
          `parameter ${name} has ${v.length} values, the text task's model needs ${len} (n = ${n}, 49 characters in and out)`,
        );
      const f = Float64Array.from(v);
      for (let i = 0; i < f.length; i++)
        if (!Number.isFinite(f[i])) throw new CharModelError(`parameter ${name} has a non-finite value (${f[i]}) at index ${i}`);
      p[name] = f;
    }
    this.n = n;
    this.lstm = isLstm(settings);
    this.params = p;
    this.W = this.lstm ? p.W : recurrentMatrix(settings, p, n);
    for (let i = 0; i < this.W.length; i++)
      if (!Number.isFinite(this.W[i])) throw new CharModelError('the recurrent matrix W composed from the parameters is not finite');
  }

  initialState(): CharState {
    return { h: Float64Array.from(this.params.h0), c: this.lstm ? Float64Array.from(this.params.c0) : null };
  }

  /** The state after reading character `code` from `state` (a new state; `state` is not changed). */
  step(state: CharState, code: number): CharState {
    if (this.lstm) {
      const r = lstmStep(this, state, code);
      return { h: r.h, c: r.c };
    }
    return { h: rnnStep(this, state.h, code).h, c: null };
  }

  /** W_out h + b_out [49]: the scores of the next character. */
  logits(h: Float64Array): Float64Array {
    const { Wout, bout } = this.params;
    const n = this.n;
    const y = new Float64Array(VOCABULARY_SIZE);
    for (let o = 0; o < VOCABULARY_SIZE; o++) {
      let acc = bout[o];
      for (let j = 0; j < n; j++) acc += Wout[o * n + j] * h[j];
      y[o] = acc;
    }
    return y;
  }
}

function checkCode(code: number): void {
  if (!(Number.isInteger(code) && code >= 0 && code < VOCABULARY_SIZE))
    throw new CharModelError(`character code ${code} is not in the vocabulary (0..${VOCABULARY_SIZE - 1})`);
}

/** One RNN step: z = g (W h + Win[:, code] + b), h' = f(z). */
function rnnStep(m: CharModel, h: Float64Array, code: number): { z: Float64Array; h: Float64Array } {
  checkCode(code);
  const n = m.n;
  const { Win, b, slope } = m.params;
  const W = m.W;
  const g = m.settings.gain;
  const z = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let acc = b[i] + Win[i * VOCABULARY_SIZE + code];
    for (let j = 0; j < n; j++) acc += W[i * n + j] * h[j];
    z[i] = g * acc;
  }
  const out = new Float64Array(n);
  activate(m.settings.nonlinearity, slope[0], z, out, 0, n);
  return { z, h: out };
}

/** One LSTM step (docs/ENGINE.md, "The LSTM cell"): gates i, f, g, o, then c' and h'. */
function lstmStep(m: CharModel, s: CharState, code: number): { gates: Float64Array; c: Float64Array; h: Float64Array } {
  checkCode(code);
  const n = m.n;
  const n4 = 4 * n;
  const { Win, b, peep } = m.params;
  const W = m.W;
  const hPrev = s.h;
  const cPrev = s.c!;
  const z = new Float64Array(n4);
  for (let r = 0; r < n4; r++) {
    let acc = b[r] + Win[r * VOCABULARY_SIZE + code];
    for (let j = 0; j < n; j++) acc += W[r * n + j] * hPrev[j];
    z[r] = acc;
  }
  const gates = new Float64Array(n4);
  const c = new Float64Array(n);
  const h = new Float64Array(n);
  for (let u = 0; u < n; u++) {
    const ig = sigmoid(z[u] + peep[u] * cPrev[u]);
    const fg = sigmoid(z[n + u] + peep[n + u] * cPrev[u]);
    const gg = Math.tanh(z[2 * n + u]);
    const ct = fg * cPrev[u] + ig * gg;
    const og = sigmoid(z[3 * n + u] + peep[2 * n + u] * ct);
    gates[u] = ig;
    gates[n + u] = fg;
    gates[2 * n + u] = gg;
    gates[3 * n + u] = og;
    c[u] = ct;
    h[u] = og * Math.tanh(ct);
  }
  return { gates, c, h };
}

/**
 * softmax(logits / temperature) in float64 (the largest logit subtracted first). Temperature 0 is greedy:
 * probability 1 on the first largest logit.
 */
export function softmaxAt(logits: Float64Array, temperature: number): Float64Array {
  const p = new Float64Array(logits.length);
  let best = 0;
  for (let o = 1; o < logits.length; o++) if (logits[o] > logits[best]) best = o;
  if (temperature === 0) {
    p[best] = 1;
    return p;
  }
  const max = logits[best];
  let sum = 0;
  for (let o = 0; o < logits.length; o++) {
    p[o] = Math.exp((logits[o] - max) / temperature);
    sum += p[o];
  }
  for (let o = 0; o < logits.length; o++) p[o] /= sum;
  return p;
}

/** log softmax(logits)[o] = logits[o] - logsumexp(logits), finite where the softmax itself would round to 0. */
export function logSoftmaxAt(logits: Float64Array, o: number): number {
  let max = -Infinity;
  for (const v of logits) max = Math.max(max, v);
  let sum = 0;
  for (const v of logits) sum += Math.exp(v - max);
  return logits[o] - max - Math.log(sum);
}

/**
 * For codes c_0 .. c_{m-1}: the probabilities [m-1][49] the model gives character c_k after reading
 * c_0 .. c_{k-1} (k = 1 .. m-1), at a temperature (1: the model's own softmax).
 */
export function continuationProbabilities(model: CharModel, codes: ArrayLike<number>, temperature = 1): Float64Array[] {
  checkTemperature(temperature);
  let state = model.initialState();
  const out: Float64Array[] = [];
  for (let k = 1; k < codes.length; k++) {
    state = model.step(state, codes[k - 1]);
    out.push(softmaxAt(model.logits(state.h), temperature));
  }
  return out;
}

function checkTemperature(t: number): void {
  if (!(Number.isFinite(t) && t >= 0 && t <= MAX_TEMPERATURE))
    throw new CharModelError(`temperature ${t} is outside 0..${MAX_TEMPERATURE} (0 is greedy: always the likeliest character)`);
}

export interface SampleRequest {
  /** the prompt's codes (at least one; no newline: a newline ends a sentence) */
  prompt: ArrayLike<number>;
  /** 0 (greedy) .. MAX_TEMPERATURE */
  temperature: number;
  /** the seed of the draws (an unsigned 32-bit integer) */
  seed: number;
  /** the longest sentence, in characters with its final newline, prompt included (2 .. MAX_TEXT_LENGTH) */
  maxLength: number;
}

export interface Sample {
  /** the sentence's codes: the prompt, then the drawn characters (the final newline included when drawn) */
  codes: Uint8Array;
  /** how many characters were drawn after the prompt */
  drawn: number;
  /** 'newline': the model ended the sentence; 'length': it reached maxLength first */
  ended: 'newline' | 'length';
  /** the sum of log p of the drawn characters under the model's own softmax (temperature 1), in nats */
  logProbability: number;
}

/**
 * Draws a sentence: reads the prompt from h_0, then draws each next character from
 * softmax(logits / temperature) with Rng(seed) (inverse CDF of one uniform a character) until the newline is
 * drawn or the sentence has maxLength characters (then it ends without a newline). Temperature 0 takes the
 * likeliest character every step (the first on ties) and draws nothing. Same request, same sentence.
 */
export function sampleText(model: CharModel, req: SampleRequest): Sample {
  checkTemperature(req.temperature);
  if (!(Number.isInteger(req.seed) && req.seed >= 0 && req.seed < 2 ** 32))
    throw new CharModelError(`seed ${req.seed} is not a whole number in 0..4294967295`);
  if (!(Number.isInteger(req.maxLength) && req.maxLength >= 2 && req.maxLength <= MAX_TEXT_LENGTH))
    throw new CharModelError(`the length cap ${req.maxLength} is outside 2..${MAX_TEXT_LENGTH} characters`);
  const prompt = Array.from(req.prompt);
  if (prompt.length < 1)
    throw new CharModelError(
      'the prompt is empty: a sample starts from at least one character (the model never predicts a sentence’s first character)',
    );
  if (prompt.includes(NEWLINE)) throw new CharModelError('the prompt has a newline: a newline ends a sentence');
  if (prompt.length >= req.maxLength)
    throw new CharModelError(`the prompt has ${prompt.length} characters: the length cap (${req.maxLength}) leaves no room to draw`);
  const rng = new Rng(req.seed);
  let state = model.initialState();
  for (const c of prompt) state = model.step(state, c);
  const codes = prompt.slice();
  let logProbability = 0;
  let ended: Sample['ended'] = 'length';
  while (codes.length < req.maxLength) {
    const logits = model.logits(state.h);
    const p = softmaxAt(logits, req.temperature);
    const next = req.temperature === 0 ? p.indexOf(1) : drawFrom(p, rng.uniform());
    logProbability += logSoftmaxAt(logits, next);
    codes.push(next);
    if (next === NEWLINE) {
      ended = 'newline';
      break;
    }
    state = model.step(state, next);
  }
  return { codes: Uint8Array.from(codes), drawn: codes.length - prompt.length, ended, logProbability };
}

/** The class whose cumulative probability first exceeds u in [0, 1) (the last class with p > 0 if rounding leaves u beyond the sum). */
export function drawFrom(p: Float64Array, u: number): number {
  let acc = 0;
  let last = 0;
  for (let o = 0; o < p.length; o++) {
    if (p[o] <= 0) continue;
    acc += p[o];
    last = o;
    if (u < acc) return o;
  }
  return last;
}

export interface GradientReach {
  /** characters typed (the sentence without its newline): the matrix is L x L */
  L: number;
  /**
   * G[(k-1) L + (s-1)] = || d loss_k / d h_s || for 1 <= s <= k <= L (NaN above the diagonal, s > k): loss_k is
   * the cross-entropy of predicting character k+1 (the newline for k = L) at step k, h_s the hidden state after
   * reading character s (the LSTM's h, its cell state c held fixed, as the gradient-flow chart)
   */
  G: Float64Array;
  /** loss_k in nats [L] */
  losses: Float64Array;
}

/**
 * The character-by-character gradient view of a sentence's codes c_0 .. c_L (its L characters and the final
 * newline; c_L must be the newline). Exact derivatives in float64: the clip of training (which bounds
 * dLoss/da_t elementwise) is not applied, so that the numbers are d loss_k / d h_s themselves.
 *
 * One forward pass, then one backward sweep s = L .. 1 carrying the deltas of every loss_k with k >= s side by
 * side (the loss_k's delta starts at step k with W_out^T (softmax(y_k) - e_{c_k})): L(L+1)/2 vector steps
 * through the cell's Jacobian, each O(n^2) (O(4n^2) for the LSTM). onProgress(done, total) is called after each
 * s with the vector steps done so far.
 */
export function gradientReach(
  model: CharModel,
  codes: ArrayLike<number>,
  onProgress?: (done: number, total: number) => void,
): GradientReach {
  const L = codes.length - 1;
  if (L < 1) throw new CharModelError('the sentence is empty: type at least one character');
  if (codes.length > MAX_TEXT_LENGTH) throw new CharModelError(`the sentence has ${L} characters, more than ${MAX_TEXT_LENGTH - 1}`);
  if (codes[L] !== NEWLINE) throw new CharModelError('the sentence’s codes must end with the newline (code 1)');
  for (let k = 0; k < L; k++)
    if (codes[k] === NEWLINE) throw new CharModelError(`the sentence has a newline inside it (character ${k + 1})`);
  const n = model.n;
  const { Wout } = model.params;
  const O = VOCABULARY_SIZE;

  // Forward: the states and what each step's backward needs.
  // RNN: z_k = g a_k; LSTM: the gates and [c_{k-1} | c_k] (cellBackward reads both from one array)
  const steps: { z?: Float64Array; gates?: Float64Array; cc?: Float64Array }[] = [];
  let state = model.initialState();
  const losses = new Float64Array(L);
  const delta0 = new Float64Array(L * n); // W_out^T dy of loss_k, per k
  for (let k = 1; k <= L; k++) {
    if (model.lstm) {
      const r = lstmStep(model, state, codes[k - 1]);
      const cc = new Float64Array(2 * n);
      cc.set(state.c!, 0);
      cc.set(r.c, n);
      steps.push({ gates: r.gates, cc });
      state = { h: r.h, c: r.c };
    } else {
      const r = rnnStep(model, state.h, codes[k - 1]);
      steps.push({ z: r.z });
      state = { h: r.h, c: null };
    }
    const y = model.logits(state.h);
    const p = softmaxAt(y, 1);
    const target = codes[k];
    checkCode(target);
    losses[k - 1] = -logSoftmaxAt(y, target);
    p[target] -= 1;
    for (let j = 0; j < n; j++) {
      let acc = 0;
      for (let o = 0; o < O; o++) acc += p[o] * Wout[o * n + j];
      delta0[(k - 1) * n + j] = acc;
    }
  }

  const G = new Float64Array(L * L).fill(NaN);
  const D = new Float64Array(L * n); // D[k-1]: d loss_k / d h_s at the current s
  const C = model.lstm ? new Float64Array(L * n) : null; // the LSTM's d loss_k / d c_s handed down (dc_next)
  const next = new Float64Array(L * n);
  const dz = new Float64Array(n);
  const dcPrev = new Float64Array(n);
  const total = (L * (L + 1)) / 2;
  let done = 0;
  const W = model.W;
  const g = model.settings.gain;
  const slope = model.lstm ? 0 : model.params.slope[0];
  const rows = model.lstm ? 4 * n : n;
  const DA = new Float64Array(L * rows); // da_k at the current step, per k
  for (let s = L; s >= 1; s--) {
    D.set(delta0.subarray((s - 1) * n, s * n), (s - 1) * n);
    for (let k = s; k <= L; k++) {
      let sq = 0;
      for (let j = 0; j < n; j++) sq += D[(k - 1) * n + j] ** 2;
      G[(k - 1) * L + (s - 1)] = Math.sqrt(sq);
    }
    done += L - s + 1;
    if (s > 1) {
      // through step s to h_{s-1}: every k >= s
      const st = steps[s - 1];
      for (let k = s; k <= L; k++) {
        const dh = D.subarray((k - 1) * n, k * n);
        const dak = DA.subarray((k - 1) * rows, k * rows);
        if (C) {
          const dcNext = C.subarray((k - 1) * n, k * n);
          if (k === s) dcNext.fill(0);
          // raw gate gradients into dak (no clip), d loss_k / d c_{s-1} into dcPrev
          lstmCellBackward(n, st.gates!, st.cc!, model.params.peep, dh, dcNext, dak, dcPrev);
          dcNext.set(dcPrev);
        } else {
          activateBackward(model.settings.nonlinearity, slope, st.z!, dh, dz, n);
          for (let i = 0; i < n; i++) dak[i] = g * dz[i];
        }
      }
      // D_k <- W^T da_k for every k >= s, four k at a time so that each row of W is read once per four
      next.fill(0, (s - 1) * n, L * n);
      addTransposeProducts(W, rows, n, DA, next, s - 1, L);
      D.set(next.subarray((s - 1) * n, L * n), (s - 1) * n);
    }
    onProgress?.(done, total);
  }
  return { L, G, losses };
}

/**
 * out[k] += W^T da[k] for k = from .. to-1, W [rows][n], da [.][rows], out [.][n]: blocked over four k, so that
 * each element of W is loaded once for four products (the sweep's cost is here).
 */
function addTransposeProducts(
  W: Float64Array,
  rows: number,
  n: number,
  da: Float64Array,
  out: Float64Array,
  from: number,
  to: number,
): void {
  let k = from;
  for (; k + 4 <= to; k += 4) {
    const o0 = k * n;
    const o1 = o0 + n;
    const o2 = o1 + n;
    const o3 = o2 + n;
    for (let r = 0; r < rows; r++) {
      const d0 = da[k * rows + r];
      const d1 = da[(k + 1) * rows + r];
      const d2 = da[(k + 2) * rows + r];
      const d3 = da[(k + 3) * rows + r];
      if (d0 === 0 && d1 === 0 && d2 === 0 && d3 === 0) continue;
      const base = r * n;
      for (let j = 0; j < n; j++) {
        const w = W[base + j];
        out[o0 + j] += w * d0;
        out[o1 + j] += w * d1;
        out[o2 + j] += w * d2;
        out[o3 + j] += w * d3;
      }
    }
  }
  for (; k < to; k++) {
    const o = k * n;
    for (let r = 0; r < rows; r++) {
      const d = da[k * rows + r];
      if (d === 0) continue;
      const base = r * n;
      for (let j = 0; j < n; j++) out[o + j] += W[base + j] * d;
    }
  }
}

/** The RNN's transition: W itself (plain), or U diag(relu(s)) V^T with s = the margin map of p, or s (factorised). */
function recurrentMatrix(settings: RunModelSettings, p: ModelParameters, n: number): Float64Array {
  if (settings.parameterisation === 'plain') return p.W;
  const s = settings.margin === null ? p.s : spectrumFromP(p.p, settings.margin);
  return composeW(p.UV.subarray(0, n * n), p.UV.subarray(n * n), s, n);
}

/** h = f(z) for one hidden vector (docs/SCIENCE.md section 1; OPLU on the pairs (2i, 2i+1): max then min). */
function activate(kind: NonlinName, slope: number, z: Float64Array, out: Float64Array, offset: number, n: number): void {
  if (kind === 'oplu') {
    for (let i = 0; i + 1 < n; i += 2) {
      out[offset + i] = Math.max(z[i], z[i + 1]);
      out[offset + i + 1] = Math.min(z[i], z[i + 1]);
    }
    return;
  }
  for (let i = 0; i < n; i++) {
    const v = z[i];
    out[offset + i] = kind === 'tanh' ? Math.tanh(v) : kind === 'relu' ? Math.max(v, 0) : kind === 'linear' || v >= 0 ? v : slope * v;
  }
}

/** dz = (df/dz)^T dh for one hidden vector: OPLU's Jacobian is the identity on a pair when z_2k >= z_2k+1, else the swap. */
function activateBackward(kind: NonlinName, slope: number, z: Float64Array, dh: Float64Array, dz: Float64Array, n: number): void {
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
    if (kind === 'tanh') {
      const th = Math.tanh(v);
      dz[i] = (1 - th * th) * dh[i];
    } else if (kind === 'relu') dz[i] = v > 0 ? dh[i] : 0;
    else if (kind === 'linear' || v >= 0) dz[i] = dh[i];
    else dz[i] = slope * dh[i];
  }
}

/**
 * The backward of one LSTM step for one delta, no clip: from dh_t and dc_next (the cell gradient from step t+1)
 * the gate pre-activation gradients [di, df, dg, do] into raw [4n] and d/dc_{t-1} into dcPrev [n]. gates of
 * step t [4n]; cc = [c_{t-1} | c_t] [2n].
 */
function lstmCellBackward(
  n: number,
  gates: Float64Array,
  cc: Float64Array,
  peep: Float64Array,
  dh: Float64Array,
  dcNext: Float64Array,
  raw: Float64Array,
  dcPrev: Float64Array,
): void {
  for (let u = 0; u < n; u++) {
    const ig = gates[u];
    const fg = gates[n + u];
    const gg = gates[2 * n + u];
    const og = gates[3 * n + u];
    const cPrev = cc[u];
    const tc = Math.tanh(cc[n + u]);
    const dao = dh[u] * tc * og * (1 - og);
    const dc = dcNext[u] + dh[u] * og * (1 - tc * tc) + dao * peep[2 * n + u];
    const dai = dc * gg * ig * (1 - ig);
    const daf = dc * cPrev * fg * (1 - fg);
    raw[u] = dai;
    raw[n + u] = daf;
    raw[2 * n + u] = dc * ig * (1 - gg * gg);
    raw[3 * n + u] = dao;
    dcPrev[u] = dc * fg + dai * peep[u] + daf * peep[n + u];
  }
}
