/**
 * Text corpora: the reader's refusals (not text, empty, too large), lines as sentences, the split rule of a
 * one-file corpus, PTB's three files, the length filter and the statistics, on small texts made here.
 */
import { describe, expect, it } from 'vitest';
import { corpusStatistics, splitStatistics } from '../../src/data/corpusStatistics.ts';
import {
  corpusFromFiles,
  corpusUpTo,
  sentence,
  sentenceSet,
  sentencesUpTo,
  splitOf,
  splitSentences,
  splitSentencesInChunks,
} from '../../src/data/textCorpus.ts';
import { checkTextFileSize, decodeTextFile, MAX_TEXT_BYTES, sentenceLines } from '../../src/data/textReader.ts';
import { decodeCodes, encodeSentence } from '../../src/data/vocabulary.ts';
import { datasetRefusal } from '../helpers/datasetRefusal.ts';

const utf8 = (s: string) => new TextEncoder().encode(s);
const file = (name: string, text: string) => ({ name, bytes: utf8(text) });
const lines = (n: number) => Array.from({ length: n }, (_, k) => `sentence ${k}`);
const texts = (set: ReturnType<typeof sentenceSet>) => Array.from({ length: set.count }, (_, k) => decodeCodes(sentence(set, k)));

describe('reading a text file', () => {
  it('refuses an empty file, a white-space-only file and one over 64 MiB', () => {
    expect(datasetRefusal(() => decodeTextFile(new Uint8Array(0), 'a.txt'))).toBe('a.txt: the file is empty');
    expect(datasetRefusal(() => decodeTextFile(utf8(' \n\r\n\t\n'), 'a.txt'))).toBe('a.txt: the file has no text (only white space)');
    expect(datasetRefusal(() => checkTextFileSize(MAX_TEXT_BYTES + 1, 'big.txt'))).toBe(
      'big.txt: too large: 67,108,865 bytes, the limit is 67,108,864 (64 MiB)',
    );
    expect(() => checkTextFileSize(MAX_TEXT_BYTES, 'ok.txt')).not.toThrow();
  });

  it('refuses a binary file (a NUL byte) and one that is mostly invalid UTF-8', () => {
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);
    expect(datasetRefusal(() => decodeTextFile(png, 'picture.txt'))).toBe('picture.txt: not a text file: it has a NUL byte (at byte 8)');
    const latin1 = new Uint8Array(200).fill(0xe9); // 'é' in Latin-1, invalid as UTF-8
    expect(datasetRefusal(() => decodeTextFile(latin1, 'old.txt'))).toBe(
      'old.txt: not UTF-8 text: 100.0% of its characters are invalid UTF-8 (at most 1% is allowed)',
    );
  });

  it('reads UTF-8 (BOM dropped) and tolerates a few invalid bytes', () => {
    expect(decodeTextFile(new Uint8Array([0xef, 0xbb, 0xbf, 0x61, 0x0a]), 'a.txt')).toBe('a\n');
    const mostlyFine = new Uint8Array([...utf8('x'.repeat(200)), 0xe9]);
    expect(decodeTextFile(mostlyFine, 'a.txt')).toBe(`${'x'.repeat(200)}\ufffd`);
  });

  it('one sentence per line (\\n, \\r\\n, \\r), blank lines left out, lines kept as they are', () => {
    expect(sentenceLines(' a b \r\nc\n\n  \nd\re\n')).toEqual([' a b ', 'c', 'd', 'e']);
  });
});

describe('the split rule of a one-file corpus', () => {
  it('sentence k: validation when k mod 20 = 18, test when k mod 20 = 19, else training', () => {
    const splits = Array.from({ length: 40 }, (_, k) => splitOf(k));
    expect(splits.filter((s) => s === 'valid').length).toBe(2);
    expect([splits[18], splits[19], splits[38], splits[39]]).toEqual(['valid', 'test', 'valid', 'test']);
    expect(splits.slice(0, 18).every((s) => s === 'train')).toBe(true);
  });

  it('keeps file order within each split, and counts blank lines out', () => {
    const c = corpusFromFiles([file('notes.txt', `${lines(45).join('\n\n')}\n`)]);
    expect(c.splitRule).toBe('every 20th');
    expect(c.name).toBe('notes.txt');
    expect(texts(c.valid)).toEqual(['sentence 18\n', 'sentence 38\n']);
    expect(texts(c.test)).toEqual(['sentence 19\n', 'sentence 39\n']);
    expect(c.train.count).toBe(41);
    expect(texts(c.train).slice(17, 20)).toEqual(['sentence 17\n', 'sentence 20\n', 'sentence 21\n']);
  });

  it('the chunked version (the browser) gives the same corpus', async () => {
    const text = lines(1000);
    let pauses = 0;
    const chunked = await splitSentencesInChunks(
      'x',
      text,
      async () => {
        pauses++;
      },
      64,
    );
    expect(pauses).toBe(15);
    expect(chunked).toEqual(splitSentences('x', text));
  });
});

