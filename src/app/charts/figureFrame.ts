/**
 * What every chart figure shares: its style (size, type, line weight; larger in presentation mode), the
 * header printed on exports (title, the experiment's settings, a caption line) and the legend at the foot.
 */

import type { MetricsBook } from '../lab/metricsBook.ts';
import { type Figure, INK_SOFT, type LegendEntry, legendRows, type Text, wrapText } from './scene.ts';
import type { ChartRun } from './types.ts';

export interface FigureStyle {
  width: number;
  fontSize: number;
  lineScale: number;
}

export function figureStyle(width: number, presentation: boolean): FigureStyle {
  return { width: Math.max(320, Math.round(width)), fontSize: presentation ? 17 : 12, lineScale: presentation ? 1.8 : 1 };
}

/** Printed on exported figures: the chart's title, the settings it was made with and a caption. */
export interface FigureHeader {
  title: string;
  settings: string;
  caption?: string;
}

/** Texts of the header and the y (px) where the content may start. */
export function headerTexts(style: FigureStyle, header: FigureHeader | null): { texts: Text[]; top: number } {
  const fs = style.fontSize;
  if (!header) return { texts: [], top: fs * 2.2 };
  const texts: Text[] = [];
  let y = fs * 2;
  texts.push({ x: fs, y, text: header.title, size: Math.round(fs * 1.45), weight: 'bold' });
  y += fs * 0.4;
  for (const line of [header.settings, header.caption ?? ''].filter(Boolean)) {
    for (const l of wrapText(line, fs, style.width - 2 * fs)) {
      y += fs * 1.35;
      texts.push({ x: fs, y, text: l, size: fs, color: INK_SOFT });
    }
  }
  return { texts, top: y + fs * 2.6 };
}

/** Space a legend of these entries takes at the foot of a figure. */
export function legendHeight(style: FigureStyle, entries: LegendEntry[]): number {
  return legendRows(entries, style.fontSize, style.fontSize, style.width) * style.fontSize * 1.5 + style.fontSize;
}

export function finishFigure(
  style: FigureStyle,
  parts: Pick<Figure, 'texts' | 'panels' | 'colourBar'>,
  legend: LegendEntry[],
  contentBottom: number,
): Figure {
  const fs = style.fontSize;
  const legendY = contentBottom + fs;
  return {
    width: style.width,
    height: Math.ceil(legendY + (legend.length ? legendHeight(style, legend) : 0)),
    fontSize: fs,
    lineScale: style.lineScale,
    legend: legend.length ? { x: fs, y: legendY, entries: legend } : null,
    ...parts,
  };
}

/** The latest iteration with any loss in the book (0 when empty): printed on exports, which are snapshots. */
export function lastIteration(book: MetricsBook): number {
  let last = 0;
  for (const t of book.traces.values()) last = Math.max(last, t.loss.iterations.at(-1) ?? 0);
  return last;
}

/** Runs that are drawn (hidden runs are not). */
export function visibleRuns(runs: readonly ChartRun[]): ChartRun[] {
  return runs.filter((r) => !r.hidden);
}

/** Columns of a small-multiples grid: as many panels of at least `minWidth` px as fit. */
export function gridColumns(width: number, count: number, minWidth: number): number {
  return Math.max(1, Math.min(count, Math.floor(width / minWidth)));
}

export function marginLabel(run: ChartRun): string {
  if (run.parameterisation === 'plain') return 'plain W';
  if (run.parameterisation === 'lstm') return 'LSTM';
  return run.margin === null ? 'no margin' : `margin ${run.margin}`;
}
