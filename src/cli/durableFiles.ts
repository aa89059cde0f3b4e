/**
 * Writing files so that they survive a crash or a kill: data synced to disk before a rename makes it
 * visible, and the folder synced after the rename so the new name itself is on disk. A reader then sees the
 * old file or the new one, never a part of one.
 */
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeFileSync } from 'node:fs';

/** Writes `text` into a new file and syncs it (the file must not exist). */
export function writeSynced(path: string, text: string): void {
  const fd = openSync(path, 'wx');
  try {
    writeFileSync(fd, text); // on a descriptor it loops until every byte is written
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Syncs a folder's entries (a rename or a new file in it). */
export function syncFolder(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Replaces `path` by a file holding `text`, atomically: a temporary file, synced, renamed over it. */
export function replaceAtomically(path: string, text: string, dir: string, sync = true): void {
  const tmp = `${path}.tmp-${process.pid}`;
  rmSync(tmp, { force: true });
  if (sync) writeSynced(tmp, text);
  else {
    writeFileSync(tmp, text, { flag: 'wx' });
  }
  renameSync(tmp, path);
  if (sync) syncFolder(dir);
}
