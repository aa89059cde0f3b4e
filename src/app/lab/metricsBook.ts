/**
 * Everything measured in the lab, per run, in bounded memory: loss/accuracy/penalty series (downsampled by
 * pair-averaging once full, so 100,000 iterations keep at most `capacity` points), gradient-flow rows,
 * spectrum statistics and drift, and the evaluation rounds (validation at the round's weights, the test set
 * at the run's best-validation weights: at most one round per evaluation, kept whole). Plain data, no React: charts subscribe and redraw from it directly
 * (transient subscriptions), and it serialises into the experiment file.
 */
import type { RunEvaluation } from '../../engine/evaluationSchedule.ts';
import type { IterationRecord } from '../../engine/runGroup.ts';
import type { TrainerEvents } from '../../training/trainerEvents.ts';

/** A series of (iteration, value) that never holds more than `capacity` points. */
export class Series {
  iterations: number[] = [];
  values: number[] = [];
  /** how many raw points each stored point averages */
  private stride = 1;
  private pendingIt = 0;
  private pendingSum = 0;
  private pendingCount = 0;

  constructor(readonly capacity = 2000) {}

  push(iteration: number, value: number): void {
    // NaN (e.g. accuracy of a task without one) passes through unaveraged
    this.pendingIt = iteration;
    this.pendingSum += value;
    this.pendingCount++;
    if (this.pendingCount < this.stride) return;
    this.iterations.push(this.pendingIt);
    this.values.push(this.pendingSum / this.pendingCount);
    this.pendingSum = 0;
    this.pendingCount = 0;
    if (this.iterations.length >= this.capacity) this.halve();
  }

  private halve(): void {
    const its: number[] = [];
    const vals: number[] = [];
    for (let i = 0; i + 1 < this.iterations.length; i += 2) {
      its.push(this.iterations[i + 1]);
      vals.push((this.values[i] + this.values[i + 1]) / 2);
    }
    if (this.iterations.length % 2 === 1) {
      its.push(this.iterations[this.iterations.length - 1]);
      vals.push(this.values[this.values.length - 1]);
    }
    this.iterations = its;
    this.values = vals;
    this.stride *= 2;
  }

  get last(): number | undefined {
    return this.values[this.values.length - 1];
  }

  toJSON(): SeriesJson {
    return { iterations: this.iterations, values: this.values, stride: this.stride };
  }

  static fromJSON(j: SeriesJson, capacity = 2000): Series {
    const s = new Series(capacity);
    s.iterations = [...j.iterations];
    s.values = [...j.values];
    s.stride = j.stride;
    return s;
  }
}

/** Rows of a per-iteration profile (gradient flow), at most `capacity` rows: every other row is dropped when full. */
export class RowBook {
  iterations: number[] = [];
  rows: Float32Array[] = [];
  /**
   * counts[i]: beside rows[i], the batch rows behind each of its entries (the gradient flow's row counts per
   * aligned step, src/engine/flowRows.ts); null where they are not known (a file from before they were kept)
   */
  counts: (Uint32Array | null)[] = [];
  private keepEvery = 1;
  private seen = 0;

  constructor(readonly capacity = 400) {}

  push(iteration: number, row: Float32Array, counts: Uint32Array | null = null): void {
    if (this.seen++ % this.keepEvery !== 0) return;
    this.iterations.push(iteration);
    this.rows.push(row);
    this.counts.push(counts);
    if (this.rows.length >= this.capacity) {
      this.iterations = this.iterations.filter((_, i) => i % 2 === 1);
      this.rows = this.rows.filter((_, i) => i % 2 === 1);
      this.counts = this.counts.filter((_, i) => i % 2 === 1);
      this.keepEvery *= 2;
    }
  }

  toJSON(): RowBookJson {
    return {
      iterations: this.iterations,
      rows: this.rows.map((r) => Array.from(r)),
      counts: this.counts.map((c) => (c ? Array.from(c) : null)),
      keepEvery: this.keepEvery,
      seen: this.seen,
    };
  }

