/**
 * Gradient flow (the paper's Figure 2) as small multiples, one heatmap per visible run: iterations along
 * the abscissa, time steps t = 0..L along the ordinate, colour = the norm of dLoss_last/dh_t, either
 * divided by its maximum over t ('normalised across time', the default) or as log10 (a shared colour scale
 * across runs). Time steps are averaged into as many bins as the panel has pixels, so L = 10,000 costs no
 * more to paint than L = 200. For a task whose rows end at different steps (the text task: sentences padded
 * to L), the flow is aligned on each row's last scored step (src/engine/flowRows.ts) and the ordinate reads
 * the steps before the last scored character (0 at the top); a step no row reaches is drawn as no data
 * (NO_DATA_COLOUR), never as a zero.
 */

import type { MetricsBook } from '../lab/metricsBook.ts';
import { type FlowScale, finiteRange, flowMissing, flowProfile, linearTickFormat, linearTicks } from './chartMath.ts';
import { type FigureHeader, type FigureStyle, finishFigure, gridColumns, headerTexts, marginLabel, visibleRuns } from './figureFrame.ts';
import { type Figure, NO_DATA_COLOUR, type Panel, type Text } from './scene.ts';
import type { ChartRun } from './types.ts';

/** A row's display profile is computed once per (bins, scale): rows never change once recorded. */
const profileCache = new WeakMap<Float32Array, { key: string; profile: Float32Array; missing: Uint8Array }>();

/** A row's display profile and its bins without data (counts: the batch rows behind each step, or null). */
export function cachedProfile(
  row: Float32Array,
  bins: number,
  scale: FlowScale,
  counts: Uint32Array | null = null,
): { profile: Float32Array; missing: Uint8Array } {
  const key = `${bins}:${scale}`;
  const hit = profileCache.get(row);
  if (hit && hit.key === key) return hit;
  const entry = { key, profile: flowProfile(row, bins, scale, counts), missing: flowMissing(row.length, bins, counts) };
  profileCache.set(row, entry);
  return entry;
}

export interface FlowGrid {
  runId: string;
  iterations: number[];
  /** time steps per row (L + 1) */
  steps: number;
  bins: number;
  /** values[b * cols + i]: time bin b (from t = 0) of recorded iteration i */
  values: Float32Array;
  /** missing[b * cols + i] = 1: no batch row reaches any step of that bin (no data, not a zero) */
  missing: Uint8Array;
}

export function flowGrid(book: MetricsBook, runId: string, maxBins: number, scale: FlowScale): FlowGrid | null {
  const flow = book.traces.get(runId)?.flow;
  if (!flow?.rows.length) return null;
  const steps = flow.rows[flow.rows.length - 1].length;
  const bins = Math.max(1, Math.min(steps, Math.floor(maxBins)));
  const cols = flow.rows.length;
  const values = new Float32Array(cols * bins);
  const missing = new Uint8Array(cols * bins);
  flow.rows.forEach((row, i) => {
    const counts = flow.counts[i] ?? null;
    if (row.length !== steps) {
      for (let b = 0; b < bins; b++) values[b * cols + i] = NaN;
      return;
    }
    const { profile, missing: none } = cachedProfile(row, bins, scale, counts && counts.length === steps ? counts : null);
    for (let b = 0; b < bins; b++) {
      values[b * cols + i] = profile[b];
      missing[b * cols + i] = none[b];
    }
  });
  return { runId, iterations: flow.iterations.slice(), steps, bins, values, missing };
}

/** The colour scale: [0, 1] when normalised; the finite range over all runs for log10 (at most 12 decades). */
export function flowColourRange(grids: (FlowGrid | null)[], scale: FlowScale): [number, number] {
  if (scale === 'normalised') return [0, 1];
  const [lo, hi] = finiteRange(grids.filter((g): g is FlowGrid => !!g).map((g) => g.values));
  if (!Number.isFinite(lo)) return [0, 1];
  const vmin = Math.max(lo, hi - 12);
  return vmin === hi ? [vmin - 0.5, hi + 0.5] : [vmin, hi];
}

export function flowScaleLabel(scale: FlowScale): string {
  return scale === 'normalised' ? '‖∂L_T/∂h_t‖ / max over t' : 'log10 ‖∂L_T/∂h_t‖';
}

