/**
 * A per-op profile of one training iteration (issue 12, section 1) from GPU timestamp queries.
 *
 * A profiled iteration is a real iteration (it trains, its metrics arrive like any other's) whose dispatches
 * are each encoded in a compute pass of their own, with timestamps written at the beginning and end of every
 * pass (RunGroup.profileStep). An ordinary iteration encodes the same dispatches, in the same order, in one
 * pass: the profile splits that pass and adds the small cost of a pass boundary to every op, which the report
 * shows as the difference between the ops' sum and the span from the first op's start to the last op's end
 * (`gaps`). Adapters without 'timestamp-query' cannot be profiled: profileStep says so and trains nothing.
 *
 * Each dispatch belongs to a phase of the iteration (as RunGroup encodes it) and, by its label, to one of the
 * ops the issue lists (opCategory). A label no rule knows is 'other' under its own name, never folded into a
 * neighbour; the tests check that the lab's configurations leave nothing in 'other'.
 */
import type { LossKind } from '../tasks/task.ts';
import { type CellKind, freeParams, type ModelDims, paramSize } from './parameters.ts';
import type { OptimizerName } from './settings.ts';

/** The parts of an iteration, in the order RunGroup encodes them. */
export type IterationPhase = 'remargin' | 'gradients' | 'drift' | 'guard' | 'update' | 'spectrum';

export const OP_CATEGORIES = [
  'input projection',
  'recurrent forward',
  'readout',
  'loss',
  'readout backward',
  'recurrent backward',
  'gradient flow',
  'parameter gradients',
  'penalties',
  'run guard',
  'geodesic step',
  'optimiser',
  'compose W',
  'orthogonality drift',
  'spectrum',
  'remargin',
  'other',
] as const;
export type OpCategory = (typeof OP_CATEGORIES)[number];

const GRADIENT_RULES: [RegExp, OpCategory][] = [
  [/xproj$/, 'input projection'],
  [/^(rnnForward|rnnForwardStep|lstmForward)\b/, 'recurrent forward'],
  [/^(readout|addBias)$/, 'readout'],
  [/^(softmaxCrossEntropy|meanSquaredError)\b/, 'loss'],
  [/^(dWout|dhOut|reduceRows)$/, 'readout backward'],
  [/^(rnnBackward|rnnBackwardStep|lstmBackward) ch1\b|flow sum$/, 'gradient flow'],
  [/^(rnnBackward|rnnBackwardStep|lstmBackward) ch0\b/, 'recurrent backward'],
  [/^(dWin|dW|lstm dW|lstm dWin|dW V|dV|preluSlopeGrad|spectrumBackward|lstmBackward peephole sum)$/, 'parameter gradients'],
  [/^(WtW|W WtW|orthPenalty\.|weightDecay\.)/, 'penalties'],
];

/** The op a dispatch of `phase` labelled `label` belongs to. */
export function opCategory(phase: IterationPhase, label: string): OpCategory {
  switch (phase) {
    case 'remargin':
      return 'remargin';
    case 'drift':
      return 'orthogonality drift';
    case 'spectrum':
      return 'spectrum';
    case 'guard':
      return 'run guard';
    case 'update':
      if (label.startsWith('geodesicStep')) return 'geodesic step';
      if (/^(spectrumForward|compose W|selectRuns)$/.test(label)) return 'compose W';
      if (/^(rmsprop|sgd|nesterov)\b/.test(label)) return 'optimiser';
      return 'other';
    case 'gradients':
      for (const [rule, category] of GRADIENT_RULES) if (rule.test(label)) return category;
      return 'other';
  }
}

/** One timed dispatch. */
export interface OpTiming {
  label: string;
  cell: CellKind;
  phase: IterationPhase;
  category: OpCategory;
  /** GPU time between the pass's two timestamps, ms */
  ms: number;
  /** when the pass began, ms after the first pass began */
  startMs: number;
}

export interface CategoryTiming {
  category: OpCategory;
  /** the labels it holds that are not the category's name ('other' lists what it is) */
  labels: string[];
  dispatches: number;
  ms: number;
  /** of the ops' sum */
  share: number;
  /** floating-point operations of the op in this iteration (opFlops), null where they are not counted; absent: not computed */
  flops?: number | null;
  /** flops / ms, GFLOP/s (null where flops is null or ms is 0) */
  gflops?: number | null;
}

export interface IterationProfile {
  /** the iteration profiled (1-based) */
  iteration: number;
  ops: OpTiming[];
  /** first pass's start to last pass's end, ms */
  spanMs: number;
  /** sum of the ops' times, ms */
  sumMs: number;
  /** span minus sum: time between passes (pass boundaries, the queue), ms; >= 0 up to the timer's resolution */
  gapsMs: number;
  categories: CategoryTiming[];
  /** what a reader should know about the timestamps (pairs that ran backwards), '' when nothing */
  note: string;
}

