/**
 * From a finished experiment to what the claims read (claims.ts SeedRecords), and the report of a figure's
 * part: its curves in markdown and CSV, its claims' verdicts counted over seeds. No GPU and no React: the
 * reproduce command and the tests read these on what training recorded (an ExperimentLog).
 *
 * Seeds are handled here and only here (seedRecords): a run set's k seed replicates (replicates.ts, trained
 * side by side in one group) become k records, record i holding replicate i of every run set under the set's
 * name; a run without replicates is a set of one seed, in the first record.
 */
import { ExperimentLog } from '../engine/experimentLog.ts';
import type { RunSettings } from '../engine/settings.ts';
import { type Claim, type SeedRecord, type Verdict, verdict } from './claims.ts';
import { csvField } from './csvField.ts';
import type { CurveMetric, FigurePart } from './paperFigures.ts';
import { MAX_GROUP_RUNS, replicateMembers, replicateName, replicateSeed, replicateSets, type Series } from './replicates.ts';

/**
 * One group of a part trained over seeds: seeds `from` .. `to` (1-based, inclusive) of every run, as the
 * concrete runs of one run group, trained in the part's folder (`folder` ''), or, when the part's runs over
 * all its seeds are more than one group trains side by side, in a subfolder of it named after its seeds
 * ('seeds-1-2', 'seeds-3-4', 'seeds-5').
 */
export interface SeedGroup {
  from: number;
  to: number;
  runs: RunSettings[];
  folder: string;
}

/** The folder name of a seed group in a part split over several groups. */
export const SEED_GROUP_FOLDER = /^seeds-(\d+)(?:-(\d+))?$/;

/**
 * A part's runs over `seeds` seeds as run groups of at most `groupRuns` runs: one group when they fit
 * (seeds = 1: the runs themselves; else every run's k replicates side by side, replicates.ts), otherwise split
 * by seed, as many seeds a group as fit (seeds 1-2, 3-4, ...). A member keeps the name and seed it has in the
 * one big group (`<name> · s3`, seed + 2), and the runs of a group do not mix (a run trains the same alone or
 * beside others), so the groups together train exactly what one group of all of them would.
 */
export function seedGroups(runs: readonly RunSettings[], seeds: number, groupRuns = MAX_GROUP_RUNS): SeedGroup[] {
  if (!Number.isInteger(groupRuns) || groupRuns < 1 || groupRuns > MAX_GROUP_RUNS)
    throw new Error(`a group trains 1 to ${MAX_GROUP_RUNS} runs side by side (got ${groupRuns})`);
  if (runs.length === 0) throw new Error('a part has no runs');
  if (runs.length > groupRuns)
    throw new Error(`a part of ${runs.length} runs does not fit in a group of ${groupRuns}: it is split by seed, never within a seed`);
  // the replicate count's own check (1 to SEEDS_MAX) names the flag's range
  replicateMembers(runs[0], seeds);
  if (runs.length * seeds <= groupRuns) return [{ from: 1, to: seeds, runs: runs.flatMap((r) => replicateMembers(r, seeds)), folder: '' }];
  const per = Math.floor(groupRuns / runs.length);
  const groups: SeedGroup[] = [];
  for (let from = 1; from <= seeds; from += per) {
    const to = Math.min(seeds, from + per - 1);
    const members = (r: RunSettings) =>
      Array.from({ length: to - from + 1 }, (_, j) => ({
        ...r,
        name: replicateName(r.name, from - 1 + j),
        seed: replicateSeed(r.seed, from - 1 + j),
      }));
    groups.push({ from, to, runs: runs.flatMap(members), folder: from === to ? `seeds-${from}` : `seeds-${from}-${to}` });
  }
  return groups;
}

