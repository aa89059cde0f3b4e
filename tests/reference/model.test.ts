/**
 * The float64 reference model against central finite differences, for every trained parameter, every
 * nonlinearity, plain and factorised (margins none, 0, 0.1, 1), penalties on and off, xent at every step
 * (full and masked weights) and mse at the last step, gain 1 and 1.05.
 *
 * Finite differences: h = 1e-6, compared with |grad - fd| <= 1e-8 + 1e-5 |fd|. In float64 the truncation
 * error is ~h^2 |f'''| ~ 1e-12 and the rounding error ~1e-16 |loss| / h ~ 1e-10, far inside that.
 * Kinks (relu/leaky/prelu at z = 0, oplu at z_2k = z_2k+1) are avoided by redrawing the inputs until
 * no pre-activation is within 1e-3 of one, so +-h never crosses a kink.
 *
 * Clipping: FD of a model whose clip binds is not the clipped gradient, so FD runs with the clip either
 * off (0) or set but not binding (100, asserted). The clip-active case is checked against an independent
 * construction of clipped BPTT (dense per-step Jacobians, one sequence at a time), plus its defining
 * properties (|da| <= c, some entries at +-c, last step = clip of the unclipped value).
 */
import { describe, expect, it } from 'vitest';
import { flowRows } from '../../src/engine/flowRows.ts';
import { orthogonalInit } from '../../src/engine/init.ts';
import {
  DEFAULT_RUN_MODEL_SETTINGS,
  type NonlinName,
  type RunModelSettings,
  trainedParameterNames,
} from '../../src/engine/modelSettings.ts';
import { Rng } from '../../src/random/rng.ts';
import {
  backward,
  forward,
  lastStepLoss,
  lossAndGradients,
  type ModelParameters,
  outputCount,
  outputStep,
  type TaskBatch,
  trainingLoss,
} from '../../src/reference/model.ts';
import { expectClose } from '../helpers/compare.ts';
import { expectHiddenGradientsAndFlow, finiteDifference } from '../helpers/finiteDifferences.ts';

const FD_TOL = { atol: 1e-8, rtol: 1e-5 };
const KINK_MARGIN = 1e-3;
const NONLINEARITIES: NonlinName[] = ['linear', 'tanh', 'relu', 'leaky', 'prelu', 'oplu'];
type BatchKind = 'xent-all' | 'xent-masked' | 'mse-last';

function makeBatch(rng: Rng, kind: BatchKind, L: number, B: number, I: number, O: number): TaskBatch {
  const x = rng.uniformArray(L * B * I, -1, 1);
  const outputSteps = kind === 'mse-last' ? 'last' : 'all';
  const Lout = outputSteps === 'all' ? L : 1;
  const weight = new Float64Array(Lout * B);
  const accWeight = new Float64Array(Lout * B);
  if (kind === 'mse-last') {
    weight.fill(1 / B);
    return { x, L, B, I, O, outputSteps, loss: 'mse', targets: rng.uniformArray(B * O, -1, 1), weight, accWeight };
  }
  const targets = new Float64Array(Lout * B);
  for (let k = 0; k < Lout * B; k++) {
    targets[k] = rng.int(0, O);
    if (kind === 'xent-all') {
      weight[k] = 1 / (B * L);
      accWeight[k] = k >= (Lout - 2) * B ? 1 : 0;
    } else if (rng.uniform() < 0.7) {
      weight[k] = rng.range(0.05, 0.3);
      accWeight[k] = 1;
    } else {
      targets[k] = -1; // padding: never read
    }
  }
  if (kind === 'xent-masked') {
    // The last step is scored for every sequence but the second (so Loss_last skips one).
    for (let bi = 0; bi < B; bi++) {
      const k = (Lout - 1) * B + bi;
      weight[k] = bi === 1 ? 0 : 0.2;
      targets[k] = bi === 1 ? -1 : rng.int(0, O);
    }
  }
  return { x, L, B, I, O, outputSteps, loss: 'xent', targets, weight, accWeight };
}

