/**
 * A character-level text corpus as plain typed arrays, in three splits, for a text task to wrap.
 *
 * Every sentence is one sequence: its characters' codes (vocabulary.ts) followed by the newline (1).
 *
 * The split rule for a corpus that is one file (Brown; a user's single file): sentence k (0-based, in file
 * order, counting every non-blank line before any length filter) goes to validation when k mod 20 = 18, to
 * test when k mod 20 = 19, and to training otherwise (90 / 5 / 5 %). Interleaved rather than contiguous
 * blocks because Brown's files come in genre order (press first, humour last): contiguous blocks would
 * validate and test on fiction and humour only, a change of genre the model never trained on. Every block of
 * 20 sentences feeds all three splits, so each split samples every genre (neighbouring sentences share a
 * text, which the paper's PTB splits avoid by whole articles; for a single file with no article marks, the
 * genre balance matters more). Counting before the filter makes a sentence's split independent of the
 * length limit. PTB's three files keep their own splits.
 *
 * The length filter (sentencesUpTo) is a function of the corpus, applied by the task with its limit (75 or
 * 300 characters in the paper): a sentence is kept when its raw length (vocabulary.ts: rawSentenceLength,
 * the newline counted, "<unk>" as 5) is at most the limit.
 */
import { DatasetError, groupDigits } from './datasetError.ts';
import { decodeTextFile, sentenceLines } from './textReader.ts';
import { encodeSentenceInto, rawSentenceLength } from './vocabulary.ts';

export type TextSplitName = 'train' | 'valid' | 'test';
export const TEXT_SPLITS: readonly TextSplitName[] = ['train', 'valid', 'test'];

/** Sentences back to back: sentence k is codes[offsets[k] .. offsets[k + 1]), its last code the newline. */
export interface SentenceSet {
  count: number;
  codes: Uint8Array;
  /** [count + 1] */
  offsets: Uint32Array;
  /** [count] the length the filter reads (characters with the newline, "<unk>" as 5) */
  rawLengths: Uint32Array;
}

export interface TextCorpus {
  /** what it is, for the page: 'Brown corpus', 'ptb.train.txt, ptb.valid.txt, ptb.test.txt' */
  name: string;
  /** how the splits were made */
  splitRule: 'every 20th' | 'files';
  train: SentenceSet;
  valid: SentenceSet;
  test: SentenceSet;
}

export const VALID_RESIDUE = 18;
export const TEST_RESIDUE = 19;
export const SPLIT_PERIOD = 20;

/** The split of sentence k of a one-file corpus. */
export function splitOf(k: number): TextSplitName {
  const r = k % SPLIT_PERIOD;
  return r === VALID_RESIDUE ? 'valid' : r === TEST_RESIDUE ? 'test' : 'train';
}

/** Builds a SentenceSet one sentence at a time (the codes array grows by doubling). */
export class SentenceSetBuilder {
  private codes = new Uint8Array(1 << 16);
  private offsets: number[] = [0];
  private rawLengths: number[] = [];
  private end = 0;

  add(line: string): void {
    if (this.end + line.length + 1 > this.codes.length) {
      const grown = new Uint8Array(Math.max(2 * this.codes.length, this.end + line.length + 1));
      grown.set(this.codes.subarray(0, this.end));
      this.codes = grown;
    }
    this.end = encodeSentenceInto(line, this.codes, this.end);
    this.offsets.push(this.end);
    this.rawLengths.push(rawSentenceLength(line));
  }

  finish(): SentenceSet {
    return {
      count: this.rawLengths.length,
      codes: this.codes.slice(0, this.end),
      offsets: Uint32Array.from(this.offsets),
      rawLengths: Uint32Array.from(this.rawLengths),
    };
  }
}

/** Encodes sentences (lines without their line breaks) into one SentenceSet. */
export function sentenceSet(lines: readonly string[]): SentenceSet {
  const b = new SentenceSetBuilder();
  for (const line of lines) b.add(line);
  return b.finish();
}

/** Sentence k's codes (a view). */
export function sentence(set: SentenceSet, k: number): Uint8Array {
  return set.codes.subarray(set.offsets[k], set.offsets[k + 1]);
}

/** A one-file corpus split by the rule above. */
export function splitSentences(name: string, lines: readonly string[]): TextCorpus {
  const b = { train: new SentenceSetBuilder(), valid: new SentenceSetBuilder(), test: new SentenceSetBuilder() };
  for (let k = 0; k < lines.length; k++) b[splitOf(k)].add(lines[k]);
  return { name, splitRule: 'every 20th', train: b.train.finish(), valid: b.valid.finish(), test: b.test.finish() };
}

