/**
 * The browser's loader of the data sets the lab serves (datasetsPlugin.ts): from the page's own origin only
 * (URLs relative to the datasets/ folder the caller gives), with progress, decompression as the bytes arrive,
 * checks of every size and hash, and the Cache API, so a reload or a second load makes no network request.
 *
 * One load:
 * 1. The cache `orthogonality-lab-datasets-<version>` is opened (version: the manifest's, from the build;
 *    caches of other versions are deleted). The manifest comes from it, else from the server; its SHA-256 must
 *    match the version the page was built with (a page older than the server's data is told to reload).
 * 2. Each file: the cached gzip copy if there is one, else the server's. The compressed bytes are counted as
 *    they arrive (the progress bar) and decompressed at once (DecompressionStream('gzip')) into an array of the
 *    manifest's raw size; too many or too few bytes, broken gzip data and a SHA-256 (crypto.subtle) other than
 *    the manifest's are errors that name the file. A cached copy that fails is deleted and fetched again; a
 *    fetched copy is cached only once it has passed.
 * 3. Parsing: MNIST's IDX files (mnist.ts; the checks are cheap: headers, labels); Brown's text is encoded
 *    in chunks that yield to the event loop (textCorpus.ts), so the page's main thread is never held long.
 *
 * Nothing here uses React; the lab's Data sets panel (src/app/data/) calls it, a task will wrap the result.
 */
import { DatasetError, groupDigits } from './datasetError.ts';
import {
  BROWN_TEXT_FILE,
  DATASET_TITLES,
  type DatasetName,
  type DatasetsManifest,
  MANIFEST_FILE,
  type ManifestFile,
  parseManifest,
} from './manifest.ts';
import { MNIST_FILES, MNIST_PIXELS, MNIST_TEST_COUNT, MNIST_TRAIN_COUNT, type Mnist, type MnistFileName, mnistFromFiles } from './mnist.ts';
import { splitSentencesInChunks, type TextCorpus } from './textCorpus.ts';
import { decodeTextFile, sentenceLines } from './textReader.ts';

export const CACHE_PREFIX = 'orthogonality-lab-datasets-';
const IDX_IMAGES_HEADER = 16;

export interface LoadProgress {
  dataset: DatasetName;
  /** the file being read, or the manifest */
  file: string;
  /** compressed bytes read so far, over all the data set's files, and their total */
  loadedBytes: number;
  totalBytes: number;
  /** where the current file's bytes come from */
  source: 'network' | 'cache';
  /** MNIST: images decompressed so far (training and test files), of 70,000 */
  images?: { decoded: number; total: number };
  /** 'reading' while bytes arrive, 'parsing' after the last file (checks, encoding the text) */
  phase: 'reading' | 'parsing';
}

export interface LoadOptions {
  /** the datasets/ folder on the page's own origin, e.g. new URL('datasets/', document.baseURI) */
  baseUrl: URL;
  /** the manifest's version from the build (virtual:datasets) */
  version: string;
  fetch?: typeof globalThis.fetch;
  caches?: CacheStorage;
  /** how encoding yields to the event loop (default: a zero timeout) */
  pause?: () => Promise<void>;
}

export interface Loaded<T> {
  data: T;
  /** every file (and the manifest) came from the Cache API: nothing was fetched */
  fromCache: boolean;
  /** compressed and raw bytes of the data set's files */
  gzipBytes: number;
  bytes: number;
  /** the manifest's entry of the data set: package, version, licence, files */
  source: DatasetsManifest['datasets'][DatasetName];
  /** set when a checked file could not be stored in the Cache API (the data are fine) */
  cacheProblem?: string;
}

export interface DatasetTypes {
  mnist: Mnist;
  brown: TextCorpus;
}

