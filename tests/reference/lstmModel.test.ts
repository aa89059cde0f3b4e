/**
 * The float64 LSTM reference model (src/reference/lstmModel.ts) against central finite differences, for
 * every trained parameter (W, Win, b, h0, c0, peep, Wout, bout), on cross-entropy scored at every step
 * with padding (weight 0, like copy) and MSE at the last step (like adding), weight decay on and off, the
 * clip off (0) or set so large it never binds (100, asserted).
 *
 * Finite differences: h = 1e-6, compared with |grad - fd| <= 1e-8 + 1e-5 |fd| (as the RNN model tests).
 * The LSTM is smooth, so no kinks need avoiding; truncation ~h^2 |f'''| ~ 1e-12, rounding ~1e-10.
 *
 * Gradient flow: flow[t] against the squared norm over batch and units of the FD gradient of lastStepLoss
 * with respect to a hidden offset at step t, for every t = 0..L (clip off); dh_t and dh_0 per row against
 * the FD gradient of the training loss with respect to the same offsets.
 *
 * Clip active: FD of a model whose clip binds is not the clipped gradient. It is checked against an
 * independent construction: a scalar reverse-mode autodiff tape that builds the LSTM graph exactly as
 * Lasagne's LSTMLayer does (gates = W h + Win x + b, then a grad_clip node, then the peephole adds and the
 * nonlinearities), with the tape's generic backward (clip applied to the gradient accumulated at the
 * grad_clip node). It shares no code with the reference's hand-written BPTT. With the clip off the tape
 * equals the (FD-checked) reference; with the clip active every parameter gradient, dz, dh_0 / dc_0 per row
 * and the clipped flow must agree to ~1e-12. Plus the clip's defining properties: |dz| <= c, some entries
 * at exactly +-c, dz at step L = clip of the unclipped value, Wout / bout unaffected.
 */
import { describe, expect, it } from 'vitest';
import { flowRows } from '../../src/engine/flowRows.ts';
import { Rng } from '../../src/random/rng.ts';
import {
  backward,
  forward,
  LSTM_PARAMETER_NAMES,
  type LstmModelSettings,
  lastStepLoss,
  lossAndGradients,
  trainingLoss,
} from '../../src/reference/lstmModel.ts';
import { type ModelParameters, outputCount, outputStep, type TaskBatch } from '../../src/reference/model.ts';
import { expectClose } from '../helpers/compare.ts';
import { expectHiddenGradientsAndFlow, finiteDifference } from '../helpers/finiteDifferences.ts';

const FD_TOL = { atol: 1e-8, rtol: 1e-5 };
const EXACT = { atol: 1e-13, rtol: 1e-11 };
type BatchKind = 'xent-all' | 'mse-last';

/**
 * xent-all: O classes at every step, weight 1/(B L) where scored; about a quarter of the positions are
 * padding (weight 0, target -1, never read), and the last step of row 1 is padding, so Loss_last skips it.
 * mse-last: one readout at step L, weight 1/B, real-valued targets [B][O].
 */
function makeBatch(rng: Rng, kind: BatchKind, L: number, B: number, I: number, O: number): TaskBatch {
  const x = rng.normalArray(L * B * I, 1);
  if (kind === 'mse-last') {
    const weight = new Float64Array(B).fill(1 / B);
    return {
      x,
      L,
      B,
      I,
      O,
      outputSteps: 'last',
      loss: 'mse',
      targets: rng.uniformArray(B * O, -1, 1),
      weight,
      accWeight: new Float64Array(B),
    };
  }
  const targets = new Float64Array(L * B);
  const weight = new Float64Array(L * B);
  const accWeight = new Float64Array(L * B);
  for (let k = 0; k < L * B; k++) {
    const padding = rng.uniform() < 0.25 || k === (L - 1) * B + 1;
    targets[k] = padding ? -1 : rng.int(0, O);
    weight[k] = padding ? 0 : 1 / (B * L);
    accWeight[k] = padding ? 0 : 1;
  }
  for (let bi = 0; bi < B; bi++) {
    if (bi === 1) continue;
    const k = (L - 1) * B + bi; // every other row is scored at step L
    targets[k] = rng.int(0, O);
    weight[k] = 1 / (B * L);
    accWeight[k] = 1;
  }
  return { x, L, B, I, O, outputSteps: 'all', loss: 'xent', targets, weight, accWeight };
}

