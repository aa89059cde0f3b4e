/**
 * Reading metrics.json and traces.json back (the headless trainer's --resume): every field is checked
 * against the experiment's settings and named when wrong, so that a damaged or foreign file is refused with
 * a message instead of failing later (a `findIndex is not a function`) or continuing a wrong history.
 * JSON writes NaN (a task without accuracy, a failed run's loss) as null: the checked files hold NaN again.
 */
import { METRICS_FORMAT, type MetricsFile, TRACES_FORMAT, type TracesFile } from './experimentLog.ts';
import { GROUP_SETTINGS, type GroupSettings, RUN_SETTINGS, type RunSettings } from './settings.ts';

export class LogFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LogFileError';
  }
}

/** What the files must agree with: the experiment's settings and the sizes of its traces. */
export interface LogExpectation {
  group: GroupSettings;
  runs: RunSettings[];
  /** floats in one gradient-flow profile (L + 1) */
  flowLength: number;
  /** singular values in one spectrum (n) */
  spectrumLength: number;
}

function shown(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (typeof v === 'string') return v.length > 40 ? `the text '${v.slice(0, 40)}...' (${v.length} characters)` : `the text '${v}'`;
  return typeof v === 'object' ? 'an object' : `${typeof v} ${String(v)}`;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function own(rec: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(rec, key) ? rec[key] : undefined;
}

function array(v: unknown, what: string, length?: number, meaning = ''): unknown[] {
  if (!Array.isArray(v)) throw new LogFileError(`${what} must be an array${meaning} (got ${shown(v)})`);
  if (length !== undefined && v.length !== length)
    throw new LogFileError(`${what} must hold ${length} entries${meaning} (has ${v.length})`);
  return v;
}

/** A number, or null for NaN (how JSON writes it); anything else is refused. */
function numberOrNull(v: unknown, what: string): number {
  if (v === null) return NaN;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new LogFileError(`${what} must be a number or null (got ${shown(v)})`);
  return v;
}

function numbers(v: unknown, what: string, length: number, meaning = ''): number[] {
  const a = array(v, what, length, meaning);
  const out = new Array<number>(a.length);
  for (let i = 0; i < a.length; i++) out[i] = numberOrNull(a[i], `${what}[${i}]`);
  return out;
}

/** Whole numbers >= 1, strictly increasing (the iterations a history was measured at). */
function iterationList(v: unknown, what: string): number[] {
  const a = array(v, what);
  for (let k = 0; k < a.length; k++) {
    const it = a[k];
    if (typeof it !== 'number' || !Number.isInteger(it) || it < 1)
      throw new LogFileError(`${what}[${k}] must be a whole number >= 1 (got ${shown(it)})`);
    if (k > 0 && it <= (a[k - 1] as number))
      throw new LogFileError(`${what} must increase: ${String(a[k - 1])} is followed by ${it} at index ${k}`);
  }
  return a as number[];
}

function sameSettings(table: object, a: unknown, b: object): boolean {
  if (!isRecord(a)) return false;
  return Object.keys(table).every((k) => own(a, k) === (b as Record<string, unknown>)[k]);
}

function header(v: unknown, what: string, format: string): Record<string, unknown> {
  if (!isRecord(v)) throw new LogFileError(`${what} must hold a JSON object (got ${shown(v)})`);
  if (own(v, 'format') !== format)
    throw new LogFileError(`${what} is not ${format} (format is '${String(own(v, 'format')).slice(0, 60)}')`);
  if (own(v, 'version') !== 1)
    throw new LogFileError(`${what} has version ${String(own(v, 'version')).slice(0, 20)}; this trainer reads version 1`);
  return v;
}

function optionalTag(v: Record<string, unknown>): { experimentId?: string; iteration?: number } {
  const out: { experimentId?: string; iteration?: number } = {};
  const id = own(v, 'experimentId');
  if (typeof id === 'string') out.experimentId = id;
  const it = own(v, 'iteration');
  if (typeof it === 'number') out.iteration = it;
  return out;
}

/** Checks a parsed metrics.json against the experiment; returns it with NaN where the file has null. */
export function checkMetricsFile(v: unknown, what: string, expect: LogExpectation): MetricsFile {
  const f = header(v, what, METRICS_FORMAT);
  if (!sameSettings(GROUP_SETTINGS, own(f, 'group'), expect.group))
    throw new LogFileError(`${what}: its group settings differ from settings.json`);
  const runs = array(own(f, 'runs'), `${what}: runs`, expect.runs.length);
  runs.forEach((r, i) => {
    if (!sameSettings(RUN_SETTINGS, r, expect.runs[i]))
      throw new LogFileError(`${what}: the settings of run ${i} differ from settings.json`);
  });
  const baselineLoss = own(f, 'baselineLoss');
  if (typeof baselineLoss !== 'number' || !Number.isFinite(baselineLoss))
    throw new LogFileError(`${what}: baselineLoss must be a number (got ${shown(baselineLoss)})`);
  const iterations = iterationList(own(f, 'iterations'), `${what}: iterations`);
  const rows = array(own(f, 'metrics'), `${what}: metrics`, iterations.length);
  const R = expect.runs.length;
  const metrics = rows.map((row, k) =>
    array(row, `${what}: metrics[${k}]`, R).map(
      (m, r) =>
        numbers(m, `${what}: metrics[${k}][${r}]`, 4, ': loss, accuracy, soft-orthogonality and weight-decay penalties') as [
          number,
          number,
          number,
          number,
        ],
    ),
  );
  return {
    format: METRICS_FORMAT,
    version: 1,
    ...optionalTag(f),
    group: { ...expect.group },
    runs: expect.runs.map((r) => ({ ...r })),
    baselineLoss,
    iterations,
    metrics,
  };
}

/** K lists of the batch rows behind each flow index (null where not kept); absent (an older file): K nulls. */
function countsLists(raw: unknown, w: string, K: number, expect: LogExpectation): (number[] | null)[] {
  if (raw === undefined) return Array.from({ length: K }, () => null);
  return array(raw, w, K).map((c, k) => {
    if (c === null) return null;
    const list = numbers(c, `${w}[${k}]`, expect.flowLength);
    const bad = list.findIndex((v) => !Number.isInteger(v) || v < 0);
    if (bad >= 0)
      throw new LogFileError(`${w}[${k}][${bad}] must be a whole number >= 0, the batch rows behind flow index ${bad} (got ${list[bad]})`);
    return list;
  });
}

/** Checks a parsed traces.json against the experiment; returns it with NaN where the file has null. */
export function checkTracesFile(v: unknown, what: string, expect: LogExpectation): TracesFile {
  const f = header(v, what, TRACES_FORMAT);
  const iterations = iterationList(own(f, 'iterations'), `${what}: iterations`);
  const K = iterations.length;
  const runs = array(own(f, 'runs'), `${what}: runs`, expect.runs.length).map((run, r) => {
    const w = `${what}: runs[${r}]`;
    if (!isRecord(run)) throw new LogFileError(`${w} must be an object (got ${shown(run)})`);
    if (own(run, 'name') !== expect.runs[r].name)
      throw new LogFileError(
        `${w} is named '${String(own(run, 'name')).slice(0, 60)}', settings.json names run ${r} '${expect.runs[r].name}'`,
      );
    const flow = array(own(run, 'flow'), `${w}.flow`, K).map((p, k) => numbers(p, `${w}.flow[${k}]`, expect.flowLength));
    const spectrum = array(own(run, 'spectrum'), `${w}.spectrum`, K).map((s, k) =>
      s === null ? null : numbers(s, `${w}.spectrum[${k}]`, expect.spectrumLength),
    );
    const drift = array(own(run, 'drift'), `${w}.drift`, K).map((d, k) =>
      d === null ? null : (numbers(d, `${w}.drift[${k}]`, 2) as [number, number]),
    );
    return {
      name: expect.runs[r].name,
      flow,
      spectrum,
      drift,
      flowCounts: countsLists(own(run, 'flowCounts'), `${w}.flowCounts`, K, expect),
    };
  });
  // the batch rows behind each flow index, beside each iteration (absent in files from before they were kept)
  const flowCounts = countsLists(own(f, 'flowCounts'), `${what}: flowCounts`, K, expect);
  runs.forEach((run, r) => {
    const k = run.flowCounts.findIndex((c, j) => c !== null && flowCounts[j] !== null);
    if (k >= 0)
      throw new LogFileError(
        `${what}: runs[${r}].flowCounts[${k}] must be null where flowCounts[${k}] is given (one count list holds for every run, or each run has its own)`,
      );
  });
  return { format: TRACES_FORMAT, version: 1, ...optionalTag(f), iterations, flowCounts, runs };
}
