/**
 * A task makes batches in one layout the engine and the float64 reference both read.
 * Positions are row-major [output step][batch]; output steps are every step ('all', copy and text) or the
 * last step only ('last', adding and MNIST). Weights say how much each position counts in the loss
 * (0 = padding, never scored) and in the accuracy, so a loss sum is already the task's mean loss.
 *
 * A ready task (what a TaskSource's load resolves to, taskSource.ts) has three splits: a training stream the
 * run group draws from every iteration, and fixed validation and test sets the evaluation pass scores in
 * order (evaluationSet). Synthetic tasks (copy, adding) train on an endless stream of fresh sequences drawn
 * from the group's data generator; data-backed tasks go through their training split in epochs, each in an
 * order shuffled from the group's data seed and the epoch number (datasetTask.ts).
 */
import type { Rng } from '../random/rng.ts';

export type LossKind = 'xent' | 'mse';
export type OutputSteps = 'all' | 'last';

export interface TaskBatch {
  L: number;
  B: number;
  /** input channels */
  I: number;
  /** outputs (classes for xent, values for mse) */
  O: number;
  loss: LossKind;
  outputSteps: OutputSteps;
  /** inputs [L][B][I] */
  x: Float32Array;
  /** xent: class index per position [Lout][B]; mse: values [Lout][B][O] */
  targets: Uint32Array | Float32Array;
  /** loss weight per position [Lout][B] */
  weight: Float32Array;
  /** accuracy weight per position [Lout][B] (sums to 1 over counted positions; all 0 when there is no accuracy) */
  accWeight: Float32Array;
}

export interface TaskShape {
  L: number;
  I: number;
  O: number;
  loss: LossKind;
  outputSteps: OutputSteps;
  /** the memoryless baseline of the task loss, drawn on charts */
  baselineLoss: number;
  hasAccuracy: boolean;
}

/** A generator of fresh batches: what a synthetic task is before it gets its splits (syntheticTask.ts). */
export interface TaskGenerator extends TaskShape {
  name: string;
  /** a fresh batch of B sequences drawn from rng */
  batch(rng: Rng, B: number): TaskBatch;
}

export type EvaluationSplit = 'validation' | 'test';
export const EVALUATION_SPLITS: readonly EvaluationSplit[] = ['validation', 'test'];

/**
 * Where a task's training stream stands: the epoch (from 0) and the sequences of it drawn so far. A
 * synthetic task's stream has no epochs (epoch stays 0, position counts every sequence drawn).
 */
export interface TrainingPosition {
  epoch: number;
  position: number;
}

/**
 * A fixed set of sequences scored in order: batch(start, B) holds sequences start .. start + B - 1; past the
 * end of the set its rows are padding (every weight 0), so that scoring the set in batches of B from 0
 * counts every sequence exactly once. The weights of a row are those training gives a sequence in a batch of
 * B (a full batch's weights sum to 1, like a training batch's).
 */
export interface EvaluationSet {
  split: EvaluationSplit;
  /** sequences in the set */
  size: number;
  batch(start: number, B: number): TaskBatch;
}

export interface Task extends TaskGenerator {
  /**
   * The next B training sequences: a synthetic task draws fresh ones from rng (the group's data generator);
   * a data-backed task takes the next B of its epoch order (rng unused) and moves on to the next epoch,
   * reshuffled, when one ends (a batch may hold the end of one epoch and the start of the next).
   */
  batch(rng: Rng, B: number): TaskBatch;
  /** sequences in one epoch of the training split; null for an endless stream of fresh sequences */
  readonly trainSize: number | null;
  evaluationSet(split: EvaluationSplit): EvaluationSet;
  /** where the training stream stands now */
  position(): TrainingPosition;
  /**
   * (Re)starts the training stream for a group with data seed `seed`, at `at` (a resumed run: the position
   * its checkpoint saved) or at the start. A run group calls it when it is created.
   */
  start(seed: number, at?: TrainingPosition): void;
}

export function outputStepCount(shape: Pick<TaskShape, 'L' | 'outputSteps'>): number {
  return shape.outputSteps === 'all' ? shape.L : 1;
}

/**
 * Checks a training position read from a file against a training split of trainSize sequences (null: a
 * synthetic stream; undefined: the split is not known here, only the form is checked); returns a message
 * naming what is wrong, or null.
 */
export function trainingPositionProblem(p: unknown, trainSize?: number | null): string | null {
  const pos = p as Partial<TrainingPosition> | null;
  if (typeof pos !== 'object' || pos === null) return 'must be { epoch, position }';
  if (!Number.isInteger(pos.epoch) || (pos.epoch as number) < 0) return 'epoch must be a whole number >= 0';
  if (!Number.isInteger(pos.position) || (pos.position as number) < 0) return 'position must be a whole number >= 0';
  if (typeof trainSize === 'number' && (pos.position as number) >= trainSize)
    return `position must be below the training split's ${trainSize} sequences (got ${pos.position})`;
  if (trainSize === null && pos.epoch !== 0) return 'a synthetic task has no epochs: epoch must be 0';
  return null;
}
