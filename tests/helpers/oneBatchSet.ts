/** An evaluation set of exactly one given batch (to score a training batch with the evaluation pass). */
import type { EvaluationSet, TaskBatch } from '../../src/tasks/task.ts';

export function oneBatchSet(batch: TaskBatch): EvaluationSet {
  return {
    split: 'validation',
    size: batch.B,
    batch: (start) => {
      if (start !== 0) throw new Error('one batch only');
      return batch;
    },
  };
}