/** Random parameters large enough that every term (peepholes, c0, h0) matters; b_f shifted by +1. */
function makeParams(rng: Rng, n: number, I: number, O: number): ModelParameters {
  const b = rng.uniformArray(4 * n, -0.3, 0.3);
  for (let u = 0; u < n; u++) b[n + u] += 1;
  return {
    W: rng.normalArray(4 * n * n, 0.8 / Math.sqrt(n)),
    Win: rng.normalArray(4 * n * I, 0.6),
    b,
    h0: rng.uniformArray(n, -0.5, 0.5),
    c0: rng.uniformArray(n, -0.8, 0.8),
    peep: rng.normalArray(3 * n, 0.5),
    Wout: rng.uniformArray(O * n, -0.8, 0.8),
    bout: rng.uniformArray(O, -0.2, 0.2),
  };
}

interface Case {
  settings: LstmModelSettings;
  params: ModelParameters;
  batch: TaskBatch;
}

function makeCase(seed: number, settings: LstmModelSettings, kind: BatchKind, n: number, L: number, B: number, I = 2, O = 3): Case {
  const rng = new Rng(seed);
  const params = makeParams(rng, n, I, O);
  return { settings, params, batch: makeBatch(rng, kind, L, B, I, O) };
}

function maxAbs(v: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < v.length; i++) m = Math.max(m, Math.abs(v[i]));
  return m;
}

const WD_ON = 0.003;

describe('LSTM reference gradients vs finite differences (every parameter)', () => {
  const kinds: BatchKind[] = ['xent-all', 'mse-last'];
  kinds.forEach((kind, ki) => {
    [0, WD_ON].forEach((weightDecay, wi) => {
      [0, 100].forEach((clip, ci) => {
        const n = 3 + ((ki + 2 * wi + ci) % 4);
        const L = 3 + ((ki + wi + ci) % 3);
        const B = 2 + ((wi + ci) % 2);
        it(`${kind}, weight decay ${weightDecay}, clip ${clip}: n=${n} L=${L} B=${B}`, () => {
          const c = makeCase(1000 + 100 * ki + 10 * wi + ci, { clip, weightDecay }, kind, n, L, B);
          const { settings, params, batch } = c;
          const { forward: fwd, backward: bwd } = lossAndGradients(settings, params, batch);
          expect(Object.keys(bwd.grads).sort()).toEqual([...LSTM_PARAMETER_NAMES].sort());
          if (weightDecay === 0) expect(fwd.penalty).toBe(0);
          else expect(fwd.penalty).toBeGreaterThan(0);
          const loss = () => trainingLoss(settings, params, batch);
          for (const name of LSTM_PARAMETER_NAMES) {
            const v = params[name];
            const fd = new Float64Array(v.length);
            for (let i = 0; i < v.length; i++) fd[i] = finiteDifference(loss, v, i);
            expect(maxAbs(fd), `${name}: FD gradient must not vanish`).toBeGreaterThan(1e-4);
            expectClose(`${kind} wd=${weightDecay} clip=${clip} d/d${name}`, bwd.grads[name], fd, FD_TOL);
          }
          if (clip > 0) expect(maxAbs(bwd.dz), 'clip must not bind in an FD check').toBeLessThan(clip);
        });
      });
    });
  });
});

describe('hidden-state gradients and the gradient flow profile (clip off)', () => {
  const cases: [BatchKind, number, number, number][] = [
    ['xent-all', 5, 5, 3],
    ['mse-last', 4, 4, 2],
  ];
  for (const [kind, n, L, B] of cases) {
    it(`${kind} n=${n} L=${L} B=${B}: dh_t and flow[t] (t = 0..L) from FD w.r.t. hidden offsets`, () => {
      const settings: LstmModelSettings = { clip: 0, weightDecay: WD_ON };
      const { params, batch } = makeCase(77 + n, settings, kind, n, L, B);
      const { backward: bwd } = lossAndGradients(settings, params, batch);
      const flow = expectHiddenGradientsAndFlow(
        bwd,
        {
          training: (offset) => trainingLoss(settings, params, batch, offset),
          last: (offset) => lastStepLoss(settings, params, batch, offset),
        },
        { L, B, n, rows: flowRows(batch) },
        FD_TOL,
      );
      for (let t = 0; t <= L; t++) expect(flow[t], `flow[${t}]`).toBeGreaterThan(1e-10);
      // an all-zero offset is no offset
      expect(trainingLoss(settings, params, batch, new Float64Array((L + 1) * B * n))).toBe(trainingLoss(settings, params, batch));
    });
  }
});

