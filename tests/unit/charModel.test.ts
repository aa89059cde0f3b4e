/**
 * The text sampler and the character-by-character gradient view (src/text/charModel.ts) against the float64
 * references (src/reference/model.ts, lstmModel.ts) on tiny models of every parameterisation the lab trains
 * (plain, factorised with a margin, free spectrum, LSTM) and every nonlinearity:
 * - the probabilities of a fixed continuation equal the reference forward's softmax outputs to 1e-12;
 * - G[k][s] = || d loss_k / d h_s || equals the norm of the reference backward's dh_s with a loss weight at
 *   position k only (clip off) to 1e-12, and central finite differences of loss_k with respect to an offset
 *   on h_s (step 1e-6, |G - fd| <= 1e-8 + 1e-5 fd) on smooth cells (tanh, linear, LSTM);
 * - sampling: same seed same text, temperature 0 = greedy and independent of the seed, the length cap, the
 *   newline ending, the log-probability, and the refusals.
 */
import { describe, expect, it } from 'vitest';
import { decodeCodes, encodeSentence, NEWLINE, VOCABULARY_SIZE } from '../../src/data/vocabulary.ts';
import { initRunParameters } from '../../src/engine/init.ts';
import { DEFAULT_RUN_MODEL_SETTINGS, type NonlinName, type RunModelSettings } from '../../src/engine/modelSettings.ts';
import { Rng } from '../../src/random/rng.ts';
import * as lstmRef from '../../src/reference/lstmModel.ts';
import type { ModelParameters, TaskBatch } from '../../src/reference/model.ts';
import * as rnnRef from '../../src/reference/model.ts';
import {
  CharModel,
  CharModelError,
  continuationProbabilities,
  drawFrom,
  gradientReach,
  sampleText,
  softmaxAt,
} from '../../src/text/charModel.ts';
import { expectClose } from '../helpers/compare.ts';
import { FD_STEP } from '../helpers/finiteDifferences.ts';

const V = VOCABULARY_SIZE;
const EXACT = { atol: 1e-12, rtol: 1e-12 };
const FD_TOL = { atol: 1e-8, rtol: 1e-5 };

function settingsOf(over: Partial<RunModelSettings>): RunModelSettings {
  return { ...DEFAULT_RUN_MODEL_SETTINGS, clip: 0, weightDecay: 0, ...over };
}

/** A tiny model's parameters, the lab's initialisation with its zeros and small inputs replaced by draws of a useful size. */
function paramsOf(settings: RunModelSettings, n: number, seed: number): ModelParameters {
  const p = initRunParameters(settings, seed, { n, I: V, O: V });
  const rng = new Rng(seed + 1000);
  const scale = settings.parameterisation === 'lstm' ? 0.5 : 0.8;
  for (const name of ['Win', 'b', 'h0', 'bout'] as const) p[name] = rng.normalArray(p[name].length, scale);
  if (p.c0) p.c0 = rng.normalArray(n, scale);
  if (p.s) p.s = rng.uniformArray(n, 0.6, 1.3);
  if (p.p) p.p = rng.normalArray(n, 1);
  if (settings.nonlinearity === 'prelu') p.slope = Float64Array.of(0.3);
  return p;
}

const CASES: { name: string; settings: RunModelSettings; smooth: boolean }[] = [
  { name: 'factorised, margin 0.5, tanh', settings: settingsOf({ margin: 0.5, nonlinearity: 'tanh', gain: 1.3 }), smooth: true },
  { name: 'factorised, no margin (free s), linear', settings: settingsOf({ margin: null, nonlinearity: 'linear' }), smooth: true },
  { name: 'plain, glorot, tanh', settings: settingsOf({ parameterisation: 'plain', init: 'glorot', nonlinearity: 'tanh' }), smooth: true },
  { name: 'plain, relu', settings: settingsOf({ parameterisation: 'plain', nonlinearity: 'relu' }), smooth: false },
  { name: 'factorised, margin 0.1, leaky', settings: settingsOf({ margin: 0.1, nonlinearity: 'leaky', slope: 0.2 }), smooth: false },
  { name: 'factorised, margin 1, prelu', settings: settingsOf({ margin: 1, nonlinearity: 'prelu' }), smooth: false },
  { name: 'plain, oplu', settings: settingsOf({ parameterisation: 'plain', nonlinearity: 'oplu' as NonlinName }), smooth: false },
  { name: 'LSTM', settings: settingsOf({ parameterisation: 'lstm' }), smooth: true },
];

