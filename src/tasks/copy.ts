/**
 * copy(T) (docs/SCIENCE.md section 6.1): length T+20, inputs one-hot over 10 channels (0 blank, 1..8 symbols,
 * 9 delimiter). Positions 0..9 hold symbols uniform in 1..8, T+9 holds the delimiter, the rest are blank.
 * Targets over 9 classes: blank everywhere except the last 10 positions, which repeat the 10 symbols.
 * Loss: mean cross-entropy over all B x (T+20) positions; accuracy over the last 10 positions only.
 */
import type { Rng } from '../random/rng.ts';
import { syntheticTask } from './syntheticTask.ts';
import type { Task, TaskBatch } from './task.ts';

export const COPY_SYMBOLS = 8;
export const COPY_LENGTH = 10;
export const COPY_CHANNELS = 10;
export const COPY_CLASSES = 9;
export const COPY_DELIMITER = 9;

/** copy(T) with its fixed validation and test sets of `evaluationSize` sequences each (syntheticTask.ts). */
export function copyTask(T: number, evaluationSize?: number): Task {
  if (!Number.isInteger(T) || T < 1) throw new Error(`copy task: T must be a whole number >= 1 (got ${T})`);
  const L = T + 20;
  return syntheticTask(
    {
      name: 'copy',
      L,
      I: COPY_CHANNELS,
      O: COPY_CLASSES,
      loss: 'xent',
      outputSteps: 'all',
      baselineLoss: (COPY_LENGTH * Math.log(COPY_SYMBOLS)) / L,
      hasAccuracy: true,
      batch: (rng, B) => copyBatch(rng, T, B),
    },
    evaluationSize,
  );
}

export function copyBatch(rng: Rng, T: number, B: number): TaskBatch {
  const L = T + 20;
  const I = COPY_CHANNELS;
  const x = new Float32Array(L * B * I);
  const targets = new Uint32Array(L * B);
  const weight = new Float32Array(L * B).fill(1 / (B * L));
  const accWeight = new Float32Array(L * B);
  for (let b = 0; b < B; b++) {
    const symbols: number[] = [];
    for (let k = 0; k < COPY_LENGTH; k++) symbols.push(rng.int(1, COPY_SYMBOLS + 1));
    for (let t = 0; t < L; t++) {
      let channel = 0;
      if (t < COPY_LENGTH) channel = symbols[t];
      else if (t === T + 9) channel = COPY_DELIMITER;
      x[(t * B + b) * I + channel] = 1;
      if (t >= L - COPY_LENGTH) {
        targets[t * B + b] = symbols[t - (L - COPY_LENGTH)];
        accWeight[t * B + b] = 1 / (B * COPY_LENGTH);
      }
    }
  }
  return { L, B, I, O: COPY_CLASSES, loss: 'xent', outputSteps: 'all', x, targets, weight, accWeight };
}