/**
 * Independent construction: scalar reverse-mode autodiff. Nodes are appended in evaluation order (a
 * topological order), so the backward visits them in reverse and each node's gradient is complete when
 * it is read. A grad_clip node is the identity forward and clips its accumulated gradient backward
 * (theano.gradient.grad_clip).
 */
class Tape {
  readonly value: number[] = [];
  private readonly p1: number[] = [];
  private readonly p2: number[] = [];
  private readonly d1: number[] = [];
  private readonly d2: number[] = [];
  private readonly clipAt: number[] = [];

  private push(v: number, p1: number, d1: number, p2: number, d2: number, clip = 0): number {
    this.value.push(v);
    this.p1.push(p1);
    this.d1.push(d1);
    this.p2.push(p2);
    this.d2.push(d2);
    this.clipAt.push(clip);
    return this.value.length - 1;
  }
  leaf(v: number): number {
    return this.push(v, -1, 0, -1, 0);
  }
  add(a: number, b: number): number {
    return this.push(this.value[a] + this.value[b], a, 1, b, 1);
  }
  mul(a: number, b: number): number {
    return this.push(this.value[a] * this.value[b], a, this.value[b], b, this.value[a]);
  }
  scale(a: number, s: number): number {
    return this.push(s * this.value[a], a, s, -1, 0);
  }
  sig(a: number): number {
    const s = 1 / (1 + Math.exp(-this.value[a]));
    return this.push(s, a, s * (1 - s), -1, 0);
  }
  tanh(a: number): number {
    const v = Math.tanh(this.value[a]);
    return this.push(v, a, 1 - v * v, -1, 0);
  }
  exp(a: number): number {
    const v = Math.exp(this.value[a]);
    return this.push(v, a, v, -1, 0);
  }
  log(a: number): number {
    return this.push(Math.log(this.value[a]), a, 1 / this.value[a], -1, 0);
  }
  /** grad_clip: identity forward; backward clips the accumulated gradient to [-c, c] (c = 0: identity). */
  gradClip(a: number, c: number): number {
    return this.push(this.value[a], a, 1, -1, 0, c);
  }
  sum(nodes: number[]): number {
    return nodes.reduce((acc, v) => this.add(acc, v));
  }

  /** Gradient of `root` with respect to every node (for grad_clip nodes: the clipped gradient). */
  gradient(root: number): Float64Array {
    const g = new Float64Array(this.value.length);
    g[root] = 1;
    for (let i = root; i >= 0; i--) {
      let gi = g[i];
      if (gi === 0) continue;
      const c = this.clipAt[i];
      if (c > 0) g[i] = gi = Math.max(-c, Math.min(c, gi));
      if (this.p1[i] >= 0) g[this.p1[i]] += gi * this.d1[i];
      if (this.p2[i] >= 0) g[this.p2[i]] += gi * this.d2[i];
    }
    return g;
  }
}