  /** From JSON, where a null value (how JSON writes NaN: no data, or not finite) is NaN again. */
  static fromJSON(j: RowBookJson, capacity = 400): RowBook {
    const b = new RowBook(capacity);
    b.iterations = [...j.iterations];
    b.rows = j.rows.map((r) => Float32Array.from(r, (v) => (v === null ? Number.NaN : v)));
    b.counts = j.rows.map((_, i) => {
      const c = j.counts?.[i];
      return c ? Uint32Array.from(c) : null;
    });
    b.keepEvery = j.keepEvery;
    b.seen = j.seen;
    return b;
  }
}

export interface RowBookJson {
  iterations: number[];
  /** null where the value was NaN */
  rows: (number | null)[][];
  /** beside each row, its row counts (RowBook.counts); absent in files from before they were kept */
  counts?: (number[] | null)[];
  keepEvery: number;
  seen: number;
}

export interface SeriesJson {
  iterations: number[];
  values: number[];
  stride: number;
}

export interface SpectrumStats {
  iteration: number;
  mean: number;
  std: number;
  min: number;
  max: number;
  /** the margin's bounds at that time (null for no margin or plain runs) */
  lower: number | null;
  upper: number | null;
}

export interface RunTrace {
  loss: Series;
  accuracy: Series;
  softOrthPenalty: Series;
  weightDecayPenalty: Series;
  flow: RowBook;
  spectrum: SpectrumStats[];
  /** the most recent singular values (sorted descending) */
  currentSpectrum: Float32Array | null;
  /** why the latest tracking iteration gave no spectrum (e.g. W not finite), with its iteration; null once one arrives */
  spectrumNote: { iteration: number; note: string } | null;
  drift: { iterations: number[]; u: number[]; v: number[] };
  /**
   * where the run restarted from its initialisation while its history was kept (its model, seed or
   * initialisation changed in the lab): what it measured before that iteration is the earlier model's
   */
  restarts: RunRestart[];
  /**
   * the evaluation rounds, in iteration order, as the evaluation schedule keeps them (RunEvaluation: the
   * validation figures; the test figures at the best weights in the rounds that took new best weights)
   */
  evaluations: RunEvaluation[];
}

/** A restart of a run from its initialisation, after `iteration`, with its history kept; `note` says what changed. */
export interface RunRestart {
  iteration: number;
  note: string;
}

const nullIfNaN = (v: number) => (Number.isFinite(v) ? v : null);

/**
 * One run's entry of an evaluation event (the trainer's `evaluation`), as the schedule's history writes it:
 * a loss that was not finite and a task without accuracy become null; the test figures only where the
 * run's best weights were taken in this round (the test split then scored them at this iteration).
 */
export function roundEntry(round: TrainerEvents['evaluation'], r: number): RunEvaluation | null {
  const v = round.results.find((e) => e.split === 'validation')?.runs[r];
  if (!v) return null;
  const t = round.results.find((e) => e.split === 'test')?.runs[r];
  const entry: RunEvaluation = {
    iteration: round.iteration,
    validation: { loss: nullIfNaN(v.loss), accuracy: nullIfNaN(v.accuracy), count: v.count },
  };
  if (t && t.bestIteration === round.iteration)
    entry.test = { loss: nullIfNaN(t.loss), accuracy: nullIfNaN(t.accuracy), count: t.count, bestIteration: t.bestIteration };
  return entry;
}

/**
 * The test figures over training: at each round, the test set at the run's best-validation weights as they
 * stood after it (those of the latest round that took new best weights, repeated while they stay best);
 * rounds before the run's first best weights have none.
 */
export function testAtEachRound(rounds: readonly RunEvaluation[]): { iteration: number; test: NonNullable<RunEvaluation['test']> }[] {
  const out: { iteration: number; test: NonNullable<RunEvaluation['test']> }[] = [];
  let last: RunEvaluation['test'];
  for (const e of rounds) {
    if (e.test) last = e.test;
    if (last) out.push({ iteration: e.iteration, test: last });
  }
  return out;
}

function newTrace(capacity: number): RunTrace {
  return {
    loss: new Series(capacity),
    accuracy: new Series(capacity),
    softOrthPenalty: new Series(capacity),
    weightDecayPenalty: new Series(capacity),
    flow: new RowBook(),
    spectrum: [],
    currentSpectrum: null,
    spectrumNote: null,
    drift: { iterations: [], u: [], v: [] },
    restarts: [],
    evaluations: [],
  };
}

