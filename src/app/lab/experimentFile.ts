/**
 * The experiment file: one JSON file with everything needed to continue an experiment or look at it again:
 * the settings (group + runs, with the lab's run ids and hidden flags), everything the MetricsBook measured,
 * and one checkpoint per run (src/engine/checkpoint.ts: parameters, optimiser state, iteration, data
 * generator state, status: a run that failed comes back failed, frozen at its last finite state). Reading one checks everything and throws ExperimentFileError naming the problem; the
 * caller changes nothing unless parsing succeeded.
 *
 *   { format: 'orthogonality-lab/experiment', version: 1, createdAt, group, runs: [{ id, hidden, settings }],
 *     iteration, dataRngState, metrics: { capacity, runs: { [id]: trace } }, checkpoints: [Checkpoint per run] }
 */
import { type Checkpoint, CheckpointError, type ParsedCheckpoint, parseCheckpoint } from '../../engine/checkpoint.ts';
import { Rng } from '../../engine/random.ts';
import type { InitialState } from '../../engine/runGroup.ts';
import { GROUP_SETTINGS, type GroupSettings, RUN_SETTINGS, type RunSettings, validateExperiment } from '../../engine/settings.ts';
import type { MetricsBookJson, RowBookJson, RunTraceJson, SeriesJson, SpectrumStats } from './metricsBook.ts';
import type { LabRun } from './store.ts';

export const EXPERIMENT_FORMAT = 'orthogonality-lab/experiment';
export const EXPERIMENT_VERSION = 1;

export interface ExperimentFile {
  format: typeof EXPERIMENT_FORMAT;
  version: number;
  createdAt: string;
  group: GroupSettings;
  runs: LabRun[];
  /** iterations completed by the group */
  iteration: number;
  dataRngState: number[];
  metrics: MetricsBookJson;
  checkpoints: Checkpoint[];
}

export interface LoadedExperiment {
  group: GroupSettings;
  runs: LabRun[];
  metrics: MetricsBookJson;
  initial: InitialState;
}

export class ExperimentFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExperimentFileError';
  }
}

export function makeExperimentFile(args: Omit<ExperimentFile, 'format' | 'version' | 'createdAt'>): ExperimentFile {
  return { format: EXPERIMENT_FORMAT, version: EXPERIMENT_VERSION, createdAt: new Date().toISOString(), ...args };
}

export function experimentFileName(group: GroupSettings, iteration: number): string {
  return `orthogonality-lab-${group.task}-T${group.T}-n${group.hidden}-it${iteration}.json`;
}

function sameSettings<T extends object>(table: { [K in keyof T]: unknown }, a: T, b: T): boolean {
  return (Object.keys(table) as (keyof T)[]).every((k) => a[k] === b[k]);
}

const isNum = (v: unknown) => typeof v === 'number' && Number.isFinite(v);
const isNumOrNull = (v: unknown) => v === null || isNum(v);

function checkSeries(s: unknown, what: string): SeriesJson {
  const j = s as SeriesJson;
  if (!j || typeof j !== 'object' || !Array.isArray(j.iterations) || !Array.isArray(j.values))
    throw new ExperimentFileError(`${what} must have iterations and values`);
  if (j.iterations.length !== j.values.length) throw new ExperimentFileError(`${what}: iterations and values differ in length`);
  if (!j.iterations.every(isNum) || !j.values.every(isNumOrNull))
    throw new ExperimentFileError(`${what} holds a value that is not a number`);
  if (!Number.isInteger(j.stride) || j.stride < 1) throw new ExperimentFileError(`${what}: stride must be a whole number >= 1`);
  return j;
}

function checkRows(r: unknown, what: string): RowBookJson {
  const j = r as RowBookJson;
  if (!j || typeof j !== 'object' || !Array.isArray(j.iterations) || !Array.isArray(j.rows) || j.rows.length !== j.iterations.length) {
    throw new ExperimentFileError(`${what} must have as many rows as iterations`);
  }
  if (!j.rows.every((row) => Array.isArray(row) && row.every(isNumOrNull)))
    throw new ExperimentFileError(`${what} holds a row that is not a list of numbers`);
  if (!Number.isInteger(j.keepEvery) || j.keepEvery < 1 || !Number.isInteger(j.seen) || j.seen < 0)
    throw new ExperimentFileError(`${what}: keepEvery/seen are not valid counters`);
  return j;
}

function checkTrace(t: unknown, what: string): RunTraceJson {
  if (!t || typeof t !== 'object') throw new ExperimentFileError(`${what} must be an object`);
  const j = t as RunTraceJson;
  for (const k of ['loss', 'accuracy', 'softOrthPenalty', 'weightDecayPenalty'] as const) checkSeries(j[k], `${what}.${k}`);
  checkRows(j.flow, `${what}.flow`);
  if (!Array.isArray(j.spectrum)) throw new ExperimentFileError(`${what}.spectrum must be a list`);
  j.spectrum.forEach((st: SpectrumStats, i) => {
    const ok =
      st &&
      isNum(st.iteration) &&
      isNum(st.mean) &&
      isNum(st.std) &&
      isNum(st.min) &&
      isNum(st.max) &&
      isNumOrNull(st.lower) &&
      isNumOrNull(st.upper);
    if (!ok) throw new ExperimentFileError(`${what}.spectrum[${i}] is not a set of spectrum statistics`);
  });
  if (j.currentSpectrum !== null && !(Array.isArray(j.currentSpectrum) && j.currentSpectrum.every(isNum)))
    throw new ExperimentFileError(`${what}.currentSpectrum must be null or numbers`);
  const d = j.drift;
  if (
    !d ||
    !Array.isArray(d.iterations) ||
    !Array.isArray(d.u) ||
    !Array.isArray(d.v) ||
    d.u.length !== d.iterations.length ||
    d.v.length !== d.iterations.length
  ) {
    throw new ExperimentFileError(`${what}.drift must have iterations, u and v of equal length`);
  }
  return j;
}