/**
 * The profile from the raw timestamps (ns, two per op: begin, end) of the ops in encoding order. A timestamp
 * pair that runs backwards (end before begin: some drivers quantise) counts as 0 ms; `note` says how many.
 */
export function profileFromTimestamps(
  iteration: number,
  ops: readonly Omit<OpTiming, 'ms' | 'startMs' | 'category'>[],
  timestamps: BigUint64Array,
): IterationProfile {
  if (timestamps.length < 2 * ops.length) throw new Error(`${timestamps.length} timestamps for ${ops.length} ops (2 each)`);
  let first = timestamps[0];
  let last = timestamps[1];
  for (let i = 0; i < 2 * ops.length; i++) {
    if (timestamps[i] < first) first = timestamps[i];
    if (timestamps[i] > last) last = timestamps[i];
  }
  let backwards = 0;
  const timed: OpTiming[] = ops.map((o, i) => {
    const begin = timestamps[2 * i];
    const end = timestamps[2 * i + 1];
    if (end < begin) backwards++;
    return {
      ...o,
      category: opCategory(o.phase, o.label),
      ms: end >= begin ? Number(end - begin) / 1e6 : 0,
      startMs: Number(begin - first) / 1e6,
    };
  });
  const spanMs = ops.length ? Number(last - first) / 1e6 : 0;
  const sumMs = timed.reduce((a, o) => a + o.ms, 0);
  const byCategory = new Map<OpCategory, CategoryTiming>();
  for (const o of timed) {
    let c = byCategory.get(o.category);
    if (!c) {
      c = { category: o.category, labels: [], dispatches: 0, ms: 0, share: 0 };
      byCategory.set(o.category, c);
    }
    c.dispatches++;
    c.ms += o.ms;
    const name = o.label.replace(/ t=\d+(\.\.\d+)?$/, '');
    if (!c.labels.includes(name)) c.labels.push(name);
  }
  const categories = OP_CATEGORIES.flatMap((k) => {
    const c = byCategory.get(k);
    return c ? [{ ...c, share: sumMs > 0 ? c.ms / sumMs : 0 }] : [];
  });
  return {
    iteration,
    ops: timed,
    spanMs,
    sumMs,
    gapsMs: spanMs - sumMs,
    categories,
    note: backwards ? `${backwards} of ${ops.length} timestamp pairs ran backwards and count as 0 ms` : '',
  };
}

/** The profile as a markdown table: op, dispatches, ms, % of the ops' sum. */
export function profileTable(p: IterationProfile): string {
  const lines = ['| op | dispatches | ms | % |', '|---|---:|---:|---:|'];
  for (const c of p.categories) {
    const what = c.category === 'other' ? `other (${c.labels.join(', ')})` : c.category;
    lines.push(`| ${what} | ${c.dispatches} | ${c.ms.toFixed(3)} | ${(100 * c.share).toFixed(1)} |`);
  }
  lines.push(`| **sum of ops** | ${p.ops.length} | ${p.sumMs.toFixed(3)} | 100.0 |`);
  lines.push(`| span (first start to last end) | | ${p.spanMs.toFixed(3)} | |`);
  lines.push(`| between passes | | ${p.gapsMs.toFixed(3)} | |`);
  return `${lines.join('\n')}\n${p.note ? `\n${p.note}\n` : ''}`;
}

/** The shape of an iteration that its FLOP counts depend on. */
export interface FlopDims {
  /** steps, batch, inputs, outputs, units */
  L: number;
  B: number;
  I: number;
  O: number;
  n: number;
  /** steps the readout scores (L or 1) */
  outputSteps: number;
  loss: LossKind;
}

/** A block of runs (one cell) as the FLOP counts see it: the block's dispatches cover all of its runs. */
export interface FlopBlock {
  cell: CellKind;
  runs: number;
  /** some run of the block is factorised (the block computes dW V, dV, the geodesic step and compose W for all) */
  anyFactorised: boolean;
  /** some run of the block has a soft orthogonality penalty (W^T W and W W^T W for all) */
  anySoftOrth: boolean;
  optimizer: OptimizerName;
}