/** The LSTM of one run on a tape, Lasagne's graph; returns the gradients the reference exposes. */
function tapeModel(c: Case) {
  const { settings, params, batch } = c;
  const { L, B, I, O } = batch;
  const n = params.h0.length;
  const tape = new Tape();
  const leaves: Record<string, number[]> = {};
  for (const name of LSTM_PARAMETER_NAMES) leaves[name] = Array.from(params[name], (v) => tape.leaf(v));
  const { W, Win, b, h0, c0, peep, Wout, bout } = leaves;
  const zero = tape.leaf(0);
  const hNode: number[][][] = []; // [t][b][u]
  const cInit: number[][] = [];
  const gateNode: number[][][] = []; // [t-1][b][r], the grad_clip nodes
  const readout: number[][][] = []; // [k][b][o]
  hNode.push([]);
  for (let bi = 0; bi < B; bi++) {
    hNode[0].push(h0.map((v) => tape.add(v, zero))); // a node per row, for dLoss/dh_0 per row
    cInit.push(c0.map((v) => tape.add(v, zero)));
  }
  let cPrev = cInit;
  for (let t = 1; t <= L; t++) {
    const hRow: number[][] = [];
    const cRow: number[][] = [];
    const gRow: number[][] = [];
    for (let bi = 0; bi < B; bi++) {
      const x = Array.from({ length: I }, (_, k) => tape.leaf(batch.x[((t - 1) * B + bi) * I + k]));
      const gates: number[] = [];
      for (let r = 0; r < 4 * n; r++) {
        const terms = [b[r]];
        for (let j = 0; j < n; j++) terms.push(tape.mul(W[r * n + j], hNode[t - 1][bi][j]));
        for (let k = 0; k < I; k++) terms.push(tape.mul(Win[r * I + k], x[k]));
        gates.push(tape.gradClip(tape.sum(terms), settings.clip));
      }
      const hs: number[] = [];
      const cs: number[] = [];
      for (let u = 0; u < n; u++) {
        const cp = cPrev[bi][u];
        const ig = tape.sig(tape.add(gates[u], tape.mul(peep[u], cp)));
        const fg = tape.sig(tape.add(gates[n + u], tape.mul(peep[n + u], cp)));
        const gg = tape.tanh(gates[2 * n + u]);
        const ct = tape.add(tape.mul(fg, cp), tape.mul(ig, gg));
        const og = tape.sig(tape.add(gates[3 * n + u], tape.mul(peep[2 * n + u], ct)));
        hs.push(tape.mul(og, tape.tanh(ct)));
        cs.push(ct);
      }
      hRow.push(hs);
      cRow.push(cs);
      gRow.push(gates);
    }
    hNode.push(hRow);
    gateNode.push(gRow);
    cPrev = cRow;
  }
  // Readout and losses (weighted training loss, and Loss_last).
  const Lout = outputCount(batch);
  const lossTerms: number[] = [];
  const lastTerms: number[] = [];
  // Loss_last (docs/SCIENCE.md 7.1): each row's loss at its last scored position, over the B' rows scoring any
  const lastK = Array.from({ length: B }, (_, bi) => {
    let last = -1;
    for (let k = 0; k < Lout; k++) if (batch.weight[k * B + bi] !== 0) last = k;
    return last;
  });
  const scoring = lastK.filter((k) => k >= 0).length;
  for (let k = 0; k < Lout; k++) {
    const t = outputStep(batch, k);
    readout.push([]);
    for (let bi = 0; bi < B; bi++) {
      const y = Array.from({ length: O }, (_, o) =>
        tape.sum([bout[o], ...Array.from({ length: n }, (_, j) => tape.mul(Wout[o * n + j], hNode[t][bi][j]))]),
      );
      readout[k].push(y);
      const w = batch.weight[k * B + bi];
      if (w === 0) continue;
      let loss: number;
      if (batch.loss === 'mse') {
        const sq = y.map((v, o) => {
          const d = tape.add(v, tape.leaf(-batch.targets[(k * B + bi) * O + o]));
          return tape.mul(d, d);
        });
        loss = tape.scale(tape.sum(sq), 1 / O);
      } else {
        const lse = tape.log(tape.sum(y.map((v) => tape.exp(v))));
        loss = tape.add(lse, tape.scale(y[batch.targets[k * B + bi]], -1));
      }
      lossTerms.push(tape.scale(loss, w));
      if (k === lastK[bi]) lastTerms.push(tape.scale(loss, 1 / scoring));
    }
  }
  const wd = settings.weightDecay;
  const decay = [...W, ...Win, ...Wout].map((v) => tape.scale(tape.mul(v, v), wd));
  const root = tape.sum([...lossTerms, ...(wd !== 0 ? decay : [])]);
  const lastRoot = tape.sum(lastTerms);

  const g = tape.gradient(root);
  const gLast = tape.gradient(lastRoot);
  const grads: ModelParameters = {};
  for (const name of LSTM_PARAMETER_NAMES) grads[name] = Float64Array.from(leaves[name], (i) => g[i]);
  const dz = Float64Array.from(gateNode.flat(2), (i) => g[i]);
  const dhInitial = Float64Array.from(hNode[0].flat(), (i) => g[i]);
  const dcInitial = Float64Array.from(cInit.flat(), (i) => g[i]);
  const dh = Float64Array.from(hNode.slice(1).flat(2), (i) => g[i]);
  // the flow aligned on each row's last scored step t_b: h_t of row b at index t + L - t_b, the sum over the rows
  // reaching an index scaled to all B' rows
  const flow = new Float64Array(L + 1);
  const reach = new Float64Array(L + 1);
  for (let bi = 0; bi < B; bi++) {
    if (lastK[bi] < 0) continue;
    const tb = outputStep(batch, lastK[bi]);
    for (let t = 0; t <= tb; t++) {
      flow[t + L - tb] += hNode[t][bi].reduce((acc, i) => acc + gLast[i] ** 2, 0);
      reach[t + L - tb]++;
    }
  }
  for (let k = 0; k <= L; k++) flow[k] = reach[k] === 0 ? Number.NaN : (flow[k] * scoring) / reach[k];
  return { loss: tape.value[root], grads, dz, dh, dhInitial, dcInitial, flow };
}

