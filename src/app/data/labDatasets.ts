/**
 * The data sets of one page, loaded at most once each: the Data sets panel and the lab's training (an MNIST
 * group) ask the same store, so that a load started by either shows one progress bar and serves both, and a
 * group rebuilt (a margin changed, the training subset changed) does not load MNIST again. Loading runs in a
 * Worker (src/data/loadInWorker.ts) from the lab's own origin and the browser's cache; a failed load is
 * forgotten, so that the next request tries again.
 */
import { createStore } from 'zustand/vanilla';
import type { LoadProgress } from '../../data/loadDataset.ts';
import { loadDatasetInWorker } from '../../data/loadInWorker.ts';
import type { Mnist } from '../../data/mnist.ts';
import { datasetOptions } from './datasetSource.ts';

export interface LoadedMnist {
  data: Mnist;
  source: 'network' | 'cache';
  seconds: number;
  /** why the browser cache could not be used, when it could not (the data still loaded) */
  note?: string;
}

export interface DatasetsState {
  /** the load in progress (null when none) and its latest progress */
  loading: { progress: LoadProgress | null } | null;
  mnist: LoadedMnist | null;
}

export const datasetsStore = createStore<DatasetsState>(() => ({ loading: null, mnist: null }));

let inFlight: Promise<LoadedMnist> | null = null;

/** MNIST, loaded once per page (the same promise for every caller while it loads). */
export function loadMnistOnce(): Promise<LoadedMnist> {
  const ready = datasetsStore.getState().mnist;
  if (ready) return Promise.resolve(ready);
  if (inFlight) return inFlight;
  const t0 = performance.now();
  let frame = 0;
  let latest: LoadProgress | null = null;
  // progress arrives per chunk of bytes; the store changes at most once a frame
  const onProgress = (p: LoadProgress) => {
    latest = { ...p, images: p.images && { ...p.images } };
    if (!frame)
      frame = requestAnimationFrame(() => {
        frame = 0;
        if (datasetsStore.getState().loading) datasetsStore.setState({ loading: { progress: latest } });
      });
  };
  datasetsStore.setState({ loading: { progress: null } });
  inFlight = loadDatasetInWorker('mnist', onProgress, datasetOptions())
    .then((loaded) => {
      const mnist: LoadedMnist = {
        data: loaded.data as Mnist,
        source: loaded.fromCache ? 'cache' : 'network',
        seconds: (performance.now() - t0) / 1000,
        ...(loaded.cacheProblem ? { note: loaded.cacheProblem } : {}),
      };
      datasetsStore.setState({ mnist });
      return mnist;
    })
    .finally(() => {
      cancelAnimationFrame(frame);
      inFlight = null;
      datasetsStore.setState({ loading: null });
    });
  return inFlight;
}