/** Random parameters of moderate size (every nonlinearity works in its interesting range). */
function makeParams(rng: Rng, settings: RunModelSettings, n: number, I: number, O: number): ModelParameters {
  const params: ModelParameters = {};
  if (settings.parameterisation === 'plain') {
    const q = orthogonalInit(rng, n);
    params.W = q.map((v) => 0.9 * v + rng.range(-0.2, 0.2) / Math.sqrt(n));
  } else {
    const UV = new Float64Array(2 * n * n);
    UV.set(orthogonalInit(rng, n), 0);
    UV.set(orthogonalInit(rng, n), n * n);
    params.UV = UV;
    params.s = rng.uniformArray(n, 0.6, 1.4);
    if (settings.margin !== null) params.p = rng.normalArray(n, 0.8);
  }
  params.Win = rng.uniformArray(n * I, -0.8, 0.8);
  params.b = rng.uniformArray(n, -0.3, 0.3);
  params.h0 = rng.uniformArray(n, -0.5, 0.5);
  params.Wout = rng.uniformArray(O * n, -0.6, 0.6);
  params.bout = rng.uniformArray(O, -0.2, 0.2);
  params.slope = Float64Array.of(settings.nonlinearity === 'leaky' ? 0.3 : 0.7);
  return params;
}

/** Distance of the nearest pre-activation (z = g a) to a kink of f. */
function kinkDistance(settings: RunModelSettings, a: Float64Array): number {
  const g = settings.gain;
  let d = Infinity;
  if (settings.nonlinearity === 'oplu') {
    for (let i = 0; i < a.length; i += 2) d = Math.min(d, Math.abs(g * (a[i] - a[i + 1])));
  } else if (['relu', 'leaky', 'prelu'].includes(settings.nonlinearity)) {
    for (const v of a) d = Math.min(d, Math.abs(g * v));
  }
  return d;
}

interface Case {
  settings: RunModelSettings;
  params: ModelParameters;
  batch: TaskBatch;
}

function makeCase(seed: number, settings: RunModelSettings, kind: BatchKind, n: number, L = 5, B = 3, I = 3, O = 4): Case {
  for (let attempt = 0; attempt < 200; attempt++) {
    const rng = new Rng(seed * 1000 + attempt);
    const params = makeParams(rng, settings, n, I, O);
    const batch = makeBatch(rng, kind, L, B, I, O);
    if (kinkDistance(settings, forward(settings, params, batch).a) > KINK_MARGIN) return { settings, params, batch };
  }
  throw new Error('no kink-free draw');
}

/** Every entry of every trained parameter: analytic gradient vs central differences. */
function checkAllGradients(c: Case, label: string): void {
  const { settings, params, batch } = c;
  const { backward: bwd } = lossAndGradients(settings, params, batch);
  const names = trainedParameterNames(settings);
  expect(Object.keys(bwd.grads).sort()).toEqual([...names].sort());
  const loss = () => trainingLoss(settings, params, batch);
  for (const name of names) {
    const v = params[name];
    const fd = new Float64Array(v.length);
    for (let i = 0; i < v.length; i++) fd[i] = finiteDifference(loss, v, i);
    expectClose(`${label} d/d${name}`, bwd.grads[name], fd, FD_TOL);
  }
  if (settings.clip > 0) {
    let worst = 0;
    for (const v of bwd.da) worst = Math.max(worst, Math.abs(v));
    expect(worst, `${label}: clip must not bind in an FD check`).toBeLessThan(settings.clip);
  }
}

const PENALTIES_ON = { softOrth: 0.02, prior: 0.05, weightDecay: 0.003 };
const PENALTIES_OFF = { softOrth: 0, prior: 0, weightDecay: 0 };

const PARAMETERISATIONS: { label: string; parameterisation: 'plain' | 'factorised'; margin: number | null }[] = [
  { label: 'plain', parameterisation: 'plain', margin: null },
  { label: 'factorised no margin', parameterisation: 'factorised', margin: null },
  { label: 'factorised margin 0', parameterisation: 'factorised', margin: 0 },
  { label: 'factorised margin 0.1', parameterisation: 'factorised', margin: 0.1 },
  { label: 'factorised margin 1', parameterisation: 'factorised', margin: 1 },
];

