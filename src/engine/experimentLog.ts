/**
 * The measured history of a run group in plain data: per-iteration metrics and, every few iterations, the
 * traces (gradient flow, spectrum, orthogonality drift). Written by the headless trainer as CSV and JSON,
 * and the same shapes the lab exports.
 */
import type { IterationRecord } from './runGroup.ts';
import type { GroupSettings, RunSettings } from './settings.ts';

export const METRICS_FORMAT = 'orthogonality-lab/metrics';
export const TRACES_FORMAT = 'orthogonality-lab/traces';

export interface MetricsFile {
  format: typeof METRICS_FORMAT;
  version: 1;
  /** written by the headless trainer: the experiment and the iteration of the snapshot this file belongs to */
  experimentId?: string;
  iteration?: number;
  group: GroupSettings;
  runs: RunSettings[];
  baselineLoss: number;
  /** one entry per iteration; metrics[k][r] = [loss, accuracy, softOrthPenalty, weightDecayPenalty] */
  iterations: number[];
  metrics: [number, number, number, number][][];
}

export interface TracesFile {
  format: typeof TRACES_FORMAT;
  version: 1;
  /** as in MetricsFile */
  experimentId?: string;
  iteration?: number;
  /** iterations at which the traces were taken */
  iterations: number[];
  /**
   * flowCounts[k][i], beside iterations[k]: how many batch rows reach flow index i (i = 0..L) in the batch of
   * that iteration, the same for every run (src/engine/flowRows.ts: the flow is aligned on each row's last
   * scored step; copy, adding and MNIST give B everywhere); null for iterations of a file from before the
   * counts were kept, and where the runs' batches had other rows (text over several data streams: the flow of
   * each run is aligned on its own batch's rows: then runs[r].flowCounts[k] has each run's). Absent in old files
   * altogether.
   */
  flowCounts?: (number[] | null)[];
  runs: {
    name: string;
    /**
     * flow[k][i]: sum over the batch rows and units of (dLoss_last/dh)^2 at the states L - i steps before each
     * row's last scored step (i = t for tasks whose rows all end at L), scaled by B' / flowCounts[k][i]; raw,
     * not normalised; null (NaN) where no row reaches i
     */
    flow: number[][];
    /** spectrum[k]: singular values of W (null where not computed) */
    spectrum: (number[] | null)[];
    /** drift[k]: [max|U^T U - I|, max|V^T V - I|] (null for plain runs) */
    drift: ([number, number] | null)[];
    /**
     * flowCounts[k]: this run's batch rows behind each flow index at iterations[k], where the runs' batches had
     * other rows (text over several data streams, TrackRecord.flowCountsPerRun) and the group's flowCounts[k] is
     * null; null where the group's flowCounts[k] holds for every run. Absent in files from before 3 December
     * 2026 (read back as null everywhere).
     */
    flowCounts?: (number[] | null)[];
  }[];
}

export class ExperimentLog {
  readonly metrics: MetricsFile;
  readonly traces: TracesFile;

  constructor(group: GroupSettings, runs: RunSettings[], baselineLoss: number) {
    this.metrics = { format: METRICS_FORMAT, version: 1, group, runs, baselineLoss, iterations: [], metrics: [] };
    this.traces = {
      format: TRACES_FORMAT,
      version: 1,
      iterations: [],
      flowCounts: [],
      runs: runs.map((r) => ({ name: r.name, flow: [], spectrum: [], drift: [], flowCounts: [] })),
    };
  }

  /** Continues a log read back from files (resume; check them first with checkMetricsFile and checkTracesFile). */
  static from(metrics: MetricsFile, traces: TracesFile): ExperimentLog {
    const log = new ExperimentLog(metrics.group, metrics.runs, metrics.baselineLoss);
    // loops, not push(...a): a long history would pass more arguments than a call can take
    for (const it of metrics.iterations) log.metrics.iterations.push(it);
    for (const row of metrics.metrics) log.metrics.metrics.push(row);
    for (const it of traces.iterations) log.traces.iterations.push(it);
    const counts = log.traces.flowCounts!;
    traces.iterations.forEach((_, k) => {
      counts.push(traces.flowCounts?.[k] ?? null);
    });
    traces.runs.forEach((r, i) => {
      const run = log.traces.runs[i];
      for (const f of r.flow) run.flow.push(f);
      for (const s of r.spectrum) run.spectrum.push(s);
      for (const d of r.drift) run.drift.push(d);
      traces.iterations.forEach((_, k) => {
        run.flowCounts!.push(r.flowCounts?.[k] ?? null);
      });
    });
    return log;
  }

  add(records: readonly IterationRecord[]): void {
    for (const rec of records) {
      this.metrics.iterations.push(rec.iteration);
      this.metrics.metrics.push(rec.runs.map((m) => [m.loss, m.accuracy, m.softOrthPenalty, m.weightDecayPenalty]));
      if (rec.track) {
        this.traces.iterations.push(rec.iteration);
        this.traces.flowCounts!.push(rec.track.flowCounts ? Array.from(rec.track.flowCounts) : null);
        const perRun = rec.track.flowCounts ? undefined : rec.track.flowCountsPerRun;
        rec.track.flow.forEach((f, r) => {
          const run = this.traces.runs[r];
          run.flow.push(Array.from(f));
          run.flowCounts!.push(perRun?.[r] ? Array.from(perRun[r]) : null);
          const s = rec.track!.spectrum[r];
          run.spectrum.push(s ? Array.from(s) : null);
          run.drift.push(rec.track!.drift[r]);
        });
      }
    }
  }

  toCsv(): string {
    // the text task's loss is also given in bits per character (loss / ln 2), the paper's unit
    const bits = this.metrics.group.task === 'text';
    const rows = [`iteration,run,name,loss,${bits ? 'bpc,' : ''}accuracy,soft_orth_penalty,weight_decay_penalty`];
    const names = this.metrics.runs.map((r) => `"${r.name.replace(/"/g, '""')}"`);
    this.metrics.iterations.forEach((it, k) => {
      this.metrics.metrics[k].forEach((m, r) => {
        const values = bits ? [m[0], m[0] / Math.LN2, ...m.slice(1)] : m;
        rows.push([it, r, names[r], ...values.map(csvNumber)].join(','));
      });
    });
    return `${rows.join('\n')}\n`;
  }
}

function csvNumber(v: number): string {
  return Number.isNaN(v) ? '' : String(v);
}
