/**
 * A task backed by a data set held in memory (sequential MNIST, text: issues to come; the tests' generated
 * sets): three splits of stored sequences. Training goes through the training split in epochs; the order of
 * epoch e is a permutation drawn from a generator seeded from the group's data seed and e alone
 * (epochOrder), so a run resumed from a checkpoint's (epoch, position) continues the very order it was in,
 * and every epoch is reshuffled. The validation and test sets are scored in their stored order.
 */
import { deriveSeed, Rng } from '../random/rng.ts';
import { OrderCache } from './orderCache.ts';
import { batchOfExamples, type SequenceExample } from './sequenceExample.ts';
import {
  type EvaluationSet,
  type EvaluationSplit,
  type Task,
  type TaskShape,
  type TrainingPosition,
  trainingPositionProblem,
} from './task.ts';

/** One split of a data set: its size and its sequences by index. */
export interface ExampleSplit {
  size: number;
  example(i: number): SequenceExample;
}

export interface SequenceDataset extends TaskShape {
  name: string;
  train: ExampleSplit;
  validation: ExampleSplit;
  test: ExampleSplit;
}

/** The order of epoch `epoch` (from 0) of a training split of `size` sequences, for a group with data seed `seed`. */
export function epochOrder(seed: number, epoch: number, size: number): Uint32Array {
  return new Rng(deriveSeed(seed, epoch)).permutation(size);
}

export function datasetTask(data: SequenceDataset): Task {
  for (const split of ['train', 'validation', 'test'] as const) {
    const n = data[split].size;
    if (!Number.isInteger(n) || n < 1) throw new Error(`${data.name}: the ${split} split must hold at least one sequence (has ${n})`);
  }
  const train = data.train;
  let seed = 0;
  let epoch = 0;
  let position = 0;
  // one order per (seed, epoch), kept: a group over several data streams switches seeds every iteration
  const orders = new OrderCache<Uint32Array>();
  const orderOf = () => orders.get(`${seed}:${epoch}`, () => epochOrder(seed, epoch, train.size));
  let order = orderOf();

  const start = (s: number, at?: TrainingPosition) => {
    if (at) {
      const problem = trainingPositionProblem(at, train.size);
      if (problem) throw new Error(`${data.name}: the training position ${problem}`);
    }
    seed = s;
    epoch = at?.epoch ?? 0;
    position = at?.position ?? 0;
    order = orderOf();
  };

  const evaluationSet = (split: EvaluationSplit): EvaluationSet => {
    const set = data[split];
    return {
      split,
      size: set.size,
      batch: (first, B) =>
        batchOfExamples(
          data,
          B,
          Array.from({ length: B }, (_, b) => (first + b >= 0 && first + b < set.size ? set.example(first + b) : null)),
          `${data.name} ${split} set`,
        ),
    };
  };

  const { name, L, I, O, loss, outputSteps, baselineLoss, hasAccuracy } = data;
  return {
    name,
    L,
    I,
    O,
    loss,
    outputSteps,
    baselineLoss,
    hasAccuracy,
    trainSize: train.size,
    batch: (_rng, B) => {
      const rows: SequenceExample[] = [];
      for (let b = 0; b < B; b++) {
        if (position === train.size) {
          epoch++;
          position = 0;
          order = orderOf();
        }
        rows.push(train.example(order[position++]));
      }
      // a batch that ends an epoch leaves the position at the end; the next draw opens the next epoch
      return batchOfExamples(data, B, rows, `${data.name} training set`);
    },
    evaluationSet,
    position: () => (position === train.size ? { epoch: epoch + 1, position: 0 } : { epoch, position }),
    start,
  };
}
