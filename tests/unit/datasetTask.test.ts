/**
 * The task interface (src/tasks/): a data-backed task's splits, epochs in an order shuffled from the data
 * seed and the epoch number, a position that a resumed run continues from, and evaluation sets scored in
 * order with a padded short last batch; the synthetic tasks' fixed evaluation sets; loading with progress.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/random/rng.ts';
import { addingTask } from '../../src/tasks/adding.ts';
import { copyTask } from '../../src/tasks/copy.ts';
import { datasetTask, epochOrder } from '../../src/tasks/datasetTask.ts';
import { exampleOfRow } from '../../src/tasks/sequenceExample.ts';
import type { LoadProgress } from '../../src/tasks/taskSource.ts';
import { groupTaskSource } from '../../src/tasks/taskSource.ts';
import { tinyDataset, tinySource } from '../helpers/tinyDataset.ts';

const SIZES = { train: 10, validation: 7, test: 5, L: 4, I: 3 };
const sum = (a: ArrayLike<number>) => Array.from(a).reduce((s, v) => s + v, 0);

/** The training sequences a task's batches hold, by index into the stored examples. */
function drawnIndices(
  data: ReturnType<typeof tinyDataset>,
  draws: number,
  B: number,
  seed: number,
  at?: { epoch: number; position: number },
) {
  const task = datasetTask(data);
  task.start(seed, at);
  data.train.reads.length = 0;
  for (let k = 0; k < draws; k++) task.batch(new Rng(0), B);
  return { indices: data.train.reads.slice(), task };
}

