/**
 * Each chart's data as CSV (one header line, one row per iteration and run; the heatmap one per
 * iteration, run and time step). Values are the measured ones, never the display smoothing; an unmeasured
 * value (NaN, or no bound) is an empty field. Run names are quoted where they need it.
 */

import { csvField } from '../../experiments/csvField.ts';
import { replicateBand } from '../../experiments/replicates.ts';
import { type MetricsBook, testAtEachRound } from '../lab/metricsBook.ts';
import { visibleRuns } from './figureFrame.ts';
import { chartLines, strictlyIncreasing } from './replicateLines.ts';
import type { ChartRun } from './types.ts';

function csv(header: string[], rows: (string | number | null | undefined)[][]): string {
  return `${[header.join(','), ...rows.map((r) => r.map(csvField).join(','))].join('\n')}\n`;
}

export function lossCsv(book: MetricsBook, runs: readonly ChartRun[], bits = false): string {
  const rows: (string | number)[][] = [];
  for (const run of visibleRuns(runs)) {
    const t = book.traces.get(run.id);
    if (!t) continue;
    t.loss.iterations.forEach((it, i) => {
      // the four series are pushed together, so they share their (downsampled) iterations
      const loss = t.loss.values[i];
      rows.push([
        it,
        run.name,
        loss,
        ...(bits ? [loss / Math.LN2] : []),
        t.accuracy.values[i],
        t.softOrthPenalty.values[i],
        t.weightDecayPenalty.values[i],
      ]);
    });
  }
  // the text task's loss is also written in bits per character (loss / ln 2)
  return csv(['iteration', 'run', 'loss', ...(bits ? ['bpc'] : []), 'accuracy', 'soft_orth_penalty', 'weight_decay_penalty'], rows);
}

/**
 * Each line of the loss chart over its seeds: iteration, set (the replicate set's name; a run of its own:
 * its name), seeds (the set's runs), metric (loss, bpc for text, accuracy), and at that iteration the mean,
 * median, sample std, min and max over the seeds that recorded a finite value there, and their count n. Raw
 * values (no display smoothing); a run of its own has n = 1 and std 0.
 */
export function replicatesCsv(book: MetricsBook, runs: readonly ChartRun[], bits = false): string {
  const rows: (string | number)[][] = [];
  for (const line of chartLines(runs)) {
    const traces = line.members.map((r) => book.traces.get(r.id));
    const metrics: [string, (v: number) => number, 'loss' | 'accuracy'][] = [
      ['loss', (v) => v, 'loss'],
      ...(bits ? ([['bpc', (v: number) => v / Math.LN2, 'loss']] as [string, (v: number) => number, 'loss'][]) : []),
      ['accuracy', (v) => v, 'accuracy'],
    ];
    for (const [metric, scale, key] of metrics) {
      const band = replicateBand(
        traces.map((t) => strictlyIncreasing({ x: t ? Array.from(t[key].iterations) : [], y: t ? Array.from(t[key].values, scale) : [] })),
      );
      band.x.forEach((it, i) => {
        rows.push([
          it,
          line.name,
          line.members.length,
          metric,
          band.mean[i],
          band.median[i],
          band.std[i],
          band.min[i],
          band.max[i],
          band.count[i],
        ]);
      });
    }
  }
  return csv(['iteration', 'set', 'seeds', 'metric', 'mean', 'median', 'std', 'min', 'max', 'n'], rows);
}

/** At most this many heatmap rows in one CSV; beyond it every k-th time step is written (t stays exact). */
export const FLOW_CSV_MAX_LINES = 2_000_000;

/**
 * iteration, run, t, steps_before_last, grad_norm_sq (the stored sum over batch and units of
 * (dLoss_last/dh_t)^2), grad_norm (its square root), normalised (grad_norm divided by its maximum over t at
 * that iteration) and rows (the batch rows behind the value). t is the flow index k = 0..L; the flow is
 * aligned on each row's last scored step (src/engine/flowRows.ts), so steps_before_last = L - t (for copy,
 * adding and MNIST every row ends at L and t is the time step itself). A value no row reaches (rows 0) is an
 * empty field, as is rows where the counts were not kept (a file from before them).
 */