/**
 * Floating-point operations of one run's share of an op in one iteration (issue 12): 2 per multiply-add of the
 * matrix products, 1 per elementwise add, multiply, compare-select, exp, log, tanh or sqrt the kernels do
 * (a count of the arithmetic, not of the instructions: an exp costs more than an add). Null where no count
 * means anything: the run guard classifies bits with integer operations only, the spectrum's Jacobi sweeps
 * run until they converge (their number varies), and the gradient flow's dispatches work only on tracking
 * iterations (off them they return at once). With P = outputSteps * B scored positions, G = gates * n:
 *  - input projection: 2 L B I G;  recurrent forward: 2 L B G n + L B G (RNN: + xproj, bias, gain, f: 4 L B n;
 *    LSTM: the gates, peepholes and cell: 24 L B n);  readout: 2 P n O + P O;  loss: 7 P O (xent: max, exp,
 *    sum, log, softmax minus target, weight) or 4 P O (mse);  readout backward: dW_out and dh = 4 P O n, and the
 *    row sums (b_out, b, h0): P O + L B G + B G;  recurrent backward: 2 L B G n + (RNN 3, LSTM 30) L B n;
 *    parameter gradients: dW 2 L B G n, dW_in 2 L B G I, prelu slope 2 L B n
 *    (RNN), peephole sums 6 L B n (LSTM), factorised dW V, dV 4 n^3 and the spectrum's 4 n^2;
 *  - penalties: weight decay 2 (|W_in| + |W_out|), soft orthogonality 4 n^3 + 3 n^2;  geodesic step: per
 *    system (U and V) P = G M^T 2 n^3, A and S 3 n^2, Z = A M 2 n^3, the Gauss-Jordan solve of [S | Z] 4 n^3,
 *    M -= tau Z 2 n^2;  optimiser: per parameter element RMSprop 8, SGD 2, Nesterov 5;  compose W: 2 n^3 + 3 n^2;
 *    orthogonality drift: 4 n^3 + 4 n^2;  remargin: 5 n.
 */
export function opFlops(category: OpCategory, d: FlopDims, b: Omit<FlopBlock, 'runs'>): number | null {
  const lstm = b.cell === 'lstm';
  const G = (lstm ? 4 : 1) * d.n;
  const { L, B, I, O, n } = d;
  const P = d.outputSteps * B;
  const n3 = n * n * n;
  const n2 = n * n;
  switch (category) {
    case 'input projection':
      return 2 * L * B * I * G;
    case 'recurrent forward':
      return 2 * L * B * G * n + (lstm ? 24 : 4) * L * B * n;
    case 'readout':
      return 2 * P * n * O + P * O;
    case 'loss':
      return (d.loss === 'xent' ? 7 : 4) * P * O;
    case 'readout backward':
      return 4 * P * O * n + P * O + L * B * G + B * G;
    case 'recurrent backward':
      return 2 * L * B * G * n + (lstm ? 30 : 3) * L * B * n;
    case 'parameter gradients':
      return 2 * L * B * G * n + 2 * L * B * G * I + (lstm ? 6 : 2) * L * B * n + (!lstm && b.anyFactorised ? 4 * n3 + 4 * n2 : 0);
    case 'penalties':
      return 2 * (G * I + O * n) + (!lstm && b.anySoftOrth ? 4 * n3 + 3 * n2 : 0);
    case 'geodesic step':
      return 2 * (8 * n3 + 5 * n2);
    case 'optimiser': {
      const perElement = b.optimizer === 'rmsprop' ? 8 : b.optimizer === 'nesterov' ? 5 : 2;
      const dims = { n, I, O } as Pick<ModelDims, 'n' | 'I' | 'O'>;
      return perElement * freeParams(b.cell).reduce((a, p) => a + paramSize(b.cell, p.name, dims), 0);
    }
    case 'compose W':
      return 2 * n3 + 3 * n2;
    case 'orthogonality drift':
      return 4 * n3 + 4 * n2;
    case 'remargin':
      return 5 * n;
    case 'run guard':
    case 'gradient flow':
    case 'spectrum':
    case 'other':
      return null;
  }
}

/**
 * The profile with every category's FLOPs and GFLOP/s filled in, for blocks of runs of `blocks`: an op's FLOPs
 * are the sum over the blocks whose cell dispatches it (each block's count times its runs).
 */
export function withFlops(p: IterationProfile, d: FlopDims, blocks: readonly FlopBlock[]): IterationProfile {
  const categories = p.categories.map((c) => {
    const cells = new Set(p.ops.filter((o) => o.category === c.category).map((o) => o.cell));
    let flops: number | null = 0;
    for (const b of blocks) {
      if (!cells.has(b.cell)) continue;
      const f = opFlops(c.category, d, b);
      if (f === null) {
        flops = null;
        break;
      }
      flops += f * b.runs;
    }
    return { ...c, flops, gflops: flops === null || c.ms <= 0 ? null : flops / (c.ms * 1e6) };
  });
  return { ...p, categories };
}
