/**
 * A small data set the tests make: sequence classification, L steps of I uniform inputs, the class being the
 * channel with the largest sum over the sequence (read at the last step). Loaded through the TaskSource
 * interface in chunks that yield to the event loop and report progress, as a real data set's loader does.
 */
import { Rng } from '../../src/random/rng.ts';
import { datasetTask, type ExampleSplit, type SequenceDataset } from '../../src/tasks/datasetTask.ts';
import type { SequenceExample } from '../../src/tasks/sequenceExample.ts';
import type { TaskSource } from '../../src/tasks/taskSource.ts';

export interface TinySizes {
  train: number;
  validation: number;
  test: number;
  L: number;
  I: number;
}

function example(rng: Rng, L: number, I: number): SequenceExample {
  const x = Float32Array.from(rng.uniformArray(L * I, 0, 1));
  const sums = new Float64Array(I);
  for (let t = 0; t < L; t++) for (let c = 0; c < I; c++) sums[c] += x[t * I + c];
  let best = 0;
  for (let c = 1; c < I; c++) if (sums[c] > sums[best]) best = c;
  return { x, targets: [best] };
}

/** The examples of one split: stored (not recomputed), and counted when read, so a test can see what was read. */
export interface CountedSplit extends ExampleSplit {
  examples: SequenceExample[];
  reads: number[];
}

export function tinySplit(seed: number, size: number, L: number, I: number): CountedSplit {
  const rng = new Rng(seed);
  const examples = Array.from({ length: size }, () => example(rng, L, I));
  const reads: number[] = [];
  return {
    size,
    examples,
    reads,
    example: (i) => {
      reads.push(i);
      return examples[i];
    },
  };
}

export function tinyDataset(
  s: TinySizes,
  seed = 1,
): SequenceDataset & { train: CountedSplit; validation: CountedSplit; test: CountedSplit } {
  return {
    name: 'tiny',
    L: s.L,
    I: s.I,
    O: s.I,
    loss: 'xent',
    outputSteps: 'last',
    baselineLoss: Math.log(s.I),
    hasAccuracy: true,
    train: tinySplit(seed, s.train, s.L, s.I),
    validation: tinySplit(seed + 1, s.validation, s.L, s.I),
    test: tinySplit(seed + 2, s.test, s.L, s.I),
  };
}

/** The tiny set as a source: load makes it in chunks of `chunk` sequences, yielding and reporting after each. */
export function tinySource(s: TinySizes, chunk = 4): TaskSource {
  return {
    name: 'tiny',
    load: async (onProgress) => {
      const total = s.train + s.validation + s.test;
      for (let done = 0; done < total; done = Math.min(total, done + chunk)) {
        onProgress?.({ what: 'making sequences', done, total });
        await new Promise((r) => setTimeout(r, 0));
      }
      const task = datasetTask(tinyDataset(s));
      onProgress?.({ what: 'ready', done: total, total });
      return task;
    },
  };
}
