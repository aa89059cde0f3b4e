/**
 * Checkpoints: one JSON file per run, documented in docs/CHECKPOINT.md. They hold the settings, the seed,
 * every parameter by name with its shape, the optimiser state, the iteration and the data generator's
 * state, so that training resumes exactly where it stopped. Reading one checks everything and names what
 * is wrong; nothing is trusted because it parsed. Tensors are looked up as own properties of the parsed
 * JSON and settings through the settings table's own-property lookups: a key such as 'constructor' or
 * '__proto__' is an unknown tensor or setting, refused by name. Messages quote what the file says by a
 * short prefix (quoteInput).
 */

import { Rng } from '../random/rng.ts';
import { taskShape } from '../tasks/index.ts';
import { outputStepCount, type TrainingPosition, trainingPositionProblem } from '../tasks/task.ts';
import type { BestRecord } from './bestWeights.ts';
import { type DataStreamState, dataStreamsProblem } from './dataStreams.ts';
import type { RunEvaluation, ScoreJson } from './evaluationSchedule.ts';
import { type CellKind, cellOf, type ParamSet, paramNames, paramShape } from './parameters.ts';
import { describeInput, listProblems, quoteInput } from './quoteInput.ts';
import { type GroupSettings, type RunSettings, validateExperiment, withGroupDefaults } from './settings.ts';

export const CHECKPOINT_FORMAT = 'orthogonality-lab/checkpoint';
/** Version 2 added `experimentId`; version-1 files (no id) are still read, e.g. by evaluate. */
export const CHECKPOINT_VERSION = 2;
const READABLE_VERSIONS = [1, 2];

/** An experiment id: what ties every file of one trained experiment together (the trainer's are 32 hex digits). */
export const EXPERIMENT_ID_PATTERN = /^[0-9a-z-]{8,64}$/;

export interface TensorJson {
  shape: number[];
  data: number[];
}

export interface Checkpoint {
  format: typeof CHECKPOINT_FORMAT;
  version: number;
  createdAt: string;
  /** the experiment this file belongs to (the headless trainer's folders; absent in the lab's export files and in version 1) */
  experimentId?: string;
  group: GroupSettings;
  run: RunSettings;
  /** index of this run in its group when saved */
  runIndex: number;
  /** iterations completed */
  iteration: number;
  /** state of the group's data generator (Rng.getState) */
  dataRngState: number[];
  /** where the task's training stream stood (epoch and position; absent in older files: the start) */
  dataPosition?: TrainingPosition;
  /**
   * a group whose runs draw from several data streams (src/engine/dataStreams.ts): every stream's state by its
   * data offset, the same in every run's file (dataRngState and dataPosition are the first stream's); absent
   * with one stream
   */
  dataStreams?: DataStreamState[];
  /** every parameter of the run's cell by name (RNN and LSTM runs have different names, docs/CHECKPOINT.md) */
  parameters: Record<string, TensorJson>;
  optimizer: { kind: GroupSettings['optimizer']; state: Record<string, TensorJson> };
  /** the run's state when saved (absent in files written before it existed: 'training') */
  status?: CheckpointStatus;
  /** the run's best-validation weights and when they were taken (absent: never evaluated, or older files) */
  best?: { iteration: number; validationLoss: number; validationAccuracy?: number | null; parameters: Record<string, TensorJson> };
  /** the run's evaluation rounds so far (validation at the weights of the round, test at the best weights) */
  evaluations?: RunEvaluation[];
}

/**
 * A run's status in a checkpoint: 'failed' carries the iteration whose step failed (the parameters are the
 * run's state from before it: its last finite state, unless the update before that step overflowed and left
 * values that are not finite, null in the file) and the message; such a run stays stopped when resumed.
 */
export interface CheckpointStatus {
  state: 'training' | 'paused' | 'failed';
  iteration?: number;
  message?: string;
}

/**
 * A best-validation checkpoint (`kind: "best-validation"`, docs/CHECKPOINT.md): one run's best-validation
 * weights as a file of their own, written by the headless trainer whenever a round takes new best weights.
 * The same format as a checkpoint, but weights only: no optimiser state, data-generator state or training
 * position (the trainer does not keep those of the best iteration), so it cannot be resumed or trained on;
 * `npm run evaluate` scores it.
 */
