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
import type { CellKind } from './parameters.ts';

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
