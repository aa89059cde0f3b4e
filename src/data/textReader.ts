/**
 * Reading a text file a user gives (PTB's files, any plain text) into its sentences, with a message for each
 * way a file can be unusable. Shared by the lab (a picked or dropped File's bytes) and the CLI (a path's bytes).
 *
 * - Text: UTF-8 (ASCII is UTF-8); a byte-order mark is dropped. A file with a NUL byte is not text (binary
 *   files have them, text files never do). Invalid UTF-8 is allowed up to 1% of the characters (a Latin-1 file
 *   with a few accents still reads: those characters are unknown to the vocabulary anyway); beyond that the
 *   file is taken for another encoding or a binary file and refused.
 * - Size: at most 64 MiB. The text becomes a JavaScript string (up to 2 bytes a character) and its codes
 *   (1 byte a character) in the page's memory, about 3x the file; PTB's training file is 5 MB and Brown 6 MB,
 *   so the limit leaves ten times their size and keeps a tab well under a gigabyte.
 * - Sentences: one per line (\n, \r\n or \r ends a line); a line is kept as it is (PTB's lines begin with a
 *   space; the release keeps it), except that lines that are empty or only white space are not sentences.
 */
import { DatasetError, groupDigits } from './datasetError.ts';

export const MAX_TEXT_BYTES = 64 * 1024 * 1024;
/** the share of characters that may be invalid UTF-8 (replaced by U+FFFD) before a file is refused */
export const MAX_INVALID_SHARE = 0.01;

/** Refuses a file by its size alone (empty, too large): callers check before they read a large file. */
export function checkTextFileSize(size: number, file: string): void {
  if (size === 0) throw new DatasetError(file, 'the file is empty');
  if (size > MAX_TEXT_BYTES)
    throw new DatasetError(file, `too large: ${groupDigits(size)} bytes, the limit is ${groupDigits(MAX_TEXT_BYTES)} (64 MiB)`);
}

/** Decodes a file's bytes as UTF-8 text, or says why it is not usable text. */
export function decodeTextFile(bytes: Uint8Array, file: string): string {
  checkTextFileSize(bytes.byteLength, file);
  const nul = bytes.indexOf(0);
  if (nul >= 0) throw new DatasetError(file, `not a text file: it has a NUL byte (at byte ${groupDigits(nul)})`);
  let text = new TextDecoder('utf-8', { fatal: false, ignoreBOM: false }).decode(bytes);
  let invalid = 0;
  for (let i = text.indexOf('\ufffd'); i >= 0; i = text.indexOf('\ufffd', i + 1)) invalid++;
  if (invalid > MAX_INVALID_SHARE * text.length) {
    const share = ((100 * invalid) / text.length).toFixed(1);
    throw new DatasetError(file, `not UTF-8 text: ${share}% of its characters are invalid UTF-8 (at most 1% is allowed)`);
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.trim() === '') throw new DatasetError(file, 'the file has no text (only white space)');
  return text;
}

/** The sentences of a text: its lines, without line breaks, leaving out empty and white-space-only lines. */
export function sentenceLines(text: string): string[] {
  return text.split(/\r\n|\n|\r/).filter((line) => line.trim() !== '');
}