export const BEST_VALIDATION_KIND = 'best-validation';

export interface BestValidationCheckpoint {
  format: typeof CHECKPOINT_FORMAT;
  version: number;
  kind: typeof BEST_VALIDATION_KIND;
  createdAt: string;
  experimentId?: string;
  group: GroupSettings;
  run: RunSettings;
  runIndex: number;
  /** the iteration whose weights these are (iterations completed when they were scored) */
  iteration: number;
  /** the validation set at these weights (loss null where not finite, accuracy null where the task has none) */
  validation: { loss: number; accuracy: number | null; count?: number };
  /** the test set at these weights, scored in the round that took them */
  test?: ScoreJson;
  parameters: Record<string, TensorJson>;
}

export class CheckpointError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CheckpointError';
  }
}

function tensorsToJson(cell: CellKind, set: ParamSet, dims: { n: number; I: number; O: number }): Record<string, TensorJson> {
  const out: Record<string, TensorJson> = {};
  for (const name of paramNames(cell)) {
    if (!set[name]) throw new CheckpointError(`cannot save: parameter '${name}' is missing`);
    out[name] = { shape: paramShape(cell, name, dims), data: Array.from(set[name]) };
  }
  return out;
}

export function makeCheckpoint(args: {
  experimentId?: string;
  group: GroupSettings;
  run: RunSettings;
  runIndex: number;
  iteration: number;
  dataRngState: number[];
  /** RunGroup.dataPosition */
  dataPosition?: TrainingPosition;
  /** RunGroup.dataStreams() (several data streams) */
  dataStreams?: DataStreamState[];
  parameters: ParamSet;
  optimizerState: ParamSet;
  /** the run's status (RunGroup.status[r]); 'training' when not given */
  status?: CheckpointStatus;
  /** its best-validation weights (Evaluation.best), when kept */
  best?: { record: BestRecord; parameters: ParamSet } | null;
  /** its evaluation history (EvaluationSchedule.history[r]) */
  evaluations?: readonly RunEvaluation[];
}): Checkpoint {
  const dims = modelDimsOf(args.group);
  const cell = cellOf(args.run);
  const withShapes = (set: ParamSet) => tensorsToJson(cell, set, dims);
  return {
    format: CHECKPOINT_FORMAT,
    version: CHECKPOINT_VERSION,
    createdAt: new Date().toISOString(),
    ...(args.experimentId === undefined ? {} : { experimentId: args.experimentId }),
    group: args.group,
    run: args.run,
    runIndex: args.runIndex,
    iteration: args.iteration,
    dataRngState: args.dataRngState,
    ...(args.dataPosition ? { dataPosition: { epoch: args.dataPosition.epoch, position: args.dataPosition.position } } : {}),
    ...(args.dataStreams
      ? {
          dataStreams: args.dataStreams.map((st) => ({
            offset: st.offset,
            rngState: [...st.rngState],
            ...(st.position ? { position: { epoch: st.position.epoch, position: st.position.position } } : {}),
          })),
        }
      : {}),
    parameters: withShapes(args.parameters),
    optimizer: { kind: args.group.optimizer, state: withShapes(args.optimizerState) },
    status: statusToJson(args.status),
    ...(args.best
      ? {
          best: {
            iteration: args.best.record.iteration,
            validationLoss: args.best.record.validationLoss,
            validationAccuracy: args.best.record.validationAccuracy,
            parameters: withShapes(args.best.parameters),
          },
        }
      : {}),
    ...(args.evaluations?.length ? { evaluations: args.evaluations.map((e) => ({ ...e })) } : {}),
  };
}

/** A run's best-validation weights as a file of their own (BestValidationCheckpoint). */
export function makeBestValidationCheckpoint(args: {
  experimentId?: string;
  group: GroupSettings;
  run: RunSettings;
  runIndex: number;
  record: BestRecord;
  /** the validation set's size */
  validationCount?: number;
  test?: ScoreJson | null;
  parameters: ParamSet;
}): BestValidationCheckpoint {
  const dims = modelDimsOf(args.group);
  return {
    format: CHECKPOINT_FORMAT,
    version: CHECKPOINT_VERSION,
    kind: BEST_VALIDATION_KIND,
    createdAt: new Date().toISOString(),
    ...(args.experimentId === undefined ? {} : { experimentId: args.experimentId }),
    group: args.group,
    run: args.run,
    runIndex: args.runIndex,
    iteration: args.record.iteration,
    validation: {
      loss: args.record.validationLoss,
      accuracy: args.record.validationAccuracy,
      ...(args.validationCount === undefined ? {} : { count: args.validationCount }),
    },
    ...(args.test ? { test: { loss: args.test.loss, accuracy: args.test.accuracy, count: args.test.count } } : {}),
    parameters: tensorsToJson(cellOf(args.run), args.parameters, dims),
  };
}