describe('reference model gradients vs finite differences (every parameter)', () => {
  NONLINEARITIES.forEach((nonlinearity, ni) => {
    PARAMETERISATIONS.forEach((param, pi) => {
      it(`${nonlinearity}, ${param.label}`, () => {
        const n = [4, 6, 8][(ni + pi) % 3];
        const kinds: BatchKind[] = ['xent-all', 'mse-last', 'xent-masked'];
        kinds.forEach((kind, ki) => {
          const odd = (ni + pi + ki) % 2 === 1;
          const settings: RunModelSettings = {
            ...DEFAULT_RUN_MODEL_SETTINGS,
            parameterisation: param.parameterisation,
            margin: param.margin,
            nonlinearity,
            gain: odd ? 1.05 : 1,
            clip: odd ? 100 : 0,
            ...(kind === 'xent-masked' && !odd ? PENALTIES_OFF : PENALTIES_ON),
          };
          const L = 3 + ((ni + ki) % 4);
          const B = 2 + (pi % 2);
          const c = makeCase(100 * ni + 10 * pi + ki, settings, kind, n, L, B);
          checkAllGradients(c, `${nonlinearity} ${param.label} ${kind} n=${n} L=${L} B=${B}`);
          if (param.margin === 0) {
            const { backward: bwd } = lossAndGradients(c.settings, c.params, c.batch);
            expect(Array.from(bwd.grads.p).every((v) => v === 0)).toBe(true);
          }
        });
      });
    });
  });
});

describe('hidden-state gradients and the gradient flow profile', () => {
  const cases: [NonlinName, 'plain' | 'factorised', number | null, BatchKind][] = [
    ['tanh', 'factorised', 0.1, 'xent-all'],
    ['relu', 'plain', null, 'mse-last'],
    ['oplu', 'factorised', null, 'xent-masked'],
    ['prelu', 'factorised', 1, 'xent-all'],
  ];
  for (const [nonlinearity, parameterisation, margin, kind] of cases) {
    it(`${nonlinearity} ${parameterisation} ${kind}: dh_t and flow[t] from FD of Loss_last`, () => {
      const settings: RunModelSettings = {
        ...DEFAULT_RUN_MODEL_SETTINGS,
        ...PENALTIES_ON,
        parameterisation,
        margin,
        nonlinearity,
        gain: 1.05,
        clip: 0,
      };
      const n = 6;
      const { params, batch } = makeCase(7, settings, kind, n, 5, 3);
      const { L, B } = batch;
      const { backward: bwd } = lossAndGradients(settings, params, batch);
      expectHiddenGradientsAndFlow(
        bwd,
        {
          training: (offset) => trainingLoss(settings, params, batch, offset),
          last: (offset) => lastStepLoss(settings, params, batch, offset),
        },
        { L, B, n, rows: flowRows(batch) },
        FD_TOL,
      );
    });
  }
});

/**
 * Independent construction of clipped BPTT: one sequence at a time, the Jacobian of f at each step as a
 * dense matrix, da_t = clip(J_t^T (dhOut_t + W^T da_{t+1})), parameter gradients as sums of outer
 * products. dy is rebuilt from the logits, so only the forward values (a, h, y) come from the model.
 */
