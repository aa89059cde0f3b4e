/**
 * Pure numerics behind the charts (no DOM): display smoothing, gradient-flow normalisation and
 * downsampling, the colour map, axis ticks and ranges. Unit-tested in tests/unit/charts-math.test.ts.
 */

/**
 * Exponential moving average for display (TensorBoard's, debiased so the first points are not pulled
 * towards 0). weight 0 returns the values unchanged; non-finite values pass through and do not poison the
 * average.
 */
export function emaSmooth(values: readonly number[], weight: number): number[] {
  if (!(weight > 0)) return values.slice();
  const w = Math.min(weight, 0.999);
  const out: number[] = new Array(values.length);
  let acc = 0;
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) {
      out[i] = v;
      continue;
    }
    acc = acc * w + (1 - w) * v;
    n++;
    out[i] = acc / (1 - w ** n);
  }
  return out;
}

/** How a gradient-flow row is shown: 'normalised' = norm / max over t (paper Fig. 2); 'log10' = log10 of the norm. */
export type FlowScale = 'normalised' | 'log10';

/**
 * One gradient-flow row (raw sum over batch and units of (dLoss_last/dh_t)^2, t = 0..L) as `bins` display
 * values: each bin is the mean gradient norm ||dLoss_last/dh_t|| (square root of the stored sum) over the
 * time steps it covers, then divided by the row's largest norm ('normalised', in [0, 1]) or taken as
 * log10 ('log10'; -Infinity where the norm is 0). Non-finite inputs give NaN. With `counts` (the batch rows
 * behind each step, src/engine/flowRows.ts), the steps no row reaches are no data: a bin averages the
 * steps that have some, and a bin with none is NaN too (flowMissing tells it from a value not finite).
 */
export function flowProfile(row: Float32Array, bins: number, scale: FlowScale, counts?: ArrayLike<number> | null): Float32Array {
  const steps = row.length;
  const nb = Math.max(1, Math.min(bins, steps));
  const out = new Float32Array(nb);
  let peak = 0;
  for (let b = 0; b < nb; b++) {
    const from = Math.floor((b * steps) / nb);
    const to = Math.max(from + 1, Math.floor(((b + 1) * steps) / nb));
    let sum = 0;
    let n = 0;
    for (let t = from; t < to; t++) {
      if (counts && counts[t] === 0) continue;
      sum += Math.sqrt(Math.max(0, row[t]));
      n++;
    }
    const mean = n > 0 ? sum / n : Number.NaN;
    out[b] = mean;
    if (mean > peak) peak = mean;
  }
  for (let b = 0; b < nb; b++) {
    const v = out[b];
    if (!Number.isFinite(v)) out[b] = NaN;
    else if (scale === 'normalised') out[b] = peak > 0 ? v / peak : 0;
    else out[b] = Math.log10(v);
  }
  return out;
}

/**
 * The display bins (as flowProfile bins a row of `steps` steps) that hold no data: every step they cover is
 * reached by no batch row (counts[t] = 0). All zero without counts.
 */
export function flowMissing(steps: number, bins: number, counts?: ArrayLike<number> | null): Uint8Array {
  const nb = Math.max(1, Math.min(bins, steps));
  const out = new Uint8Array(nb);
  if (!counts) return out;
  for (let b = 0; b < nb; b++) {
    const from = Math.floor((b * steps) / nb);
    const to = Math.max(from + 1, Math.floor(((b + 1) * steps) / nb));
    let none = true;
    for (let t = from; t < to && none; t++) if (counts[t] !== 0) none = false;
    out[b] = none ? 1 : 0;
  }
  return out;
}

/** Finite min and max of many arrays ([NaN, NaN] when none is finite). */
export function finiteRange(arrays: Iterable<ArrayLike<number>>): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const a of arrays) {
    for (let i = 0; i < a.length; i++) {
      const v = a[i];
      if (Number.isFinite(v)) {
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
    }
  }
  return lo <= hi ? [lo, hi] : [NaN, NaN];
}

