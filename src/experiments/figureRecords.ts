/**
 * From a finished experiment to what the claims read (claims.ts SeedRecords), and the report of a figure's
 * part: its curves in markdown and CSV, its claims' verdicts counted over seeds. No GPU and no React: the
 * reproduce command and the tests read these on what training recorded (an ExperimentLog).
 *
 * Seeds are handled here and only here (seedRecords): a run set's k seed replicates (replicates.ts, trained
 * side by side in one group) become k records, record i holding replicate i of every run set under the set's
 * name; a run without replicates is a set of one seed, in the first record.
 */
import type { ExperimentLog } from '../engine/experimentLog.ts';
import type { RunSettings } from '../engine/settings.ts';
import { type Claim, type SeedRecord, type Verdict, verdict } from './claims.ts';
import { csvField } from './csvField.ts';
import type { CurveMetric, FigurePart } from './paperFigures.ts';
import { replicateSets, type Series } from './replicates.ts';

/** One run's curve of a metric: the loss or accuracy at every recorded iteration, or the gradient-flow spread at every tracked one. */
export function runCurve(log: ExperimentLog, r: number, metric: CurveMetric): Series {
  if (metric === 'flowSpread') {
    const run = log.traces.runs[r];
    const x: number[] = [];
    const y: number[] = [];
    log.traces.iterations.forEach((it, k) => {
      x.push(it);
      y.push(flowSpread(run.flow[k] ?? []));
    });
    return { x, y };
  }
  const column = metric === 'loss' ? 0 : 1;
  return { x: log.metrics.iterations.slice(), y: log.metrics.metrics.map((row) => row[r]?.[column] ?? Number.NaN) };
}

/**
 * min over t / max over t of the gradient norm |dL_last/dh_t| (the traces hold its square summed over batch
 * and units): 1 when the norm is preserved across time; NaN when nothing finite or positive was recorded.
 */
export function flowSpread(squares: readonly number[]): number {
  let lo = Number.POSITIVE_INFINITY;
  let hi = 0;
  for (const v of squares) {
    if (!Number.isFinite(v) || v < 0) return Number.NaN;
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  if (!(hi > 0)) return Number.NaN;
  return Math.sqrt(lo / hi);
}

/** The seed records of a finished experiment: one per seed, each holding every run set's curve of `metric` under its name. */
export function seedRecords(runs: readonly RunSettings[], log: ExperimentLog, metric: CurveMetric): SeedRecord[] {
  // record i holds member i of every run set (a run of its own is in the first record only: a set of one seed)
  const sets = replicateSets(runs);
  const k = Math.max(1, ...sets.map((s) => s.members.length));
  return Array.from({ length: k }, (_, i) => {
    const curves: Record<string, Series> = {};
    for (const set of sets) if (i < set.members.length) curves[set.name] = runCurve(log, set.members[i], metric);
    return { curves };
  });
}

export interface PartReport {
  verdicts: Verdict[];
  markdown: string;
  csv: string;
}

const METRIC_WORDS: Record<CurveMetric, string> = {
  accuracy: 'training accuracy',
  loss: 'training loss',
  flowSpread: 'gradient-norm spread min/max over t',
};

function fmt(v: number): string {
  return Number.isFinite(v) ? (Math.abs(v) >= 100 ? v.toFixed(1) : v.toPrecision(3)) : '';
}

/** The mean of a curve's values at iterations in (from, to], finite ones only (NaN when none). */
function meanBetween(s: Series, from: number, to: number): number {
  let sum = 0;
  let n = 0;
  s.x.forEach((x, i) => {
    if (x > from && x <= to && Number.isFinite(s.y[i])) {
      sum += s.y[i];
      n++;
    }
  });
  return n ? sum / n : Number.NaN;
}

/** The last finite value of a curve at or before iteration `to` (NaN when none). */
function lastAtOrBefore(s: Series, to: number): number {
  let v = Number.NaN;
  s.x.forEach((x, i) => {
    if (x <= to && Number.isFinite(s.y[i])) v = s.y[i];
  });
  return v;
}

/** The verdicts of the claims over the seed records. */
export function claimVerdicts(claims: readonly Claim[], records: readonly SeedRecord[]): Verdict[] {
  return claims.map((c) => verdict(c, records));
}

/**
 * A part's report: the curves in the paper's terms (a row per run: its metric averaged over each tenth of
 * training, the first seed's; with more seeds the rows would be each seed's), the claims and their verdicts
 * counted over seeds, and the CSV of every recorded point (iteration, run, seed, value).
 */
export function partReport(part: FigurePart, records: readonly SeedRecord[], trained: number): PartReport {
  const verdicts = claimVerdicts(part.claims, records);
  const names = part.runs.map((r) => r.name);
  const marks = Array.from({ length: 10 }, (_, k) => Math.round(((k + 1) * trained) / 10));
  const head = ['run', ...marks.map((m) => `to ${m}`)];
  const rows = names.map((n) => {
    const s = records[0]?.curves[n];
    // a sparse curve (the gradient flow, tracked every few iterations): its last value at or before each mark
    const cell = (m: number, k: number) =>
      part.metric === 'flowSpread' ? lastAtOrBefore(s!, m) : meanBetween(s!, k === 0 ? 0 : marks[k - 1], m);
    return [n, ...marks.map((m, k) => (s ? fmt(cell(m, k)) : ''))];
  });
  const verdictRows = verdicts.map(
    (v) => `| ${v.statement} | ${v.text} | ${v.perSeed.map((p, i) => `seed ${i + 1}: ${p.outcome} (${p.why})`).join('; ')} |`,
  );
  const markdown = [
    `## ${part.title}`,
    '',
    `${METRIC_WORDS[part.metric]}, ${part.metric === 'flowSpread' ? 'as last tracked by the end of' : 'mean over'} each tenth of the ${trained} iterations trained (seed 1):`,
    '',
    `| ${head.join(' | ')} |`,
    `|${head.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
    '',
    "| the paper's claim | verdict over seeds | per seed |",
    '|---|---|---|',
    ...verdictRows,
    '',
  ].join('\n');
  const lines = ['part,run,seed,iteration,metric,value'];
  records.forEach((rec, s) => {
    for (const n of names) {
      const c = rec.curves[n];
      if (!c) continue;
      c.x.forEach((x, i) => {
        lines.push(
          [csvField(part.id), csvField(n), String(s + 1), String(x), part.metric, Number.isFinite(c.y[i]) ? String(c.y[i]) : ''].join(','),
        );
      });
    }
  });
  return { verdicts, markdown, csv: `${lines.join('\n')}\n` };
}