export function spectrumStats(iteration: number, s: ArrayLike<number>, margin: number | null): SpectrumStats {
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < s.length; i++) {
    sum += s[i];
    min = Math.min(min, s[i]);
    max = Math.max(max, s[i]);
  }
  const mean = sum / s.length;
  let v = 0;
  for (let i = 0; i < s.length; i++) v += (s[i] - mean) ** 2;
  return {
    iteration,
    mean,
    std: Math.sqrt(v / s.length),
    min,
    max,
    lower: margin === null ? null : 1 - margin,
    upper: margin === null ? null : 1 + margin,
  };
}

export type BookListener = () => void;

export interface RunTraceJson {
  loss: SeriesJson;
  accuracy: SeriesJson;
  softOrthPenalty: SeriesJson;
  weightDecayPenalty: SeriesJson;
  flow: RowBookJson;
  spectrum: SpectrumStats[];
  currentSpectrum: number[] | null;
  drift: { iterations: number[]; u: number[]; v: number[] };
  /** absent in files written before 4 December 2026 (no restarts) */
  restarts?: RunRestart[];
}

export interface MetricsBookJson {
  capacity: number;
  /** by run id */
  runs: Record<string, RunTraceJson>;
}

export class MetricsBook {
  readonly traces = new Map<string, RunTrace>();
  /** bumps on every change: a cheap way for views to know whether to redraw */
  version = 0;
  /**
   * Bumped whenever the evaluation rounds may have changed (a round added, rounds set by an import, runs
   * removed, the book cleared or loaded): a view of the rounds redraws when it moves. A count of rounds would
   * not do: cleared and loaded again, the book can hold as many rounds as before, other ones.
   */
  roundsVersion = 0;
  private readonly listeners = new Set<BookListener>();

  constructor(readonly capacity = 2000) {}

  trace(runId: string): RunTrace {
    let t = this.traces.get(runId);
    if (!t) {
      t = newTrace(this.capacity);
      this.traces.set(runId, t);
    }
    return t;
  }

  /**
   * Adds records from a run group whose run k has id runIds[k] and margin margins[k] (null when the run
   * has no margin or is plain). Spectra are kept as statistics plus the latest vector. Run k records only
   * iterations before until[k] (a run that failed there: nothing measured after its failure is kept).
   */
  add(
    records: readonly IterationRecord[],
    runIds: readonly string[],
    margins: readonly (number | null)[],
    until?: readonly number[],
  ): void {
    if (!records.length) return;
    const skip = (it: number, k: number) => until !== undefined && it >= until[k];
    for (const rec of records) {
      rec.runs.forEach((m, k) => {
        if (skip(rec.iteration, k)) return;
        const t = this.trace(runIds[k]);
        t.loss.push(rec.iteration, m.loss);
        t.accuracy.push(rec.iteration, m.accuracy);
        t.softOrthPenalty.push(rec.iteration, m.softOrthPenalty);
        t.weightDecayPenalty.push(rec.iteration, m.weightDecayPenalty);
      });
      if (rec.track) {
        rec.track.flow.forEach((f, k) => {
          if (!skip(rec.iteration, k))
            this.trace(runIds[k]).flow.push(rec.iteration, f, rec.track?.flowCountsPerRun?.[k] ?? rec.track?.flowCounts ?? null);
        });
        rec.track.spectrum.forEach((s, k) => {
          if (skip(rec.iteration, k)) return;
          const note = rec.track?.spectrumNote?.[k];
          if (!s) {
            if (note) this.trace(runIds[k]).spectrumNote = { iteration: rec.iteration, note };
            return;
          }
          const t = this.trace(runIds[k]);
          t.spectrumNote = null;
          const sorted = Float32Array.from(s).sort().reverse();
          t.currentSpectrum = sorted;
          t.spectrum.push(spectrumStats(rec.iteration, s, margins[k]));
          if (t.spectrum.length > this.capacity) t.spectrum = t.spectrum.filter((_, i) => i % 2 === 1);
        });
        rec.track.drift.forEach((d, k) => {
          if (!d || skip(rec.iteration, k)) return;
          const dr = this.trace(runIds[k]).drift;
          dr.iterations.push(rec.iteration);
          dr.u.push(d[0]);
          dr.v.push(d[1]);
          if (dr.iterations.length > this.capacity) {
            dr.iterations = dr.iterations.filter((_, i) => i % 2 === 1);
            dr.u = dr.u.filter((_, i) => i % 2 === 1);
            dr.v = dr.v.filter((_, i) => i % 2 === 1);
          }
        });
      }
    }
    this.changed();
  }