/** viridis (perceptually uniform, readable in grey and by most colour-blind viewers), 9 anchors. */
const VIRIDIS: readonly [number, number, number][] = [
  [68, 1, 84],
  [71, 44, 122],
  [59, 81, 139],
  [44, 113, 142],
  [33, 144, 141],
  [39, 173, 129],
  [92, 200, 99],
  [170, 220, 50],
  [253, 231, 37],
];

/** The colour map at u in [0, 1] (clamped) as [r, g, b] 0..255; NaN gives mid grey. */
export function viridis(u: number): [number, number, number] {
  if (Number.isNaN(u)) return [128, 128, 128];
  const x = Math.min(1, Math.max(0, u)) * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(x));
  const f = x - i;
  const a = VIRIDIS[i];
  const b = VIRIDIS[i + 1];
  return [Math.round(a[0] + (b[0] - a[0]) * f), Math.round(a[1] + (b[1] - a[1]) * f), Math.round(a[2] + (b[2] - a[2]) * f)];
}

let lut: Uint8ClampedArray | null = null;

/** viridis sampled at 256 levels, [r, g, b] per level (for painting many cells fast). */
export function viridisLut(): Uint8ClampedArray {
  if (!lut) {
    lut = new Uint8ClampedArray(256 * 3);
    for (let i = 0; i < 256; i++) lut.set(viridis(i / 255), i * 3);
  }
  return lut;
}

export function rgbHex([r, g, b]: readonly number[]): string {
  return `#${[r, g, b].map((c) => c.toString(16).padStart(2, '0')).join('')}`;
}

/** Round-number ticks covering [lo, hi], about `count` of them. */
export function linearTicks(lo: number, hi: number, count = 5): number[] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [];
  if (hi <= lo) return [lo];
  const raw = (hi - lo) / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw * (1 - 1e-9)) ?? 10 * mag;
  const ticks: number[] = [];
  for (let k = Math.ceil(lo / step - 1e-9); k * step <= hi + step * 1e-9; k++) ticks.push(k === 0 ? 0 : Number((k * step).toPrecision(12)));
  return ticks;
}

/**
 * An axis that only changes when the data outgrows it: ticks at a 1-2-2.5-5 step (about `count` of them)
 * and a domain from the tick at or below lo to the tick at or above hi. While data grows inside the last
 * step, the axis (and so every chart element laid out on it) stays the same; [NaN, NaN] and no ticks for
 * a non-finite range.
 */
export function steadyAxis(lo: number, hi: number, count = 5): { domain: [number, number]; ticks: number[] } {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return { domain: [NaN, NaN], ticks: [] };
  if (hi <= lo) return { domain: [lo, lo + 1], ticks: [lo, lo + 1] };
  const raw = (hi - lo) / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((v) => v >= raw * (1 - 1e-9)) ?? 10 * mag;
  const k0 = Math.floor(lo / step + 1e-9);
  const k1 = Math.ceil(hi / step - 1e-9);
  const ticks: number[] = [];
  for (let k = k0; k <= k1; k++) ticks.push(k === 0 ? 0 : Number((k * step).toPrecision(12)));
  return { domain: [ticks[0], ticks[ticks.length - 1]], ticks };
}

/** One run's line for a chart: its key in the rows and its points. */
export interface LineSeries {
  key: string;
  iterations: readonly number[];
  values: readonly number[];
}

/** A row of a multi-line chart: the iteration and each line's value there (null: no point). */
export type ChartRow = { it: number } & Record<string, number | null>;

/**
 * Every line on ONE shared grid of at most `maxPoints` iterations, as rows {it, [key]: value | null}, so a
 * chart takes a single data array. The grid is the line that reaches furthest, thinned evenly (its newest
 * point always kept); another line contributes, at each grid iteration, its newest point since the previous
 * grid iteration (null where it has none: before it started, after it stopped). Non-finite values are null.
 */
