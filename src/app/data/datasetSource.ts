/**
 * Where the page finds its data sets: the datasets/ folder beside the page on its own origin (Vite's base is
 * './', so the build works from any folder), and the manifest version the build was made with.
 */
import { datasetsVersion } from 'virtual:datasets';
import type { LoadOptions } from '../../data/loadDataset.ts';

export function datasetOptions(): LoadOptions {
  return { baseUrl: new URL(`${import.meta.env.BASE_URL}datasets/`, document.baseURI), version: datasetsVersion };
}