export async function sha256Hex(bytes: Uint8Array | string): Promise<string> {
  const data = typeof bytes === 'string' ? new TextEncoder().encode(bytes) : bytes;
  const digest = await crypto.subtle.digest('SHA-256', data as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Fetches from the page's origin; a failure to connect is a message naming the file. */
async function fetchOk(fetchFn: typeof globalThis.fetch, url: URL, file: string): Promise<Response> {
  let res: Response;
  try {
    res = await fetchFn(url, { cache: 'no-store' });
  } catch (e) {
    throw new DatasetError(file, `network error (${(e as Error).message}): is the lab's server still running?`);
  }
  if (!res.ok || !res.body) throw new DatasetError(file, `the server answered ${res.status} ${res.statusText} for ${url.pathname}`);
  return res;
}

async function openCache(cachesApi: CacheStorage, version: string): Promise<Cache> {
  const name = `${CACHE_PREFIX}${version}`;
  for (const old of await cachesApi.keys()) if (old.startsWith(CACHE_PREFIX) && old !== name) await cachesApi.delete(old);
  return cachesApi.open(name);
}

async function readManifest(cache: Cache, fetchFn: typeof globalThis.fetch, baseUrl: URL, version: string) {
  const url = new URL(MANIFEST_FILE, baseUrl);
  const cached = await cache.match(url);
  if (cached) {
    const text = await cached.text();
    if ((await sha256Hex(text)).startsWith(version)) return { manifest: parseManifest(text), fromCache: true };
    await cache.delete(url);
  }
  const text = await (await fetchOk(fetchFn, url, MANIFEST_FILE)).text();
  if (!(await sha256Hex(text)).startsWith(version)) {
    throw new DatasetError(MANIFEST_FILE, "the server's data sets are not the ones this page was built with: reload the page");
  }
  const manifest = parseManifest(text);
  await cache.put(url, new Response(text, { headers: { 'Content-Type': 'application/json' } }));
  return { manifest, fromCache: false };
}

/**
 * Decompresses a gzip body into an array of the manifest's raw size as the chunks arrive, counting the
 * compressed bytes (onCompressed) and the raw bytes so far (onRaw); keeps the compressed chunks when asked.
 */
async function inflate(
  body: ReadableStream<Uint8Array>,
  entry: ManifestFile,
  onCompressed: (n: number) => void,
  onRaw: (written: number) => void,
  keep: Uint8Array[] | undefined,
): Promise<Uint8Array> {
  let first = true;
  const counted = body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        if (first && chunk.byteLength > 0) {
          first = false;
          if (chunk[0] !== 0x1f || (chunk.byteLength > 1 && chunk[1] !== 0x8b)) {
            throw new DatasetError(entry.name, 'not gzip data (a server that decompressed it on the way, Content-Encoding: gzip?)');
          }
        }
        keep?.push(chunk);
        onCompressed(chunk.byteLength);
        controller.enqueue(chunk);
      },
    }),
  );
  const out = new Uint8Array(entry.bytes);
  let written = 0;
  const reader = counted.pipeThrough(new DecompressionStream('gzip') as unknown as TransformStream<Uint8Array, Uint8Array>).getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (written + value.byteLength > out.byteLength) {
        throw new DatasetError(entry.name, `larger than the manifest says: more than ${groupDigits(entry.bytes)} bytes`);
      }
      out.set(value, written);
      written += value.byteLength;
      onRaw(written);
    }
  } catch (e) {
    await reader.cancel().catch(() => undefined);
    if (e instanceof DatasetError) throw e;
    throw new DatasetError(entry.name, `corrupt or truncated gzip data after ${groupDigits(written)} bytes (${(e as Error).message})`);
  }
  if (written !== entry.bytes)
    throw new DatasetError(entry.name, `truncated: ${groupDigits(written)} bytes, the manifest says ${groupDigits(entry.bytes)}`);
  return out;
}

async function verified(raw: Uint8Array, entry: ManifestFile): Promise<Uint8Array> {
  const hash = await sha256Hex(raw);
  if (hash !== entry.sha256) {
    throw new DatasetError(
      entry.name,
      `SHA-256 ${hash.slice(0, 16)}…, the manifest says ${entry.sha256.slice(0, 16)}…: the file is corrupt`,
    );
  }
  return raw;
}

