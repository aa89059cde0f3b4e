/**
 * Character-level language modelling as a task (docs/SCIENCE.md, the text task): one sentence per sequence,
 * the next character predicted at every step.
 *
 * A sentence of len codes (vocabulary.ts, its newline last) reads codes 0 .. len-2 at steps 0 .. len-2 (one
 * one-hot input of 49 entries a step) and predicts codes 1 .. len-1 there: characters 2 .. len of the
 * sentence, its newline included, are scored; the first is never predicted (nothing came before it). Steps
 * len-1 .. L-1 of its row (L = maxLength - 1) are padding at the end of the row: input 0, weight 0, never
 * scored. A sentence needs len >= 2 to score anything; shorter ones (never made by the reader, which drops
 * empty lines) are left out.
 *
 * Weights. In a training batch every scored position weighs 1 / (scored positions in the batch), so the
 * batch loss is the mean cross-entropy per scored character (nats), and the accuracy the share of scored
 * characters predicted right. An evaluation set gives every scored character of the split the same weight
 * (1 / (B * mean scored characters a sentence), so that a full batch sums to about 1 like a training batch),
 * so the evaluation's sum(weight * loss) / sum(weight) is exactly the mean over every scored character of the
 * split: bpc = that mean / ln 2.
 *
 * Training order (bucketedOrder): each epoch is a permutation of the training sentences drawn from the group's
 * data seed and the epoch, cut into pools of POOL_BATCHES batches, each pool sorted by length, cut into batches
 * of B, and the full batches shuffled; the epoch's last batch holds the size mod B sentences left over, its
 * other rows empty (weight 0), so that every epoch starts on a batch boundary and its batches stay those of
 * the buckets. The order depends on (seed, epoch, B) alone, so a run resumed at a checkpoint's (epoch,
 * position) continues it exactly.
 */
import { DatasetError, groupDigits } from '../data/datasetError.ts';
import { corpusUpTo, type SentenceSet, type TextCorpus } from '../data/textCorpus.ts';
import { VOCABULARY_SIZE } from '../data/vocabulary.ts';
import { LENGTH_STEP, lengthFor, planLengths } from '../engine/batchLength.ts';
import { deriveSeed, Rng } from '../random/rng.ts';
import { epochOrder } from './datasetTask.ts';
import { OrderCache } from './orderCache.ts';
import {
  type EvaluationSet,
  type EvaluationSplit,
  type Task,
  type TaskBatch,
  type TrainingPosition,
  trainingPositionProblem,
} from './task.ts';

/** Batches in one pool of the bucketed order: sentences are sorted by length within a pool of this many batches. */
export const POOL_BATCHES = 50;
/** Mixed into the epoch's seed for the shuffle of its batches (unrelated to the permutation's stream). */
const BATCH_SHUFFLE_KEY = 0xb0c4;

/** What the corpus is, for a checkpoint: its name and a digest of the sentences it holds. */
export interface CorpusIdentity {
  name: string;
  /** 16 hex digits: a 64-bit digest of the three splits' codes and sentence boundaries (corpusDigest) */
  digest: string;
}

/**
 * A 64-bit digest (two 32-bit multiply-xor lanes, 16 hex digits) of the corpus's three splits: their codes
 * and sentence boundaries, before any length filter. Not cryptographic: it tells two corpora apart, it does
 * not guard against one made to collide.
 */
