/**
 * Loss (and accuracy, where the task has one) over iterations, every visible run in its colour, the
 * memoryless baseline dashed. On screen this chart is drawn by recharts (LossSection.tsx); this builds the
 * same content as a Figure for the PNG and SVG exports. Smoothing is the display EMA, as on screen. Each
 * run's evaluation rounds, where it has some, are its validation loss and accuracy dashed in its colour (never
 * smoothed), a vertex at every round; on the accuracy panel, its test accuracy over training dotted: the test
 * set at its best-validation weights as they stood at each round. A run trained over several seeds is one
 * line (the mean or median over its seeds) with a shaded band (min-max or mean ± std): replicateLines.ts. Where a
 * run restarted from its initialisation with its history kept, a dotted line in its colour.
 */

import { type MetricsBook, testAtEachRound } from '../lab/metricsBook.ts';
import { finiteRange, linearTicks, logTicks, paddedRange } from './chartMath.ts';
import { type FigureHeader, type FigureStyle, finishFigure, headerTexts } from './figureFrame.ts';
import {
  type ChartLine,
  chartLines,
  DEFAULT_REPLICATE_VIEW,
  type LineData,
  lineData,
  lineLabel,
  lineRestarts,
  type ReplicateView,
} from './replicateLines.ts';
import { type Axis, type Figure, INK, type LegendEntry, type Mark, type Panel } from './scene.ts';
import type { ChartRun } from './types.ts';

export interface LossView {
  logLoss: boolean;
  /** EMA weight in [0, 1) */
  smoothing: number;
  baselineLoss: number;
  taskHasAccuracy: boolean;
  /** the loss in bits per character (the text task): loss / ln 2, the baseline given in bits already */
  bits?: boolean;
  /** how a replicate set is drawn (default: the mean, band min-max) */
  replicates?: ReplicateView;
}

