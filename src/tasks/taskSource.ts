/**
 * Where a task comes from: a TaskSource loads (a data set may take seconds: fetched, decompressed and decoded
 * off the main thread by src/data/loadInWorker.ts, reporting progress as it goes) and resolves to a ready
 * Task, which then draws batches synchronously (a run group encodes an iteration in one synchronous block).
 * Synthetic tasks are ready at once. Each load gives a task of its own: a task holds its training stream's
 * position, so one task serves one run group.
 */
import { makeTask, type TaskName } from './index.ts';
import type { Task } from './task.ts';

export interface LoadProgress {
  /** what is being done, in words ('decoding images') */
  what: string;
  /** units done and in all (bytes, sequences: the source says); done === total when ready */
  done: number;
  total: number;
}

export type ProgressListener = (progress: LoadProgress) => void;

export interface TaskSource {
  name: string;
  load(onProgress?: ProgressListener): Promise<Task>;
}

/** A source whose task needs no loading (each load makes a fresh one with make). */
export function readySource(name: string, make: () => Task): TaskSource {
  return {
    name,
    load: async (onProgress) => {
      const task = make();
      onProgress?.({ what: 'ready', done: 1, total: 1 });
      return task;
    },
  };
}

/** The source of a task of the settings table (copy, adding: synthetic, ready at once). */
export function taskSource(name: TaskName, T: number): TaskSource {
  return readySource(name, () => makeTask(name, T));
}
