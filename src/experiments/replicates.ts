/**
 * Seed replicates (issue 11): the same run trained over k seeds, side by side, summarised as one line with a
 * band on the charts and as mean +- std in the tables. No React and no GPU: the lab's charts, the reproduce
 * command's reports and the claim verdicts (claims.ts) all read these.
 *
 * A replicate's curve is a Series: the iterations it recorded (strictly increasing) and a value at each. The
 * replicates of one run are trained in one group, so they record at the same iterations; one that stopped
 * early (its loss became non-finite, say) has fewer points. replicateBand therefore works on the union of the
 * iterations and, at each, summarises the replicates that recorded a finite value there: `count` says how many,
 * so that a band over fewer seeds is visible as such rather than silently narrower.
 */

export interface Series {
  /** iterations, strictly increasing */
  x: readonly number[];
  /** the value at each iteration (non-finite values count as not recorded) */
  y: readonly number[];
}

/** Summary of the replicates at each iteration of the union of their iterations. */
export interface Band {
  x: number[];
  mean: number[];
  median: number[];
  /** sample standard deviation (n - 1); 0 where one replicate recorded */
  std: number[];
  min: number[];
  max: number[];
  /** replicates with a finite value at this iteration */
  count: number[];
}

/** Summary statistics of a set of numbers (non-finite values left out, counted in `missing`). */
export interface Summary {
  n: number;
  missing: number;
  mean: number;
  /** sample standard deviation (n - 1); 0 when n = 1, NaN when n = 0 */
  std: number;
  median: number;
  min: number;
  max: number;
}

export function summarise(values: readonly number[]): Summary {
  const v = values.filter((a) => Number.isFinite(a)).sort((a, b) => a - b);
  const n = v.length;
  const missing = values.length - n;
  if (n === 0) return { n, missing, mean: NaN, std: NaN, median: NaN, min: NaN, max: NaN };
  const mean = v.reduce((s, a) => s + a, 0) / n;
  const std = n > 1 ? Math.sqrt(v.reduce((s, a) => s + (a - mean) * (a - mean), 0) / (n - 1)) : 0;
  const median = n % 2 === 1 ? v[(n - 1) / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
  return { n, missing, mean, std, median, min: v[0], max: v[n - 1] };
}

/** Checks a series' form; returns a message naming what is wrong, or null. */
export function seriesProblem(s: Series): string | null {
  if (s.x.length !== s.y.length) return `the series has ${s.x.length} iterations but ${s.y.length} values`;
  for (let i = 0; i < s.x.length; i++) {
    if (!Number.isFinite(s.x[i])) return `iteration ${i} is not a number (${s.x[i]})`;
    if (i > 0 && !(s.x[i] > s.x[i - 1])) return `the iterations must increase (${s.x[i - 1]} then ${s.x[i]})`;
  }
  return null;
}

/** The band of the replicates over the union of their iterations (an iteration no replicate recorded finitely is left out). */
export function replicateBand(replicates: readonly Series[]): Band {
  replicates.forEach((s, i) => {
    const problem = seriesProblem(s);
    if (problem) throw new Error(`replicate ${i + 1}: ${problem}`);
  });
  const xs = [...new Set(replicates.flatMap((s) => s.x))].sort((a, b) => a - b);
  const cursor = replicates.map(() => 0);
  const band: Band = { x: [], mean: [], median: [], std: [], min: [], max: [], count: [] };
  for (const x of xs) {
    const values: number[] = [];
    replicates.forEach((s, r) => {
      while (cursor[r] < s.x.length && s.x[cursor[r]] < x) cursor[r]++;
      if (cursor[r] < s.x.length && s.x[cursor[r]] === x && Number.isFinite(s.y[cursor[r]])) values.push(s.y[cursor[r]]);
    });
    if (values.length === 0) continue;
    const sum = summarise(values);
    band.x.push(x);
    band.mean.push(sum.mean);
    band.median.push(sum.median);
    band.std.push(sum.std);
    band.min.push(sum.min);
    band.max.push(sum.max);
    band.count.push(sum.n);
  }
  return band;
}

/**
 * A figure over seeds as a table writes it: "93.24 +- 0.41 (5 seeds)"; one seed: "93.24 (1 seed)"; seeds
 * without a finite value are named: "93.24 +- 0.41 (4 of 5 seeds)". `scale` multiplies (100 for a fraction
 * shown in %), `digits` the decimals.
 */
export function formatSummary(s: Summary, digits = 2, scale = 1): string {
  const seeds = s.n + s.missing;
  const of = s.missing > 0 ? `${s.n} of ${seeds} seeds` : `${s.n} seed${s.n === 1 ? '' : 's'}`;
  if (s.n === 0) return `none (${of})`;
  const mean = (s.mean * scale).toFixed(digits);
  return s.n > 1 ? `${mean} ± ${(s.std * scale).toFixed(digits)} (${of})` : `${mean} (${of})`;
}