describe("PTB's three files", () => {
  const ptb = [
    file('ptb.test.txt', ' the <unk> rose N % \n a test \n'),
    file('ptb.train.txt', ' aer banknote berlitz \n pierre <unk> N years old \n'),
    file('ptb.valid.txt', ' consumers may want \n'),
  ];

  it('keep their own splits, whatever the order given', () => {
    const c = corpusFromFiles(ptb);
    expect(c.splitRule).toBe('files');
    expect(c.name).toBe('ptb.train.txt, ptb.valid.txt, ptb.test.txt');
    expect(texts(c.train)).toEqual([' aer banknote berlitz \n', ' pierre ? N years old \n']);
    expect(texts(c.valid)).toEqual([' consumers may want \n']);
    expect(Array.from(sentence(c.test, 0))).toEqual(Array.from(encodeSentence(' the <unk> rose N % ')));
    expect(c.test.rawLengths[0]).toBe(21);
  });

  it('two files, or three that do not say train, valid and test, are refused', () => {
    expect(datasetRefusal(() => corpusFromFiles(ptb.slice(0, 2)))).toMatch(
      /^ptb.test.txt, ptb.train.txt: give one text file, or three whose names say train, valid and test/,
    );
    expect(datasetRefusal(() => corpusFromFiles([file('a.txt', 'a'), file('b.txt', 'b'), file('train.txt', 'c')]))).toMatch(
      /give one text file/,
    );
    expect(datasetRefusal(() => corpusFromFiles([]))).toMatch(/^no file: give one text file/);
  });

  it('a refusal names the file that is wrong', () => {
    const broken = [ptb[0], ptb[1], { name: 'ptb.valid.txt', bytes: new Uint8Array([1, 0, 2]) }];
    expect(datasetRefusal(() => corpusFromFiles(broken))).toBe('ptb.valid.txt: not a text file: it has a NUL byte (at byte 1)');
  });
});

describe('the length filter', () => {
  it('keeps sentences whose raw length (newline counted, "<unk>" as 5) is at most the limit', () => {
    const set = sentenceSet(['abc', 'abcd', '<unk>', 'a <unk>']);
    expect(Array.from(set.rawLengths)).toEqual([4, 5, 6, 8]);
    expect(texts(sentencesUpTo(set, 5))).toEqual(['abc\n', 'abcd\n']);
    expect(texts(sentencesUpTo(set, 6))).toEqual(['abc\n', 'abcd\n', '?\n']);
    expect(sentencesUpTo(set, 3).count).toBe(0);
    const all = sentencesUpTo(set, 1000);
    expect(all.codes).toEqual(set.codes);
    expect(all.offsets).toEqual(set.offsets);
  });

  it('a corpus with no sentence under the limit in a split says which split and why', () => {
    const c = corpusFromFiles([file('long.txt', `${'x'.repeat(80)}\n`.repeat(40))]);
    expect(datasetRefusal(() => corpusUpTo(c, 75))).toBe(
      'long.txt: no training sentence of at most 75 characters (its shortest of 36 has 81)',
    );
    expect(corpusUpTo(c, 81).train.count).toBe(36);
    const short = corpusFromFiles([file('short.txt', 'a\nb\nc\n')]);
    expect(datasetRefusal(() => corpusUpTo(short, 75))).toBe(
      'short.txt: no validation sentence of at most 75 characters (it has no sentences)',
    );
  });
});

describe('corpus statistics', () => {
  it('counts sentences, characters, unknown characters and lengths per split', () => {
    const set = sentenceSet(['ab', 'a, b', '<unk> x', 'y'.repeat(60)]);
    const s = splitStatistics(set, 25);
    expect(s.sentences).toBe(4);
    expect(s.characters).toBe(3 + 5 + 4 + 61);
    expect(s.unknown).toBe(2); // the comma and <unk>
    expect(s.unknownShare).toBeCloseTo(2 / 73, 12);
    expect(s.lengthHistogram).toEqual({ binWidth: 25, counts: [3, 0, 1] }); // lengths 3, 5, 8 | 61
    expect([s.minLength, s.maxLength, s.meanLength]).toEqual([3, 61, (3 + 5 + 8 + 61) / 4]);
    expect([s.upTo75, s.upTo300]).toEqual([4, 4]);
    const empty = splitStatistics(sentenceSet([]));
    expect([empty.sentences, empty.characters, empty.unknownShare, empty.minLength, empty.meanLength]).toEqual([0, 0, 0, 0, 0]);
  });

  it('per split of a corpus', () => {
    const c = corpusFromFiles([file('x.txt', lines(40).join('\n'))]);
    const stats = corpusStatistics(c);
    expect([stats.train.sentences, stats.valid.sentences, stats.test.sentences]).toEqual([36, 2, 2]);
    expect(stats.valid.characters).toBe('sentence 18\n'.length + 'sentence 38\n'.length);
  });
});
