/**
 * Loss and accuracy over iterations (recharts), every visible run in its colour, the memoryless baseline
 * dashed. The book's series are already bounded (2,000 points a run); each chart draws at most
 * MAX_DRAWN_POINTS of them a run, on one shared grid of iterations, and re-renders at most 2.5 times a second,
 * not per data point. Smoothing (EMA) is for display only: exports of the data are raw.
 *
 * Why it is built this way (measured on SwiftShader, production build): recharts keeps its state in a store
 * and every change runs every selector of the chart, then re-renders synchronously. Handing it one data array
 * (not one per line), the same elements for everything but the data, and an axis that only moves when the
 * data outgrows it cut its store updates per refresh from ~6 to ~3 and the main thread's longest task while
 * training from ~45 ms of CPU to ~20 ms. A chart re-renders synchronously inside its turn of the paint queue
 * (flushSync), so each animation frame renders one chart: as a transition, React rendered both charts in
 * one task when their turns fell close together (plain and LSTM runs at n = 128: the longest task 33-39 ms
 * of CPU as transitions, 23-26 ms rendered one per frame; the main thread's total work fell by ~20%).
 *
 * Evaluation rounds (the lab's evaluateEvery): each run's validation figures are one more line per run, in
 * its colour, dashed with a dot at every round, at the exact iteration of the round. Such a line has its own
 * small data array (a round every epoch or every k iterations: few points), rebuilt only when a round
 * arrives, so the per-refresh cost of the training lines stays as it was. On the accuracy chart each run's
 * test accuracy over training is one more such line, dotted with open dots: at every round, the test set at
 * the run's best-validation weights as they stood after that round (metricsBook.ts testAtEachRound).
 */
