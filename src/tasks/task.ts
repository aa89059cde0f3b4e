/**
 * A task makes seeded batches in one layout the engine and the float64 reference both read.
 * Positions are row-major [output step][batch]; output steps are every step ('all', copy and text) or the
 * last step only ('last', adding and MNIST). Weights say how much each position counts in the loss
 * (0 = padding, never scored) and in the accuracy, so a loss sum is already the task's mean loss.
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

export interface Task extends TaskShape {
  name: string;
  /** a fresh batch of B sequences drawn from rng */
  batch(rng: Rng, B: number): TaskBatch;
}

export function outputStepCount(shape: Pick<TaskShape, 'L' | 'outputSteps'>): number {
  return shape.outputSteps === 'all' ? shape.L : 1;
}
