/**
 * The data sets for the headless commands: read from the npm packages' files (src/data/nodeLoader.ts) by
 * the same parsers as in the browser, so that a group trains on the same bytes in Node and in the lab. A text
 * group on 'files' reads the paths given with --text-files (one file, or PTB's three).
 */
import { loadBrown, loadMnist, loadTextFiles } from '../data/nodeLoader.ts';
import type { DatasetLoaders } from '../tasks/taskSource.ts';
import { UsageError } from './args.ts';

export function nodeDatasets(textFiles?: readonly string[]): DatasetLoaders {
  return {
    mnist: async () => loadMnist(),
    text: async (choice) => {
      if (choice === 'brown') return { corpus: loadBrown() };
      if (!textFiles?.length)
        throw new UsageError(
          'the text corpus is files: give them with --text-files a.txt (one file, split by the every-20th rule) or --text-files ptb.train.txt,ptb.valid.txt,ptb.test.txt',
        );
      return { corpus: loadTextFiles(textFiles) };
    },
  };
}

export const NODE_DATASETS: DatasetLoaders = nodeDatasets();