describe('elementwise clip of dLoss/dz (clip active) against an independent autodiff tape', () => {
  const cases: [BatchKind, number, number, number, number][] = [
    ['xent-all', 4, 5, 3, 0],
    ['mse-last', 5, 4, 2, WD_ON],
    ['xent-all', 3, 3, 2, WD_ON],
  ];
  cases.forEach(([kind, n, L, B, weightDecay], ci) => {
    it(`${kind} n=${n} L=${L} B=${B} wd=${weightDecay}: reference equals the tape, and the clip binds`, () => {
      const base: LstmModelSettings = { clip: 0, weightDecay };
      const unclippedCase = makeCase(500 + ci, base, kind, n, L, B);
      const { params, batch } = unclippedCase;
      const { forward: fwd, backward: unclipped } = lossAndGradients(base, params, batch);

      // Clip off: the tape is the same function and the same (FD-checked) gradient.
      const tapeOff = tapeModel(unclippedCase);
      expect(Math.abs(tapeOff.loss - fwd.trainingLoss)).toBeLessThan(1e-13);
      for (const name of LSTM_PARAMETER_NAMES) expectClose(`tape, clip off, d/d${name}`, unclipped.grads[name], tapeOff.grads[name], EXACT);
      expectClose('tape, clip off, flow', unclipped.flow, tapeOff.flow, EXACT);

      // A clip that binds in every gate block (i, f, g, o), so the peephole and cell paths are exercised.
      const blockMax = [0, 0, 0, 0];
      unclipped.dz.forEach((v, i) => {
        const gate = Math.floor(i / n) % 4;
        blockMax[gate] = Math.max(blockMax[gate], Math.abs(v));
      });
      const clip = 0.5 * Math.min(...blockMax);
      const settings: LstmModelSettings = { ...base, clip };
      const bwd = lossAndGradients(settings, params, batch).backward;
      const tape = tapeModel({ ...unclippedCase, settings });
      for (const name of LSTM_PARAMETER_NAMES) expectClose(`clipped d/d${name}`, bwd.grads[name], tape.grads[name], EXACT);
      expectClose('clipped dz', bwd.dz, tape.dz, EXACT);
      expectClose('clipped dh_t', bwd.dh, tape.dh, EXACT);
      expectClose('clipped dh_0 per row', bwd.dhInitial, tape.dhInitial, EXACT);
      expectClose('clipped dc_0 per row', bwd.dcInitial, tape.dcInitial, EXACT);
      expectClose('clipped flow', bwd.flow, tape.flow, EXACT);

      // Defining properties: bounded, binding, and the last step is the clip of the unclipped value.
      const atClip = [0, 0, 0, 0];
      bwd.dz.forEach((v, i) => {
        expect(Math.abs(v)).toBeLessThanOrEqual(clip);
        if (Math.abs(v) === clip) atClip[Math.floor(i / n) % 4]++;
      });
      for (const count of atClip) expect(count, `binds in every gate block: ${atClip}`).toBeGreaterThan(0);
      const last = (L - 1) * B * 4 * n;
      const want = unclipped.dz.subarray(last).map((v) => Math.max(-clip, Math.min(clip, v)));
      expectClose('dz_L', bwd.dz.subarray(last), want, { atol: 0, rtol: 0 });
      // The clip changes the recurrent gradients, never the readout's.
      expect(maxAbs(bwd.grads.W.map((v, i) => v - unclipped.grads.W[i]))).toBeGreaterThan(1e-6);
      expectClose('Wout unaffected', bwd.grads.Wout, unclipped.grads.Wout, { atol: 0, rtol: 0 });
      expectClose('bout unaffected', bwd.grads.bout, unclipped.grads.bout, { atol: 0, rtol: 0 });
      // A clip that does not bind changes nothing.
      const loose = lossAndGradients({ ...base, clip: 2 * maxAbs(unclipped.dz) }, params, batch).backward;
      expectClose('loose clip', loose.dz, unclipped.dz, { atol: 0, rtol: 0 });
      expectClose('loose clip peep', loose.grads.peep, unclipped.grads.peep, { atol: 0, rtol: 0 });
    });
  });
});