function independentClippedBptt(c: Case, lastOnly: boolean) {
  const { settings, params, batch } = c;
  const fwd = forward(settings, params, batch);
  const { L, B, I, O } = batch;
  const n = params.b.length;
  const g = settings.gain;
  const alpha = params.slope[0];
  const clip = (v: number) => (settings.clip > 0 ? Math.max(-settings.clip, Math.min(settings.clip, v)) : v);
  const Lout = outputCount(batch);
  const dWTask = new Float64Array(n * n);
  const dWin = new Float64Array(n * I);
  const db = new Float64Array(n);
  const dh0 = new Float64Array(n);
  const da = new Float64Array(L * B * n);
  const flow = new Float64Array(L + 1);
  for (let bi = 0; bi < B; bi++) {
    const dhOut: Float64Array[] = Array.from({ length: L + 1 }, () => new Float64Array(n));
    for (let k = lastOnly ? Lout - 1 : 0; k < Lout; k++) {
      const w = lastOnly ? 1 / B : batch.weight[k * B + bi];
      if (batch.weight[k * B + bi] === 0) continue;
      const y = fwd.y.subarray((k * B + bi) * O, (k * B + bi + 1) * O);
      const dy = new Float64Array(O);
      if (batch.loss === 'mse') {
        for (let o = 0; o < O; o++) dy[o] = (w * 2 * (y[o] - batch.targets[(k * B + bi) * O + o])) / O;
      } else {
        const e = Array.from(y, (v) => Math.exp(v));
        const sum = e.reduce((p, q) => p + q, 0);
        for (let o = 0; o < O; o++) dy[o] = w * (e[o] / sum - (o === batch.targets[k * B + bi] ? 1 : 0));
      }
      const t = outputStep(batch, k);
      for (let j = 0; j < n; j++) for (let o = 0; o < O; o++) dhOut[t][j] += params.Wout[o * n + j] * dy[o];
    }
    let next = new Float64Array(n); // W^T da_{t+1}
    for (let t = L; t >= 1; t--) {
      const z = Array.from({ length: n }, (_, i) => g * fwd.a[((t - 1) * B + bi) * n + i]);
      const J = new Float64Array(n * n); // J[i][j] = dh_i / dz_j
      for (let i = 0; i < n; i++) {
        switch (settings.nonlinearity) {
          case 'linear':
            J[i * n + i] = 1;
            break;
          case 'tanh':
            J[i * n + i] = 1 - Math.tanh(z[i]) ** 2;
            break;
          case 'relu':
            J[i * n + i] = z[i] > 0 ? 1 : 0;
            break;
          case 'leaky':
          case 'prelu':
            J[i * n + i] = z[i] >= 0 ? 1 : alpha;
            break;
          case 'oplu': {
            // h_2k = max, h_2k+1 = min: output i takes z_i when its pair is in order, its partner's z otherwise.
            const even = i - (i % 2);
            const inOrder = z[even] >= z[even + 1];
            J[i * n + (inOrder ? i : i ^ 1)] = 1;
            break;
          }
        }
      }
      const dh = dhOut[t].map((v, i) => v + next[i]);
      let flowT = 0;
      for (const v of dh) flowT += v * v;
      flow[t] += flowT;
      const daT = new Float64Array(n);
      for (let j = 0; j < n; j++) {
        let acc = 0;
        for (let i = 0; i < n; i++) acc += J[i * n + j] * dh[i];
        daT[j] = clip(g * acc);
      }
      da.set(daT, ((t - 1) * B + bi) * n);
      const hPrev = fwd.h.subarray(((t - 1) * B + bi) * n, ((t - 1) * B + bi + 1) * n);
      const x = batch.x.subarray(((t - 1) * B + bi) * I, ((t - 1) * B + bi + 1) * I);
      for (let i = 0; i < n; i++) {
        db[i] += daT[i];
        for (let j = 0; j < n; j++) dWTask[i * n + j] += daT[i] * hPrev[j];
        for (let k = 0; k < I; k++) dWin[i * I + k] += daT[i] * x[k];
      }
      next = new Float64Array(n);
      for (let j = 0; j < n; j++) for (let i = 0; i < n; i++) next[j] += fwd.W[i * n + j] * daT[i];
    }
    for (let j = 0; j < n; j++) {
      dh0[j] += next[j];
      flow[0] += next[j] * next[j];
    }
  }
  return { dWTask, dWin, db, dh0, da, flow };
}

