/**
 * What the lab shows about a text corpus, per split: sentences, characters (codes, newlines included), the
 * share of unknown characters (code 0: characters outside the vocabulary and PTB's "<unk>"), and the length
 * distribution as a histogram of raw lengths (the length the filter reads) in bins of a fixed width.
 */
import { type SentenceSet, TEXT_SPLITS, type TextCorpus, type TextSplitName } from './textCorpus.ts';
import { UNKNOWN } from './vocabulary.ts';

export const LENGTH_BIN_WIDTH = 25;

export interface SplitStatistics {
  sentences: number;
  characters: number;
  unknown: number;
  /** unknown / characters (0 for an empty split) */
  unknownShare: number;
  /** lengths in [k * binWidth + 1, (k + 1) * binWidth] fall in bin k: counts[k] */
  lengthHistogram: { binWidth: number; counts: number[] };
  minLength: number;
  maxLength: number;
  meanLength: number;
  /** sentences of at most 75 and at most 300 characters (the paper's two limits) */
  upTo75: number;
  upTo300: number;
}

export function splitStatistics(set: SentenceSet, binWidth = LENGTH_BIN_WIDTH): SplitStatistics {
  let unknown = 0;
  for (let i = 0; i < set.codes.length; i++) if (set.codes[i] === UNKNOWN) unknown++;
  const counts: number[] = [];
  let min = Infinity;
  let max = 0;
  let sum = 0;
  let upTo75 = 0;
  let upTo300 = 0;
  for (let k = 0; k < set.count; k++) {
    const len = set.rawLengths[k];
    const bin = Math.floor((len - 1) / binWidth);
    while (counts.length <= bin) counts.push(0);
    counts[bin]++;
    min = Math.min(min, len);
    max = Math.max(max, len);
    sum += len;
    if (len <= 75) upTo75++;
    if (len <= 300) upTo300++;
  }
  const characters = set.codes.length;
  return {
    sentences: set.count,
    characters,
    unknown,
    unknownShare: characters === 0 ? 0 : unknown / characters,
    lengthHistogram: { binWidth, counts },
    minLength: set.count === 0 ? 0 : min,
    maxLength: max,
    meanLength: set.count === 0 ? 0 : sum / set.count,
    upTo75,
    upTo300,
  };
}

export function corpusStatistics(corpus: TextCorpus, binWidth = LENGTH_BIN_WIDTH): Record<TextSplitName, SplitStatistics> {
  return Object.fromEntries(TEXT_SPLITS.map((s) => [s, splitStatistics(corpus[s], binWidth)])) as Record<TextSplitName, SplitStatistics>;
}