function checkRuns(runs: unknown): LabRun[] {
  if (!Array.isArray(runs)) throw new ExperimentFileError('runs must be a list of { id, hidden, settings }');
  const ids = new Set<string>();
  return runs.map((r, i) => {
    const run = r as LabRun;
    if (
      !run ||
      typeof run !== 'object' ||
      typeof run.id !== 'string' ||
      run.id === '' ||
      typeof run.hidden !== 'boolean' ||
      typeof run.settings !== 'object'
    ) {
      throw new ExperimentFileError(`runs[${i}] must be { id: text, hidden: true/false, settings: {...} }`);
    }
    if (ids.has(run.id)) throw new ExperimentFileError(`runs[${i}]: the id '${run.id}' is used twice`);
    ids.add(run.id);
    return { id: run.id, hidden: run.hidden, settings: run.settings };
  });
}

/** Parses and checks an experiment file's text; throws ExperimentFileError naming the problem. */
export function parseExperimentFile(text: string, source = 'The file'): LoadedExperiment {
  let obj: unknown;
  try {
    obj = JSON.parse(text);
  } catch (e) {
    throw new ExperimentFileError(`${source} is not valid JSON (${(e as Error).message}); it may be truncated or not an experiment file`);
  }
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) throw new ExperimentFileError(`${source} must hold a JSON object`);
  const f = obj as Partial<ExperimentFile>;
  if (f.format !== EXPERIMENT_FORMAT) {
    throw new ExperimentFileError(
      `${source} is not an Orthogonality Lab experiment (format is '${String(f.format)}', expected '${EXPERIMENT_FORMAT}')`,
    );
  }
  if (f.version !== EXPERIMENT_VERSION)
    throw new ExperimentFileError(`${source} has version ${String(f.version)}; this lab reads version ${EXPERIMENT_VERSION}`);
  const runs = checkRuns(f.runs);
  const errors = validateExperiment(
    f.group as GroupSettings,
    runs.map((r) => r.settings),
  );
  if (errors.length) throw new ExperimentFileError(`${source} has invalid settings: ${errors.join('; ')}`);
  const group = f.group as GroupSettings;
  if (!Number.isInteger(f.iteration) || (f.iteration as number) < 0)
    throw new ExperimentFileError(`${source}: iteration must be a whole number >= 0`);
  let dataRngState: number[];
  try {
    // JSON writes the generator's 'no spare normal' NaN as null: normalise through the generator
    dataRngState = Rng.fromState(f.dataRngState as number[]).getState();
  } catch (e) {
    throw new ExperimentFileError(`${source}: dataRngState is not valid (${(e as Error).message})`);
  }
  if (!Array.isArray(f.checkpoints) || f.checkpoints.length !== runs.length) {
    throw new ExperimentFileError(
      `${source} must hold one checkpoint per run (${runs.length}), has ${Array.isArray(f.checkpoints) ? f.checkpoints.length : 'none'}`,
    );
  }
  const parsed = f.checkpoints.map((ck, k) => {
    const what = `${source}, checkpoint of run ${k + 1} ('${runs[k].settings.name}')`;
    let p: ParsedCheckpoint;
    try {
      p = parseCheckpoint(JSON.stringify(ck), what);
    } catch (e) {
      if (e instanceof CheckpointError) throw new ExperimentFileError(e.message);
      throw e;
    }
    const c = p.checkpoint;
    if (!sameSettings<GroupSettings>(GROUP_SETTINGS, c.group, group) || !sameSettings<RunSettings>(RUN_SETTINGS, c.run, runs[k].settings)) {
      throw new ExperimentFileError(`${what}: its settings differ from the experiment's settings for that run`);
    }
    if (c.runIndex !== k || c.iteration !== f.iteration || JSON.stringify(c.dataRngState) !== JSON.stringify(f.dataRngState)) {
      throw new ExperimentFileError(
        `${what}: saved at another iteration or position than the experiment (iteration ${c.iteration}, run index ${c.runIndex})`,
      );
    }
    return p;
  });
  const m = f.metrics as MetricsBookJson;
  if (!m || typeof m !== 'object' || typeof m.runs !== 'object' || m.runs === null || !Number.isInteger(m.capacity) || m.capacity < 2) {
    throw new ExperimentFileError(`${source}: metrics must be { capacity, runs: { [run id]: ... } }`);
  }
  const ids = new Set(runs.map((r) => r.id));
  for (const [id, t] of Object.entries(m.runs)) {
    if (!ids.has(id)) throw new ExperimentFileError(`${source}: metrics for an unknown run id '${id}'`);
    checkTrace(t, `${source}: metrics of run '${id}'`);
  }
  return {
    group,
    runs,
    metrics: m,
    initial: {
      parameters: parsed.map((p) => p.parameters),
      optimizerState: parsed.map((p) => p.optimizerState),
      iteration: f.iteration as number,
      dataRngState,
      status: parsed.map((p) => p.status),
    },
  };
}