function statusToJson(st: CheckpointStatus | undefined): CheckpointStatus {
  if (!st || st.state === 'training') return { state: 'training' };
  if (st.state === 'paused') return { state: 'paused' };
  return { state: 'failed', iteration: st.iteration, message: st.message };
}

/** Checks a checkpoint's status field (absent: 'training'); a failure's iteration lies within the iterations saved. */
function parseStatus(obj: unknown, source: string, iteration: number): CheckpointStatus {
  if (obj === undefined) return { state: 'training' };
  const st = obj as Partial<CheckpointStatus> | null;
  if (typeof st !== 'object' || st === null || !['training', 'paused', 'failed'].includes(st.state as string))
    throw new CheckpointError(`${source}: status must be { state: 'training' | 'paused' | 'failed', iteration?, message? }`);
  if (st.message !== undefined && typeof st.message !== 'string') throw new CheckpointError(`${source}: status.message must be text`);
  if (st.state !== 'failed') return { state: st.state as 'training' | 'paused' };
  const it = st.iteration;
  if (!Number.isInteger(it) || (it as number) < 1 || (it as number) > iteration)
    throw new CheckpointError(
      `${source}: a failed run's status.iteration must be a whole number from 1 to the checkpoint's iteration ${iteration}`,
    );
  return { state: 'failed', iteration: it, message: st.message };
}

/** n, I, O of a group (what parameter shapes depend on). */
export function modelDimsOf(group: GroupSettings): { n: number; I: number; O: number; L: number; Lout: number } {
  const task = taskShape(group);
  return { n: group.hidden, I: task.I, O: task.O, L: task.L, Lout: outputStepCount(task) };
}

/**
 * A checkpoint's named tensors, every one of its shape. `frozen`: the tensors of a run that failed (it never
 * trains again): a value that is not finite (null in JSON, as JSON writes NaN and infinities) is read back as
 * NaN, for an update that overflowed leaves such values where the run stopped; elsewhere it is refused.
 */
function parseTensors(obj: unknown, what: string, cell: CellKind, dims: { n: number; I: number; O: number }, frozen = false): ParamSet {
  if (typeof obj !== 'object' || obj === null) throw new CheckpointError(`${what} must be an object of named tensors`);
  const rec = obj as Record<string, unknown>;
  const out: ParamSet = {};
  const names: readonly string[] = paramNames(cell);
  for (const name of paramNames(cell)) {
    const t = (Object.hasOwn(rec, name) ? rec[name] : undefined) as TensorJson | undefined;
    const want = paramShape(cell, name, dims);
    if (!t || typeof t !== 'object') throw new CheckpointError(`${what}: tensor '${name}' is missing`);
    // compared element by element: joining would convert the file's values to text, and an object from
    // JSON with its own 'toString' and 'valueOf' cannot be converted (a TypeError, not a message)
    if (!Array.isArray(t.shape) || t.shape.length !== want.length || !t.shape.every((d, i) => d === want[i])) {
      const shown = Array.isArray(t.shape)
        ? `[${t.shape.slice(0, 6).map(describeInput).join(',')}${t.shape.length > 6 ? ',…' : ''}]`
        : describeInput(t.shape);
      throw new CheckpointError(`${what}: tensor '${name}' has shape ${shown}, the settings need [${want.join(', ')}]`);
    }
    const size = want.reduce((a, b) => a * b, 1);
    if (!Array.isArray(t.data) || t.data.length !== size) {
      throw new CheckpointError(
        `${what}: tensor '${name}' must hold ${size} numbers (has ${Array.isArray(t.data) ? t.data.length : 'none'})`,
      );
    }
    // checked before converting, for the same reason
    const bad = t.data.findIndex((v) => (frozen ? v !== null && typeof v !== 'number' : typeof v !== 'number' || !Number.isFinite(v)));
    if (bad >= 0)
      throw new CheckpointError(
        frozen
          ? `${what}: tensor '${name}' has a non-numeric value at index ${bad}`
          : `${what}: tensor '${name}' has a non-finite or non-numeric value at index ${bad}`,
      );
    out[name] = Float32Array.from(t.data, (v) => (v === null ? NaN : (v as number)));
  }
  for (const key of Object.keys(rec))
    if (!names.includes(key))
      throw new CheckpointError(
        `${what}: unknown tensor ${quoteInput(key)} (a${cell === 'lstm' ? 'n LSTM' : 'n RNN'} run has ${names.join(', ')})`,
      );
  return out;
}