/**
 * The logs of a part's seed groups (in the order of seedGroups) as the one group of all of them would have
 * recorded it: its runs in that group's order (run 1 over every seed, then run 2, ...), over the iterations
 * every group recorded (a group trained further than another is cut to the shorter). Groups that recorded
 * different iterations up to there, another baseline (other data) or another task are refused: they are not
 * one panel.
 */
export function mergeSeedGroupLogs(logs: readonly ExperimentLog[], groups: readonly SeedGroup[], runsPerSeed: number): ExperimentLog {
  if (logs.length !== groups.length || logs.length === 0) throw new Error(`${logs.length} logs for ${groups.length} seed groups`);
  if (logs.length === 1) return logs[0];
  logs.forEach((l, g) => {
    const want = runsPerSeed * (groups[g].to - groups[g].from + 1);
    if (l.metrics.runs.length !== want)
      throw new Error(`seed group ${groups[g].folder} holds ${l.metrics.runs.length} runs, not the ${want} of its seeds`);
  });
  const first = logs[0];
  const lastOf = (xs: readonly number[]) => (xs.length ? xs[xs.length - 1] : 0);
  const upTo = Math.min(...logs.map((l) => lastOf(l.metrics.iterations)));
  const cut = (xs: readonly number[]) => xs.filter((x) => x <= upTo);
  const its = cut(first.metrics.iterations);
  const tracked = cut(first.traces.iterations);
  logs.forEach((l, g) => {
    const where = `seed group ${groups[g].folder} against ${groups[0].folder}`;
    if (l.metrics.group.task !== first.metrics.group.task) throw new Error(`${where}: another task (${l.metrics.group.task})`);
    if (l.metrics.baselineLoss !== first.metrics.baselineLoss)
      throw new Error(`${where}: another baseline loss (${l.metrics.baselineLoss}, ${first.metrics.baselineLoss}): other data`);
    const mine = cut(l.metrics.iterations);
    const myTracked = cut(l.traces.iterations);
    if (mine.length !== its.length || mine.some((x, k) => x !== its[k])) throw new Error(`${where}: other iterations recorded`);
    if (myTracked.length !== tracked.length || myTracked.some((x, k) => x !== tracked[k]))
      throw new Error(`${where}: other iterations tracked`);
  });
  // (group, run within it) of each run of the one big group: run r's seeds in order, group after group
  const order: [number, number][] = [];
  for (let r = 0; r < runsPerSeed; r++)
    groups.forEach((gr, g) => {
      const size = gr.to - gr.from + 1;
      for (let j = 0; j < size; j++) order.push([g, r * size + j]);
    });
  const merged = new ExperimentLog(
    first.metrics.group,
    order.map(([g, i]) => logs[g].metrics.runs[i]),
    first.metrics.baselineLoss,
  );
  its.forEach((it, k) => {
    merged.metrics.iterations.push(it);
    merged.metrics.metrics.push(order.map(([g, i]) => logs[g].metrics.metrics[k][i]));
  });
  // one count list for every run where every group has the same; else each run keeps its own (its group's, or
  // its own where its group's runs had other batches: text over several data streams)
  const shared = tracked.map((_, k) => {
    const lists = logs.map((l) => l.traces.flowCounts?.[k] ?? null);
    const head = lists[0];
    return head && lists.every((c) => c?.length === head.length && c.every((v, j) => v === head[j])) ? head : null;
  });
  tracked.forEach((it, k) => {
    merged.traces.iterations.push(it);
    merged.traces.flowCounts!.push(shared[k]);
  });
  order.forEach(([g, i], r) => {
    const from = logs[g].traces.runs[i];
    const to = merged.traces.runs[r];
    for (let k = 0; k < tracked.length; k++) {
      to.flow.push(from.flow[k]);
      to.spectrum.push(from.spectrum[k]);
      to.drift.push(from.drift[k]);
      to.flowCounts!.push(shared[k] ? null : (from.flowCounts?.[k] ?? logs[g].traces.flowCounts?.[k] ?? null));
    }
  });
  return merged;
}

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
