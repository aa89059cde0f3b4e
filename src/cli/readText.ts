/**
 * Reading a JSON file a user points at, with one-line messages for what goes wrong: no such file, a folder,
 * a file too large to become one string (Node's limit: "Cannot create a string longer than ..."), not JSON.
 */

import { constants } from 'node:buffer';
import { readFileSync, statSync } from 'node:fs';
import { UsageError } from './args.ts';

/** The longest string Node can hold (UTF-16 units; a JSON file of this many bytes is at least that long). */
export const MAX_TEXT_BYTES = constants.MAX_STRING_LENGTH;

function mb(bytes: number): string {
  return (bytes / 1e6).toFixed(bytes < 1e7 ? 1 : 0);
}

/** Reads a text file whole; `note` is added to the too-large message (what files of this kind normally weigh). */
export function readText(path: string, what = path, note = ''): string {
  let size: number;
  try {
    const st = statSync(path);
    if (st.isDirectory()) throw new UsageError(`${what} is a folder, not a file`);
    size = st.size;
  } catch (e) {
    if (e instanceof UsageError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(code === 'ENOENT' ? `${what}: no such file` : `${what}: cannot read it (${(e as Error).message})`);
  }
  if (size > MAX_TEXT_BYTES)
    throw new UsageError(
      `${what} is ${mb(size)} MB, more than the ${mb(MAX_TEXT_BYTES)} MB that Node can read as one string, so it cannot be read${note ? `; ${note}` : ''}`,
    );
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new UsageError(`${what}: cannot read it (${(e as Error).message})`);
  }
}

/** Reads and parses a JSON file (checked by the caller). */
export function readJson(path: string, what = path): unknown {
  const text = readText(path, what);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${what} is not valid JSON (${(e as Error).message}); it may be truncated or corrupt`);
  }
}

/** Added to the too-large message of a checkpoint. */
export const CHECKPOINT_SIZE_NOTE =
  'it is not a checkpoint this trainer wrote (the largest the settings allow, n = 1024 with the LSTM, is about 190 MB)';