describe('elementwise clip of dLoss/da_t (clip active)', () => {
  const EXACT = { atol: 1e-13, rtol: 1e-12 };
  for (const nonlinearity of ['linear', 'tanh', 'oplu', 'leaky'] as NonlinName[]) {
    for (const parameterisation of ['plain', 'factorised'] as const) {
      it(`${nonlinearity} ${parameterisation}: equals an independent clipped BPTT, and binds`, () => {
        const base: RunModelSettings = {
          ...DEFAULT_RUN_MODEL_SETTINGS,
          ...PENALTIES_OFF,
          parameterisation,
          margin: 0.1,
          nonlinearity,
          gain: 1.05,
          clip: 0,
        };
        const unclippedCase = makeCase(55, base, 'xent-all', 6, 6, 3);
        const unclipped = lossAndGradients(base, unclippedCase.params, unclippedCase.batch).backward;
        let largest = 0;
        for (const v of unclipped.da) largest = Math.max(largest, Math.abs(v));
        const clip = 0.3 * largest;
        const settings = { ...base, clip };
        const c: Case = { ...unclippedCase, settings };
        const bwd = lossAndGradients(settings, c.params, c.batch).backward;
        const ind = independentClippedBptt(c, false);
        expectClose('da', bwd.da, ind.da, EXACT);
        expectClose('dW (composite, task)', bwd.dWTask, ind.dWTask, EXACT);
        expectClose('dWin', bwd.grads.Win, ind.dWin, EXACT);
        expectClose('db', bwd.grads.b, ind.db, EXACT);
        expectClose('dh0', bwd.grads.h0, ind.dh0, EXACT);
        expectClose('flow (clipped)', bwd.flow, independentClippedBptt(c, true).flow, EXACT);
        // Defining properties: bounded, binding, and the last step is the clip of the unclipped value.
        let atClip = 0;
        for (const v of bwd.da) {
          expect(Math.abs(v)).toBeLessThanOrEqual(clip);
          if (Math.abs(v) === clip) atClip++;
        }
        expect(atClip).toBeGreaterThan(0);
        const { L, B } = c.batch;
        const last = (L - 1) * B * 6;
        const want = unclipped.da.subarray(last).map((v) => Math.max(-clip, Math.min(clip, v)));
        expectClose('da_L', bwd.da.subarray(last), want, EXACT);
        // A clip that does not bind changes nothing; the readout gradients never see the clip.
        const loose = lossAndGradients({ ...base, clip: 2 * largest }, c.params, c.batch).backward;
        expectClose('loose clip', loose.da, unclipped.da, { atol: 0, rtol: 0 });
        expectClose('Wout unaffected', bwd.grads.Wout, unclipped.grads.Wout, { atol: 0, rtol: 0 });
        // The same construction without a clip agrees with the FD-checked gradients.
        expectClose('independent, clip off', independentClippedBptt({ ...c, settings: base }, false).dWin, unclipped.grads.Win, EXACT);
      });
    }
  }
});