export interface ParsedCheckpoint {
  checkpoint: Checkpoint;
  parameters: ParamSet;
  optimizerState: ParamSet;
  status: CheckpointStatus;
  /** the best-validation weights, or null when the file has none (never evaluated, or written before them) */
  best: { record: BestRecord; parameters: ParamSet } | null;
  /** the evaluation history ([] when the file has none) */
  evaluations: RunEvaluation[];
  /**
   * A best-validation checkpoint (read only with `weightsOnly: true`): its validation and test figures. Its
   * `parameters` are the best weights; it has no optimiser state (`optimizerState` is empty) and no data
   * state (`checkpoint.dataRngState` is the group seed's start).
   */
  bestValidation: { validation: BestValidationCheckpoint['validation']; test: ScoreJson | null } | null;
}

export interface ParseOptions {
  /** accept a best-validation checkpoint (weights only: for scoring, not for training); default: refuse it by name */
  weightsOnly?: boolean;
}

function isWhole(v: unknown, lo: number, hi: number): v is number {
  return Number.isInteger(v) && (v as number) >= lo && (v as number) <= hi;
}

/** A set's figures from a file: a finite loss, an accuracy in [0, 1] or null, a count >= 1; else the problem. */
function scoreProblem(s: unknown): string | null {
  const v = s as Partial<ScoreJson> | null;
  if (typeof v !== 'object' || v === null) return 'must be { loss, accuracy, count }';
  if (v.loss !== null && (typeof v.loss !== 'number' || !Number.isFinite(v.loss))) return 'loss must be a finite number, or null';
  if (v.accuracy !== null && !(typeof v.accuracy === 'number' && v.accuracy >= 0 && v.accuracy <= 1))
    return 'accuracy must be a number from 0 to 1, or null';
  if (!isWhole(v.count, 1, Number.MAX_SAFE_INTEGER)) return 'count must be a whole number >= 1';
  return null;
}

/** Checks the evaluation history: rounds in order, within the checkpoint's iterations, every figure valid. */
function parseEvaluations(obj: unknown, source: string, iteration: number): RunEvaluation[] {
  if (obj === undefined) return [];
  if (!Array.isArray(obj)) throw new CheckpointError(`${source}: evaluations must be a list of rounds`);
  let last = -1;
  return obj.map((e: Partial<RunEvaluation> | null, k) => {
    const where = `${source}: evaluations[${k}]`;
    if (typeof e !== 'object' || e === null) throw new CheckpointError(`${where} must be { iteration, validation, test? }`);
    if (!isWhole(e.iteration, Math.max(0, last), iteration))
      throw new CheckpointError(
        `${where}.iteration must be a whole number from ${Math.max(0, last)} to the checkpoint's iteration ${iteration}`,
      );
    last = e.iteration;
    const v = scoreProblem(e.validation);
    if (v) throw new CheckpointError(`${where}.validation: ${v}`);
    const out: RunEvaluation = { iteration: e.iteration, validation: { ...e.validation! } };
    if (e.test !== undefined) {
      const t = scoreProblem(e.test);
      if (t) throw new CheckpointError(`${where}.test: ${t}`);
      if (!isWhole(e.test.bestIteration, 0, e.iteration))
        throw new CheckpointError(`${where}.test.bestIteration must be a whole number from 0 to the round's iteration ${e.iteration}`);
      out.test = { ...e.test };
    }
    return out;
  });
}