export function sharedGridRows(lines: readonly LineSeries[], maxPoints: number): ChartRow[] {
  let grid: LineSeries | undefined;
  for (const l of lines) {
    const last = l.iterations[l.iterations.length - 1];
    const best = grid?.iterations[grid.iterations.length - 1];
    if (last !== undefined && (best === undefined || last > best || (last === best && l.iterations.length > grid!.iterations.length)))
      grid = l;
  }
  if (!grid) return [];
  const its = grid.iterations;
  const step = Math.max(1, Math.ceil(its.length / Math.max(1, maxPoints)));
  const gridIts: number[] = [];
  for (let i = (its.length - 1) % step; i < its.length; i += step) gridIts.push(its[i]);
  const rows: ChartRow[] = gridIts.map((it) => ({ it }) as ChartRow);
  for (const l of lines) {
    let j = 0;
    let prev = -Infinity;
    for (let k = 0; k < gridIts.length; k++) {
      const g = gridIts[k];
      let v: number | null = null;
      while (j < l.iterations.length && l.iterations[j] <= g) {
        if (l.iterations[j] > prev) v = l.values[j];
        j++;
      }
      rows[k][l.key] = v !== null && Number.isFinite(v) ? v : null;
      prev = g;
    }
  }
  return rows;
}

/** A formatter that shows linear ticks with as many decimals as their step needs (1.005 stays 1.005). */
export function linearTickFormat(ticks: readonly number[]): (v: number) => string {
  if (ticks.length < 2) return formatTick;
  const step = Math.abs(ticks[1] - ticks[0]);
  if (!(step > 0) || step >= 1 || step < 1e-4) return formatTick;
  const decimals = Math.min(
    6,
    Math.max(0, Math.ceil(-Math.log10(step) - 1e-9) + (Number((step / 10 ** Math.floor(Math.log10(step))).toPrecision(6)) % 1 ? 1 : 0)),
  );
  return (v) => (v === 0 ? '0' : v.toFixed(decimals));
}

/** Powers of ten within [lo, hi] (both > 0), thinned to at most ~`count`. */
export function logTicks(lo: number, hi: number, count = 6): number[] {
  if (!(lo > 0) || !(hi > 0) || !Number.isFinite(lo) || !Number.isFinite(hi)) return [];
  const a = Math.ceil(Math.log10(lo) - 1e-9);
  const b = Math.floor(Math.log10(hi) + 1e-9);
  if (b < a) return [lo, hi];
  if (b - a < 2) {
    // one or two decades: 1, 2, 5 per decade
    const ticks: number[] = [];
    for (let e = a - 1; e <= b; e++)
      for (const m of [1, 2, 5])
        if (m * 10 ** e >= lo * (1 - 1e-9) && m * 10 ** e <= hi * (1 + 1e-9)) ticks.push(Number((m * 10 ** e).toPrecision(6)));
    return ticks;
  }
  const every = Math.max(1, Math.ceil((b - a + 1) / count));
  const ticks: number[] = [];
  for (let e = a; e <= b; e += every) ticks.push(10 ** e);
  return ticks;
}

/** A short tick label: integers as such, otherwise 3 significant digits, powers of ten as 1e-4. */
export function formatTick(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) {
    const e = Math.log10(a);
    if (Math.abs(e - Math.round(e)) < 1e-9) return `${v < 0 ? '-' : ''}1e${Math.round(e)}`;
    return v.toExponential(1);
  }
  if (Number.isInteger(v)) return String(v);
  return String(Number(v.toPrecision(3)));
}

/** [lo, hi] padded by a fraction of its span (or by `minSpan` / 2 around a single value). */
export function paddedRange(lo: number, hi: number, pad = 0.05, minSpan = 1e-3): [number, number] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [0, 1];
  const span = Math.max(hi - lo, minSpan);
  const mid = (lo + hi) / 2;
  return [mid - span / 2 - span * pad, mid + span / 2 + span * pad];
}

/** Histogram of values into `bins` equal bins over [lo, hi]; values outside are counted in the end bins. */
export function histogram(values: ArrayLike<number>, lo: number, hi: number, bins: number): number[] {
  const counts = new Array<number>(bins).fill(0);
  const span = hi - lo;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) continue;
    const b = span > 0 ? Math.floor(((v - lo) / span) * bins) : 0;
    counts[Math.min(bins - 1, Math.max(0, b))]++;
  }
  return counts;
}