const N = 6;
const SENTENCE = encodeSentence('the cat, 42.');

/** The reference's batch of one sentence (B = 1): read codes 0..L-1, predict 1..L, weight only where asked. */
function batchOf(codes: Uint8Array, weightAt?: number): TaskBatch {
  const L = codes.length - 1;
  const x = new Float64Array(L * V);
  for (let t = 0; t < L; t++) x[t * V + codes[t]] = 1;
  const weight = new Float64Array(L).fill(weightAt === undefined ? 1 : 0);
  if (weightAt !== undefined) weight[weightAt] = 1;
  return {
    x,
    L,
    B: 1,
    I: V,
    O: V,
    outputSteps: 'all',
    loss: 'xent',
    targets: Array.from(codes.subarray(1)),
    weight,
    accWeight: new Float64Array(L),
  };
}

function referenceOf(settings: RunModelSettings) {
  return settings.parameterisation === 'lstm'
    ? {
        forward: (p: ModelParameters, b: TaskBatch, off?: Float64Array) => lstmRef.forward(settings, p, b, off),
        backward: (p: ModelParameters, b: TaskBatch) => lstmRef.backward(settings, p, b, lstmRef.forward(settings, p, b)),
      }
    : {
        forward: (p: ModelParameters, b: TaskBatch, off?: Float64Array) => rnnRef.forward(settings, p, b, off),
        backward: (p: ModelParameters, b: TaskBatch) => rnnRef.backward(settings, p, b, rnnRef.forward(settings, p, b)),
      };
}

