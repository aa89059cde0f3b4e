/**
 * Seed replicates on the charts over training (no React): the visible runs grouped into their replicate sets
 * (ChartRun.setId, from src/experiments/replicates.ts replicateSets), and each set's curve as one line (the
 * mean or the median over its seeds) with a band (min to max, or mean ± one sample standard deviation) and the
 * count of seeds at each point. A run of its own is a line without a band, drawn as before.
 *
 * The display smoothing (EMA) is applied to each seed's curve first, then the seeds are summarised at each
 * iteration they recorded (replicateBand: the union of their iterations, each point over the seeds with a
 * finite value there), so a band is the spread of what the seeds' own lines would show. The CSV exports carry
 * the raw (unsmoothed) summary: mean, median, std, min, max and n per point.
 */
import { type Band, replicateBand, type Series } from '../../experiments/replicates.ts';
import { emaSmooth } from './chartMath.ts';
import { visibleRuns } from './figureFrame.ts';
import type { ChartRun } from './types.ts';

/** The line drawn for a set: the mean or the median over its seeds. */
export type ReplicateCenter = 'mean' | 'median';
/** The band drawn around it: min to max, or mean ± std. */
export type ReplicateSpread = 'minmax' | 'std';

export interface ReplicateView {
  center: ReplicateCenter;
  spread: ReplicateSpread;
}

export const DEFAULT_REPLICATE_VIEW: ReplicateView = { center: 'mean', spread: 'minmax' };

/** One line of a chart: a replicate set's visible members (one run: a line of its own). */
export interface ChartLine {
  /** stable key: the set's id (its first member's run id) */
  id: string;
  name: string;
  color: string;
  members: ChartRun[];
}

/** The visible runs as lines, one per replicate set, in the order of each set's first visible member. */
export function chartLines(runs: readonly ChartRun[]): ChartLine[] {
  const lines: ChartLine[] = [];
  const byId = new Map<string, ChartLine>();
  for (const r of visibleRuns(runs)) {
    const id = r.setId ?? r.id;
    const found = byId.get(id);
    if (found) {
      found.members.push(r);
      continue;
    }
    const line: ChartLine = { id, name: r.setName ?? r.name, color: r.color, members: [r] };
    byId.set(id, line);
    lines.push(line);
  }
  return lines;
}

/** A line's points: the centre at each iteration, and, over two seeds or more, the band and the count. */
export interface LineData {
  x: number[];
  y: number[];
  lo?: number[];
  hi?: number[];
  count?: number[];
}

export function strictlyIncreasing(s: Series): Series {
  // a series the book keeps is increasing; keep the last value of any repeated iteration, to be safe
  const x: number[] = [];
  const y: number[] = [];
  for (let i = 0; i < s.x.length; i++) {
    if (x.length && s.x[i] <= x[x.length - 1]) {
      if (s.x[i] === x[x.length - 1]) y[y.length - 1] = s.y[i];
      continue;
    }
    x.push(s.x[i]);
    y.push(s.y[i]);
  }
  return { x, y };
}

/**
 * The line of a set from its members' series (already picked and scaled; smoothed here by `smoothing`).
 * `positiveOnly` (a log axis): values at or below 0 are not drawn, and a band edge at or below 0 (mean - std)
 * is drawn at the smallest seed's value instead.
 */
export function lineData(members: readonly Series[], view: ReplicateView, smoothing = 0, positiveOnly = false): LineData {
  const smoothed = members.map((s) => strictlyIncreasing({ x: s.x, y: emaSmooth(s.y, smoothing) }));
  const keep = (v: number) => (positiveOnly && !(v > 0) ? NaN : v);
  if (smoothed.length === 1) return { x: smoothed[0].x.slice(), y: smoothed[0].y.map(keep) };
  const band = replicateBand(smoothed.map((s) => ({ x: s.x, y: s.y.map(keep) })));
  return bandLine(band, view, positiveOnly);
}

/** A band as the line and edges the view asks for. */
export function bandLine(band: Band, view: ReplicateView, positiveOnly = false): LineData {
  const y = view.center === 'median' ? band.median : band.mean;
  const lo = view.spread === 'std' ? band.mean.map((m, i) => m - band.std[i]) : band.min;
  const hi = view.spread === 'std' ? band.mean.map((m, i) => m + band.std[i]) : band.max;
  return {
    x: band.x.slice(),
    y: y.slice(),
    lo: positiveOnly ? lo.map((v, i) => (v > 0 ? v : band.min[i])) : lo.slice(),
    hi: hi.slice(),
    count: band.count.slice(),
  };
}

/** What a set's line is, for legends and captions: "m=0 (mean of 3 seeds, band min–max)"; one run: its name. */
export function lineLabel(line: ChartLine, view: ReplicateView): string {
  const n = line.members.length;
  if (n === 1) return line.members[0].name;
  return `${line.name} (${view.center} of ${n} seeds, band ${view.spread === 'std' ? 'mean ± std' : 'min–max'})`;
}

/** The words a chart's caption adds when some line is a set of seeds. */
export function replicateCaption(lines: readonly ChartLine[], view: ReplicateView): string {
  if (!lines.some((l) => l.members.length > 1)) return '';
  const spread = view.spread === 'std' ? 'the mean ± one sample standard deviation' : 'the lowest to the highest seed';
  return ` A run trained over several seeds is one line, the ${view.center} over its seeds, with a shaded band from ${spread} (each seed smoothed first; n in the legend).`;
}

/**
 * The iterations at which each line restarted from its initialisation with its history kept (any member of a
 * replicate set), one entry per line and iteration, in the line's colour: the charts mark them with a dotted line.
 */
export function lineRestarts(
  shown: readonly ChartLine[],
  restartsOf: (runId: string) => readonly { iteration: number }[],
): { iteration: number; color: string; line: string }[] {
  const out: { iteration: number; color: string; line: string }[] = [];
  for (const l of shown) {
    const its = new Set(l.members.flatMap((r) => restartsOf(r.id).map((x) => x.iteration)));
    for (const it of [...its].sort((a, b) => a - b)) out.push({ iteration: it, color: l.color, line: l.id });
  }
  return out;
}
