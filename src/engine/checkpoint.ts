/**
 * Checkpoints: one JSON file per run, documented in docs/CHECKPOINT.md. They hold the settings, the seed,
 * every parameter by name with its shape, the optimiser state, the iteration and the data generator's
 * state, so that training resumes exactly where it stopped. Reading one checks everything and names what
 * is wrong; nothing is trusted because it parsed.
 */
import { makeTask } from '../tasks/index.ts';
import { outputStepCount } from '../tasks/task.ts';
import { type CellKind, cellOf, type ParamSet, paramNames, paramShape } from './parameters.ts';
import { Rng } from './random.ts';
import { type GroupSettings, type RunSettings, validateExperiment } from './settings.ts';

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
  /** every parameter of the run's cell by name (RNN and LSTM runs have different names, docs/CHECKPOINT.md) */
  parameters: Record<string, TensorJson>;
  optimizer: { kind: GroupSettings['optimizer']; state: Record<string, TensorJson> };
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
  parameters: ParamSet;
  optimizerState: ParamSet;
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
    parameters: withShapes(args.parameters),
    optimizer: { kind: args.group.optimizer, state: withShapes(args.optimizerState) },
  };
}

/** n, I, O of a group (what parameter shapes depend on). */
export function modelDimsOf(group: GroupSettings): { n: number; I: number; O: number; L: number; Lout: number } {
  const task = makeTask(group.task, group.T);
  return { n: group.hidden, I: task.I, O: task.O, L: task.L, Lout: outputStepCount(task) };
}

function parseTensors(obj: unknown, what: string, cell: CellKind, dims: { n: number; I: number; O: number }): ParamSet {
  if (typeof obj !== 'object' || obj === null) throw new CheckpointError(`${what} must be an object of named tensors`);
  const rec = obj as Record<string, unknown>;
  const out: ParamSet = {};
  const names: readonly string[] = paramNames(cell);
  for (const name of paramNames(cell)) {
    const t = rec[name] as TensorJson | undefined;
    const want = paramShape(cell, name, dims);
    if (!t || typeof t !== 'object') throw new CheckpointError(`${what}: tensor '${name}' is missing`);
    if (!Array.isArray(t.shape) || t.shape.join('x') !== want.join('x')) {
      throw new CheckpointError(`${what}: tensor '${name}' has shape [${String(t.shape)}], the settings need [${want.join(', ')}]`);
    }
    const size = want.reduce((a, b) => a * b, 1);
    if (!Array.isArray(t.data) || t.data.length !== size) {
      throw new CheckpointError(
        `${what}: tensor '${name}' must hold ${size} numbers (has ${Array.isArray(t.data) ? t.data.length : 'none'})`,
      );
    }
    const arr = Float32Array.from(t.data);
    const bad = t.data.findIndex((v) => typeof v !== 'number' || !Number.isFinite(v));
    if (bad >= 0) throw new CheckpointError(`${what}: tensor '${name}' has a non-finite or non-numeric value at index ${bad}`);
    out[name] = arr;
  }
  for (const key of Object.keys(rec))
    if (!names.includes(key))
      throw new CheckpointError(`${what}: unknown tensor '${key}' (a${cell === 'lstm' ? 'n LSTM' : 'n RNN'} run has ${names.join(', ')})`);
  return out;
}

export interface ParsedCheckpoint {
  checkpoint: Checkpoint;
  parameters: ParamSet;
  optimizerState: ParamSet;
}

/** Parses and checks a checkpoint file's text; throws CheckpointError naming the problem. */
export function parseCheckpoint(text: string, source = 'checkpoint'): ParsedCheckpoint {
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
      `${source} is not an Orthogonality Lab checkpoint (format is '${String(c.format)}', expected '${CHECKPOINT_FORMAT}')`,
    );
  if (!READABLE_VERSIONS.includes(c.version as number))
    throw new CheckpointError(`${source} has version ${String(c.version)}; this lab reads versions ${READABLE_VERSIONS.join(' and ')}`);
  if (c.experimentId !== undefined && (typeof c.experimentId !== 'string' || !EXPERIMENT_ID_PATTERN.test(c.experimentId)))
    throw new CheckpointError(`${source}: experimentId must be 8 to 64 lowercase letters, digits or dashes`);
  if (c.version === 1 && c.experimentId !== undefined) throw new CheckpointError(`${source}: a version-1 checkpoint has no experimentId`);
  const errors = validateExperiment(c.group as GroupSettings, [c.run as RunSettings]);
  if (errors.length) throw new CheckpointError(`${source} has invalid settings: ${errors.join('; ')}`);
  if (!Number.isInteger(c.iteration) || (c.iteration as number) < 0)
    throw new CheckpointError(`${source}: iteration must be a whole number >= 0`);
  if (!Number.isInteger(c.runIndex) || (c.runIndex as number) < 0)
    throw new CheckpointError(`${source}: runIndex must be a whole number >= 0`);
  if (!Array.isArray(c.dataRngState) || c.dataRngState.length !== 5)
    throw new CheckpointError(`${source}: dataRngState must be the 5-number generator state`);
  try {
    // JSON writes the generator's 'no spare normal' NaN as null: normalise through the generator
    c.dataRngState = Rng.fromState(c.dataRngState).getState();
  } catch (e) {
    throw new CheckpointError(`${source}: dataRngState is damaged (${(e as Error).message})`);
  }
  if (!c.optimizer || c.optimizer.kind !== c.group!.optimizer) {
    throw new CheckpointError(`${source}: optimizer.kind must match the group's optimizer '${c.group!.optimizer}'`);
  }
  const dims = modelDimsOf(c.group!);
  const cell = cellOf(c.run!);
  const parameters = parseTensors(c.parameters, `${source} parameters`, cell, dims);
  const optimizerState = parseTensors(c.optimizer.state, `${source} optimizer state`, cell, dims);
  return { checkpoint: c as Checkpoint, parameters, optimizerState };
}