/** Parses and checks a checkpoint file's text; throws CheckpointError naming the problem. */
export function parseCheckpoint(text: string, source = 'checkpoint', options: ParseOptions = {}): ParsedCheckpoint {
  let obj: unknown;
  try {
    obj = JSON.parse(text);
  } catch (e) {
    throw new CheckpointError(`${source} is not valid JSON (${(e as Error).message}); it may be truncated or corrupt`);
  }
  if (typeof obj !== 'object' || obj === null) throw new CheckpointError(`${source} must hold a JSON object`);
  const c = obj as Partial<Checkpoint>;
  if (c.format !== CHECKPOINT_FORMAT)
    throw new CheckpointError(
      `${source} is not an Orthogonality Lab checkpoint (format is ${describeInput(c.format)}, expected '${CHECKPOINT_FORMAT}')`,
    );
  if (!READABLE_VERSIONS.includes(c.version as number))
    throw new CheckpointError(
      `${source} has version ${describeInput(c.version)}; this lab reads versions ${READABLE_VERSIONS.join(' and ')}`,
    );
  if (c.experimentId !== undefined && (typeof c.experimentId !== 'string' || !EXPERIMENT_ID_PATTERN.test(c.experimentId)))
    throw new CheckpointError(`${source}: experimentId must be 8 to 64 lowercase letters, digits or dashes`);
  if (c.version === 1 && c.experimentId !== undefined) throw new CheckpointError(`${source}: a version-1 checkpoint has no experimentId`);
  const errors = validateExperiment(c.group as GroupSettings, [c.run as RunSettings]);
  if (errors.length) throw new CheckpointError(`${source} has invalid settings: ${listProblems(errors)}`);
  c.group = withGroupDefaults(c.group as GroupSettings);
  if (!Number.isInteger(c.iteration) || (c.iteration as number) < 0)
    throw new CheckpointError(`${source}: iteration must be a whole number >= 0`);
  if (!Number.isInteger(c.runIndex) || (c.runIndex as number) < 0)
    throw new CheckpointError(`${source}: runIndex must be a whole number >= 0`);
  const kind = (obj as { kind?: unknown }).kind;
  if (kind !== undefined) {
    if (kind !== BEST_VALIDATION_KIND)
      throw new CheckpointError(`${source}: kind is ${describeInput(kind)}; a checkpoint has none or '${BEST_VALIDATION_KIND}'`);
    return parseBestValidation(c as unknown as BestValidationCheckpoint, source, options);
  }
  if (!Array.isArray(c.dataRngState) || c.dataRngState.length !== 5)
    throw new CheckpointError(`${source}: dataRngState must be the 5-number generator state`);
  try {
    // JSON writes the generator's 'no spare normal' NaN as null: normalise through the generator
    c.dataRngState = Rng.fromState(c.dataRngState).getState();
  } catch (e) {
    throw new CheckpointError(`${source}: dataRngState is damaged (${(e as Error).message})`);
  }
  if (c.dataPosition !== undefined) {
    const problem = trainingPositionProblem(c.dataPosition);
    if (problem) throw new CheckpointError(`${source}: dataPosition ${problem}`);
  }
  if (c.dataStreams !== undefined) {
    const problem = dataStreamsProblem(c.dataStreams);
    if (problem) throw new CheckpointError(`${source}: dataStreams ${problem}`);
    c.dataStreams = c.dataStreams.map((st, i) => {
      if (st.position !== undefined) {
        const p = trainingPositionProblem(st.position);
        if (p) throw new CheckpointError(`${source}: dataStreams stream ${i + 1}: position ${p}`);
      }
      try {
        return { ...st, rngState: Rng.fromState(st.rngState).getState() };
      } catch (e) {
        throw new CheckpointError(`${source}: dataStreams stream ${i + 1}: rngState is damaged (${(e as Error).message})`);
      }
    });
    if (!c.dataStreams.some((st) => st.offset === (c.run?.dataOffset ?? 0)))
      throw new CheckpointError(`${source}: dataStreams has no stream for the run's data offset ${c.run?.dataOffset ?? 0}`);
  }
  if (!c.optimizer || c.optimizer.kind !== c.group!.optimizer) {
    throw new CheckpointError(`${source}: optimizer.kind must match the group's optimizer '${c.group!.optimizer}'`);
  }
  const dims = modelDimsOf(c.group!);
  const cell = cellOf(c.run!);
  const status = parseStatus(c.status, source, c.iteration as number);
  // a failed run keeps the state it stopped in, finite or not (an update that overflowed)
  const frozen = status.state === 'failed';
  const parameters = parseTensors(c.parameters, `${source} parameters`, cell, dims, frozen);
  const optimizerState = parseTensors(c.optimizer.state, `${source} optimizer state`, cell, dims, frozen);
  let best: ParsedCheckpoint['best'] = null;
  if (c.best !== undefined) {
    const b = c.best as Partial<NonNullable<Checkpoint['best']>> | null;
    if (typeof b !== 'object' || b === null) throw new CheckpointError(`${source}: best must be { iteration, validationLoss, parameters }`);
    if (!isWhole(b.iteration, 0, c.iteration as number))
      throw new CheckpointError(`${source}: best.iteration must be a whole number from 0 to the checkpoint's iteration ${c.iteration}`);
    if (typeof b.validationLoss !== 'number' || !Number.isFinite(b.validationLoss))
      throw new CheckpointError(`${source}: best.validationLoss must be a finite number`);
    const acc = b.validationAccuracy ?? null;
    if (acc !== null && !(typeof acc === 'number' && acc >= 0 && acc <= 1))
      throw new CheckpointError(`${source}: best.validationAccuracy must be a number from 0 to 1, or null`);
    best = {
      record: { iteration: b.iteration, validationLoss: b.validationLoss, validationAccuracy: acc },
      parameters: parseTensors(b.parameters, `${source} best parameters`, cell, dims),
    };
  }
  const evaluations = parseEvaluations(c.evaluations, source, c.iteration as number);
  return { checkpoint: c as Checkpoint, parameters, optimizerState, status, best, evaluations, bestValidation: null };
}