describe.each(CASES)('$name', ({ settings, smooth }) => {
  const params = paramsOf(settings, N, 7);
  const model = new CharModel(settings, params);
  const ref = referenceOf(settings);
  const L = SENTENCE.length - 1;

  it('gives a continuation the reference forward’s softmax probabilities (1e-12)', () => {
    const fwd = ref.forward(params, batchOf(SENTENCE));
    const probs = continuationProbabilities(model, SENTENCE);
    expect(probs.length).toBe(L);
    for (let k = 0; k < L; k++) {
      const y = fwd.y.subarray(k * V, (k + 1) * V);
      let max = -Infinity;
      for (const v of y) max = Math.max(max, v);
      let sum = 0;
      for (const v of y) sum += Math.exp(v - max);
      const want = Array.from(y, (v) => Math.exp(v - max) / sum);
      expectClose(`p at step ${k + 1}`, probs[k], want, EXACT);
      // and the loss of the sentence's own next character is the reference's position loss
      expect(Math.abs(-Math.log(probs[k][SENTENCE[k + 1]]) - fwd.positionLoss[k])).toBeLessThan(1e-12);
    }
  });

  it('gradient view: G[k][s] is the reference backward’s |dh_s| with a weight at k only (1e-12), NaN above the diagonal', () => {
    const { G, losses } = gradientReach(model, SENTENCE);
    for (let k = 1; k <= L; k++) {
      const bwd = ref.backward(params, batchOf(SENTENCE, k - 1));
      const want: number[] = [];
      const got: number[] = [];
      for (let s = 1; s <= L; s++) {
        const v = G[(k - 1) * L + (s - 1)];
        if (s > k) {
          expect(Number.isNaN(v)).toBe(true);
          // the reference agrees that a later state has no gradient
          for (let j = 0; j < N; j++) expect(bwd.dh[(s - 1) * N + j]).toBe(0);
          continue;
        }
        let sq = 0;
        for (let j = 0; j < N; j++) sq += bwd.dh[(s - 1) * N + j] ** 2;
        want.push(Math.sqrt(sq));
        got.push(v);
      }
      expectClose(`row k=${k}`, got, want, EXACT);
      // not vacuous: the diagonal (the readout's own gradient) is never 0, and only relu units can cut a path
      expect(want[want.length - 1]).toBeGreaterThan(0);
      if (settings.nonlinearity !== 'relu') expect(want.every((w) => w > 0)).toBe(true);
      expect(Math.abs(losses[k - 1] - ref.forward(params, batchOf(SENTENCE, k - 1)).taskLoss)).toBeLessThan(1e-12);
    }
  });

  it.runIf(smooth)('gradient view against central finite differences of loss_k in h_s', () => {
    const short = encodeSentence('ab c');
    const Ls = short.length - 1;
    const { G } = gradientReach(model, short);
    const offset = new Float64Array((Ls + 1) * N);
    for (let k = 1; k <= Ls; k++) {
      const batch = batchOf(short, k - 1);
      const loss = () => ref.forward(params, batch, offset).taskLoss;
      const got: number[] = [];
      const want: number[] = [];
      for (let s = 1; s <= k; s++) {
        let sq = 0;
        for (let j = 0; j < N; j++) {
          const i = s * N + j; // offset slot s is h_s
          offset[i] = FD_STEP;
          const up = loss();
          offset[i] = -FD_STEP;
          const down = loss();
          offset[i] = 0;
          sq += ((up - down) / (2 * FD_STEP)) ** 2;
        }
        want.push(Math.sqrt(sq));
        got.push(G[(k - 1) * Ls + (s - 1)]);
      }
      expectClose(`FD row k=${k}`, got, want, FD_TOL);
    }
  });

  it('samples: same seed same text; another seed another text; log p is the model’s', () => {
    const req = { prompt: encodeSentence('th').subarray(0, 2), temperature: 1, seed: 5, maxLength: 40 };
    const a = sampleText(model, req);
    const b = sampleText(model, { ...req });
    expect(Array.from(a.codes)).toEqual(Array.from(b.codes));
    expect(Array.from(a.codes.subarray(0, 2))).toEqual([42, 30]); // 't', 'h'
    const others = [6, 7, 8].map((seed) => decodeCodes(sampleText(model, { ...req, seed }).codes));
    expect(others.some((t) => t !== decodeCodes(a.codes))).toBe(true);
    // the log-probability is the sum of the model's own log p of each drawn character
    const probs = continuationProbabilities(model, a.codes);
    let lp = 0;
    for (let k = 2; k < a.codes.length; k++) lp += Math.log(probs[k - 1][a.codes[k]]);
    expect(Math.abs(a.logProbability - lp)).toBeLessThan(1e-9);
    expect(a.drawn).toBe(a.codes.length - 2);
    if (a.ended === 'newline') expect(a.codes[a.codes.length - 1]).toBe(NEWLINE);
    else expect(a.codes.length).toBe(40);
  });

  it('temperature 0 is greedy (the likeliest character each step) whatever the seed; a tiny temperature draws the same', () => {
    const prompt = Uint8Array.of(23);
    const g1 = sampleText(model, { prompt, temperature: 0, seed: 1, maxLength: 30 });
    const g2 = sampleText(model, { prompt, temperature: 0, seed: 999, maxLength: 30 });
    expect(Array.from(g1.codes)).toEqual(Array.from(g2.codes));
    const probs = continuationProbabilities(model, g1.codes);
    for (let k = 1; k < g1.codes.length; k++) {
      const p = probs[k - 1];
      let best = 0;
      for (let o = 1; o < V; o++) if (p[o] > p[best]) best = o;
      expect(g1.codes[k]).toBe(best);
    }
    const cold = sampleText(model, { prompt, temperature: 1e-4, seed: 3, maxLength: 30 });
    expect(Array.from(cold.codes)).toEqual(Array.from(g1.codes));
  });
});

