/**
 * The singular spectrum of W over training (the paper's Figure 3), one panel per visible run: min-max band,
 * mean +- std band and mean line in the run's colour, the margin's bounds dashed, and beside it the current
 * spectrum as a histogram on the same singular-value axis; a run that restarted from its initialisation with
 * its history kept (switched to another model) has a dotted line there. Also the orthogonality drift of U and V.
 */

import type { MetricsBook, RunRestart, SpectrumStats } from '../lab/metricsBook.ts';
import { finiteRange, histogram, linearTickFormat, linearTicks, logTicks } from './chartMath.ts';
import { type FigureHeader, type FigureStyle, finishFigure, gridColumns, headerTexts, marginLabel, visibleRuns } from './figureFrame.ts';
import { type Figure, INK, INK_SOFT, type LegendEntry, type Mark, type Panel, type Text } from './scene.ts';
import type { ChartRun } from './types.ts';

export const HISTOGRAM_BINS = 24;

/**
 * The singular-value range shown: the data, and the margin's bounds where they are near it; bounds far
 * from the data (a margin of 1 around a spectrum that stays near 1) would squash the spread to a line, so
 * the view stops at 1.5 spans of the data beyond it and says where the bounds are.
 */
export function spectrumRange(stats: readonly SpectrumStats[], current: Float32Array | null): { lo: number; hi: number } {
  let [dLo, dHi] = finiteRange([stats.map((s) => s.min), stats.map((s) => s.max), current ?? []]);
  if (!Number.isFinite(dLo)) [dLo, dHi] = [0.9, 1.1];
  const [bLo, bHi] = finiteRange([stats.map((s) => s.lower ?? NaN), stats.map((s) => s.upper ?? NaN)]);
  const span = Math.max(dHi - dLo, 0.02);
  const reach = 1.5 * span + 0.05;
  let lo = Number.isFinite(bLo) ? Math.max(Math.min(dLo, bLo), dLo - reach) : dLo;
  let hi = Number.isFinite(bHi) ? Math.min(Math.max(dHi, bHi), dHi + reach) : dHi;
  const pad = (hi - lo) * 0.06 || 0.01;
  lo = Math.max(0, lo - pad);
  hi += pad;
  return { lo, hi };
}

function boundsNote(stats: readonly SpectrumStats[], lo: number, hi: number): string | null {
  const last = stats[stats.length - 1];
  if (!last || last.lower === null || last.upper === null) return null;
  if (last.lower >= lo && last.upper <= hi) return null;
  return `bounds ${+last.lower.toPrecision(4)} to ${+last.upper.toPrecision(4)} lie beyond the view`;
}

/**
 * The statistics with a gap (a point of NaNs at the restart's iteration) wherever the run restarted between two
 * of them, so that lines and bands break there.
 */
export function withRestartGaps(stats: readonly SpectrumStats[], restarts: readonly RunRestart[]): SpectrumStats[] {
  const out: SpectrumStats[] = [];
  const gaps = [...restarts].sort((a, b) => a.iteration - b.iteration);
  let g = 0;
  for (const st of stats) {
    while (g < gaps.length && gaps[g].iteration < st.iteration) {
      if (out.length) {
        const it = gaps[g].iteration;
        out.push({ iteration: it, mean: NaN, std: NaN, min: NaN, max: NaN, lower: null, upper: null });
      }
      g++;
    }
    out.push(st);
  }
  return out;
}

/**
 * Past this drift (max |U^T U - I| or |V^T V - I|) s is no longer W's spectrum to the chart's precision. Training
 * keeps the drift at float32 rounding (1e-5 after 10,000 steps, docs/SCIENCE.md 7.3); only a diverging run's huge
 * geodesic steps of odd n reach it (section 5.1).
 */
export const SPECTRUM_DRIFT_LIMIT = 1e-3;

/** What the spectrum panel of a factorised run says when its latest drift is past SPECTRUM_DRIFT_LIMIT (null otherwise). */
export function offOrthogonal(drift: { u: number[]; v: number[] } | undefined): string | null {
  if (!drift?.u.length) return null;
  const worst = Math.max(drift.u[drift.u.length - 1], drift.v[drift.v.length - 1]);
  if (!(worst > SPECTRUM_DRIFT_LIMIT) && !Number.isNaN(worst)) return null;
  // the drift kernel reports a non-finite entry as the largest float32
  const finite = Number.isFinite(worst) && worst < 3.4e38;
  return `U, V are off orthogonal by ${finite ? worst.toExponential(1) : 'a non-finite amount'}: s is not W's spectrum`;
}

/** A trace's restarts that fall inside the panel's iterations [x0, x1]. */
export function restartsIn(restarts: readonly RunRestart[], x0: number, x1: number): RunRestart[] {
  return restarts.filter((r) => r.iteration >= x0 && r.iteration <= x1);
}

