/**
 * The page's side of the data sets' Worker (datasetWorker.ts): the same loads as loadDataset.ts and
 * corpusFromFiles, with their results and DatasetErrors, but none of the work on the main thread. One worker
 * per load, ended when the load ends.
 */
import { DatasetError } from './datasetError.ts';
import type { DatasetReply, DatasetRequest } from './datasetWorkerProtocol.ts';
import type { DatasetTypes, Loaded, LoadOptions, LoadProgress } from './loadDataset.ts';
import type { DatasetName } from './manifest.ts';
import type { TextCorpus } from './textCorpus.ts';

function inWorker<T>(
  request: DatasetRequest,
  onProgress: (p: LoadProgress) => void,
  pick: (reply: DatasetReply) => T | undefined,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const worker = new Worker(new URL('./datasetWorker.ts', import.meta.url), { type: 'module', name: 'data sets' });
    const end = () => worker.terminate();
    worker.onmessage = (ev: MessageEvent<DatasetReply>) => {
      const reply = ev.data;
      if (reply.kind === 'progress') return onProgress(reply.progress);
      end();
      if (reply.kind === 'error') {
        reject(reply.file !== undefined ? new DatasetError(reply.file, reply.problem ?? '') : new Error(reply.message));
        return;
      }
      const result = pick(reply);
      if (result === undefined) reject(new Error(`the data sets worker answered '${reply.kind}' to a '${request.kind}' request`));
      else resolve(result);
    };
    worker.onerror = (ev) => {
      end();
      reject(new Error(`the data sets worker failed: ${ev.message || 'it could not start'}`));
    };
    worker.onmessageerror = () => {
      end();
      reject(new Error('the data sets worker sent a message that could not be read'));
    };
    worker.postMessage(request);
  });
}

/** loadDataset (loadDataset.ts), run in a Worker. */
export function loadDatasetInWorker<N extends DatasetName>(
  name: N,
  onProgress: (p: LoadProgress) => void,
  options: Pick<LoadOptions, 'baseUrl' | 'version'>,
): Promise<Loaded<DatasetTypes[N]>> {
  const request: DatasetRequest = { kind: 'dataset', name, baseUrl: options.baseUrl.href, version: options.version };
  return inWorker(request, onProgress, (r) => (r.kind === 'dataset' ? (r.loaded as Loaded<DatasetTypes[N]>) : undefined));
}

/** corpusFromFiles (textCorpus.ts) on a user's File objects, read and parsed in a Worker. */
export function readTextFilesInWorker(files: File[]): Promise<TextCorpus> {
  return inWorker(
    { kind: 'text', files },
    () => undefined,
    (r) => (r.kind === 'text' ? r.corpus : undefined),
  );
}