describe('sampling limits and refusals', () => {
  const settings = settingsOf({ margin: 0.1, nonlinearity: 'tanh' });
  const params = paramsOf(settings, 4, 3);

  it('the length cap ends a sentence the model never ends; a certain newline ends it at once', () => {
    const never = { ...params, bout: Float64Array.from(params.bout, (v, o) => (o === NEWLINE ? -1e3 : v)) };
    const s = sampleText(new CharModel(settings, never), { prompt: Uint8Array.of(23, 24), temperature: 1.5, seed: 2, maxLength: 17 });
    expect(s.ended).toBe('length');
    expect(s.codes.length).toBe(17);
    expect(s.drawn).toBe(15);
    expect(s.codes.includes(NEWLINE)).toBe(false);
    const always = { ...params, bout: Float64Array.from(params.bout, (v, o) => (o === NEWLINE ? 1e3 : v)) };
    const e = sampleText(new CharModel(settings, always), { prompt: Uint8Array.of(23), temperature: 1, seed: 2, maxLength: 17 });
    expect(e.ended).toBe('newline');
    expect(Array.from(e.codes)).toEqual([23, NEWLINE]);
  });

  it('a loss whose probability rounds to 0 is still finite (log-softmax), and so is a sample’s log-probability', () => {
    const never = { ...params, bout: Float64Array.from(params.bout, (v, o) => (o === NEWLINE ? -1e4 : v)) };
    const model = new CharModel(settings, never);
    const r = gradientReach(model, encodeSentence('ab'));
    expect(Number.isFinite(r.losses[1])).toBe(true);
    expect(r.losses[1]).toBeGreaterThan(9e3);
    expect(softmaxAt(model.logits(model.step(model.step(model.initialState(), 23), 24).h), 1)[NEWLINE]).toBe(0);
  });

  it('softmax at a temperature: 1 is the model’s, a high one flattens, 0 is one-hot on the first largest', () => {
    const y = Float64Array.of(1, 3, 3, -2);
    expect(Array.from(softmaxAt(y, 0))).toEqual([0, 1, 0, 0]);
    const p1 = softmaxAt(y, 1);
    const z = 2 * Math.exp(3) + Math.exp(1) + Math.exp(-2);
    expectClose('T=1', p1, [Math.exp(1) / z, Math.exp(3) / z, Math.exp(3) / z, Math.exp(-2) / z], EXACT);
    const hot = softmaxAt(y, 10);
    expect(Math.max(...hot) - Math.min(...hot)).toBeLessThan(Math.max(...p1) - Math.min(...p1));
    expect(hot.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 14);
  });

  it('draws by the inverse CDF of one uniform', () => {
    const p = Float64Array.of(0, 0.25, 0, 0.5, 0.25);
    expect(drawFrom(p, 0)).toBe(1);
    expect(drawFrom(p, 0.2499)).toBe(1);
    expect(drawFrom(p, 0.25)).toBe(3);
    expect(drawFrom(p, 0.75)).toBe(4);
    expect(drawFrom(p, 0.9999999999999999)).toBe(4);
  });

  it('refuses what it cannot do, by name', () => {
    const model = new CharModel(settings, params);
    const ok = { prompt: Uint8Array.of(23), temperature: 1, seed: 1, maxLength: 20 };
    expect(() => sampleText(model, { ...ok, prompt: new Uint8Array(0) })).toThrow(/prompt is empty/);
    expect(() => sampleText(model, { ...ok, prompt: Uint8Array.of(23, NEWLINE) })).toThrow(/newline/);
    expect(() => sampleText(model, { ...ok, temperature: -0.1 })).toThrow(/temperature/);
    expect(() => sampleText(model, { ...ok, temperature: Number.NaN })).toThrow(/temperature/);
    expect(() => sampleText(model, { ...ok, seed: 1.5 })).toThrow(/seed/);
    expect(() => sampleText(model, { ...ok, maxLength: 1 })).toThrow(/length cap/);
    expect(() => sampleText(model, { ...ok, prompt: new Uint8Array(20).fill(23) })).toThrow(/no room/);
    expect(() => gradientReach(model, Uint8Array.of(NEWLINE))).toThrow(/empty/);
    expect(() => gradientReach(model, Uint8Array.of(23, 24))).toThrow(/end with the newline/);
    expect(() => new CharModel(settings, { ...params, Win: new Float64Array(4 * 10) })).toThrow(CharModelError);
    expect(() => new CharModel(settings, { ...params, Win: new Float64Array(4 * 10) })).toThrow(/Win has 40 values/);
    const bad = Float64Array.from(params.Wout);
    bad[3] = Number.NaN;
    expect(() => new CharModel(settings, { ...params, Wout: bad })).toThrow(/Wout has a non-finite value/);
    const { p: _p, ...noP } = params;
    expect(() => new CharModel(settings, noP)).toThrow(/no parameter p/);
  });

  it('reads float32 parameters (what the GPU gives back) as float64', () => {
    const f32 = Object.fromEntries(Object.entries(params).map(([k, v]) => [k, Float32Array.from(v)]));
    const a = sampleText(new CharModel(settings, f32), { prompt: Uint8Array.of(23), temperature: 0.8, seed: 4, maxLength: 25 });
    const b = sampleText(new CharModel(settings, f32), { prompt: Uint8Array.of(23), temperature: 0.8, seed: 4, maxLength: 25 });
    expect(Array.from(a.codes)).toEqual(Array.from(b.codes));
  });
});