export const SPECTRUM_LEGEND: LegendEntry[] = [
  { label: 'mean', color: INK },
  { label: 'mean ± std', color: INK, swatch: true, opacity: 0.4 },
  { label: 'min to max', color: INK, swatch: true, opacity: 0.15 },
  { label: "margin's bounds", color: INK, dash: [6, 4] },
];

export function spectrumFigure(book: MetricsBook, runs: readonly ChartRun[], style: FigureStyle, header: FigureHeader | null): Figure {
  const fs = style.fontSize;
  const shown = visibleRuns(runs);
  const { texts, top } = headerTexts(style, header);
  const left = fs * 5;
  const gap = fs * 5;
  const histW = fs * 6;
  const cols = gridColumns(style.width - left - fs, shown.length, 320);
  const cellW = (style.width - left - fs - (cols - 1) * gap) / cols;
  const bandW = cellW - histW - fs * 1.5;
  const panelH = Math.round(Math.max(120, Math.min(220, cellW * 0.45)) * (fs / 12) ** 0.5);
  const rowH = panelH + fs * 5.5;
  const panels: Panel[] = [];
  const notes: Text[] = [];
  shown.forEach((run, k) => {
    const tr = book.traces.get(run.id);
    // the earlier model's bands end where the run restarted: a gap there, not a line from its s to the new model's
    const stats = withRestartGaps(tr?.spectrum ?? [], tr?.restarts ?? []);
    const current = tr?.currentSpectrum ?? null;
    const x = left + (k % cols) * (cellW + gap);
    const y = top + Math.floor(k / cols) * rowH;
    const { lo, hi } = spectrumRange(stats, current);
    const its = stats.map((s) => s.iteration);
    const x0 = its[0] ?? 0;
    const x1 = its.length > 1 ? its[its.length - 1] : x0 + 1;
    const yTicks = linearTicks(lo, hi, 4);
    const yAxis = { min: lo, max: hi, log: false, label: 'singular value', ticks: yTicks, format: linearTickFormat(yTicks) };
    const marks: Mark[] = [];
    if (stats.length) {
      const c = run.color;
      marks.push(
        { kind: 'band', xs: its, lo: stats.map((s) => s.min), hi: stats.map((s) => s.max), color: c, opacity: 0.15 },
        { kind: 'band', xs: its, lo: stats.map((s) => s.mean - s.std), hi: stats.map((s) => s.mean + s.std), color: c, opacity: 0.4 },
        { kind: 'line', xs: its, ys: stats.map((s) => s.min), color: c, width: 0.8 },
        { kind: 'line', xs: its, ys: stats.map((s) => s.max), color: c, width: 0.8 },
        { kind: 'line', xs: its, ys: stats.map((s) => s.mean), color: c, width: 2 },
        { kind: 'line', xs: its, ys: stats.map((s) => s.lower ?? NaN), color: INK, width: 1.2, dash: [6, 4] },
        { kind: 'line', xs: its, ys: stats.map((s) => s.upper ?? NaN), color: INK, width: 1.2, dash: [6, 4] },
      );
      if (its.length === 1)
        marks.push({ kind: 'rects', rects: [[x0, stats[0].mean - 1e-4, x1, stats[0].mean + 1e-4]], color: c, opacity: 1 });
    }
    // where the run restarted from its initialisation (another model): the bands left of the line are the earlier model's
    for (const r of restartsIn(tr?.restarts ?? [], x0, x1)) {
      marks.push({ kind: 'line', xs: [r.iteration, r.iteration], ys: [lo, hi], color: INK_SOFT, width: 1.5, dash: [3, 3] });
      const px = x + (bandW * (r.iteration - x0)) / (x1 - x0);
      notes.push({
        x: px + 3,
        y: y + panelH - fs * 0.6,
        text: `restart ${r.iteration}`,
        size: Math.round(fs * 0.8),
        anchor: 'start',
        color: INK_SOFT,
      });
    }
    panels.push({
      x,
      y,
      w: bandW,
      h: panelH,
      title: `${run.name} (${marginLabel(run)})`,
      titleColor: run.color,
      xAxis: { min: x0, max: x1, log: false, label: 'iteration', ticks: linearTicks(x0, x1, Math.max(2, Math.floor(bandW / (fs * 6)))) },
      yAxis,
      marks,
      // every panel has its own range (a plain W spreads far wider than a margin allows): each says it
      showY: true,
    });
    const counts = current ? histogram(current, lo, hi, HISTOGRAM_BINS) : [];
    const maxCount = Math.max(1, ...counts);
    const step = (hi - lo) / HISTOGRAM_BINS;
    panels.push({
      x: x + bandW + fs * 1.5,
      y,
      w: histW,
      h: panelH,
      xAxis: { min: 0, max: maxCount * 1.05, log: false, label: 'count now', ticks: [maxCount] },
      yAxis,
      marks: [
        {
          kind: 'rects',
          rects: counts.map((n, b) => [0, lo + b * step, n, lo + (b + 1) * step] as [number, number, number, number]),
          color: run.color,
          opacity: 0.8,
        },
      ],
      showY: false,
    });
    const note = boundsNote(stats, lo, hi);
    if (note) notes.push({ x: x + bandW - 4, y: y + fs * 1.1, text: note, size: Math.round(fs * 0.85), anchor: 'end', color: INK_SOFT });
    const off = run.parameterisation === 'factorised' ? offOrthogonal(tr?.drift) : null;
    if (off) notes.push({ x: x + 4, y: y + fs * 2.2, text: off, size: Math.round(fs * 0.85), anchor: 'start', color: '#b3261e' });
    const missing = tr?.spectrumNote;
    if (missing)
      notes.push({
        x: x + bandW / 2,
        y: y + panelH / 2 + (stats.length ? 0 : fs * 1.4),
        text: `no spectrum at iteration ${missing.iteration}: ${missing.note}`,
        size: Math.round(fs * 0.85),
        anchor: 'middle',
        color: INK_SOFT,
      });
    if (!stats.length)
      notes.push({ x: x + bandW / 2, y: y + panelH / 2, text: 'no spectrum measured yet', size: fs, anchor: 'middle', color: INK_SOFT });
  });
  if (!shown.length)
    notes.push({ x: style.width / 2, y: top + fs * 2, text: 'no visible runs', size: fs, anchor: 'middle', color: INK_SOFT });
  const bottom = top + Math.max(1, Math.ceil(shown.length / cols)) * rowH - fs * 1.5;
  const anyRestart = shown.some((run) => (book.traces.get(run.id)?.restarts.length ?? 0) > 0);
  const legend = anyRestart
    ? [...SPECTRUM_LEGEND, { label: 'restarted from its initialisation (left: the earlier model)', color: INK_SOFT, dash: [3, 3] }]
    : SPECTRUM_LEGEND;
  return finishFigure(style, { texts: [...texts, ...notes], panels, colourBar: null }, legend, bottom);
}