describe('forward values', () => {
  const dims = { n: 4, I: 1, O: 3 };
  function single(nonlinearity: NonlinName, gain: number, a: number[]): Float64Array {
    // W = 0, Win = 0, b = a: h_1 = f(g a).
    const settings: RunModelSettings = { ...DEFAULT_RUN_MODEL_SETTINGS, ...PENALTIES_OFF, parameterisation: 'plain', nonlinearity, gain };
    const params: ModelParameters = {
      W: new Float64Array(16),
      Win: new Float64Array(4),
      b: Float64Array.from(a),
      h0: new Float64Array(4),
      Wout: new Float64Array(12),
      bout: new Float64Array(3),
      slope: Float64Array.of(0.25),
    };
    const batch: TaskBatch = {
      x: new Float64Array(1),
      L: 1,
      B: 1,
      I: 1,
      O: 3,
      outputSteps: 'last',
      loss: 'xent',
      targets: [0],
      weight: [1],
      accWeight: [1],
    };
    return forward(settings, params, batch).h.subarray(dims.n);
  }
  it('nonlinearities with gain', () => {
    const a = [0.5, -2, -1, 3];
    expect(Array.from(single('linear', 2, a))).toEqual([1, -4, -2, 6]);
    expect(Array.from(single('relu', 1, a))).toEqual([0.5, 0, 0, 3]);
    expect(Array.from(single('leaky', 1, a))).toEqual([0.5, -0.5, -0.25, 3]);
    expect(Array.from(single('prelu', 2, a))).toEqual([1, -1, -0.5, 6]);
    expect(Array.from(single('tanh', 1.05, a))).toEqual(a.map((v) => Math.tanh(1.05 * v)));
    // OPLU: pairs (0,1) and (2,3) become (max, min); it is not the identity.
    expect(Array.from(single('oplu', 1, a))).toEqual([0.5, -2, 3, -1]);
  });

  it('losses, masking, accuracy and penalties by hand', () => {
    const n = 2;
    const settings: RunModelSettings = {
      ...DEFAULT_RUN_MODEL_SETTINGS,
      parameterisation: 'plain',
      nonlinearity: 'linear',
      softOrth: 0.5,
      prior: 0,
      weightDecay: 0.1,
    };
    const params: ModelParameters = {
      W: Float64Array.of(2, 0, 0, 1),
      Win: new Float64Array(n),
      b: new Float64Array(n),
      h0: new Float64Array(n),
      Wout: new Float64Array(3 * n),
      bout: Float64Array.of(1, 2, 0),
      slope: Float64Array.of(0),
    };
    const batch: TaskBatch = {
      x: new Float64Array(2 * 2),
      L: 2,
      B: 2,
      I: 1,
      O: 3,
      outputSteps: 'all',
      loss: 'xent',
      targets: [1, -1, 0, 2],
      weight: [0.25, 0, 0.25, 0.25],
      accWeight: [1, 0, 1, 1],
    };
    const fwd = forward(settings, params, batch);
    const lse = Math.log(Math.E + Math.E ** 2 + 1);
    expect(fwd.taskLoss).toBeCloseTo(0.25 * (lse - 2) + 0.25 * (lse - 1) + 0.25 * lse, 14);
    expect(fwd.accuracy).toBeCloseTo(1 / 3, 14);
    // ||W^T W - I||^2 = 3^2; weight decay on W only (Win, Wout zero): 0.1 * 5.
    expect(fwd.penalty).toBeCloseTo(0.5 * 9 + 0.1 * 5, 14);
    expect(fwd.trainingLoss).toBeCloseTo(fwd.taskLoss + fwd.penalty, 14);
    const mse: TaskBatch = {
      ...batch,
      outputSteps: 'last',
      loss: 'mse',
      targets: [1, 1, 1, 0, 0, 0],
      weight: [0.5, 0.5],
      accWeight: [0, 0],
    };
    const fm = forward({ ...settings, softOrth: 0, weightDecay: 0 }, params, mse);
    expect(fm.taskLoss).toBeCloseTo((0.5 * (0 + 1 + 1)) / 3 + (0.5 * (1 + 4 + 0)) / 3, 14);
    expect(fm.accuracy).toBeNull();
    const bwd = backward(settings, params, batch, fwd);
    expect(bwd.flow.length).toBe(3);
  });

  it('factorised: W = U diag(relu(s)) V^T; a negative s contributes nothing', () => {
    const settings: RunModelSettings = { ...DEFAULT_RUN_MODEL_SETTINGS, ...PENALTIES_OFF, margin: null };
    const rng = new Rng(3);
    const params = makeParams(rng, settings, 4, 1, 2);
    params.s = Float64Array.of(1.5, -0.5, 0.7, 1);
    const batch = makeBatch(rng, 'mse-last', 2, 1, 1, 2);
    const W = forward(settings, params, batch).W;
    const U = params.UV.subarray(0, 16);
    const V = params.UV.subarray(16);
    const want = new Float64Array(16);
    for (let i = 0; i < 4; i++)
      for (let j = 0; j < 4; j++) for (let k = 0; k < 4; k++) want[i * 4 + j] += U[i * 4 + k] * Math.max(params.s[k], 0) * V[j * 4 + k];
    expectClose('W', W, want, { atol: 1e-15, rtol: 0 });
    expect(backward(settings, params, batch, forward(settings, params, batch)).grads.s[1]).toBe(0);
  });
});