export function flowCsv(book: MetricsBook, runs: readonly ChartRun[]): string {
  const shown = visibleRuns(runs);
  let cells = 0;
  for (const r of shown) for (const row of book.traces.get(r.id)?.flow.rows ?? []) cells += row.length;
  const stride = Math.max(1, Math.ceil(cells / FLOW_CSV_MAX_LINES));
  const lines = ['iteration,run,t,steps_before_last,grad_norm_sq,grad_norm,normalised,rows'];
  for (const run of shown) {
    const flow = book.traces.get(run.id)?.flow;
    if (!flow) continue;
    const name = csvField(run.name);
    flow.rows.forEach((row, i) => {
      const L = row.length - 1;
      const counts = flow.counts[i]?.length === row.length ? flow.counts[i] : null;
      let peak = 0;
      for (let t = 0; t < row.length; t++) if (row[t] > peak) peak = row[t];
      const peakNorm = Math.sqrt(peak);
      for (let t = 0; t < row.length; t += stride) {
        const norm = Math.sqrt(Math.max(0, row[t]));
        const normalised = Number.isNaN(norm) ? NaN : peakNorm > 0 ? norm / peakNorm : 0;
        lines.push(
          `${flow.iterations[i]},${name},${t},${L - t},${csvField(row[t])},${csvField(norm)},${csvField(normalised)},${counts ? counts[t] : ''}`,
        );
      }
    });
  }
  return `${lines.join('\n')}\n`;
}

export function spectrumCsv(book: MetricsBook, runs: readonly ChartRun[]): string {
  const rows: (string | number | null)[][] = [];
  for (const run of visibleRuns(runs)) {
    for (const s of book.traces.get(run.id)?.spectrum ?? [])
      rows.push([s.iteration, run.name, s.mean, s.std, s.min, s.max, s.lower, s.upper]);
  }
  return csv(['iteration', 'run', 'mean', 'std', 'min', 'max', 'lower_bound', 'upper_bound'], rows);
}

/** The current spectrum (the histogram's data): run, rank i (1 = largest), singular value. */
export function currentSpectrumCsv(book: MetricsBook, runs: readonly ChartRun[]): string {
  const rows: (string | number)[][] = [];
  for (const run of visibleRuns(runs)) {
    const s = book.traces.get(run.id)?.currentSpectrum;
    const it = book.traces.get(run.id)?.spectrum.at(-1)?.iteration ?? '';
    s?.forEach((v, i) => {
      rows.push([it, run.name, i + 1, v]);
    });
  }
  return csv(['iteration', 'run', 'rank', 'singular_value'], rows);
}

export function driftCsv(book: MetricsBook, runs: readonly ChartRun[]): string {
  const rows: (string | number)[][] = [];
  for (const run of visibleRuns(runs)) {
    const d = book.traces.get(run.id)?.drift;
    d?.iterations.forEach((it, i) => {
      rows.push([it, run.name, d.u[i], d.v[i]]);
    });
  }
  return csv(['iteration', 'run', 'max_abs_UtU_minus_I', 'max_abs_VtV_minus_I'], rows);
}

/**
 * The evaluation rounds: iteration, run, the validation loss and accuracy at that iteration's weights; in a
 * round that took new best weights, the test loss and accuracy at them with the iteration they are from; and
 * in every round the test figures over training that the accuracy chart draws (dotted): the test set at the
 * run's best-validation weights as they stood after the round (testAtEachRound), with their iteration.
 */
export function roundsCsv(book: MetricsBook, runs: readonly ChartRun[], bits = false): string {
  const rows: (string | number | null)[][] = [];
  const inBits = (loss: number | null | undefined) => (bits ? [loss === null || loss === undefined ? null : loss / Math.LN2] : []);
  for (const run of visibleRuns(runs)) {
    const rounds = book.traces.get(run.id)?.evaluations ?? [];
    const atBest = new Map(testAtEachRound(rounds).map((t) => [t.iteration, t.test]));
    for (const e of rounds) {
      const b = atBest.get(e.iteration);
      rows.push([
        e.iteration,
        run.name,
        e.validation.loss,
        ...inBits(e.validation.loss),
        e.validation.accuracy,
        e.test?.loss ?? null,
        ...inBits(e.test ? e.test.loss : null),
        e.test?.accuracy ?? null,
        e.test?.bestIteration ?? null,
        b?.loss ?? null,
        ...inBits(b ? b.loss : null),
        b?.accuracy ?? null,
        b?.bestIteration ?? null,
      ]);
    }
  }
  const b = (name: string) => (bits ? [name] : []);
  return csv(
    [
      'iteration',
      'run',
      'validation_loss',
      ...b('validation_bpc'),
      'validation_accuracy',
      'test_loss',
      ...b('test_bpc'),
      'test_accuracy',
      'test_best_iteration',
      'test_at_best_loss',
      ...b('test_at_best_bpc'),
      'test_at_best_accuracy',
      'test_at_best_iteration',
    ],
    rows,
  );
}
