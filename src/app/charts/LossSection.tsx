/**
 * Loss and accuracy over iterations (recharts), every visible run in its colour, the memoryless baseline
 * dashed. The book's series are already bounded (2,000 points a run); the chart draws at most MAX_DRAWN_POINTS
 * of them a run and re-renders at most twice a second, not per data point. Smoothing (EMA) is for display only: exports of the data are raw.
 */
import { useCallback, useMemo, useState, type JSX } from 'react';
import { CartesianGrid, Legend, Line, LineChart, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { MetricsBook } from '../lab/metricsBook.ts';
import { emaSmooth, finiteRange, formatTick, linearTicks } from './chartMath.ts';
import { lossCsv } from './chartCsv.ts';
import { ExportBar } from './ExportBar.tsx';
import { visibleRuns, type FigureHeader, type FigureStyle } from './figureFrame.ts';
import { lossFigure } from './lossFigure.ts';
import type { ChartRun } from './types.ts';
import { useBookRedraw } from './useBookRedraw.ts';

export const LOSS_TITLE = 'Loss and accuracy over training';

interface Point {
  it: number;
  v: number | null;
}

/**
 * At most this many points per run are handed to recharts: its SVG rendering costs grow with the points,
 * and a few hundred per run already exceed the pixels a line gets. Exports use the full series.
 */
const MAX_DRAWN_POINTS = 160;

function points(its: readonly number[], vals: readonly number[], smoothing: number, scale: number, positiveOnly: boolean): Point[] {
  const sm = emaSmooth(vals, smoothing);
  const step = Math.max(1, Math.ceil(its.length / MAX_DRAWN_POINTS));
  const out: Point[] = [];
  // keep every step-th point and always the newest one, so the line ends at the current iteration
  for (let i = (its.length - 1) % step; i < its.length; i += step) {
    const v = sm[i] * scale;
    out.push({ it: its[i], v: Number.isFinite(v) && (!positiveOnly || v > 0) ? v : null });
  }
  return out;
}

function chartLook(presentation: boolean) {
  const font = presentation ? 17 : 12;
  return { stroke: presentation ? 3.5 : 2, font, tick: { fontSize: font, fill: '#14213d' }, height: presentation ? 380 : 260 };
}

/** The shared iteration axis of the loss and accuracy charts. */
function iterationAxis(series: Point[][], presentation: boolean): JSX.Element {
  const { font, tick } = chartLook(presentation);
  const [xLo, xHi] = finiteRange(series.map((pts) => pts.map((p) => p.it)));
  const xTicks = Number.isFinite(xLo) ? linearTicks(xLo, xHi, presentation ? 5 : 8) : undefined;
  return <XAxis dataKey="it" type="number" domain={['dataMin', 'dataMax']} ticks={xTicks} allowDuplicatedCategory={false} tick={tick} tickFormatter={formatTick} label={{ value: 'iteration', position: 'insideBottom', offset: -4, fontSize: font }} />;
}

/**
 * Accuracy over iterations: its own component with its own redraw subscription, so its render is a task of
 * its own (the paint queue gives each chart its own frame) rather than part of the loss chart's.
 */
function AccuracyChart({ book, runs, smoothing, presentation }: { book: MetricsBook; runs: ChartRun[]; smoothing: number; presentation: boolean }): JSX.Element {
  const [version, setVersion] = useState(book.version);
  useBookRedraw(book, () => setVersion(book.version), 500);
  const data = useMemo(
    () =>
      visibleRuns(runs).map((r) => {
        const t = book.traces.get(r.id);
        return { run: r, accuracy: points(t?.accuracy.iterations ?? [], t?.accuracy.values ?? [], smoothing, 100, false) };
      }),
    [book, runs, smoothing, version],
  );
  const { stroke, font, tick, height } = chartLook(presentation);
  return (
    <ResponsiveContainer width="100%" height={height * 0.8}>
      <LineChart margin={{ top: 8, right: 16, bottom: 16, left: 8 }}>
        <CartesianGrid stroke="#e3e6ec" />
        {iterationAxis(data.map((d) => d.accuracy), presentation)}
        <YAxis type="number" domain={[0, 100]} ticks={[0, 25, 50, 75, 100]} tick={tick} width={font * 4.5} label={{ value: 'accuracy %', angle: -90, position: 'insideLeft', fontSize: font }} />
        <Tooltip isAnimationActive={false} offset={24} wrapperStyle={{ fontSize: font * 0.9 }} formatter={(v) => (typeof v === 'number' ? `${v.toFixed(1)} %` : String(v))} labelFormatter={(l) => `iteration ${l}`} />
        {data.map((d) => (
          <Line key={d.run.id} data={d.accuracy} dataKey="v" name={d.run.name} stroke={d.run.color} strokeWidth={stroke} dot={false} isAnimationActive={false} />
        ))}
      </LineChart>
    </ResponsiveContainer>
  );
}

export function LossSection(props: { book: MetricsBook; runs: ChartRun[]; baselineLoss: number; taskHasAccuracy: boolean; settingsSummary: string; presentation: boolean }): JSX.Element {
  const { book, runs, baselineLoss, taskHasAccuracy, presentation } = props;
  const [logLoss, setLogLoss] = useState(false);
  const [smoothing, setSmoothing] = useState(0.6);
  const [version, setVersion] = useState(book.version);
  useBookRedraw(book, () => setVersion(book.version), 500);

  const shown = visibleRuns(runs);
  const data = useMemo(
    () =>
      shown.map((r) => {
        const t = book.traces.get(r.id);
        return {
          run: r,
          loss: points(t?.loss.iterations ?? [], t?.loss.values ?? [], smoothing, 1, logLoss),
        };
      }),
    [book, runs, smoothing, logLoss, version],
  );
  const build = useCallback(
    (style: FigureStyle, header: FigureHeader) => lossFigure(book, runs, { logLoss, smoothing, baselineLoss, taskHasAccuracy }, style, header),
    [book, runs, logLoss, smoothing, baselineLoss, taskHasAccuracy],
  );
  const { stroke, font, tick, height } = chartLook(presentation);
  const baselineOk = Number.isFinite(baselineLoss) && baselineLoss > 0;
  const xAxis = iterationAxis(data.map((d) => d.loss), presentation);
  const caption = `Smoothing ${smoothing.toFixed(2)} (exponential moving average, display only); dashed: the memoryless baseline ${baselineOk ? +baselineLoss.toPrecision(3) : ''}.`;

  return (
    <section className="chart-section" aria-labelledby="chart-loss-title" data-testid="chart-loss">
      <h3 id="chart-loss-title">{LOSS_TITLE}</h3>
      <p className="chart-explain">
        The task loss of every run, with the memoryless baseline: the loss of a model that ignores its input and guesses from the output
        statistics alone (copy: 10 ln 8 / (T + 20); adding: 0.167). Getting below it means the network carries information across the
        long delay; in the paper’s Figure 1 larger margins get there faster, until very long delays where a small margin wins and no margin fails.
      </p>
      <div className="chart-controls">
        <label>
          <input type="checkbox" checked={logLoss} onChange={(e) => setLogLoss(e.target.checked)} data-testid="loss-log" /> log-scale loss
        </label>
        <label>
          smoothing <input type="range" min={0} max={0.99} step={0.01} value={smoothing} onChange={(e) => setSmoothing(Number(e.target.value))} aria-label="Smoothing (EMA weight)" />
          <output>{smoothing.toFixed(2)}</output>
        </label>
      </div>
      <div className="recharts-box" data-testid="loss-chart">
        <ResponsiveContainer width="100%" height={height}>
          <LineChart margin={{ top: 8, right: 16, bottom: 16, left: 8 }}>
            <CartesianGrid stroke="#e3e6ec" />
            {xAxis}
            <YAxis
              type="number"
              scale={logLoss ? 'log' : 'linear'}
              domain={logLoss ? ['auto', 'auto'] : [0, 'auto']}
              allowDataOverflow={logLoss}
              tick={tick}
              tickFormatter={formatTick}
              width={font * 4.5}
              label={{ value: logLoss ? 'loss (log)' : 'loss', angle: -90, position: 'insideLeft', fontSize: font }}
            />
            <Tooltip isAnimationActive={false} offset={24} wrapperStyle={{ fontSize: font * 0.9 }} formatter={(v) => (typeof v === 'number' ? v.toPrecision(4) : String(v))} labelFormatter={(l) => `iteration ${l}`} />
            <Legend wrapperStyle={{ fontSize: font }} />
            {baselineOk && (
              <ReferenceLine y={baselineLoss} stroke="#14213d" strokeDasharray="7 5" strokeWidth={stroke * 0.75} ifOverflow="extendDomain" label={{ value: 'memoryless baseline', position: 'insideTopRight', fontSize: font, fill: '#14213d' }} />
            )}
            {data.map((d) => (
              <Line key={d.run.id} data={d.loss} dataKey="v" name={d.run.name} stroke={d.run.color} strokeWidth={stroke} dot={false} isAnimationActive={false} connectNulls={false} />
            ))}
          </LineChart>
        </ResponsiveContainer>
        {taskHasAccuracy && <AccuracyChart book={book} runs={runs} smoothing={smoothing} presentation={presentation} />}
      </div>
      <p className="chart-caption">{caption}</p>
      <ExportBar
        book={book}
        chart="loss-accuracy"
        header={{ title: LOSS_TITLE, settings: props.settingsSummary, caption }}
        build={build}
        csv={[{ label: 'CSV', name: 'loss-accuracy', make: () => lossCsv(book, runs) }]}
        presentation={presentation}
      />
    </section>
  );
}