/** The rest of a best-validation checkpoint (settings, iteration and run index already checked). */
function parseBestValidation(c: BestValidationCheckpoint, source: string, options: ParseOptions): ParsedCheckpoint {
  if (!options.weightsOnly)
    throw new CheckpointError(
      `${source} is a best-validation checkpoint (run '${String(c.run.name).slice(0, 60)}', the weights of iteration ${c.iteration}, ` +
        'without optimiser state or data position): it cannot be resumed or trained on; npm run evaluate -- --checkpoint FILE scores it, ' +
        "and --resume takes the experiment's folder",
    );
  const v = c.validation as Partial<BestValidationCheckpoint['validation']> | null;
  if (typeof v !== 'object' || v === null || typeof v.loss !== 'number' || !Number.isFinite(v.loss))
    throw new CheckpointError(`${source}: validation must be { loss (a finite number), accuracy, count? }`);
  const acc = v.accuracy ?? null;
  if (acc !== null && !(typeof acc === 'number' && acc >= 0 && acc <= 1))
    throw new CheckpointError(`${source}: validation.accuracy must be a number from 0 to 1, or null`);
  if (v.count !== undefined && !isWhole(v.count, 1, Number.MAX_SAFE_INTEGER))
    throw new CheckpointError(`${source}: validation.count must be a whole number >= 1`);
  let test: ScoreJson | null = null;
  if (c.test !== undefined) {
    const t = scoreProblem(c.test);
    if (t) throw new CheckpointError(`${source}: test: ${t}`);
    test = { loss: c.test.loss, accuracy: c.test.accuracy, count: c.test.count };
  }
  for (const field of ['optimizer', 'dataRngState', 'dataPosition', 'best', 'evaluations', 'status'])
    if (Object.hasOwn(c, field)) throw new CheckpointError(`${source}: a best-validation checkpoint holds weights only, not '${field}'`);
  const parameters = parseTensors(c.parameters, `${source} parameters`, cellOf(c.run), modelDimsOf(c.group));
  const checkpoint = {
    ...c,
    dataRngState: new Rng(c.group.dataSeed).getState(),
    optimizer: { kind: c.group.optimizer, state: {} },
  } as unknown as Checkpoint;
  return {
    checkpoint,
    parameters,
    optimizerState: {},
    status: { state: 'training' },
    best: null,
    evaluations: [],
    bestValidation: { validation: { loss: v.loss, accuracy: acc, ...(v.count === undefined ? {} : { count: v.count }) }, test },
  };
}
