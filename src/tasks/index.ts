/**
 * The tasks of the settings table: copy and adding (synthetic: fresh sequences drawn from the group's data
 * seed, ready at once) and sequential and permuted MNIST (backed by a data set that must be loaded first,
 * mnistTask.ts). What a group trains on is named by its task settings (TaskSettings, a part of the group
 * settings): its shape (taskShape) is known from them alone, before any data is loaded, so that memory plans
 * and parameter shapes need no data; the ready task comes from groupTaskSource (taskSource.ts).
 */
import { addingTask } from './adding.ts';
import { copyTask } from './copy.ts';
import { type MnistSide, type MnistStep, type MnistTaskOptions, mnistTaskName } from './mnistTask.ts';
import type { Task, TaskShape } from './task.ts';

export type SyntheticTaskName = 'copy' | 'adding';
export type DataTaskName = 'mnist' | 'pmnist';
export type TaskName = SyntheticTaskName | DataTaskName;
export const TASK_NAMES: readonly TaskName[] = ['copy', 'adding', 'mnist', 'pmnist'];
export const SYNTHETIC_TASK_NAMES: readonly SyntheticTaskName[] = ['copy', 'adding'];
export const DATA_TASK_NAMES: readonly DataTaskName[] = ['mnist', 'pmnist'];

export function isDataTask(name: TaskName): name is DataTaskName {
  return (DATA_TASK_NAMES as readonly string[]).includes(name);
}

/** The image size of an MNIST task, as the settings write it. */
export type MnistImage = '28x28' | '14x14';
export const MNIST_IMAGES: readonly MnistImage[] = ['28x28', '14x14'];

/**
 * The settings that say what a group trains on (a part of GroupSettings). T applies to copy and adding; the
 * MNIST settings to MNIST (unset: the paper's task, every training image, permutation seed 1).
 */
export interface TaskSettings {
  task: TaskName;
  T: number;
  permutationSeed?: number;
  mnistImage?: MnistImage;
  mnistStep?: MnistStep;
  /** train on the first trainSubset training images (0 or unset: all of them) */
  trainSubset?: number;
}

/** The MNIST task's options from the settings (the permutation applies to pmnist only). */
export function mnistOptionsOf(s: TaskSettings): MnistTaskOptions {
  const side: MnistSide = s.mnistImage === '14x14' ? 14 : 28;
  return {
    permuted: s.task === 'pmnist',
    permutationSeed: s.permutationSeed ?? 1,
    side,
    step: s.mnistStep ?? 'pixel',
    ...(s.trainSubset ? { trainLimit: s.trainSubset } : {}),
  };
}

export function makeTask(name: SyntheticTaskName, T: number): Task {
  switch (name) {
    case 'copy':
      return copyTask(T);
    case 'adding':
      return addingTask(T);
  }
}

/**
 * The shape of the task the settings name, without its data. A data-backed task's memoryless baseline
 * depends on its labels: NaN here, the loaded task has it.
 */
export function taskShape(s: TaskSettings): TaskShape & { name: string } {
  if (!isDataTask(s.task)) {
    const { name, L, I, O, loss, outputSteps, baselineLoss, hasAccuracy } = makeTask(s.task, s.T);
    return { name, L, I, O, loss, outputSteps, baselineLoss, hasAccuracy };
  }
  const o = mnistOptionsOf(s);
  const pixels = o.side * o.side;
  return {
    name: mnistTaskName(o),
    L: o.step === 'pixel' ? pixels : o.side,
    I: o.step === 'pixel' ? 1 : o.side,
    O: 10,
    loss: 'xent',
    outputSteps: 'last',
    baselineLoss: NaN,
    hasAccuracy: true,
  };
}
export type { Task, TaskBatch, TaskShape } from './task.ts';
