/**
 * The text task (src/tasks/textTask.ts): which characters are read and scored (chars 2..len, padding never),
 * the weights (training: 1 / scored characters of the batch; evaluation: one weight for the whole split, so
 * that the evaluation's weighted mean is the split's per-character mean), bpc on a hand-computed case, the
 * length filter at its boundary, and the length-bucketed epoch order (a permutation, deterministic in the
 * seed and the epoch, resumable, padding less than a plain shuffle).
 */
import { describe, expect, it } from 'vitest';
import { splitSentences } from '../../src/data/textCorpus.ts';
import { encodeSentence, NEWLINE, VOCABULARY_SIZE } from '../../src/data/vocabulary.ts';
import { Rng } from '../../src/random/rng.ts';
import { softmaxCrossEntropy } from '../../src/reference/softmaxCrossEntropy.ts';
import { epochOrder } from '../../src/tasks/datasetTask.ts';
import type { TaskBatch } from '../../src/tasks/task.ts';
import { groupTaskSource } from '../../src/tasks/taskSource.ts';
import { bucketedOrder, corpusDigest, paddingShare, textTask } from '../../src/tasks/textTask.ts';

const I = VOCABULARY_SIZE;
const rng = new Rng(0);

/** A one-file corpus of `lines` (every 20th rule: 18 of 20 train, then 1 valid, 1 test). */
function corpusOf(lines: string[]) {
  return splitSentences('test.txt', lines);
}

/** `n` sentences of varied lengths (1..maxChars characters), seeded. */
function variedLines(n: number, maxChars: number, seed = 3): string[] {
  const r = new Rng(seed);
  return Array.from({ length: n }, () => 'abcdefghij'.repeat(30).slice(0, r.int(1, maxChars + 1)));
}

/** The code read at step t of row b (the one hot entry), or -1 when the input is all zero. */
function inputCode(batch: TaskBatch, t: number, b: number): number {
  const at = (t * batch.B + b) * I;
  let code = -1;
  for (let c = 0; c < I; c++)
    if (batch.x[at + c] !== 0) {
      expect(batch.x[at + c]).toBe(1);
      expect(code).toBe(-1);
      code = c;
    }
  return code;
}

