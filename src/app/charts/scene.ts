/**
 * A chart as a plain, laid-out scene (panels with axes and marks, texts, legend, colour bar) that two
 * renderers draw identically: sceneCanvas.ts (the live view and the PNG export) and sceneSvg.ts (the SVG
 * export, a real vector file built from the data). Builders for each chart live in lossFigure.ts, flowFigure.ts and spectrumFigure.ts.
 */
import { formatTick } from './chartMath.ts';

export interface Axis {
  min: number;
  max: number;
  log: boolean;
  label: string;
  ticks: number[];
  /** tick label (defaults to formatTick) */
  format?: (v: number) => string;
}

export type Mark =
  | { kind: 'line'; xs: ArrayLike<number>; ys: ArrayLike<number>; color: string; width: number; dash?: number[] }
  | { kind: 'band'; xs: ArrayLike<number>; lo: ArrayLike<number>; hi: ArrayLike<number>; color: string; opacity: number }
  | { kind: 'rects'; rects: [number, number, number, number][]; color: string; opacity: number }
  | {
      kind: 'raster';
      /** values[r * cols + c]; row 0 at y0 (the bottom), column 0 at x0 */
      values: Float32Array;
      cols: number;
      rows: number;
      x0: number;
      x1: number;
      y0: number;
      y1: number;
      vmin: number;
      vmax: number;
      /** missing[r * cols + c] = 1: no data there (drawn NO_DATA_COLOUR; NaN elsewhere: not finite, grey) */
      missing?: Uint8Array;
    };

/** The raster's colour for a cell that holds no data (the panel's own white: nothing was measured there). */
export const NO_DATA_COLOUR = '#ffffff';
/** The raster's colour for a value that is not finite. */
export const NOT_FINITE_COLOUR = '#808080';

export interface Panel {
  x: number;
  y: number;
  w: number;
  h: number;
  title?: string;
  titleColor?: string;
  xAxis: Axis;
  yAxis: Axis;
  marks: Mark[];
  /** draw the x axis tick labels and label (off for stacked panels sharing an axis) */
  showX?: boolean;
  showY?: boolean;
}

export interface Text {
  x: number;
  y: number;
  text: string;
  size: number;
  weight?: 'normal' | 'bold';
  anchor?: 'start' | 'middle' | 'end';
  color?: string;
}

export interface LegendEntry {
  label: string;
  color: string;
  dash?: number[];
  /** a filled swatch instead of a line */
  swatch?: boolean;
  opacity?: number;
}

export interface ColourBar {
  x: number;
  y: number;
  w: number;
  h: number;
  vmin: number;
  vmax: number;
  label: string;
  ticks: number[];
  format?: (v: number) => string;
}

export interface Figure {
  width: number;
  height: number;
  /** font size of tick labels; titles scale from it */
  fontSize: number;
  /** multiplies every mark's line width (thicker in presentation mode) */
  lineScale: number;
  texts: Text[];
  panels: Panel[];
  legend: { x: number; y: number; entries: LegendEntry[] } | null;
  colourBar: ColourBar | null;
}

export const INK = '#14213d';
export const INK_SOFT = '#3d4a63';
export const GRID = '#e3e6ec';
export const FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', 'Liberation Sans', sans-serif";

/** Maps a data value on an axis to a fraction in [0, 1] of its length (NaN for impossible log values). */
export function axisFraction(a: Axis, v: number): number {
  if (a.log) {
    if (!(v > 0) || !(a.min > 0)) return NaN;
    return (Math.log10(v) - Math.log10(a.min)) / (Math.log10(a.max) - Math.log10(a.min));
  }
  return (v - a.min) / (a.max - a.min);
}

export function px(p: Panel, v: number): number {
  return p.x + axisFraction(p.xAxis, v) * p.w;
}

export function py(p: Panel, v: number): number {
  return p.y + p.h - axisFraction(p.yAxis, v) * p.h;
}

export function tickLabel(a: Axis, v: number): string {
  return (a.format ?? formatTick)(v);
}

/** Splits a polyline at non-finite points into runs of [x, y] pixel pairs. */
export function polylineRuns(p: Panel, xs: ArrayLike<number>, ys: ArrayLike<number>): [number, number][][] {
  const runs: [number, number][][] = [];
  let cur: [number, number][] = [];
  for (let i = 0; i < xs.length; i++) {
    const X = px(p, xs[i]);
    const Y = py(p, ys[i]);
    if (Number.isFinite(X) && Number.isFinite(Y)) cur.push([X, clampY(p, Y)]);
    else if (cur.length) {
      runs.push(cur);
      cur = [];
    }
  }
  if (cur.length) runs.push(cur);
  return runs;
}

/** Keeps lines that leave the panel on its edge (a few pixels beyond), so nothing paints over other panels. */
function clampY(p: Panel, y: number): number {
  return Math.min(p.y + p.h + 2, Math.max(p.y - 2, y));
}

/** Polygons (upper edge forward, lower edge back) of a band, split where either edge is not finite. */
export function bandPolygons(p: Panel, xs: ArrayLike<number>, lo: ArrayLike<number>, hi: ArrayLike<number>): [number, number][][] {
  const polys: [number, number][][] = [];
  let top: [number, number][] = [];
  let bottom: [number, number][] = [];
  const flush = () => {
    if (top.length > 1) polys.push([...top, ...bottom.reverse()]);
    top = [];
    bottom = [];
  };
  for (let i = 0; i < xs.length; i++) {
    const X = px(p, xs[i]);
    const a = py(p, hi[i]);
    const b = py(p, lo[i]);
    if (Number.isFinite(X) && Number.isFinite(a) && Number.isFinite(b)) {
      top.push([X, clampY(p, a)]);
      bottom.push([X, clampY(p, b)]);
    } else flush();
  }
  flush();
  return polys;
}

/** Rough width of a text in this font (for layout without a canvas). */
export function textWidth(text: string, size: number): number {
  return text.length * size * 0.56;
}

/** Greedy word wrap to a pixel width. */
export function wrapText(text: string, size: number, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const next = line ? `${line} ${word}` : word;
    if (line && textWidth(next, size) > width) {
      lines.push(line);
      line = word;
    } else line = next;
  }
  if (line) lines.push(line);
  return lines;
}

export interface PlacedLegendEntry extends LegendEntry {
  x: number;
  y: number;
}

/** Legend entries laid out left to right from the legend's origin, wrapping at the figure's width. */
export function legendLayout(fig: Figure): PlacedLegendEntry[] {
  if (!fig.legend) return [];
  const size = fig.fontSize;
  const right = fig.width - size;
  let x = fig.legend.x;
  let y = fig.legend.y;
  return fig.legend.entries.map((e) => {
    const w = legendEntryWidth(e, size);
    if (x + w > right && x > fig.legend!.x) {
      x = fig.legend!.x;
      y += size * 1.5;
    }
    const placed = { ...e, x, y };
    x += w;
    return placed;
  });
}

export function legendEntryWidth(e: LegendEntry, size: number): number {
  return size * 2.6 + textWidth(e.label, size) + size * 1.6;
}

/** Rows a legend of these entries needs at a width (for builders reserving space). */
export function legendRows(entries: LegendEntry[], size: number, x0: number, width: number): number {
  let rows = entries.length ? 1 : 0;
  let x = x0;
  for (const e of entries) {
    const w = legendEntryWidth(e, size);
    if (x + w > width - size && x > x0) {
      rows++;
      x = x0;
    }
    x += w;
  }
  return rows;
}
