/**
 * The character-by-character gradient view as a Figure (src/app/charts/scene.ts, drawn by the charts'
 * canvas and SVG renderers): a lower triangle, one row per prediction k (the character it predicts, top to
 * bottom), one column per state h_s (the character read), colour = || d loss_k / d h_s ||, divided by the
 * row's maximum over s ('normalised', the default) or as log10 of the norm ('log10', one scale for the view).
 */
import { finiteRange, linearTickFormat, linearTicks } from '../charts/chartMath.ts';
import { type FigureHeader, type FigureStyle, finishFigure, headerTexts } from '../charts/figureFrame.ts';
import type { Figure, Panel } from '../charts/scene.ts';
import type { GradientResult } from './textWorkerProtocol.ts';

export type ReachScale = 'normalised' | 'log10';

/** A character as an axis shows it: space as ␣, the newline as ⏎. */
export function shownChar(ch: string): string {
  return ch === ' ' ? '␣' : ch === '\n' ? '⏎' : ch;
}

/** The character row k (1..L) predicts: character k+1 of the sentence, the newline after the last. */
export function predictedChar(text: string, k: number): string {
  return k < text.length ? text[k] : '\n';
}

/** The value shown for (k, s): the norm over the row's maximum, or log10 of the norm; NaN above the diagonal. */
export function reachValues(r: GradientResult, scale: ReachScale): Float64Array {
  const { L, G } = r;
  const out = new Float64Array(L * L).fill(NaN);
  for (let k = 1; k <= L; k++) {
    let peak = 0;
    for (let s = 1; s <= k; s++) peak = Math.max(peak, G[(k - 1) * L + (s - 1)]);
    for (let s = 1; s <= k; s++) {
      const g = G[(k - 1) * L + (s - 1)];
      out[(k - 1) * L + (s - 1)] = scale === 'normalised' ? (peak > 0 ? g / peak : 0) : Math.log10(g);
    }
  }
  return out;
}

/** The colour range: [0, 1] normalised; the finite range of log10 (12 decades at most). */
export function reachRange(values: Float64Array, scale: ReachScale): [number, number] {
  if (scale === 'normalised') return [0, 1];
  const [lo, hi] = finiteRange([values]);
  if (!Number.isFinite(lo)) return [0, 1];
  const vmin = Math.max(lo, hi - 12);
  return vmin === hi ? [vmin - 0.5, hi + 0.5] : [vmin, hi];
}

/** One label every `every` characters, so that labels do not overlap. */
function tickEvery(panelSize: number, L: number, fs: number): number {
  return Math.max(1, Math.ceil((fs * 0.95) / (panelSize / L)));
}

export function reachCaption(scale: ReachScale): string {
  return scale === 'normalised'
    ? 'Colour: the norm of the gradient of loss_k (predicting the character of row k) with respect to the hidden state h_s after reading the character of column s, divided by its maximum over s in each row. Exact float64 derivatives from the run’s parameters, without the training clip.'
    : 'Colour: log10 of the norm of the gradient of loss_k (predicting the character of row k) with respect to the hidden state h_s after reading the character of column s, on one scale (12 decades at most). Exact float64 derivatives from the run’s parameters, without the training clip.';
}

