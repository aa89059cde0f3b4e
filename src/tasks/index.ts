import { addingTask } from './adding.ts';
import { copyTask } from './copy.ts';
import type { Task } from './task.ts';

export type TaskName = 'copy' | 'adding';
export const TASK_NAMES: readonly TaskName[] = ['copy', 'adding'];

export function makeTask(name: TaskName, T: number): Task {
  switch (name) {
    case 'copy':
      return copyTask(T);
    case 'adding':
      return addingTask(T);
  }
}
export type { Task, TaskBatch, TaskShape } from './task.ts';