/**
 * The same, yielding to the event loop every `chunk` sentences (the browser loader: encoding Brown's 57,340
 * sentences in one go would hold the page's main thread for a few hundred milliseconds).
 */
export async function splitSentencesInChunks(
  name: string,
  lines: readonly string[],
  pause: () => Promise<void>,
  chunk = 4000,
): Promise<TextCorpus> {
  const b = { train: new SentenceSetBuilder(), valid: new SentenceSetBuilder(), test: new SentenceSetBuilder() };
  for (let k = 0; k < lines.length; k++) {
    if (k > 0 && k % chunk === 0) await pause();
    b[splitOf(k)].add(lines[k]);
  }
  return { name, splitRule: 'every 20th', train: b.train.finish(), valid: b.valid.finish(), test: b.test.finish() };
}

export interface TextFile {
  name: string;
  bytes: Uint8Array;
}

/** Which split a file of a three-file corpus holds, from its name (ptb.train.txt, my.valid.txt, ...). */
function splitOfFileName(name: string): TextSplitName | undefined {
  const base = name.toLowerCase();
  const hits = TEXT_SPLITS.filter((s) => new RegExp(`(^|[^a-z])${s}([^a-z]|$)`).test(base));
  return hits.length === 1 ? hits[0] : undefined;
}

/**
 * A corpus from the files a user gives: one file (any text; split by the rule above), or three files whose
 * names say train, valid and test (PTB's ptb.train.txt, ptb.valid.txt, ptb.test.txt), which keep their splits.
 */
export function corpusFromFiles(files: readonly TextFile[]): TextCorpus {
  if (files.length === 1) {
    const lines = sentenceLines(decodeTextFile(files[0].bytes, files[0].name));
    return splitSentences(files[0].name, lines);
  }
  const names = files.map((f) => f.name).join(', ');
  const bySplit = new Map(files.map((f) => [splitOfFileName(f.name), f]));
  if (files.length !== 3 || TEXT_SPLITS.some((s) => !bySplit.has(s))) {
    throw new DatasetError(
      names || 'no file',
      'give one text file, or three whose names say train, valid and test (ptb.train.txt, ptb.valid.txt, ptb.test.txt)',
    );
  }
  const sets = TEXT_SPLITS.map((s) => {
    const f = bySplit.get(s)!;
    return sentenceSet(sentenceLines(decodeTextFile(f.bytes, f.name)));
  });
  const ordered = TEXT_SPLITS.map((s) => bySplit.get(s)!.name).join(', ');
  return { name: ordered, splitRule: 'files', train: sets[0], valid: sets[1], test: sets[2] };
}

/** The sentences of a set whose raw length is at most maxLength (a compact copy). */
export function sentencesUpTo(set: SentenceSet, maxLength: number): SentenceSet {
  const keep: number[] = [];
  for (let k = 0; k < set.count; k++) if (set.rawLengths[k] <= maxLength) keep.push(k);
  const offsets = new Uint32Array(keep.length + 1);
  keep.forEach((k, i) => {
    offsets[i + 1] = offsets[i] + set.offsets[k + 1] - set.offsets[k];
  });
  const codes = new Uint8Array(offsets[keep.length]);
  keep.forEach((k, i) => {
    codes.set(sentence(set, k), offsets[i]);
  });
  return { count: keep.length, codes, offsets, rawLengths: Uint32Array.from(keep, (k) => set.rawLengths[k]) };
}

/**
 * The corpus with every split filtered to sentences of at most maxLength characters. A split left empty is an
 * error that names it: a task cannot train, validate or test on nothing.
 */
export function corpusUpTo(corpus: TextCorpus, maxLength: number): TextCorpus {
  const out = { ...corpus };
  for (const s of TEXT_SPLITS) {
    const kept = sentencesUpTo(corpus[s], maxLength);
    if (kept.count === 0) {
      const all = corpus[s];
      const shortest = all.count === 0 ? undefined : all.rawLengths.reduce((a, b) => Math.min(a, b));
      const why = shortest === undefined ? 'it has no sentences' : `its shortest of ${groupDigits(all.count)} has ${groupDigits(shortest)}`;
      throw new DatasetError(corpus.name, `no ${splitWord(s)} sentence of at most ${groupDigits(maxLength)} characters (${why})`);
    }
    out[s] = kept;
  }
  return out;
}

function splitWord(s: TextSplitName): string {
  return s === 'train' ? 'training' : s === 'valid' ? 'validation' : 'test';
}