/** Smallest drift drawn on the log axis (exact zeros sit on it). */
export const DRIFT_FLOOR = 1e-9;

export function driftFigure(book: MetricsBook, runs: readonly ChartRun[], style: FigureStyle, header: FigureHeader | null): Figure {
  const fs = style.fontSize;
  const shown = visibleRuns(runs).filter((r) => r.parameterisation === 'factorised');
  const { texts, top } = headerTexts(style, header);
  const drifts = shown.map((r) => book.traces.get(r.id)?.drift).map((d) => d ?? { iterations: [], u: [], v: [] });
  const floor = (a: number[]) => a.map((v) => (Number.isFinite(v) ? Math.max(v, DRIFT_FLOOR) : NaN));
  const [lo, hi] = finiteRange(drifts.flatMap((d) => [floor(d.u), floor(d.v)]));
  const [x0, x1] = finiteRange(drifts.map((d) => d.iterations));
  const yMin = Number.isFinite(lo) ? 10 ** Math.floor(Math.log10(lo)) : 1e-8;
  const yMax = Number.isFinite(hi) ? 10 ** Math.max(Math.ceil(Math.log10(hi)), Math.floor(Math.log10(yMin)) + 1) : 1e-4;
  const xMin = Number.isFinite(x0) ? x0 : 0;
  const xMax = Number.isFinite(x1) && x1 > xMin ? x1 : xMin + 1;
  const left = fs * 5;
  const h = Math.round(200 * (fs / 12) ** 0.5);
  const marks: Mark[] = [];
  shown.forEach((r, k) => {
    marks.push({ kind: 'line', xs: drifts[k].iterations, ys: floor(drifts[k].u), color: r.color, width: 2 });
    marks.push({ kind: 'line', xs: drifts[k].iterations, ys: floor(drifts[k].v), color: r.color, width: 2, dash: [5, 4] });
  });
  const panel: Panel = {
    x: left,
    y: top,
    w: style.width - left - fs * 1.5,
    h,
    xAxis: { min: xMin, max: xMax, log: false, label: 'iteration', ticks: linearTicks(xMin, xMax, 6) },
    yAxis: { min: yMin, max: yMax, log: true, label: 'max |QᵀQ − I|', ticks: logTicks(yMin, yMax, 6) },
    marks,
  };
  const notes: Text[] = [];
  if (!shown.length)
    notes.push({
      x: left + panel.w / 2,
      y: top + h / 2,
      text: 'no visible factorised runs (plain RNNs and LSTMs have no U, V)',
      size: fs,
      anchor: 'middle',
      color: INK_SOFT,
    });
  else if (!Number.isFinite(lo))
    notes.push({ x: left + panel.w / 2, y: top + h / 2, text: 'no drift measured yet', size: fs, anchor: 'middle', color: INK_SOFT });
  const legend: LegendEntry[] = [
    ...shown.map((r) => ({ label: r.name, color: r.color })),
    { label: 'U (solid)', color: INK },
    { label: 'V (dashed)', color: INK, dash: [5, 4] },
  ];
  return finishFigure(style, { texts: [...texts, ...notes], panels: [panel], colourBar: null }, legend, top + h + fs * 3);
}