describe('forward values', () => {
  const sig = (v: number) => 1 / (1 + Math.exp(-v));

  it('one unit, two steps, by hand: gate order i, f, g, o and where each peephole reads c', () => {
    // n = 1, I = 1: z_t = [z_i, z_f, z_g, z_o] = W h_{t-1} + Win x_t + b.
    const params: ModelParameters = {
      W: Float64Array.of(0.5, -0.4, 0.3, 0.2),
      Win: Float64Array.of(0.1, 0.2, -0.3, 0.4),
      b: Float64Array.of(0.05, 1, -0.1, 0.2),
      h0: Float64Array.of(0.3),
      c0: Float64Array.of(-0.6),
      peep: Float64Array.of(0.7, -0.5, 0.9),
      Wout: Float64Array.of(1, -2),
      bout: Float64Array.of(0.1, 0),
    };
    const batch: TaskBatch = {
      x: Float64Array.of(0.8, -1.1),
      L: 2,
      B: 1,
      I: 1,
      O: 2,
      outputSteps: 'last',
      loss: 'xent',
      targets: [1],
      weight: [1],
      accWeight: [1],
    };
    const [pi, pf, po] = params.peep;
    let h = 0.3;
    let c = -0.6;
    const hs = [h];
    const cs = [c];
    for (const x of batch.x) {
      const z = [0, 1, 2, 3].map((r) => params.W[r] * h + params.Win[r] * x + params.b[r]);
      const i = sig(z[0] + pi * c);
      const f = sig(z[1] + pf * c);
      const g = Math.tanh(z[2]);
      c = f * c + i * g;
      const o = sig(z[3] + po * c);
      h = o * Math.tanh(c);
      hs.push(h);
      cs.push(c);
    }
    const fwd = forward({ clip: 0, weightDecay: 0.1 }, params, batch);
    expectClose('h', fwd.h, hs, { atol: 1e-15, rtol: 0 });
    expectClose('c', fwd.c, cs, { atol: 1e-15, rtol: 0 });
    const y = [h + 0.1, -2 * h];
    expectClose('y', fwd.y, y, { atol: 1e-15, rtol: 0 });
    const lse = Math.log(Math.exp(y[0]) + Math.exp(y[1]));
    expect(fwd.taskLoss).toBeCloseTo(lse - y[1], 14);
    expect(fwd.accuracy).toBe(y[1] > y[0] ? 1 : 0);
    // Weight decay on W, Win, Wout only (not b, h0, c0, peep, bout), without 1/2.
    const wd = 0.1 * (0.25 + 0.16 + 0.09 + 0.04 + 0.01 + 0.04 + 0.09 + 0.16 + 1 + 4);
    expect(fwd.penalty).toBeCloseTo(wd, 14);
    expect(fwd.trainingLoss).toBeCloseTo(fwd.taskLoss + wd, 14);
    expect(backward({ clip: 0, weightDecay: 0.1 }, params, batch, fwd).flow.length).toBe(3);
  });

  it('rejects parameters of the wrong shape', () => {
    const rng = new Rng(4);
    const params = makeParams(rng, 3, 2, 3);
    const batch = makeBatch(rng, 'mse-last', 3, 2, 2, 3);
    expect(() => forward({ clip: 0, weightDecay: 0 }, { ...params, peep: new Float64Array(2 * 3) }, batch)).toThrow(/peep/);
    expect(() => forward({ clip: 0, weightDecay: 0 }, { ...params, W: new Float64Array(9) }, batch)).toThrow(/W /);
  });
});