  /**
   * Adds an evaluation round of a run group whose run k has id runIds[k]. A round at or before a run's last
   * one (the same round delivered again, a history restored meanwhile) is not added twice.
   */
  addEvaluation(round: TrainerEvents['evaluation'], runIds: readonly string[]): void {
    runIds.forEach((id, k) => {
      const entry = roundEntry(round, k);
      if (!entry) return;
      const list = this.trace(id).evaluations;
      if (list.length && list[list.length - 1].iteration >= entry.iteration) return;
      list.push(entry);
    });
    this.roundsVersion++;
    this.changed();
  }

  /** Sets the evaluation rounds of runs (an imported experiment's, from its checkpoints), by run id. */
  setEvaluations(byId: ReadonlyMap<string, readonly RunEvaluation[]>): void {
    for (const [id, rounds] of byId) this.trace(id).evaluations = rounds.map((e) => structuredClone(e));
    this.roundsVersion++;
    this.changed();
  }

  /** Plain JSON of everything measured (for the experiment file); NaN values become null. */
  toJSON(): MetricsBookJson {
    // Object.fromEntries defines own properties, whatever the run ids are (an assignment runs['__proto__'] would set the prototype)
    const entries: [string, RunTraceJson][] = [];
    for (const [id, t] of this.traces) {
      entries.push([
        id,
        {
          loss: t.loss.toJSON(),
          accuracy: t.accuracy.toJSON(),
          softOrthPenalty: t.softOrthPenalty.toJSON(),
          weightDecayPenalty: t.weightDecayPenalty.toJSON(),
          flow: t.flow.toJSON(),
          spectrum: t.spectrum,
          currentSpectrum: t.currentSpectrum ? Array.from(t.currentSpectrum) : null,
          drift: t.drift,
          ...(t.restarts.length ? { restarts: t.restarts } : {}),
        },
      ]);
    }
    return { capacity: this.capacity, runs: Object.fromEntries(entries) };
  }

  /** Replaces everything measured with the contents of `j` (checked by the caller) and notifies. */
  load(j: MetricsBookJson): void {
    this.traces.clear();
    const nums = (a: (number | null)[]) => a.map((v) => (v === null ? NaN : v));
    const series = (s: SeriesJson) => Series.fromJSON({ ...s, values: nums(s.values as (number | null)[]) }, this.capacity);
    for (const [id, r] of Object.entries(j.runs)) {
      this.traces.set(id, {
        loss: series(r.loss),
        accuracy: series(r.accuracy),
        softOrthPenalty: series(r.softOrthPenalty),
        weightDecayPenalty: series(r.weightDecayPenalty),
        flow: RowBook.fromJSON(r.flow),
        spectrum: r.spectrum.map((st) => ({ ...st })),
        currentSpectrum: r.currentSpectrum ? Float32Array.from(r.currentSpectrum) : null,
        spectrumNote: null,
        drift: { iterations: [...r.drift.iterations], u: [...r.drift.u], v: [...r.drift.v] },
        restarts: (r.restarts ?? []).map((x) => ({ ...x })),
        // the rounds travel in the checkpoints (their evaluation history): setEvaluations puts them back
        evaluations: [],
      });
    }
    this.roundsVersion++;
    this.changed();
  }

  /** Records that run `runId` restarted from its initialisation after `iteration`, its history kept. */
  markRestart(runId: string, iteration: number, note: string): void {
    this.trace(runId).restarts.push({ iteration, note });
    this.changed();
  }

  remove(runId: string): void {
    this.traces.delete(runId);
    this.roundsVersion++;
    this.changed();
  }

  clear(): void {
    this.traces.clear();
    this.roundsVersion++;
    this.changed();
  }

  subscribe(fn: BookListener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private changed(): void {
    this.version++;
    for (const fn of this.listeners) fn();
  }
}