describe('text task: what is read and scored', () => {
  // 20 lines: 'hi' and 'hello' among the training lines, valid and test one each
  const lines = ['hi', 'hello', ...Array.from({ length: 16 }, () => 'ab'), 'valid one', 'test one'];

  it('a sentence of len codes reads codes 0..len-2 and predicts 1..len-1; steps after are padding, weight 0', () => {
    const task = textTask(corpusOf(lines), { maxLength: 12 });
    expect(task.L).toBe(11);
    const set = task.evaluationSet('validation');
    const batch = set.batch(0, 2);
    const codes = encodeSentence('valid one'); // 10 codes, the newline last
    expect(codes.length).toBe(10);
    for (let t = 0; t < task.L; t++) {
      if (t <= codes.length - 2) {
        expect(inputCode(batch, t, 0)).toBe(codes[t]);
        expect(batch.targets[t * 2]).toBe(codes[t + 1]);
        expect(batch.weight[t * 2]).toBeGreaterThan(0);
        expect(batch.accWeight[t * 2]).toBe(batch.weight[t * 2]);
      } else {
        expect(inputCode(batch, t, 0)).toBe(-1);
        expect(batch.weight[t * 2]).toBe(0);
        expect(batch.accWeight[t * 2]).toBe(0);
      }
      // row 1 is past the set's end: empty, never scored
      expect(inputCode(batch, t, 1)).toBe(-1);
      expect(batch.weight[t * 2 + 1]).toBe(0);
    }
    // the last scored step predicts the newline; the first character is never a target
    expect(batch.targets[(codes.length - 2) * 2]).toBe(NEWLINE);
  });

  it('a training batch weighs each scored character 1 / (scored characters of the batch)', () => {
    const task = textTask(corpusOf(lines), { maxLength: 12 });
    task.start(7);
    const batch = task.batch(rng, 4);
    let scored = 0;
    let rowsScored = 0;
    for (let b = 0; b < 4; b++) {
      let n = 0;
      for (let t = 0; t < task.L; t++) if (batch.weight[t * 4 + b] > 0) n++;
      // the scored steps of a row are its first ones, with no gap
      for (let t = 0; t < n; t++) expect(batch.weight[t * 4 + b]).toBeGreaterThan(0);
      scored += n;
      if (n) rowsScored++;
    }
    expect(rowsScored).toBe(4);
    const nonzero = Array.from(batch.weight).filter((w) => w > 0);
    expect(new Set(nonzero).size).toBe(1);
    expect(nonzero[0]).toBe(Math.fround(1 / scored));
    expect(nonzero.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
  });

  it('uniform logits give ln 49 nats, log2(49) bits, per character', () => {
    const task = textTask(corpusOf(lines), { maxLength: 12 });
    task.start(1);
    const batch = task.batch(rng, 5);
    const P = task.L * 5;
    const stats = new Float64Array(2);
    softmaxCrossEntropy(new Float64Array(P * I), stats, new Float64Array(P * I), batch.targets, batch.weight, batch.accWeight, 1, P, I);
    expect(stats[0]).toBeCloseTo(Math.log(49), 6);
    expect(stats[0] / Math.LN2).toBeCloseTo(Math.log2(49), 6);
    expect(Math.log2(49)).toBeCloseTo(5.61471, 5);
  });

  it('the length filter keeps a sentence of exactly maxLength characters (with its newline) and drops one longer', () => {
    // 'abcd' is 5 raw characters with its newline
    const l = ['abcd', 'abcde', ...Array.from({ length: 16 }, () => 'ab'), 'xy', 'zw'];
    const five = textTask(corpusOf(l), { maxLength: 5 });
    const four = textTask(corpusOf(l), { maxLength: 4 });
    expect(five.trainSize).toBe(17);
    expect(four.trainSize).toBe(16);
    expect(five.L).toBe(4);
    // a row of 4 steps holds 'abcd' exactly: 4 scored characters (b, c, d, newline)
    const withAbcd = Array.from({ length: 17 }, (_, k) => k).some(
      (k) => five.sentences.train.offsets[k + 1] - five.sentences.train.offsets[k] === 5,
    );
    expect(withAbcd).toBe(true);
  });

  it('refuses a split left empty by the filter, naming it', () => {
    const l = [...Array.from({ length: 18 }, () => 'ab'), 'a long validation sentence', 'xy'];
    expect(() => textTask(corpusOf(l), { maxLength: 10 })).toThrow(/no validation sentence of at most 10 characters/);
    expect(() => textTask(corpusOf(l), { maxLength: 2 })).toThrow(/from 3 to 1000/);
  });

  it('loads through groupTaskSource, or says what is missing', async () => {
    const corpus = corpusOf(lines);
    const task = await groupTaskSource(
      { task: 'text', T: 0, maxLength: 12 },
      { mnist: () => Promise.reject(new Error('no')), text: async () => ({ corpus }) },
    ).load();
    expect(task.trainSize).toBe(18);
    await expect(groupTaskSource({ task: 'text', T: 0, textCorpus: 'files' }).load()).rejects.toThrow(
      'the text task needs a text corpus (files), and nothing here can load it',
    );
  });

  it('the corpus digest tells corpora apart and is the same for the same text', () => {
    expect(corpusDigest(corpusOf(lines))).toBe(corpusDigest(corpusOf([...lines])));
    expect(corpusDigest(corpusOf(lines))).not.toBe(corpusDigest(corpusOf(['hj', ...lines.slice(1)])));
    expect(corpusDigest(corpusOf(lines))).toMatch(/^[0-9a-f]{16}$/);
  });
});

describe('text task: evaluation weights', () => {
  it("every scored character of a split has the same weight, so the weighted mean is the split's per-character mean", () => {
    const corpus = corpusOf(variedLines(400, 30));
    const task = textTask(corpus, { maxLength: 32 });
    for (const split of ['validation', 'test'] as const) {
      const set = task.evaluationSet(split);
      const B = 7; // the set's size is not a multiple of it: the last batch is short
      expect(set.size % B).not.toBe(0);
      // a per-position loss that differs by character: its split mean, computed from the sentences directly
      const lossOf = (target: number, t: number) => Math.sin(target) + 0.01 * t + 2;
      const sentences = split === 'validation' ? task.sentences.valid : task.sentences.test;
      let direct = 0;
      let chars = 0;
      for (let k = 0; k < sentences.count; k++)
        for (let i = sentences.offsets[k] + 1; i < sentences.offsets[k + 1]; i++) {
          direct += lossOf(sentences.codes[i], i - sentences.offsets[k] - 1);
          chars++;
        }
      let wl = 0;
      let w = 0;
      const weights = new Set<number>();
      for (let first = 0; first < set.size; first += B) {
        const batch = set.batch(first, B);
        for (let t = 0; t < task.L; t++)
          for (let b = 0; b < B; b++) {
            const v = batch.weight[t * B + b];
            if (v === 0) continue;
            weights.add(v);
            wl += v * lossOf(batch.targets[t * B + b], t);
            w += v;
          }
      }
      expect(weights.size).toBe(1);
      expect(Math.round(w / [...weights][0])).toBe(chars);
      expect(wl / w).toBeCloseTo(direct / chars, 10);
    }
  });
});

describe('text task: the length-bucketed epoch order', () => {
  const lengths = Uint32Array.from(variedLines(1000, 70, 9), (s) => s.length);

  it('is a permutation, deterministic in the seed and the epoch, and differs between epochs and seeds', () => {
    const a = bucketedOrder(5, 0, lengths, 8);
    expect(Array.from(a).sort((x, y) => x - y)).toEqual(Array.from({ length: 1000 }, (_, k) => k));
    expect(bucketedOrder(5, 0, lengths, 8)).toEqual(a);
    expect(bucketedOrder(5, 1, lengths, 8)).not.toEqual(a);
    expect(bucketedOrder(6, 0, lengths, 8)).not.toEqual(a);
  });

  it('pads far less within its batches than a plain shuffle; the share of computed steps does not depend on the order', () => {
    const B = 8;
    const L = 70;
    const bucketed = paddingShare(bucketedOrder(5, 0, lengths, B), lengths, B, L);
    const plain = paddingShare(epochOrder(5, 0, lengths.length), lengths, B, L);
    expect(bucketed.withinBatches).toBeLessThan(0.25 * plain.withinBatches);
    expect(bucketed.ofComputedSteps).toBeCloseTo(plain.ofComputedSteps, 12);
    // by hand: 1 - scored / (batches x B x L)
    const scored = lengths.reduce((s, v) => s + v, 0);
    expect(plain.ofComputedSteps).toBeCloseTo(1 - scored / (Math.ceil(1000 / B) * B * L), 12);
  });

  it('the steps computed when each batch runs to its longest row rounded up to a multiple of 8 (at most L), by hand', () => {
    const lens = [3, 9, 1, 2, 70, 5, 16, 17];
    // batches of 2 in this order: longest 9 -> 16, 2 -> 8, 70 -> L = 70, 17 -> 24
    const share = paddingShare([0, 1, 2, 3, 4, 5, 6, 7], lens, 2, 70);
    const scored = 123;
    const steps = (16 + 8 + 70 + 24) * 2;
    expect(share.shorterShare).toBeCloseTo(steps / (4 * 2 * 70), 12);
    expect(share.ofShorterSteps).toBeCloseTo(1 - scored / steps, 12);
    // it lies between the padding within batches and that of all L steps
    const B = 8;
    const bucketed = paddingShare(bucketedOrder(5, 0, lengths, B), lengths, B, 70);
    expect(bucketed.ofShorterSteps).toBeGreaterThanOrEqual(bucketed.withinBatches);
    expect(bucketed.ofShorterSteps).toBeLessThan(bucketed.ofComputedSteps);
  });

  it('the task draws it batch by batch, ends an epoch with a short batch, and resumes at (epoch, position)', () => {
    // 400 sentences: 360 train; batch 50: 7 full batches and one of 10 an epoch
    const task = textTask(corpusOf(variedLines(400, 30)), { maxLength: 32 });
    expect(task.trainSize).toBe(360);
    expect(task.epochBatches(50)).toBe(8);
    const rowsOf = (batch: TaskBatch) => {
      let rows = 0;
      for (let b = 0; b < batch.B; b++) if (batch.weight[b] > 0) rows++;
      return rows;
    };
    const firstChar = (batch: TaskBatch) => Array.from({ length: batch.B }, (_, b) => inputCode(batch, 0, b));
    task.start(11);
    const drawn: number[][] = [];
    const sizes: number[] = [];
    for (let k = 0; k < 11; k++) {
      const batch = task.batch(rng, 50);
      sizes.push(rowsOf(batch));
      drawn.push(firstChar(batch));
    }
    expect(sizes).toEqual([50, 50, 50, 50, 50, 50, 50, 10, 50, 50, 50]);
    expect(task.position()).toEqual({ epoch: 1, position: 150 });
    // a task started at a saved position continues the same order
    const resumed = textTask(corpusOf(variedLines(400, 30)), { maxLength: 32 });
    resumed.start(11, { epoch: 0, position: 300 });
    for (let k = 6; k < 11; k++) expect(firstChar(resumed.batch(rng, 50))).toEqual(drawn[k]);
    // each batch of the task is a batch of the bucketed order: lengths within a batch are close
    task.start(11);
    const lengthsOfTask = Array.from({ length: 360 }, (_, k) => task.sentences.train.offsets[k + 1] - task.sentences.train.offsets[k] - 1);
    const order = bucketedOrder(11, 0, lengthsOfTask, 50);
    const batch = task.batch(rng, 50);
    for (let b = 0; b < 50; b++) {
      const k = order[b];
      const len = lengthsOfTask[k];
      expect(batch.weight[(len - 1) * 50 + b]).toBeGreaterThan(0);
      if (len < task.L) expect(batch.weight[len * 50 + b]).toBe(0);
    }
  });
});