export function corpusDigest(corpus: TextCorpus): string {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  const mix = (v: number) => {
    h1 = Math.imul(h1 ^ v, 2654435761);
    h2 = Math.imul(h2 ^ v, 1597334677);
  };
  for (const set of [corpus.train, corpus.valid, corpus.test]) {
    mix(set.count);
    for (let i = 0; i < set.codes.length; i++) mix(set.codes[i]);
    for (let k = 0; k <= set.count; k++) mix(set.offsets[k]);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  const hex = (v: number) => (v >>> 0).toString(16).padStart(8, '0');
  return hex(h2) + hex(h1);
}

export function corpusIdentity(corpus: TextCorpus): CorpusIdentity {
  return { name: corpus.name, digest: corpusDigest(corpus) };
}

/** The sentences of a set that score at least one character (len >= 2 codes); a compact copy when any is left out. */
export function scorableSentences(set: SentenceSet): SentenceSet {
  const keep: number[] = [];
  for (let k = 0; k < set.count; k++) if (set.offsets[k + 1] - set.offsets[k] >= 2) keep.push(k);
  if (keep.length === set.count) return set;
  const offsets = new Uint32Array(keep.length + 1);
  keep.forEach((k, i) => {
    offsets[i + 1] = offsets[i] + set.offsets[k + 1] - set.offsets[k];
  });
  const codes = new Uint8Array(offsets[keep.length]);
  keep.forEach((k, i) => {
    codes.set(set.codes.subarray(set.offsets[k], set.offsets[k + 1]), offsets[i]);
  });
  return { count: keep.length, codes, offsets, rawLengths: Uint32Array.from(keep, (k) => set.rawLengths[k]) };
}

/** Scored characters (steps) of each sentence of a set: len - 1. */
export function scoredSteps(set: SentenceSet): Uint32Array {
  return Uint32Array.from({ length: set.count }, (_, k) => set.offsets[k + 1] - set.offsets[k] - 1);
}

/**
 * The bucketed order of epoch `epoch` for batches of B: a permutation of 0 .. lengths.length - 1 (see the
 * header). Sorting is stable, so sentences of equal length keep the permutation's order.
 */
export function bucketedOrder(seed: number, epoch: number, lengths: ArrayLike<number>, B: number): Uint32Array {
  const N = lengths.length;
  if (!Number.isInteger(B) || B < 1) throw new Error(`text task: the batch size must be a whole number >= 1 (got ${B})`);
  const perm = epochOrder(seed, epoch, N);
  const pool = POOL_BATCHES * B;
  const full: Uint32Array[] = [];
  let partial: Uint32Array | null = null;
  for (let p = 0; p < N; p += pool) {
    const sorted = Uint32Array.from(Array.from(perm.subarray(p, Math.min(N, p + pool))).sort((a, b) => lengths[a] - lengths[b]));
    for (let q = 0; q < sorted.length; q += B) {
      const chunk = sorted.subarray(q, Math.min(sorted.length, q + B));
      if (chunk.length === B) full.push(chunk);
      else partial = chunk; // only the last pool can end short of a batch
    }
  }
  const shuffle = new Rng(deriveSeed(deriveSeed(seed, epoch), BATCH_SHUFFLE_KEY)).permutation(full.length);
  const out = new Uint32Array(N);
  let at = 0;
  for (const i of shuffle) {
    out.set(full[i], at);
    at += B;
  }
  if (partial) out.set(partial, at);
  return out;
}

/** How much of an epoch's batches is padding, for sentences of `lengths` scored steps in batches of B and rows of L steps. */
export interface PaddingShare {
  /** padded steps / all L steps of the epoch's B-row batches (empty rows of the last batch included): what the GPU computes for nothing */
  ofComputedSteps: number;
  /** padded steps / steps up to each batch's longest row: what an engine running each batch to its longest row would still pad */
  withinBatches: number;
  /**
   * padded steps / the steps the engine computes: each batch runs to its longest row rounded up to a prepared
   * length (src/engine/batchLength.ts: a multiple of 8, at most L)
   */
  ofShorterSteps: number;
  /** the steps the engine computes / all L steps of every batch (what the shorter batches leave of the work) */
  shorterShare: number;
}

/** The padding share of an epoch taken in `order`, batches of B cut from its start (the last one short, its other rows empty). */
export function paddingShare(order: ArrayLike<number>, lengths: ArrayLike<number>, B: number, L: number): PaddingShare {
  const N = order.length;
  const prepared = planLengths(L, true);
  let scored = 0;
  let withinSteps = 0;
  let shorterSteps = 0;
  for (let q = 0; q < N; q += B) {
    let longest = 0;
    for (let b = q; b < Math.min(N, q + B); b++) {
      const len = lengths[order[b]];
      scored += len;
      longest = Math.max(longest, len);
    }
    withinSteps += longest * B;
    shorterSteps += lengthFor(prepared, Math.max(1, longest)) * B;
  }
  const computed = Math.ceil(N / B) * B * L;
  return {
    ofComputedSteps: 1 - scored / computed,
    withinBatches: withinSteps === 0 ? 0 : 1 - scored / withinSteps,
    ofShorterSteps: shorterSteps === 0 ? 0 : 1 - scored / shorterSteps,
    shorterShare: computed === 0 ? 0 : shorterSteps / computed,
  };
}

export interface TextTaskOptions {
  /** the longest sentence kept, in raw characters with the newline (3 .. 1000) */
  maxLength: number;
  /** the task's name (default text(<corpus name>, <=maxLength)); groupTaskSource gives the settings' name (taskShape) */
  name?: string;
}

export interface TextTask extends Task {
  /** the corpus after the length filter, per split */
  readonly sentences: Record<'train' | 'valid' | 'test', SentenceSet>;
  readonly corpus: CorpusIdentity;
  /** iterations (batches of B) in one epoch: the last batch holds what is left over */
  epochBatches(B: number): number;
  /** the padding share of epoch `epoch`'s order for batches of B (bucketed), and that of the plain permutation */
  padding(B: number, epoch?: number): { bucketed: PaddingShare; unbucketed: PaddingShare };
}

/** The unigram entropy (nats) of the scored characters of a set: the loss of the best guess that reads nothing. */
export function scoredCharacterEntropy(set: SentenceSet): number {
  const counts = new Float64Array(VOCABULARY_SIZE);
  let total = 0;
  for (let k = 0; k < set.count; k++)
    for (let i = set.offsets[k] + 1; i < set.offsets[k + 1]; i++) {
      counts[set.codes[i]]++;
      total++;
    }
  let h = 0;
  for (const c of counts) if (c > 0) h -= (c / total) * Math.log(c / total);
  return h;
}

/**
 * A batch of rows: sentence sets[row] (or an empty row for null), one-hot inputs, next-character targets,
 * `weightOf(scoredInBatch)` on every scored position and 0 on padding. Every row is checked against L.
 */
function textBatch(
  set: SentenceSet,
  rows: readonly (number | null)[],
  L: number,
  weightOf: (scored: number) => number,
  what: string,
): TaskBatch {
  const B = rows.length;
  const I = VOCABULARY_SIZE;
  const x = new Float32Array(L * B * I);
  const targets = new Uint32Array(L * B);
  const weight = new Float32Array(L * B);
  const accWeight = new Float32Array(L * B);
  let scored = 0;
  rows.forEach((k, b) => {
    if (k === null) return;
    const at = set.offsets[k];
    const len = set.offsets[k + 1] - at;
    if (len - 1 > L) throw new Error(`${what}: sentence ${k} has ${len} codes, more than the ${L + 1} a row of ${L} steps holds`);
    for (let t = 0; t < len - 1; t++) {
      x[(t * B + b) * I + set.codes[at + t]] = 1;
      targets[t * B + b] = set.codes[at + t + 1];
    }
    scored += len - 1;
  });
  const w = scored === 0 ? 0 : weightOf(scored);
  rows.forEach((k, b) => {
    if (k === null) return;
    const len = set.offsets[k + 1] - set.offsets[k];
    for (let t = 0; t < len - 1; t++) {
      weight[t * B + b] = w;
      accWeight[t * B + b] = w;
    }
  });
  return { L, B, I, O: I, loss: 'xent', outputSteps: 'all', x, targets, weight, accWeight };
}

/** The text task over a corpus: sentences of at most maxLength characters (DatasetError naming a split left empty). */
export function textTask(corpus: TextCorpus, options: TextTaskOptions, identity: CorpusIdentity = corpusIdentity(corpus)): TextTask {
  const { maxLength } = options;
  if (!Number.isInteger(maxLength) || maxLength < 3 || maxLength > 1000)
    throw new Error(`text task: the longest sentence must be a whole number of characters from 3 to 1000 (got ${maxLength})`);
  const kept = corpusUpTo(corpus, maxLength);
  const sentences = { train: scorableSentences(kept.train), valid: scorableSentences(kept.valid), test: scorableSentences(kept.test) };
  for (const [s, word] of [
    ['train', 'training'],
    ['valid', 'validation'],
    ['test', 'test'],
  ] as const)
    if (sentences[s].count === 0)
      throw new DatasetError(corpus.name, `no ${word} sentence scores a character (each needs at least one after the first)`);
  const L = maxLength - 1;
  const train = sentences.train;
  const trainLengths = scoredSteps(train);
  let seed = 0;
  let epoch = 0;
  let position = 0;
  // one order per (seed, epoch, B), kept: a group over several data streams switches seeds every iteration
  const orders = new OrderCache<Uint32Array>();
  const orderOf = (B: number) => orders.get(`${seed}:${epoch}:${B}`, () => bucketedOrder(seed, epoch, trainLengths, B));

  const evaluationSet = (split: EvaluationSplit): EvaluationSet => {
    const set = split === 'validation' ? sentences.valid : sentences.test;
    const lengths = scoredSteps(set);
    let total = 0;
    for (const l of lengths) total += l;
    // scored in order of length (the mean does not depend on the order; rows of a batch then pad little)
    const byLength = Uint32Array.from(Array.from({ length: set.count }, (_, k) => k).sort((a, b) => lengths[a] - lengths[b]));
    const mean = total / set.count;
    return {
      split,
      size: set.count,
      batch: (first, B) => {
        // one weight for every scored character of the split, whatever its batch: the split's mean is exact
        const w = 1 / (B * mean);
        const rows = Array.from({ length: B }, (_, b) => (first + b >= 0 && first + b < set.count ? byLength[first + b] : null));
        return textBatch(set, rows, L, () => w, `${corpus.name} ${split} set`);
      },
    };
  };

  return {
    name: options.name ?? `text(${corpus.name}, <=${maxLength})`,
    L,
    I: VOCABULARY_SIZE,
    O: VOCABULARY_SIZE,
    loss: 'xent',
    outputSteps: 'all',
    baselineLoss: scoredCharacterEntropy(train),
    hasAccuracy: true,
    trainSize: train.count,
    sentences,
    corpus: identity,
    epochBatches: (B) => Math.ceil(train.count / B),
    padding: (B, e = 0) => ({
      bucketed: paddingShare(bucketedOrder(seed, e, trainLengths, B), trainLengths, B, L),
      unbucketed: paddingShare(epochOrder(seed, e, train.count), trainLengths, B, L),
    }),
    batch: (_rng, B) => {
      if (position === train.count) {
        epoch++;
        position = 0;
      }
      const order = orderOf(B);
      const take = Math.min(B, train.count - position);
      const rows = Array.from({ length: B }, (_, b) => (b < take ? order[position + b] : null));
      position += take;
      // the batch that ends an epoch holds what is left of it (its other rows empty); the next opens the next epoch
      return textBatch(train, rows, L, (scored) => 1 / scored, `${corpus.name} training set`);
    },
    evaluationSet,
    position: () => (position === train.count ? { epoch: epoch + 1, position: 0 } : { epoch, position }),
    start: (s: number, at?: TrainingPosition) => {
      if (at) {
        const problem = trainingPositionProblem(at, train.count);
        if (problem) throw new Error(`${corpus.name}: the training position ${problem}`);
      }
      seed = s;
      epoch = at?.epoch ?? 0;
      position = at?.position ?? 0;
    },
  };
}

/** A line for a start message: the padding share of the first epoch, bucketed and not. */
export function paddingLine(task: TextTask, B: number): string {
  const { bucketed, unbucketed } = task.padding(B);
  const pct = (v: number) => `${(100 * v).toFixed(1)}%`;
  return (
    `padding: ${pct(bucketed.ofShorterSteps)} of the steps computed, each batch run to its longest sentence rounded up to a multiple of ${LENGTH_STEP} steps ` +
    `(${pct(bucketed.shorterShare)} of ${task.L} steps x ${B} rows a batch; ${pct(bucketed.ofComputedSteps)} padding if every batch ran all ${task.L} steps); ` +
    `${pct(bucketed.withinBatches)} up to each batch's longest sentence with length buckets (${pct(unbucketed.withinBatches)} without); ` +
    `${groupDigits(task.epochBatches(B))} batches an epoch`
  );
}