describe('data-backed task', () => {
  it('goes through the training split in epochs, each a fresh permutation from the seed and the epoch', () => {
    const data = tinyDataset(SIZES);
    // 3 draws of 4 = 12 sequences: epoch 0 (10) and the first 2 of epoch 1; the batch of draw 3 straddles them
    const { indices, task } = drawnIndices(data, 3, 4, 7);
    const e0 = Array.from(epochOrder(7, 0, 10));
    const e1 = Array.from(epochOrder(7, 1, 10));
    expect([...e0].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(e1).not.toEqual(e0);
    expect(indices).toEqual([...e0, ...e1.slice(0, 2)]);
    expect(task.position()).toEqual({ epoch: 1, position: 2 });
    expect(task.trainSize).toBe(10);
    // another seed, another order
    expect(Array.from(epochOrder(8, 0, 10))).not.toEqual(e0);
  });

  it('reports the next epoch once an epoch is used up, and a resumed task continues the same order', () => {
    const data = tinyDataset(SIZES);
    const whole = drawnIndices(data, 6, 5, 3).indices; // 30 sequences: epochs 0, 1, 2 exactly
    const { task } = drawnIndices(data, 2, 5, 3);
    expect(task.position()).toEqual({ epoch: 1, position: 0 });
    for (const [draws, at] of [
      [2, { epoch: 1, position: 0 }],
      [3, { epoch: 1, position: 5 }],
    ] as const) {
      const rest = drawnIndices(data, 6 - draws, 5, 3, at).indices;
      expect(rest, `resumed at ${JSON.stringify(at)}`).toEqual(whole.slice(draws * 5));
    }
  });

  it('refuses a position outside the training split, naming what is allowed', () => {
    const task = datasetTask(tinyDataset(SIZES));
    expect(() => task.start(1, { epoch: 0, position: 10 })).toThrow(/below the training split's 10 sequences/);
    expect(() => task.start(1, { epoch: -1, position: 0 })).toThrow(/epoch must be a whole number >= 0/);
    expect(() => datasetTask({ ...tinyDataset(SIZES), test: { size: 0, example: () => ({ x: [], targets: [] }) } })).toThrow(
      /test split must hold at least one sequence/,
    );
  });

  it('scores evaluation sets in stored order; the short last batch is padded with weight 0 rows', () => {
    const data = tinyDataset(SIZES);
    const task = datasetTask(data);
    const set = task.evaluationSet('validation');
    expect(set.size).toBe(7);
    const B = 3;
    const seen: number[] = [];
    let weightSum = 0;
    for (let start = 0; start < set.size; start += B) {
      data.validation.reads.length = 0;
      const batch = set.batch(start, B);
      seen.push(...data.validation.reads);
      weightSum += sum(batch.weight);
      for (let b = 0; b < B; b++) {
        const i = start + b;
        if (i >= set.size) {
          expect(batch.weight[b], `padding row ${b}`).toBe(0);
          expect(batch.accWeight[b]).toBe(0);
          continue;
        }
        // row b is stored sequence i, with a training batch's weight
        const ex = exampleOfRow(batch, b);
        expect(Array.from(ex.x)).toEqual(Array.from(data.validation.examples[i].x));
        expect(batch.targets[b]).toBe(data.validation.examples[i].targets[0]);
        expect(batch.weight[b]).toBeCloseTo(1 / B, 7);
      }
    }
    expect(seen).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(weightSum).toBeCloseTo(7 / 3, 6);
  });

  it('refuses an example of the wrong size or with a target that is not a class', () => {
    const data = tinyDataset(SIZES);
    const bad = datasetTask({ ...data, test: { size: 1, example: () => ({ x: new Float32Array(5), targets: [0] }) } });
    expect(() => bad.evaluationSet('test').batch(0, 2)).toThrow(/tiny test set, row 0: x has 5 values, the task needs 12/);
    const badClass = datasetTask({ ...data, test: { size: 1, example: () => ({ x: new Float32Array(12), targets: [3] }) } });
    expect(() => badClass.evaluationSet('test').batch(0, 1)).toThrow(/target 3 .* not a class in 0..2/);
  });

  it('loads asynchronously with progress up to done === total, each load a task of its own', async () => {
    const source = tinySource(SIZES);
    const seen: LoadProgress[] = [];
    const task = await source.load((p) => seen.push(p));
    expect(seen.length).toBeGreaterThan(2);
    for (let k = 1; k < seen.length; k++) expect(seen[k].done).toBeGreaterThanOrEqual(seen[k - 1].done);
    expect(seen.at(-1)).toEqual({ what: 'ready', done: 22, total: 22 });
    const other = await source.load();
    task.start(1);
    other.start(1);
    task.batch(new Rng(0), 4);
    expect(task.position()).toEqual({ epoch: 0, position: 4 });
    expect(other.position()).toEqual({ epoch: 0, position: 0 });
  });
});

describe('synthetic tasks fit the same interface', () => {
  it('copy and adding: an endless stream (no epochs) and fixed evaluation sets, the same for every batch size', async () => {
    for (const make of [(e: number) => copyTask(3, e), (e: number) => addingTask(4, e)]) {
      const task = make(5);
      expect(task.trainSize).toBeNull();
      task.start(9);
      task.batch(new Rng(1), 3);
      task.batch(new Rng(1), 3);
      expect(task.position()).toEqual({ epoch: 0, position: 6 });
      const test = task.evaluationSet('test');
      expect(test.size).toBe(5);
      // sequence 3 of the test set is the same in a batch of 2 (row 1 of the batch at 2) and a batch of 4 (row 3)
      const a = exampleOfRow(test.batch(2, 2), 1);
      const b = exampleOfRow(test.batch(0, 4), 3);
      expect(Array.from(a.x)).toEqual(Array.from(b.x));
      expect(Array.from(a.targets)).toEqual(Array.from(b.targets));
      // the validation set is another set; and past the end rows are padding
      expect(Array.from(exampleOfRow(task.evaluationSet('validation').batch(3, 1), 0).x)).not.toEqual(Array.from(b.x));
      const last = test.batch(4, 3);
      expect(sum(last.weight.filter((_, p) => p % 3 !== 0))).toBe(0);
      expect(sum(last.weight)).toBeCloseTo(1 / 3, 6);
      // a training batch keeps its weights (they sum to 1)
      expect(sum(task.batch(new Rng(2), 4).weight)).toBeCloseTo(1, 6);
    }
  });

  it('the settings-table tasks come from a source that is ready at once', async () => {
    const seen: LoadProgress[] = [];
    const task = await groupTaskSource({ task: 'copy', T: 5 }).load((p) => seen.push(p));
    expect(task.L).toBe(25);
    expect(seen).toEqual([{ what: 'ready', done: 1, total: 1 }]);
  });
});
