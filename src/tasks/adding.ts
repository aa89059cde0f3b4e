/**
 * adding(T) (docs/SCIENCE.md section 6.2): length T, 2 channels (value ~ U[0,1), marker 0/1), one marker in
 * [0, T/2), one in [T/2, T). Target = the SUM of the two marked values (the paper; the release used the
 * mean). Loss: MSE on the last step; predicting the constant 1 scores 1/6 = 0.167.
 */
import type { Rng } from '../random/rng.ts';
import { syntheticTask } from './syntheticTask.ts';
import type { Task, TaskBatch } from './task.ts';

/** adding(T) with its fixed validation and test sets of `evaluationSize` sequences each (syntheticTask.ts). */
export function addingTask(T: number, evaluationSize?: number): Task {
  if (!Number.isInteger(T) || T < 2) throw new Error(`adding task: T must be a whole number >= 2 (got ${T})`);
  return syntheticTask(
    {
      name: 'adding',
      L: T,
      I: 2,
      O: 1,
      loss: 'mse',
      outputSteps: 'last',
      baselineLoss: 1 / 6,
      hasAccuracy: false,
      batch: (rng, B) => addingBatch(rng, T, B),
    },
    evaluationSize,
  );
}

export function addingBatch(rng: Rng, T: number, B: number): TaskBatch {
  const x = new Float32Array(T * B * 2);
  const targets = new Float32Array(B);
  const half = Math.floor(T / 2);
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) x[(t * B + b) * 2] = rng.uniform();
    const m1 = rng.int(0, half);
    const m2 = rng.int(half, T);
    x[(m1 * B + b) * 2 + 1] = 1;
    x[(m2 * B + b) * 2 + 1] = 1;
    targets[b] = x[(m1 * B + b) * 2] + x[(m2 * B + b) * 2];
  }
  return {
    L: T,
    B,
    I: 2,
    O: 1,
    loss: 'mse',
    outputSteps: 'last',
    x,
    targets,
    weight: new Float32Array(B).fill(1 / B),
    accWeight: new Float32Array(B),
  };
}
