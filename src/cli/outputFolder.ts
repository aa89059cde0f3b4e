/**
 * The output folder is checked before any GPU work, so that a folder that cannot be written is found in a
 * second, not after hours of training: it must be a folder (or be creatable), and a probe file must be
 * created and removed in it. Folders are made one level at a time: Node's recursive mkdir loops forever
 * where a file system answers ENOENT for a folder whose parent exists (procfs: `--out /proc/x` spun at 100%
 * CPU), while a plain mkdir reports that error at once.
 */
import { closeSync, fsyncSync, lstatSync, mkdirSync, openSync, readdirSync, rmdirSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { UsageError } from './args.ts';

/** The message of a Node file-system error without the call and path our message names already: 'EACCES: permission denied'. */
export function systemMessage(e: unknown): string {
  return e instanceof Error ? e.message.replace(/, \w+ '[^']*'( -> '[^']*')?$/, '') : String(e);
}

function code(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException)?.code;
}

/** Whether a path exists (false for ENOENT; other errors, e.g. EACCES on a parent, are named). */
function exists(path: string, what: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch (e) {
    if (code(e) === 'ENOENT' || code(e) === 'ENOTDIR') return false;
    throw new UsageError(`${what}: cannot look at ${path} (${systemMessage(e)})`);
  }
}

function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** Creates `dir` and any missing parents, one mkdir at a time, naming the level that fails. */
export function makeFolder(dir: string, what: string): void {
  const missing: string[] = [];
  let p = resolve(dir);
  while (!exists(p, what)) {
    missing.unshift(p);
    const parent = dirname(p);
    if (parent === p) break;
    p = parent;
  }
  if (missing.length && !isFolder(p)) throw new UsageError(`${what}: ${p} is a file, so no folder can be made under it`);
  for (const m of missing) {
    try {
      mkdirSync(m);
    } catch (e) {
      const hint = code(e) === 'ENOENT' ? '; the file system there does not allow new folders' : '';
      throw new UsageError(`${what}: cannot create the folder ${m} (${systemMessage(e)}${hint})`);
    }
  }
}

/** Creates, writes, syncs and removes a small file in `dir`: the folder can really be written. */
export function probeWritable(dir: string, what: string): void {
  const probe = resolve(dir, `.write-probe-${process.pid}`);
  try {
    const fd = openSync(probe, 'wx');
    try {
      writeSync(fd, 'probe\n');
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    unlinkSync(probe);
  } catch (e) {
    throw new UsageError(`${what}: cannot write into ${dir} (${systemMessage(e)})`);
  }
}

export interface OutputCheck {
  /** names in the folder before this run (empty for a new folder) */
  entries: string[];
  /** the folder did not exist and was made here */
  created: boolean;
}

/**
 * Checks (and makes) the folder a new experiment writes into: a folder or a path that can become one, empty
 * unless `force`, writable. Throws UsageError naming the problem.
 */
export function prepareOutputFolder(dir: string, force: boolean): OutputCheck {
  const what = `--out ${dir}`;
  if (exists(dir, what)) {
    if (!isFolder(dir)) throw new UsageError(`${what} is a file, not a folder; choose a folder for the results`);
    let entries: string[];
    try {
      entries = readdirSync(dir);
    } catch (e) {
      throw new UsageError(`${what}: cannot list the folder (${systemMessage(e)})`);
    }
    if (entries.length > 0 && !force)
      throw new UsageError(`${what} exists and is not empty; choose a new folder, --resume it, or pass --force to replace its experiment`);
    probeWritable(dir, what);
    return { entries, created: false };
  }
  makeFolder(dir, what);
  probeWritable(dir, what);
  return { entries: [], created: true };
}

/** Removes a folder this command made when nothing was written into it (a group refused before training). */
export function removeIfEmpty(dir: string): void {
  try {
    rmdirSync(dir);
  } catch {
    // not empty, or already gone: leave it
  }
}
