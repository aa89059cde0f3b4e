import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/random/rng.ts';
import { addingTask } from '../../src/tasks/adding.ts';
import { COPY_DELIMITER, copyTask } from '../../src/tasks/copy.ts';

const sum = (a: ArrayLike<number>) => Array.from(a).reduce((s, v) => s + v, 0);

describe('copy task', () => {
  it('lays out symbols, delimiter, blanks and targets as the spec says', () => {
    const T = 7;
    const task = copyTask(T);
    const B = 5;
    const batch = task.batch(new Rng(3), B);
    expect(batch.L).toBe(T + 20);
    expect(batch.x.length).toBe((T + 20) * B * 10);
    for (let b = 0; b < B; b++) {
      const channelAt = (t: number) => {
        const row = Array.from(batch.x.subarray((t * B + b) * 10, (t * B + b + 1) * 10));
        expect(sum(row)).toBe(1); // one-hot
        return row.indexOf(1);
      };
      const symbols = [];
      for (let t = 0; t < 10; t++) {
        const c = channelAt(t);
        expect(c).toBeGreaterThanOrEqual(1);
        expect(c).toBeLessThanOrEqual(8);
        symbols.push(c);
      }
      for (let t = 10; t < T + 9; t++) expect(channelAt(t)).toBe(0);
      expect(channelAt(T + 9)).toBe(COPY_DELIMITER);
      for (let t = T + 10; t < T + 20; t++) expect(channelAt(t)).toBe(0);
      for (let t = 0; t < T + 10; t++) expect(batch.targets[t * B + b]).toBe(0);
      for (let k = 0; k < 10; k++) expect(batch.targets[(T + 10 + k) * B + b]).toBe(symbols[k]);
    }
    expect(sum(batch.weight)).toBeCloseTo(1, 5);
    expect(sum(batch.accWeight)).toBeCloseTo(1, 5);
    expect(task.baselineLoss).toBeCloseTo((10 * Math.log(8)) / (T + 20), 12);
  });

  it('is reproducible from its seed and differs across seeds', () => {
    const task = copyTask(5);
    expect(task.batch(new Rng(9), 4).x).toEqual(task.batch(new Rng(9), 4).x);
    expect(task.batch(new Rng(9), 4).targets).not.toEqual(task.batch(new Rng(10), 4).targets);
  });

  it('rejects a bad T with a message', () => {
    expect(() => copyTask(0)).toThrow(/T must be a whole number/);
  });
});

describe('adding task', () => {
  it('has one marker in each half and targets their sum', () => {
    const T = 20;
    const B = 64;
    const batch = addingTask(T).batch(new Rng(4), B);
    for (let b = 0; b < B; b++) {
      const marks: number[] = [];
      for (let t = 0; t < T; t++) if (batch.x[(t * B + b) * 2 + 1] === 1) marks.push(t);
      expect(marks.length).toBe(2);
      expect(marks[0]).toBeLessThan(T / 2);
      expect(marks[1]).toBeGreaterThanOrEqual(T / 2);
      const want = batch.x[(marks[0] * B + b) * 2] + batch.x[(marks[1] * B + b) * 2];
      expect(batch.targets[b]).toBeCloseTo(want, 6);
    }
  });

  it('has the 1/6 constant-1 baseline', () => {
    const batch = addingTask(10).batch(new Rng(5), 20000);
    let mse = 0;
    for (const v of batch.targets) mse += (v - 1) ** 2;
    mse /= batch.targets.length;
    expect(Math.abs(mse - 1 / 6)).toBeLessThan(0.01);
  });
});