export function lossFigure(
  book: MetricsBook,
  runs: readonly ChartRun[],
  view: LossView,
  style: FigureStyle,
  header: FigureHeader | null,
): Figure {
  const fs = style.fontSize;
  const shown: ChartLine[] = chartLines(runs);
  const rview = view.replicates ?? DEFAULT_REPLICATE_VIEW;
  const { texts, top } = headerTexts(style, header);
  const lossScale = view.bits ? 1 / Math.LN2 : 1;
  const lossName = view.bits ? 'bits per character' : 'loss';
  /** a line's series of one metric (a replicate set's centre and band over its seeds), smoothed */
  const lineOf = (l: ChartLine, key: 'loss' | 'accuracy', scale: number, positiveOnly = false): LineData =>
    lineData(
      l.members.map((r) => {
        const t = book.traces.get(r.id);
        return { x: t ? Array.from(t[key].iterations) : [], y: t ? Array.from(t[key].values, (v) => v * scale) : [] };
      }),
      rview,
      view.smoothing,
      positiveOnly,
    );
  const lossLines = shown.map((l) => lineOf(l, 'loss', lossScale));
  const loss = lossLines.map((d) => [...d.y, ...(d.lo ?? []), ...(d.hi ?? [])]);
  const lossIts = lossLines.map((d) => d.x);
  const [x0, x1] = finiteRange(lossIts);
  const xMin = Number.isFinite(x0) ? x0 : 0;
  const xMax = Number.isFinite(x1) && x1 > xMin ? x1 : xMin + 1;
  const xAxis = { min: xMin, max: xMax, log: false, label: 'iteration', ticks: linearTicks(xMin, xMax, 6) };
  const left = fs * 5;
  const w = style.width - left - fs * 1.5;
  const h = Math.round(200 * (fs / 12) ** 0.5);

  const base = view.baselineLoss;
  const baseFinite = Number.isFinite(base) && base > 0;
  let [lo, hi] = finiteRange([...loss, baseFinite ? [base] : []]);
  if (!Number.isFinite(lo)) [lo, hi] = [0.01, 1];
  let yAxis: Axis;
  if (view.logLoss) {
    const pos = finiteRange(loss.map((l) => l.filter((v) => v > 0)).concat(baseFinite ? [[base]] : []));
    const a = Number.isFinite(pos[0]) ? pos[0] : 1e-3;
    const b = Number.isFinite(pos[1]) ? pos[1] : 1;
    const yMin = 10 ** Math.floor(Math.log10(a));
    const yMax = 10 ** Math.max(Math.ceil(Math.log10(b)), Math.log10(yMin) + 1);
    yAxis = { min: yMin, max: yMax, log: true, label: `${lossName} (log)`, ticks: logTicks(yMin, yMax) };
  } else {
    const [a, b] = paddedRange(Math.min(0, lo), hi, 0.04);
    yAxis = { min: Math.max(0, a), max: b, log: false, label: lossName, ticks: linearTicks(Math.max(0, a), b, 5) };
  }
  /** each line in its colour, a replicate set's band under it */
  const linesMarks = (data: LineData[]): Mark[] =>
    shown.flatMap((l, k) => {
      const d = data[k];
      const band: Mark[] = d.lo && d.hi ? [{ kind: 'band', xs: d.x, lo: d.lo, hi: d.hi, color: l.color, opacity: 0.2 }] : [];
      return [...band, { kind: 'line', xs: d.x, ys: d.y, color: l.color, width: 2 } as Mark];
    });
  const lossMarks: Mark[] = linesMarks(view.logLoss ? shown.map((l) => lineOf(l, 'loss', lossScale, true)) : lossLines);
  type Pick = (loss: number | null, accuracy: number | null) => number | null;
  /** a line's points at its rounds: one run's, or a replicate set's centre over its seeds (unsmoothed) */
  const atRounds = (l: ChartLine, figures: (id: string) => { x: number[]; y: number[] }) => {
    const d = lineData(
      l.members.map((r) => figures(r.id)),
      rview,
    );
    const keep = d.x.map((_, i) => Number.isFinite(d.y[i]));
    return { xs: d.x.filter((_, i) => keep[i]), ys: d.y.filter((_, i) => keep[i]) };
  };
  /** each line's validation rounds as a dashed line of `pick` (values at or below 0 left out on a log axis) */
  const withRounds = (marks: Mark[], pick: Pick, positiveOnly: boolean): Mark[] => {
    shown.forEach((l) => {
      const { xs, ys } = atRounds(l, (id) => {
        const rounds = book.traces.get(id)?.evaluations ?? [];
        const v = rounds.map((e) => pick(e.validation.loss, e.validation.accuracy));
        return { x: rounds.map((e) => e.iteration), y: v.map((a) => (a === null || (positiveOnly && !(a > 0)) ? NaN : a)) };
      });
      if (xs.length) marks.push({ kind: 'line', xs, ys, color: l.color, width: 1.5, dash: [6, 4] });
    });
    return marks;
  };
  withRounds(lossMarks, (l) => (l === null ? null : l * lossScale), view.logLoss);
  /** each run's test accuracy over training (at its best-validation weights as they stood at each round), dotted */
  let anyTest = false;
  const withTest = (marks: Mark[]): Mark[] => {
    shown.forEach((l) => {
      const { xs, ys } = atRounds(l, (id) => {
        const at = testAtEachRound(book.traces.get(id)?.evaluations ?? []);
        return { x: at.map((t) => t.iteration), y: at.map((t) => (t.test.accuracy === null ? NaN : 100 * t.test.accuracy)) };
      });
      if (xs.length) {
        anyTest = true;
        marks.push({ kind: 'line', xs, ys, color: l.color, width: 1.5, dash: [1.5, 3] });
      }
    });
    return marks;
  };
  // where a line restarted from its initialisation (its history kept): a dotted line in its colour, on every panel
  const restarts = lineRestarts(shown, (id) => book.traces.get(id)?.restarts ?? []).filter(
    (r) => r.iteration >= xMin && r.iteration <= xMax,
  );
  const withRestarts = (marks: Mark[], lo: number, hi: number): Mark[] => {
    for (const r of restarts)
      marks.push({ kind: 'line', xs: [r.iteration, r.iteration], ys: [lo, hi], color: r.color, width: 1.2, dash: [3, 3] });
    return marks;
  };
  const anyRounds = shown.some((l) => l.members.some((r) => (book.traces.get(r.id)?.evaluations.length ?? 0) > 0));
  if (baseFinite) lossMarks.unshift({ kind: 'line', xs: [xMin, xMax], ys: [base, base], color: INK, width: 1.5, dash: [7, 5] });
  withRestarts(lossMarks, yAxis.min, yAxis.max);
  const panels: Panel[] = [{ x: left, y: top, w, h, title: 'Loss', xAxis, yAxis, marks: lossMarks, showX: !view.taskHasAccuracy }];
  let bottom = top + h + (view.taskHasAccuracy ? 0 : fs * 3);
  if (view.taskHasAccuracy) {
    const y = top + h + fs * 2.4;
    panels.push({
      x: left,
      y,
      w,
      h: Math.round(h * 0.8),
      title: 'Accuracy',
      xAxis,
      yAxis: { min: 0, max: 100, log: false, label: 'accuracy %', ticks: [0, 25, 50, 75, 100] },
      marks: withRestarts(
        withTest(withRounds(linesMarks(shown.map((l) => lineOf(l, 'accuracy', 100))), (_, a) => (a === null ? null : 100 * a), false)),
        0,
        100,
      ),
    });
    bottom = y + Math.round(h * 0.8) + fs * 3;
  }
  const legend: LegendEntry[] = shown.map((l) => ({ label: lineLabel(l, rview), color: l.color }));
  if (baseFinite) legend.push({ label: `memoryless baseline ${+base.toPrecision(3)}`, color: INK, dash: [7, 5] });
  if (anyRounds) legend.push({ label: "validation (dashed, in the run's colour)", color: INK, dash: [6, 4] });
  if (restarts.length)
    legend.push({ label: "restarted from its initialisation, in the run's colour (left: the earlier model)", color: INK, dash: [3, 3] });
  if (anyTest)
    legend.push({ label: 'test at the best-validation weights as they stood at each round (dotted)', color: INK, dash: [1.5, 3] });
  return finishFigure(style, { texts, panels, colourBar: null }, legend, bottom);
}