/** Loads one data set (see the top of the file). Errors are DatasetErrors that name the file. */
export async function loadDataset<N extends DatasetName>(
  name: N,
  onProgress: (p: LoadProgress) => void,
  options: LoadOptions,
): Promise<Loaded<DatasetTypes[N]>> {
  const fetchFn = options.fetch ?? globalThis.fetch.bind(globalThis);
  const cachesApi = options.caches ?? globalThis.caches;
  const pause = options.pause ?? (() => new Promise<void>((r) => setTimeout(r, 0)));
  if (!cachesApi || !globalThis.crypto?.subtle) {
    throw new DatasetError(DATASET_TITLES[name], 'this page is not a secure context (https or localhost): no Cache API or crypto.subtle');
  }
  const cache = await openCache(cachesApi, options.version);
  const { manifest, fromCache: manifestCached } = await readManifest(cache, fetchFn, options.baseUrl, options.version);
  const source = manifest.datasets[name];
  const totalBytes = source.files.reduce((a, f) => a + f.gzipBytes, 0);
  const isMnist = name === 'mnist';
  const images = isMnist ? { decoded: 0, total: MNIST_TRAIN_COUNT + MNIST_TEST_COUNT } : undefined;
  let loadedBefore = 0; // compressed bytes of the files already read
  let imagesBefore = 0;
  let allCached = manifestCached;
  const raw = new Map<string, Uint8Array>();
  let cacheProblem: string | undefined;

  for (const entry of source.files) {
    const url = new URL(entry.path, options.baseUrl);
    const imageFile = entry.name === MNIST_FILES.trainImages || entry.name === MNIST_FILES.testImages;
    const readFrom = async (res: Response, from: LoadProgress['source'], keep?: Uint8Array[]) => {
      let loaded = 0;
      const report = () =>
        onProgress({
          dataset: name,
          file: entry.name,
          loadedBytes: loadedBefore + loaded,
          totalBytes,
          source: from,
          images,
          phase: 'reading',
        });
      return verified(
        await inflate(
          res.body!,
          entry,
          (n) => {
            loaded += n;
            report();
          },
          (written) => {
            if (images && imageFile) {
              images.decoded = imagesBefore + Math.max(0, Math.floor((written - IDX_IMAGES_HEADER) / MNIST_PIXELS));
              report();
            }
          },
          keep,
        ),
        entry,
      );
    };

    let bytes: Uint8Array | undefined;
    const cached = await cache.match(url);
    if (cached?.body) {
      try {
        bytes = await readFrom(cached, 'cache');
      } catch {
        await cache.delete(url); // a corrupt cached copy: fetched again below
      }
    }
    if (!bytes) {
      allCached = false;
      const chunks: Uint8Array[] = [];
      bytes = await readFrom(await fetchOk(fetchFn, url, entry.name), 'network', chunks);
      try {
        await cache.put(url, new Response(new Blob(chunks as BlobPart[]), { headers: { 'Content-Type': 'application/octet-stream' } }));
      } catch (e) {
        // the data are checked and usable; only the next load will fetch them again (e.g. the storage quota is full)
        cacheProblem = `${entry.name} is not kept in the browser's cache (${(e as Error).message}): the next load fetches it again`;
      }
    }
    raw.set(entry.name, bytes);
    loadedBefore += entry.gzipBytes;
    if (images && imageFile)
      imagesBefore = images.decoded = imagesBefore + (entry.name === MNIST_FILES.trainImages ? MNIST_TRAIN_COUNT : MNIST_TEST_COUNT);
  }

  onProgress({
    dataset: name,
    file: source.files[source.files.length - 1].name,
    loadedBytes: totalBytes,
    totalBytes,
    source: allCached ? 'cache' : 'network',
    images,
    phase: 'parsing',
  });
  const data = (
    isMnist
      ? mnistFromFiles(Object.fromEntries(raw) as Record<MnistFileName, Uint8Array>)
      : await splitSentencesInChunks(DATASET_TITLES.brown, sentenceLines(decodeTextFile(raw.get(BROWN_TEXT_FILE)!, BROWN_TEXT_FILE)), pause)
  ) as DatasetTypes[N];
  return { data, fromCache: allCached, gzipBytes: totalBytes, bytes: source.files.reduce((a, f) => a + f.bytes, 0), source, cacheProblem };
}
