/**
 * The data sets of one page, loaded at most once each: the Data sets panel and the lab's training (an MNIST
 * or text group) ask the same store, so that a load started by either shows one progress bar and serves both,
 * and a group rebuilt (a margin changed, the training subset changed) does not load its data set again.
 * Loading runs in a Worker (src/data/loadInWorker.ts) from the lab's own origin and the browser's cache; a
 * failed load is forgotten, so that the next request tries again.
 *
 * The user's own text files (the Data sets panel reads them) are kept here too, so that a text group on
 * 'files' trains on them. Loading other files replaces them for the groups built from then on (a reset, a
 * changed setting that restarts the runs); a group already built keeps the sentences it was built with (its
 * task holds them), and the toolbar names the corpus each group trains on. Nothing is uploaded.
 */
import { createStore } from 'zustand/vanilla';
import type { LoadProgress } from '../../data/loadDataset.ts';
import { loadDatasetInWorker } from '../../data/loadInWorker.ts';
import type { Mnist } from '../../data/mnist.ts';
import type { TextCorpus } from '../../data/textCorpus.ts';
import type { TextCorpusChoice } from '../../tasks/index.ts';
import { type CorpusIdentity, corpusIdentity } from '../../tasks/textTask.ts';
import { datasetOptions } from './datasetSource.ts';

export interface LoadedMnist {
  data: Mnist;
  source: 'network' | 'cache';
  seconds: number;
  /** why the browser cache could not be used, when it could not (the data still loaded) */
  note?: string;
}

/** A text corpus the page holds: the Brown corpus (loaded) or the user's files (read). */
export interface LoadedText {
  data: TextCorpus;
  identity: CorpusIdentity;
  source: 'network' | 'cache' | 'file';
  seconds: number;
  note?: string;
}

export interface DatasetsState {
  /** the load in progress (null when none) and its latest progress */
  loading: { progress: LoadProgress | null } | null;
  mnist: LoadedMnist | null;
  brown: LoadedText | null;
  /** the user's text files, read by the Data sets panel (null until some are) */
  files: LoadedText | null;
}

export const datasetsStore = createStore<DatasetsState>(() => ({ loading: null, mnist: null, brown: null, files: null }));

/** The message of a text group on 'files' when the page holds none. */
export const NO_TEXT_FILES =
  "The text task's corpus is 'files', and none are loaded: load your text files (PTB's three, or any one plain-text file) in the Data sets panel first, or choose the Brown corpus";

/** A text group on 'files' with none loaded (its message says where to load them). */
export class MissingTextFiles extends Error {
  constructor() {
    super(NO_TEXT_FILES);
    this.name = 'MissingTextFiles';
  }
}

/** Keeps the user's text files for the groups built from now on (see the header). */
export function setTextFiles(data: TextCorpus, seconds: number): LoadedText {
  const files: LoadedText = { data, identity: corpusIdentity(data), source: 'file', seconds };
  datasetsStore.setState({ files });
  return files;
}

/** The corpus a text group names: Brown loaded once per page, or the user's files (refused with NO_TEXT_FILES when none). */
export async function textCorpusFor(choice: TextCorpusChoice): Promise<{ corpus: TextCorpus; identity: CorpusIdentity }> {
  if (choice === 'files') {
    const files = datasetsStore.getState().files;
    if (!files) throw new MissingTextFiles();
    return { corpus: files.data, identity: files.identity };
  }
  const brown = await loadBrownOnce();
  return { corpus: brown.data, identity: brown.identity };
}

let inFlight: Promise<LoadedMnist> | null = null;
let brownInFlight: Promise<LoadedText> | null = null;

/**
 * Loads one data set in the Worker with the store's progress (at most one change a frame), the store's
 * `loading` set while it runs; resolves to what the Worker loaded and how long it took.
 */
function loadWithProgress<N extends 'mnist' | 'brown'>(name: N) {
  const t0 = performance.now();
  let frame = 0;
  let latest: LoadProgress | null = null;
  const onProgress = (p: LoadProgress) => {
    latest = { ...p, images: p.images && { ...p.images } };
    if (!frame)
      frame = requestAnimationFrame(() => {
        frame = 0;
        if (datasetsStore.getState().loading) datasetsStore.setState({ loading: { progress: latest } });
      });
  };
  datasetsStore.setState({ loading: { progress: null } });
  return {
    done: loadDatasetInWorker(name, onProgress, datasetOptions()).then((loaded) => ({ loaded, seconds: (performance.now() - t0) / 1000 })),
    finish: () => {
      cancelAnimationFrame(frame);
      datasetsStore.setState({ loading: null });
    },
  };
}

/** The Brown corpus, loaded once per page (the same promise for every caller while it loads). */
export function loadBrownOnce(): Promise<LoadedText> {
  const ready = datasetsStore.getState().brown;
  if (ready) return Promise.resolve(ready);
  if (brownInFlight) return brownInFlight;
  // one load at a time shares the store's progress bar: wait for an MNIST load in flight first
  const before = inFlight ? inFlight.catch(() => undefined) : Promise.resolve();
  brownInFlight = before
    .then(() => {
      const run = loadWithProgress('brown');
      return run.done
        .then(({ loaded, seconds }) => {
          const data = loaded.data as TextCorpus;
          const brown: LoadedText = {
            data,
            identity: corpusIdentity(data),
            source: loaded.fromCache ? 'cache' : 'network',
            seconds,
            ...(loaded.cacheProblem ? { note: loaded.cacheProblem } : {}),
          };
          datasetsStore.setState({ brown });
          return brown;
        })
        .finally(run.finish);
    })
    .finally(() => {
      brownInFlight = null;
    });
  return brownInFlight;
}

/** MNIST, loaded once per page (the same promise for every caller while it loads). */
export function loadMnistOnce(): Promise<LoadedMnist> {
  const ready = datasetsStore.getState().mnist;
  if (ready) return Promise.resolve(ready);
  if (inFlight) return inFlight;
  // one load at a time shares the store's progress bar: wait for a Brown load in flight first
  const before = brownInFlight ? brownInFlight.catch(() => undefined) : Promise.resolve();
  inFlight = before
    .then(() => {
      const run = loadWithProgress('mnist');
      return run.done
        .then(({ loaded, seconds }) => {
          const mnist: LoadedMnist = {
            data: loaded.data as Mnist,
            source: loaded.fromCache ? 'cache' : 'network',
            seconds,
            ...(loaded.cacheProblem ? { note: loaded.cacheProblem } : {}),
          };
          datasetsStore.setState({ mnist });
          return mnist;
        })
        .finally(run.finish);
    })
    .finally(() => {
      inFlight = null;
    });
  return inFlight;
}