import { type JSX, useCallback, useMemo, useState } from 'react';
import { flushSync } from 'react-dom';
import { Area, CartesianGrid, ComposedChart, Legend, Line, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { RunEvaluation } from '../../engine/evaluationSchedule.ts';
import { type MetricsBook, type RunTrace, type Series, testAtEachRound } from '../lab/metricsBook.ts';
import { lossCsv, replicatesCsv, roundsCsv } from './chartCsv.ts';
import { type ChartRow, formatTick, type LineSeries, sharedGridRows, steadyAxis } from './chartMath.ts';
import { ExportBar } from './ExportBar.tsx';
import type { FigureHeader, FigureStyle } from './figureFrame.ts';
import { lossFigure } from './lossFigure.ts';
import {
  type ChartLine,
  chartLines,
  DEFAULT_REPLICATE_VIEW,
  lineData,
  lineLabel,
  lineRestarts,
  type ReplicateView,
  replicateCaption,
} from './replicateLines.ts';
import type { ChartRun } from './types.ts';
import { useBookRedraw } from './useBookRedraw.ts';

export const LOSS_TITLE = 'Loss and accuracy over training';

/**
 * At most this many points per run are handed to recharts: its SVG rendering costs grow with the points,
 * and a few hundred per run already exceed the pixels a line gets. Exports use the full series.
 */
const MAX_DRAWN_POINTS = 160;

/** Each recharts chart refreshes at most this often (2.5 times a second; the canvas charts 5 times). */
const REFRESH_MS = 400;

/** The key of a run's values in the chart rows (plain, so recharts never reads it as a path). */
const lineKey = (i: number) => `v${i}`;

/** The key of a replicate set's band ([lo, hi]) in the chart rows. */
const bandKey = (i: number) => `b${i}`;

/**
 * The rows of one chart: every line's series (smoothed for display, scaled; a replicate set's centre over its
 * seeds, and its band as [lo, hi]: replicateLines.ts) on one shared grid of iterations, so recharts gets one
 * data array: a refresh then updates the chart's data once, not each line's.
 */
function chartRows(
  book: MetricsBook,
  lines: readonly ChartLine[],
  pick: (t: RunTrace) => Series,
  smoothing: number,
  scale: number,
  positiveOnly: boolean,
  view: ReplicateView,
): ChartRow[] {
  const series: LineSeries[] = [];
  const banded: number[] = [];
  lines.forEach((line, i) => {
    const members = line.members.map((r) => {
      const t = book.traces.get(r.id);
      const s = t ? pick(t) : undefined;
      return { x: s ? Array.from(s.iterations) : [], y: s ? Array.from(s.values, (v) => v * scale) : [] };
    });
    const d = lineData(members, view, smoothing, positiveOnly);
    series.push({ key: lineKey(i), iterations: d.x, values: d.y });
    if (d.lo && d.hi) {
      banded.push(i);
      series.push({ key: `lo${i}`, iterations: d.x, values: d.lo }, { key: `hi${i}`, iterations: d.x, values: d.hi });
    }
  });
  const rows = sharedGridRows(series, MAX_DRAWN_POINTS);
  if (banded.length)
    for (const row of rows as Record<string, unknown>[]) {
      for (const i of banded) {
        const lo = row[`lo${i}`] as number | null;
        const hi = row[`hi${i}`] as number | null;
        row[bandKey(i)] = lo !== null && hi !== null ? [lo, hi] : null;
        delete row[`lo${i}`];
        delete row[`hi${i}`];
      }
    }
  return rows;
}

/**
 * The look of both charts, one object per mode: recharts compares its props by identity (or one level
 * deep), so props that stay the same object between refreshes spare it re-laying-out axes, grid and legend.
 */
function makeLook(presentation: boolean) {
  const font = presentation ? 17 : 12;
  return {
    stroke: presentation ? 3.5 : 2,
    font,
    height: presentation ? 380 : 260,
    tick: { fontSize: font, fill: '#14213d' },
    margin: { top: 8, right: 16, bottom: 16, left: 8 },
    xLabel: { value: 'iteration', position: 'insideBottom', offset: -4, fontSize: font } as const,
    accuracyLabel: { value: 'accuracy %', angle: -90, position: 'insideLeft', fontSize: font } as const,
    lossLabel: { value: 'loss', angle: -90, position: 'insideLeft', fontSize: font } as const,
    logLossLabel: { value: 'loss (log)', angle: -90, position: 'insideLeft', fontSize: font } as const,
    bitsLabel: { value: 'bits / char', angle: -90, position: 'insideLeft', fontSize: font } as const,
    logBitsLabel: { value: 'bits / char (log)', angle: -90, position: 'insideLeft', fontSize: font } as const,
    baselineLabel: { value: 'memoryless baseline', position: 'insideTopRight', fontSize: font, fill: '#14213d' } as const,
    tooltipStyle: { fontSize: font * 0.9 },
    legendStyle: { fontSize: font },
  };
}
const LOOKS = { normal: makeLook(false), presentation: makeLook(true) };
const chartLook = (presentation: boolean) => (presentation ? LOOKS.presentation : LOOKS.normal);

const ACCURACY_DOMAIN: [number, number] = [0, 100];
const ACCURACY_TICKS = [0, 25, 50, 75, 100];
const LOSS_DOMAIN: [number, string] = [0, 'auto'];
const LOG_LOSS_DOMAIN: [string, string] = ['auto', 'auto'];
const formatPercent = (v: unknown) => (typeof v === 'number' ? `${v.toFixed(1)} %` : String(v));
const formatLoss = (v: unknown) => (typeof v === 'number' ? v.toPrecision(4) : String(v));
const formatIteration = (l: unknown) => `iteration ${l}`;

/** The iteration axis: steady (see steadyAxis), and the same domain and ticks objects while it does not change. */
function useIterationAxis(rows: readonly ChartRow[], presentation: boolean): JSX.Element {
  const { tick, xLabel } = chartLook(presentation);
  const lo = rows.length ? rows[0].it : NaN;
  const hi = rows.length ? rows[rows.length - 1].it : NaN;
  const { domain, ticks } = steadyAxis(lo, hi, presentation ? 5 : 8);
  const key = `${ticks.join(' ')}|${presentation}`;
  // keyed by the ticks: the same element for as long as the axis does not change
  // biome-ignore lint/correctness/useExhaustiveDependencies: the key holds everything the element depends on
  return useMemo(
    () => (
      <XAxis
        dataKey="it"
        type="number"
        domain={Number.isFinite(domain[0]) ? domain : ['dataMin', 'dataMax']}
        ticks={ticks.length ? ticks : undefined}
        allowDuplicatedCategory={false}
        tick={tick}
        tickFormatter={formatTick}
        label={xLabel}
      />
    ),
    [key],
  );
}

interface LiveLineChartProps {
  book: MetricsBook;
  /** the lines (a run, or a replicate set of runs), in drawing order */
  shown: readonly ChartLine[];
  /** how a replicate set is drawn (its centre and band) */
  view: ReplicateView;
  pick: (t: RunTrace) => Series;
  smoothing: number;
  scale: number;
  /** log scale: values at or below 0 are not drawn */
  positiveOnly: boolean;
  height: number;
  presentation: boolean;
  /** everything but the lines and the iteration axis (y axis, tooltip, legend, reference lines), memoised by the caller */
  fixed: JSX.Element;
  /** a round's validation figure to draw (already scaled; null: none), when the chart shows the rounds */
  validation?: (e: RunEvaluation) => number | null;
  /** the test figure to draw at each round (at the best weights as they stood, testAtEachRound; scaled) */
  test?: (t: NonNullable<RunEvaluation['test']>) => number | null;
}

/** The key of a validation line's values in its own data. */
const VALIDATION_KEY = 'val';
/** The key of a test line's values in its own data. */
const TEST_KEY = 'test';

/** How many rounds each shown run has: the validation lines change only when this does. */
function roundsKey(book: MetricsBook, shown: readonly ChartLine[]): string {
  return shown.map((l) => l.members.map((r) => book.traces.get(r.id)?.evaluations.length ?? 0).join('+')).join(',');
}

/** A line's points at its rounds: one run's figure at each round, a replicate set's centre over its seeds. */
function roundPoints(
  line: ChartLine,
  view: ReplicateView,
  figures: (r: ChartRun) => { x: number[]; y: number[] },
  key: string,
): Record<string, number>[] {
  const d = lineData(line.members.map(figures), view);
  return d.x.map((it, i) => ({ it, [key]: d.y[i] })).filter((p) => Number.isFinite(p[key]));
}

/**
 * One live recharts line chart. It subscribes to the MetricsBook itself (every REFRESH_MS at most, through
 * the shared paint queue), so a refresh re-renders this chart alone, and only its data changes: the lines,
 * the y axis and the rest are the same React elements from one refresh to the next (recharts then skips
 * them), and the iteration axis changes only when the data outgrows it. The refresh renders at once, in
 * the paint queue's frame (one chart a frame, see above).
 */
function LiveLineChart(props: LiveLineChartProps): JSX.Element {
  const { book, shown, pick, smoothing, scale, positiveOnly, presentation, view } = props;
  const [version, setVersion] = useState(book.version);
  useBookRedraw(book, () => flushSync(() => setVersion(book.version)), REFRESH_MS);
  // biome-ignore lint/correctness/useExhaustiveDependencies: the book is mutated in place; its version says when the rows change
  const rows = useMemo(
    () => chartRows(book, shown, pick, smoothing, scale, positiveOnly, view),
    [book, shown, pick, smoothing, scale, positiveOnly, view, version],
  );
  const look = chartLook(presentation);
  const lines = useMemo(
    () =>
      shown.flatMap((l, i) => [
        ...(l.members.length > 1
          ? [
              <Area
                key={`band-${l.id}`}
                dataKey={bandKey(i)}
                stroke="none"
                fill={l.color}
                fillOpacity={0.2}
                isAnimationActive={false}
                connectNulls={false}
                legendType="none"
                tooltipType="none"
                activeDot={false}
                className="replicate-band"
              />,
            ]
          : []),
        <Line
          key={l.id}
          dataKey={lineKey(i)}
          name={lineLabel(l, view)}
          stroke={l.color}
          strokeWidth={look.stroke}
          dot={false}
          isAnimationActive={false}
          connectNulls={false}
        />,
      ]),
    [shown, look, view],
  );
  const validation = props.validation;
  const rounds = roundsKey(book, shown);
  // biome-ignore lint/correctness/useExhaustiveDependencies: the book is mutated in place; the rounds key says when its rounds change
  const validationLines = useMemo(() => {
    if (!validation) return null;
    return shown.map((l) => {
      const points = roundPoints(
        l,
        view,
        (r) => {
          const rounds = book.traces.get(r.id)?.evaluations ?? [];
          return { x: rounds.map((e) => e.iteration), y: rounds.map((e) => validation(e) ?? NaN) };
        },
        VALIDATION_KEY,
      );
      if (!points.length) return null;
      return (
        <Line
          key={`validation-${l.id}`}
          data={points}
          dataKey={VALIDATION_KEY}
          name={`${l.name}, validation`}
          stroke={l.color}
          strokeWidth={look.stroke * 0.75}
          strokeDasharray="6 4"
          dot={{ r: look.stroke + 1.5, fill: l.color, stroke: l.color }}
          legendType="none"
          className="validation-line"
          isAnimationActive={false}
        />
      );
    });
  }, [book, shown, look, validation, rounds, view]);
  const test = props.test;
  // biome-ignore lint/correctness/useExhaustiveDependencies: the book is mutated in place; the rounds key says when its rounds change
  const testLines = useMemo(() => {
    if (!test) return null;
    return shown.map((l) => {
      const points = roundPoints(
        l,
        view,
        (r) => {
          const at = testAtEachRound(book.traces.get(r.id)?.evaluations ?? []);
          return { x: at.map((t) => t.iteration), y: at.map((t) => test(t.test) ?? NaN) };
        },
        TEST_KEY,
      );
      if (!points.length) return null;
      return (
        <Line
          key={`test-${l.id}`}
          data={points}
          dataKey={TEST_KEY}
          name={`${l.name}, test at best validation`}
          stroke={l.color}
          strokeWidth={look.stroke * 0.75}
          strokeDasharray="1.5 3"
          strokeLinecap="round"
          dot={{ r: look.stroke + 0.5, fill: '#ffffff', stroke: l.color, strokeWidth: look.stroke * 0.6 }}
          legendType="none"
          className="test-line"
          isAnimationActive={false}
        />
      );
    });
  }, [book, shown, look, test, rounds, view]);
  const xAxis = useIterationAxis(rows, presentation);
  // where a run restarted from its initialisation (its history kept): a dotted line in its colour
  const restarts = lineRestarts(shown, (id) => book.traces.get(id)?.restarts ?? []);
  const restartKey = restarts.map((r) => `${r.line}@${r.iteration}`).join(',');
  // biome-ignore lint/correctness/useExhaustiveDependencies: the restarts are read from the book; their key says when they change
  const restartLines = useMemo(
    () =>
      restarts.map((r) => (
        <ReferenceLine
          key={`restart-${r.line}-${r.iteration}`}
          x={r.iteration}
          stroke={r.color}
          strokeDasharray="3 3"
          strokeWidth={look.stroke * 0.75}
          className="restart-line"
        />
      )),
    [restartKey, look],
  );
  return (
    <ResponsiveContainer width="100%" height={props.height}>
      <ComposedChart data={rows} margin={look.margin}>
        {xAxis}
        {props.fixed}
        {restartLines}
        {lines}
        {validationLines}
        {testLines}
      </ComposedChart>
    </ResponsiveContainer>
  );
}

const pickLoss = (t: RunTrace) => t.loss;
const pickAccuracy = (t: RunTrace) => t.accuracy;
const validationLoss = (e: RunEvaluation) => e.validation.loss;
const validationAccuracy = (e: RunEvaluation) => (e.validation.accuracy === null ? null : 100 * e.validation.accuracy);
const testAccuracy = (t: NonNullable<RunEvaluation['test']>) => (t.accuracy === null ? null : 100 * t.accuracy);
const positiveValidationLoss = (e: RunEvaluation) => (e.validation.loss !== null && e.validation.loss > 0 ? e.validation.loss : null);
// the text task's loss in bits per character: the loss in nats / ln 2
const validationBits = (e: RunEvaluation) => (e.validation.loss === null ? null : e.validation.loss / Math.LN2);
const positiveValidationBits = (e: RunEvaluation) =>
  e.validation.loss !== null && e.validation.loss > 0 ? e.validation.loss / Math.LN2 : null;

export function LossSection(props: {
  book: MetricsBook;
  runs: ChartRun[];
  baselineLoss: number;
  taskHasAccuracy: boolean;
  /** the loss in bits per character (the text task): drawn, labelled and exported as loss / ln 2 */
  bits?: boolean;
  settingsSummary: string;
  presentation: boolean;
  /** the group runs evaluation rounds (their validation lines are drawn) */
  evaluates: boolean;
}): JSX.Element {
  const { book, runs, taskHasAccuracy, presentation } = props;
  const bits = props.bits ?? false;
  const lossScale = bits ? 1 / Math.LN2 : 1;
  const baselineLoss = props.baselineLoss * lossScale;
  const [logLoss, setLogLoss] = useState(false);
  const [smoothing, setSmoothing] = useState(0.6);
  const [view, setView] = useState<ReplicateView>(DEFAULT_REPLICATE_VIEW);
  const shown = useMemo(() => chartLines(runs), [runs]);
  const anySet = shown.some((l) => l.members.length > 1);
  const build = useCallback(
    (style: FigureStyle, header: FigureHeader) =>
      lossFigure(book, runs, { logLoss, smoothing, baselineLoss, taskHasAccuracy, bits, replicates: view }, style, header),
    [book, runs, logLoss, smoothing, baselineLoss, taskHasAccuracy, bits, view],
  );
  const look = chartLook(presentation);
  const baselineOk = Number.isFinite(baselineLoss) && baselineLoss > 0;
  const lossFixed = useMemo(
    () => (
      <>
        <CartesianGrid stroke="#e3e6ec" />
        <YAxis
          type="number"
          scale={logLoss ? 'log' : 'linear'}
          domain={logLoss ? LOG_LOSS_DOMAIN : LOSS_DOMAIN}
          allowDataOverflow={logLoss}
          tick={look.tick}
          tickFormatter={formatTick}
          width={look.font * 4.5}
          label={bits ? (logLoss ? look.logBitsLabel : look.bitsLabel) : logLoss ? look.logLossLabel : look.lossLabel}
        />
        <Tooltip
          isAnimationActive={false}
          offset={24}
          wrapperStyle={look.tooltipStyle}
          formatter={formatLoss}
          labelFormatter={formatIteration}
        />
        <Legend wrapperStyle={look.legendStyle} />
        {baselineOk && (
          <ReferenceLine
            y={baselineLoss}
            stroke="#14213d"
            strokeDasharray="7 5"
            strokeWidth={look.stroke * 0.75}
            ifOverflow="extendDomain"
            label={look.baselineLabel}
          />
        )}
      </>
    ),
    [logLoss, look, baselineOk, baselineLoss, bits],
  );
  const accuracyFixed = useMemo(
    () => (
      <>
        <CartesianGrid stroke="#e3e6ec" />
        <YAxis
          type="number"
          domain={ACCURACY_DOMAIN}
          ticks={ACCURACY_TICKS}
          tick={look.tick}
          width={look.font * 4.5}
          label={look.accuracyLabel}
        />
        <Tooltip
          isAnimationActive={false}
          offset={24}
          wrapperStyle={look.tooltipStyle}
          formatter={formatPercent}
          labelFormatter={formatIteration}
        />
      </>
    ),
    [look],
  );
  const caption = `Smoothing ${smoothing.toFixed(2)} (exponential moving average, display only); dashed: the memoryless baseline ${baselineOk ? +baselineLoss.toPrecision(3) : ''}.${props.evaluates ? ` Dashed with dots, in a run's colour: its validation loss and accuracy at each evaluation round (not smoothed).${taskHasAccuracy ? " Dotted with open dots, in a run's colour: its test accuracy at each round, at the run's best-validation weights as they stood at that round (the paper's test figure so far)." : ''}` : ''}${replicateCaption(shown, view)}`;

  return (
    <section className="chart-section" aria-labelledby="chart-loss-title" data-testid="chart-loss">
      <h3 id="chart-loss-title">{LOSS_TITLE}</h3>
      <p className="chart-explain">
        The task loss of every run, with the memoryless baseline: the loss of a model that ignores its input and guesses from the output
        statistics alone (copy: 10 ln 8 / (T + 20); adding: 0.167; MNIST: the entropy of the digits' frequencies, about 2.30; text, in bits
        per character: the entropy of the characters' frequencies, about 4.3 on Brown). Getting below it means the network carries
        information across the long delay; in the paper’s Figure 1 larger margins get there faster, until very long delays where a small
        margin wins and no margin fails.
      </p>
      <div className="chart-controls">
        <label>
          <input type="checkbox" checked={logLoss} onChange={(e) => setLogLoss(e.target.checked)} data-testid="loss-log" /> log-scale loss
        </label>
        <label>
          smoothing{' '}
          <input
            type="range"
            min={0}
            max={0.99}
            step={0.01}
            value={smoothing}
            onChange={(e) => setSmoothing(Number(e.target.value))}
            aria-label="Smoothing (EMA weight)"
          />
          <output>{smoothing.toFixed(2)}</output>
        </label>
        {anySet && (
          <>
            <label>
              seeds: line{' '}
              <select
                value={view.center}
                onChange={(e) => setView({ ...view, center: e.target.value as ReplicateView['center'] })}
                data-testid="replicate-center"
              >
                <option value="mean">mean</option>
                <option value="median">median</option>
              </select>
            </label>
            <label>
              band{' '}
              <select
                value={view.spread}
                onChange={(e) => setView({ ...view, spread: e.target.value as ReplicateView['spread'] })}
                data-testid="replicate-spread"
              >
                <option value="minmax">min–max</option>
                <option value="std">mean ± std</option>
              </select>
            </label>
          </>
        )}
      </div>
      <div className="recharts-box" data-testid="loss-chart">
        <LiveLineChart
          book={book}
          shown={shown}
          pick={pickLoss}
          smoothing={smoothing}
          scale={lossScale}
          positiveOnly={logLoss}
          height={look.height}
          presentation={presentation}
          fixed={lossFixed}
          view={view}
          validation={bits ? (logLoss ? positiveValidationBits : validationBits) : logLoss ? positiveValidationLoss : validationLoss}
        />
        {taskHasAccuracy && (
          <LiveLineChart
            book={book}
            shown={shown}
            pick={pickAccuracy}
            smoothing={smoothing}
            scale={100}
            positiveOnly={false}
            height={look.height * 0.8}
            presentation={presentation}
            fixed={accuracyFixed}
            view={view}
            validation={validationAccuracy}
            test={testAccuracy}
          />
        )}
      </div>
      <p className="chart-caption">{caption}</p>
      <ExportBar
        book={book}
        chart="loss-accuracy"
        header={{ title: LOSS_TITLE, settings: props.settingsSummary, caption }}
        build={build}
        csv={[
          { label: 'CSV', name: 'loss-accuracy', make: () => lossCsv(book, runs, bits) },
          ...(anySet
            ? [
                {
                  label: 'CSV (over seeds: mean, std, min, max, n)',
                  name: 'loss-accuracy-seeds',
                  make: () => replicatesCsv(book, runs, bits),
                },
              ]
            : []),
          ...(props.evaluates
            ? [{ label: 'CSV (evaluation rounds: validation, test)', name: 'evaluation-rounds', make: () => roundsCsv(book, runs, bits) }]
            : []),
        ]}
        presentation={presentation}
      />
    </section>
  );
}
