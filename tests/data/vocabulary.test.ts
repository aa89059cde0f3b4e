/**
 * The 49-entry character vocabulary of the authors' release, entry by entry, and how text maps onto it:
 * lowercasing, PTB's number placeholder N, "<unk>", unknown characters, the newline, the raw length.
 */
import { describe, expect, it } from 'vitest';
import {
  characterCode,
  decodeCodes,
  encodeSentence,
  NEWLINE,
  NUMBER_PLACEHOLDER,
  rawSentenceLength,
  UNKNOWN,
  VOCABULARY,
  VOCABULARY_SIZE,
} from '../../src/data/vocabulary.ts';

const codes = (s: string) => Array.from(encodeSentence(s));

describe('the vocabulary', () => {
  it("is exactly the release's 49 entries in its order", () => {
    // authors' release (data.py): 0 <unk>, 1 newline, 2-10 # $ & ' * - . / \, 11-20 0-9, 21 N, 22 space, 23-48 a-z
    const expected = ['<unk>', '\n', '#', '$', '&', "'", '*', '-', '.', '/', '\\'];
    for (let d = 0; d <= 9; d++) expected.push(String(d));
    expected.push('N', ' ');
    for (let c = 97; c <= 122; c++) expected.push(String.fromCharCode(c));
    expect(VOCABULARY).toEqual(expected);
    expect(VOCABULARY.length).toBe(VOCABULARY_SIZE);
    expect([UNKNOWN, NEWLINE, NUMBER_PLACEHOLDER]).toEqual([0, 1, 21]);
  });

  it('maps every entry to its index (N as a word of its own)', () => {
    for (let i = 2; i < VOCABULARY.length; i++) {
      const ch = VOCABULARY[i];
      expect(codes(ch), `entry ${i} ${JSON.stringify(ch)}`).toEqual([i, NEWLINE]);
    }
    expect(characterCode('\n')).toBe(NEWLINE);
    expect(characterCode('a')).toBe(23);
    expect(characterCode('z')).toBe(48);
    expect(characterCode('0')).toBe(11);
    expect(characterCode('\\')).toBe(10);
  });

  it('lowercases: capitals are their small letters, and N inside a word is the letter n', () => {
    expect(codes('AbZ')).toEqual([23, 24, 48, NEWLINE]);
    expect(codes('North DNA')).toEqual(codes('north dna'));
    expect(characterCode('N')).toBe(36);
  });

  it("PTB's lone N is the number placeholder (21), between spaces or at the line's ends", () => {
    expect(codes(' N years')).toEqual([22, NUMBER_PLACEHOLDER, 22, ...codes('years')]);
    expect(codes('N')[0]).toBe(NUMBER_PLACEHOLDER);
    expect(codes('about N')[6]).toBe(NUMBER_PLACEHOLDER);
    expect(codes('N.')[0]).toBe(36); // not a word of its own
    expect(codes('n')[0]).toBe(36);
  });

  it('"<unk>" is one unknown entry; characters outside the vocabulary are unknown too', () => {
    expect(codes(' <unk> ')).toEqual([22, UNKNOWN, 22, NEWLINE]);
    expect(codes('<unk><unk>')).toEqual([UNKNOWN, UNKNOWN, NEWLINE]);
    expect(codes('<unknown')).toEqual([UNKNOWN, ...codes('unknown')]); // '<' alone is unknown, the rest letters
    for (const ch of [',', '"', '?', '!', ';', ':', '(', '\t', '%', '@', 'é', 'ß', '€', '😀']) {
      expect(codes(ch), JSON.stringify(ch)).toEqual([UNKNOWN, NEWLINE]);
    }
    expect(codes('a😀b')).toEqual([23, UNKNOWN, 24, NEWLINE]); // one character outside the BMP is one code
  });

  it('every sentence ends in the newline, and decodes back', () => {
    expect(codes('')).toEqual([NEWLINE]);
    const s = "the company's N shares , at $ 4.5 #1 & more";
    expect(decodeCodes(encodeSentence(s))).toBe(`${s.replace(',', '?')}\n`);
  });

  it('the raw length counts the newline, "<unk>" as 5 and a character outside the BMP as 1', () => {
    expect(rawSentenceLength('')).toBe(1);
    expect(rawSentenceLength(' a <unk> b ')).toBe(12);
    expect(encodeSentence(' a <unk> b ').length).toBe(8);
    expect(rawSentenceLength('a😀')).toBe(3);
  });
});