export function reachFigure(
  r: GradientResult,
  scale: ReachScale,
  style: FigureStyle,
  header: FigureHeader | null,
  cursor: { k: number; s: number } | null = null,
): Figure {
  const fs = style.fontSize;
  const { texts, top } = headerTexts(style, header);
  const L = r.L;
  const left = fs * 6;
  const barSpace = fs * 8;
  const size = Math.max(120, Math.min(style.width - left - barSpace, 720));
  const values = reachValues(r, scale);
  const [vmin, vmax] = reachRange(values, scale);
  // data row 0 is the bottom: row k = L (the newline's prediction) at the bottom, k = 1 at the top
  const raster = new Float32Array(L * L);
  for (let k = 1; k <= L; k++) for (let s = 1; s <= L; s++) raster[(L - k) * L + (s - 1)] = values[(k - 1) * L + (s - 1)];
  const every = tickEvery(size, L, fs);
  const ticks: number[] = [];
  for (let i = 1; i <= L; i += every) ticks.push(i);
  const blank: [number, number, number, number][] = [];
  // the upper triangle (s > k) has no value: blank, not the grey of a non-finite one
  // row k spans y in [L + 0.5 - k, L + 1.5 - k]; rects are [x0, y0, x1, y1] in data units
  for (let k = 1; k < L; k++) blank.push([k + 0.5, L + 0.5 - k, L + 0.5, L + 1.5 - k]);
  const marks: Panel['marks'] = [
    { kind: 'raster', values: raster, cols: L, rows: L, x0: 0.5, x1: L + 0.5, y0: 0.5, y1: L + 0.5, vmin, vmax },
    { kind: 'rects', rects: blank, color: '#ffffff', opacity: 1 },
  ];
  if (cursor)
    marks.push({
      kind: 'rects',
      rects: [[cursor.s - 0.5, L + 0.5 - cursor.k, cursor.s + 0.5, L + 1.5 - cursor.k]],
      color: '#ff2d55',
      opacity: 0.55,
    });
  const panel: Panel = {
    x: left,
    y: top,
    w: size,
    h: size,
    xAxis: {
      min: 0.5,
      max: L + 0.5,
      log: false,
      label: 'state h_s after reading character s',
      ticks,
      format: (v) => shownChar(r.text[Math.round(v) - 1] ?? ''),
    },
    yAxis: {
      min: 0.5,
      max: L + 0.5,
      log: false,
      label: 'loss_k: predicting the character',
      ticks: ticks.map((k) => L + 1 - k),
      format: (v) => shownChar(predictedChar(r.text, L + 1 - Math.round(v))),
    },
    marks,
  };
  const barTicks = linearTicks(vmin, vmax, 4);
  const colourBar = {
    x: left + size + fs * 2,
    y: top,
    w: fs * 1.2,
    h: Math.min(size, 240),
    vmin,
    vmax,
    label: scale === 'normalised' ? 'norm / row max' : 'log10 norm',
    ticks: barTicks,
    format: linearTickFormat(barTicks),
  };
  return finishFigure(style, { texts, panels: [panel], colourBar }, [], top + size + fs * 4);
}

/** The cell (k, s) under a point of the figure (CSS px), or null outside the triangle. */
export function cellAt(fig: Figure, L: number, x: number, y: number): { k: number; s: number } | null {
  const p = fig.panels[0];
  if (!p || x < p.x || x >= p.x + p.w || y < p.y || y >= p.y + p.h) return null;
  const s = Math.floor(((x - p.x) / p.w) * L) + 1;
  const k = Math.floor(((y - p.y) / p.h) * L) + 1;
  return s <= k ? { k, s } : null;
}

/** The view as CSV: one line per cell of the triangle (characters as the axes show them: ␣ a space, ⏎ the newline). */
export function reachCsv(r: GradientResult, meta: { run: string; iteration: number }): string {
  const q = (s: string) => `"${s.replace(/"/g, '""')}"`;
  const lines = ['run,iteration,k,predicted,s,read,grad_norm,grad_norm_over_row_max,loss_k_nats'];
  const norm = reachValues(r, 'normalised');
  for (let k = 1; k <= r.L; k++)
    for (let s = 1; s <= k; s++)
      lines.push(
        [
          q(meta.run),
          meta.iteration,
          k,
          q(shownChar(predictedChar(r.text, k))),
          s,
          q(shownChar(r.text[s - 1])),
          r.G[(k - 1) * r.L + (s - 1)],
          norm[(k - 1) * r.L + (s - 1)],
          r.losses[k - 1],
        ].join(','),
      );
  return `${lines.join('\n')}\n`;
}
