/** The messages between the page (loadInWorker.ts) and the data sets' Worker (datasetWorker.ts). */
import type { DatasetTypes, Loaded, LoadProgress } from './loadDataset.ts';
import type { DatasetName } from './manifest.ts';
import type { TextCorpus } from './textCorpus.ts';

export type DatasetRequest =
  /** load a served data set; baseUrl is the datasets/ folder's absolute URL (a URL object does not clone) */
  | { kind: 'dataset'; name: DatasetName; baseUrl: string; version: string }
  /** read a user's text files (File objects clone into a worker without being read) */
  | { kind: 'text'; files: File[] };

export type DatasetReply =
  | { kind: 'progress'; progress: LoadProgress }
  | { kind: 'dataset'; loaded: Loaded<DatasetTypes[DatasetName]> }
  | { kind: 'text'; corpus: TextCorpus }
  /** a DatasetError (file and problem), or anything else (message) */
  | { kind: 'error'; file?: string; problem?: string; message?: string };