export function flowFigure(
  book: MetricsBook,
  runs: readonly ChartRun[],
  scale: FlowScale,
  style: FigureStyle,
  header: FigureHeader | null,
  /** the flow is aligned on each row's last scored step (the text task): the ordinate reads steps before it */
  aligned = false,
): Figure {
  const fs = style.fontSize;
  const shown = visibleRuns(runs);
  const { texts, top } = headerTexts(style, header);
  const left = fs * 5;
  const barSpace = fs * 7;
  const gap = fs * 5.5;
  const cols = gridColumns(style.width - left - barSpace, shown.length, 300);
  const cellW = (style.width - left - barSpace - (cols - 1) * gap) / cols;
  const panelH = Math.round(Math.max(110, Math.min(220, cellW * 0.55)) * (fs / 12) ** 0.5);
  const rowH = panelH + fs * 5.5;
  const grids = shown.map((r) => flowGrid(book, r.id, panelH, scale));
  const [vmin, vmax] = flowColourRange(grids, scale);
  const panels: Panel[] = [];
  const notes: Text[] = [];
  shown.forEach((run, k) => {
    const x = left + (k % cols) * (cellW + gap);
    const y = top + Math.floor(k / cols) * rowH;
    const g = grids[k];
    const its = g?.iterations ?? [];
    const x0 = its[0] ?? 0;
    const x1 = its.length > 1 ? its[its.length - 1] + (its[its.length - 1] - its[0]) / (its.length - 1) : x0 + 1;
    const L = g ? g.steps - 1 : 1;
    panels.push({
      x,
      y,
      w: cellW,
      h: panelH,
      title: `${run.name} (${marginLabel(run)})`,
      titleColor: run.color,
      xAxis: { min: x0, max: x1, log: false, label: 'iteration', ticks: linearTicks(x0, x1, Math.max(2, Math.floor(cellW / (fs * 4.5)))) },
      yAxis: aligned
        ? {
            // aligned index k = L - s holds the states s steps before each row's last scored step
            min: 0,
            max: L + 1,
            log: false,
            label: FLOW_ALIGNED_AXIS,
            ticks: linearTicks(0, L, 4)
              .filter((s) => Number.isInteger(s))
              .map((s) => L - s),
            format: (k: number) => String(L - k),
          }
        : { min: 0, max: L + 1, log: false, label: 'time step t', ticks: linearTicks(0, L, 4).filter((t) => Number.isInteger(t)) },
      marks: g
        ? [{ kind: 'raster', values: g.values, missing: g.missing, cols: its.length, rows: g.bins, x0, x1, y0: 0, y1: L + 1, vmin, vmax }]
        : [],
      showY: k % cols === 0,
    });
    if (!g)
      notes.push({
        x: x + cellW / 2,
        y: y + panelH / 2,
        text: 'no gradient flow measured yet',
        size: fs,
        anchor: 'middle',
        color: '#3d4a63',
      });
  });
  const rows = Math.ceil(shown.length / cols);
  const bottom = top + Math.max(1, rows) * rowH - fs * 1.5;
  const colourBar = shown.length
    ? {
        x: style.width - barSpace + fs * 1.5,
        y: top,
        w: fs * 1.2,
        h: panelH,
        vmin,
        vmax,
        label: scale === 'normalised' ? 'norm / max' : 'log10 norm',
        ticks: linearTicks(vmin, vmax, 4),
        format: linearTickFormat(linearTicks(vmin, vmax, 4)),
      }
    : null;
  if (!shown.length)
    notes.push({ x: style.width / 2, y: top + fs * 2, text: 'no visible runs', size: fs, anchor: 'middle', color: '#3d4a63' });
  return finishFigure(style, { texts: [...texts, ...notes], panels, colourBar }, [], bottom);
}

/** The ordinate of a flow aligned on each row's last scored step (the text task). */
export const FLOW_ALIGNED_AXIS = 'steps before the last scored character';

/** What the colour means (printed on exports); `aligned`: the flow is aligned on each row's last scored step. */
export function flowCaption(scale: FlowScale, aligned = false): string {
  const colour =
    scale === 'normalised'
      ? 'Colour: the norm of the gradient of the last step’s loss with respect to h_t, divided by its maximum over t at each iteration (normalised across time, as in the paper’s Figure 2).'
      : `Colour: log10 of the norm of the gradient of the last step’s loss with respect to h_t (the square root of the stored sum of squares over batch and units), on one scale for all runs (12 decades at most).`;
  if (!aligned) return colour;
  return (
    `${colour} Sentences end at different steps: “the last step” is each sentence’s last scored character, and the ` +
    'heatmap is aligned on it (up = 0 steps before it); each step is the mean over the sentences that reach that far ' +
    `back, on the scale of the whole batch. White (${NO_DATA_COLOUR}) is no data: no sentence of the batch reaches that far back.`
  );
}
