/**
 * The character vocabulary of the paper's PTB experiment: exactly the 49 entries of the authors' release, in
 * its index order (authors' release, data.py; docs/SCIENCE.md section 6.4):
 *
 *   0 unknown (any character not listed, and PTB's "<unk>" as one entry), 1 newline, 2-10 # $ & ' * - . / \,
 *   11-20 the digits 0-9, 21 N, 22 space, 23-48 a-z.
 *
 * Lower case: text is lowercased before it is looked up (the vocabulary has no capitals). The one capital it
 * has, N, is PTB's placeholder for a number, written as a word of its own (" N "); so an N that stands alone,
 * with a space, a tab or the line's start or end on both sides, is the placeholder (21), and every other N
 * (North, DNA) is the letter n (36). Brown is lowercased when it is prepared, so it never has the
 * placeholder; a user's own text with a lone capital N (a rare initial) gets the placeholder.
 */

export const VOCABULARY: readonly string[] = ['<unk>', '\n', ..."#$&'*-./\\", ...'0123456789', 'N', ' ', ...'abcdefghijklmnopqrstuvwxyz'];

export const VOCABULARY_SIZE = 49;
export const UNKNOWN = 0;
export const NEWLINE = 1;
export const NUMBER_PLACEHOLDER = 21;
/** PTB's marker of an unknown word: one unknown entry, not five characters */
export const UNK_TOKEN = '<unk>';

const CODES = new Map<string, number>(VOCABULARY.slice(1).map((c, i) => [c, i + 1]));

/** The code of one character after lowercasing (so 'N' is the letter n here; unknown characters: 0). */
export function characterCode(ch: string): number {
  return CODES.get(ch.toLowerCase()) ?? UNKNOWN;
}

// codes of the ASCII characters, lowercased first (so 'N' is the letter n here); 0 for the rest
const ASCII_CODES = Uint8Array.from({ length: 128 }, (_, c) => characterCode(String.fromCharCode(c)));

const isGap = (c: number) => c === 0x20 || c === 0x09 || Number.isNaN(c);

/**
 * Appends the codes of one sentence (a line without its line break) and its newline (1) to `out` from index
 * `at`, returning the index after the newline; `out` must have room for line.length + 1 codes. Characters are
 * code points (one outside the Basic Multilingual Plane is one unknown, not two); "<unk>" is one unknown.
 */
export function encodeSentenceInto(line: string, out: Uint8Array, at: number): number {
  let n = at;
  const len = line.length;
  for (let i = 0; i < len; i++) {
    const c = line.charCodeAt(i);
    if (c < 128) {
      if (c === 0x3c && line.startsWith(UNK_TOKEN, i)) {
        out[n++] = UNKNOWN;
        i += UNK_TOKEN.length - 1;
      } else if (c === 0x4e && isGap(line.charCodeAt(i - 1)) && isGap(line.charCodeAt(i + 1))) {
        out[n++] = NUMBER_PLACEHOLDER;
      } else {
        out[n++] = ASCII_CODES[c];
      }
    } else {
      // a surrogate pair is one character; anything else is looked up lowercased (all unknown today)
      if (c >= 0xd800 && c < 0xdc00 && i + 1 < len && (line.charCodeAt(i + 1) & 0xfc00) === 0xdc00) i++;
      out[n++] = characterCode(String.fromCharCode(c));
    }
  }
  out[n++] = NEWLINE;
  return n;
}

/** The codes of one sentence and its newline (see encodeSentenceInto). */
export function encodeSentence(line: string): Uint8Array {
  const out = new Uint8Array(line.length + 1);
  return out.subarray(0, encodeSentenceInto(line, out, 0));
}

/**
 * The length the length filter reads: characters (code points) of the line plus its newline, with "<unk>"
 * counted as its 5 characters, as the release counts it (it filters on the raw line), so a limit of 75 keeps
 * the same PTB sentences as the paper's. The encoded sequence is never longer than this.
 */
export function rawSentenceLength(line: string): number {
  let n = line.length + 1;
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c >= 0xd800 && c < 0xdc00 && i + 1 < line.length && (line.charCodeAt(i + 1) & 0xfc00) === 0xdc00) n--;
  }
  return n;
}

/** Codes back to text (unknown as '?', for display and tests). */
export function decodeCodes(codes: ArrayLike<number>): string {
  let s = '';
  for (let i = 0; i < codes.length; i++) s += codes[i] === UNKNOWN ? '?' : VOCABULARY[codes[i]];
  return s;
}
