/**
 * The Worker that loads data sets for the page (started by loadInWorker.ts): fetching, the Cache API,
 * decompression, SHA-256 and parsing all run here, off the page's main thread. Measured in Chromium on the
 * 2-core machine, each of these holds the thread it runs on for a long stretch: crypto.subtle.digest of
 * MNIST's 47 MB ~380 ms, decompressing it from the cache ~700 ms (the stream's reads resolve as microtasks, so
 * the loop never yields), splitting Brown's 6 MB into lines ~250 ms. The results come back as transferred
 * ArrayBuffers (no copy).
 *
 * Messages: in, a DatasetRequest; out, any number of progress replies, then one 'done' or 'error'.
 */
import { DatasetError } from './datasetError.ts';
import type { DatasetReply, DatasetRequest } from './datasetWorkerProtocol.ts';
import { loadDataset } from './loadDataset.ts';
import type { Mnist } from './mnist.ts';
import { corpusFromFiles, TEXT_SPLITS, type TextCorpus } from './textCorpus.ts';
import { checkTextFileSize } from './textReader.ts';

const scope = self as unknown as { postMessage(m: DatasetReply, transfer?: Transferable[]): void; onmessage: unknown };

function buffersOf(data: Mnist | TextCorpus): Transferable[] {
  const arrays =
    'splitRule' in data
      ? TEXT_SPLITS.flatMap((s) => [data[s].codes, data[s].offsets, data[s].rawLengths])
      : TEXT_SPLITS.flatMap((s) => [data[s].images, data[s].labels]);
  return [...new Set(arrays.map((a) => a.buffer as ArrayBuffer))];
}

scope.onmessage = async (ev: MessageEvent<DatasetRequest>) => {
  const req = ev.data;
  try {
    if (req.kind === 'dataset') {
      const loaded = await loadDataset(req.name, (progress) => scope.postMessage({ kind: 'progress', progress }), {
        baseUrl: new URL(req.baseUrl),
        version: req.version,
        pause: async () => undefined, // a worker may hold its own thread
      });
      scope.postMessage({ kind: 'dataset', loaded }, buffersOf(loaded.data));
    } else {
      for (const f of req.files) checkTextFileSize(f.size, f.name); // before reading a huge file into memory
      const files = await Promise.all(req.files.map(async (f) => ({ name: f.name, bytes: new Uint8Array(await f.arrayBuffer()) })));
      const corpus = corpusFromFiles(files);
      scope.postMessage({ kind: 'text', corpus }, buffersOf(corpus));
    }
  } catch (e) {
    const err = e as Error;
    scope.postMessage(
      e instanceof DatasetError
        ? { kind: 'error', file: e.file, problem: e.problem }
        : { kind: 'error', message: `${err.name}: ${err.message}` },
    );
  }
};
