/**
 * A synthetic task (copy, adding): training draws fresh sequences from the group's data generator without
 * end (no epochs), and the validation and test sets are fixed: sequence i of a split is drawn from its own
 * generator, seeded from the split's fixed seed and i, so every group and every batch size sees the same
 * sets and evaluating synthetic tasks is as meaningful as evaluating a data set.
 */
import { deriveSeed, Rng } from '../random/rng.ts';
import { batchOfExamples, exampleOfRow } from './sequenceExample.ts';
import type { EvaluationSet, EvaluationSplit, Task, TaskGenerator, TrainingPosition } from './task.ts';

/** Sequences in each of a synthetic task's validation and test sets. */
export const SYNTHETIC_EVALUATION_SIZE = 1000;

/** The fixed seeds of the synthetic sets (any group, any data seed: the same sets). */
const SPLIT_SEEDS: Record<EvaluationSplit, number> = { validation: 0x7a11d8, test: 0x7e57 };

export function syntheticTask(generator: TaskGenerator, evaluationSize = SYNTHETIC_EVALUATION_SIZE): Task {
  if (!Number.isInteger(evaluationSize) || evaluationSize < 1)
    throw new Error(`${generator.name}: the evaluation sets need a whole number >= 1 of sequences (got ${evaluationSize})`);
  let drawn = 0;
  const evaluationSet = (split: EvaluationSplit): EvaluationSet => ({
    split,
    size: evaluationSize,
    batch: (start, B) => {
      const rows = Array.from({ length: B }, (_, b) => {
        const i = start + b;
        if (i < 0 || i >= evaluationSize) return null;
        return exampleOfRow(generator.batch(new Rng(deriveSeed(SPLIT_SEEDS[split], i)), 1), 0);
      });
      return batchOfExamples(generator, B, rows, `${generator.name} ${split} set`);
    },
  });
  return {
    ...generator,
    trainSize: null,
    batch: (rng, B) => {
      drawn += B;
      return generator.batch(rng, B);
    },
    evaluationSet,
    position: (): TrainingPosition => ({ epoch: 0, position: drawn }),
    // the stream itself is the group's data generator (saved in checkpoints); only the count is the task's
    start: (_seed, at) => {
      drawn = at?.position ?? 0;
    },
  };
}
