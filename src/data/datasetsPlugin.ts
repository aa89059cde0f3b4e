/**
 * The Vite plugin that serves the data sets from the lab's own origin (nothing is fetched from another host,
 * nothing is committed or put under public/):
 *
 * - `vite build` emits datasets/manifest.json and the gzip copies (datasets/mnist/*.gz, datasets/brown/brown.txt.gz)
 *   into the build's output (prepareDatasets.ts: ~4 s, adding ~4 s to the ~11 s build on the 2-core machine).
 * - `vite` (the dev server) serves the same URLs from memory, prepared once per server start, on first use.
 * - `vite preview` (npm start) serves the built copies with the same headers.
 * - the virtual module `virtual:datasets` gives the page the manifest's version, which names the browser's
 *   cache (loadDataset.ts), so the page can load from the cache without asking the server anything.
 *
 * The .gz files go out as opaque bytes: Content-Type application/octet-stream and no Content-Encoding, so
 * the browser hands the page the compressed bytes (it counts them for the progress bar and decompresses them
 * itself); Cache-Control no-cache (the page keeps them in the Cache API, not the HTTP cache).
 */
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join, resolve } from 'node:path';
import type { Plugin } from 'vite';
import { MANIFEST_FILE } from './manifest.ts';
import { type PreparedDatasets, prepareDatasets } from './prepareDatasets.ts';

export const DATASETS_DIR = 'datasets';
const VIRTUAL_ID = 'virtual:datasets';
const RESOLVED_VIRTUAL_ID = `\0${VIRTUAL_ID}`;

/**
 * The file a request asks for under /datasets/ ('manifest.json', 'mnist/t10k-labels-idx1-ubyte.gz'), '' for a
 * path there that cannot be a data set file (a 404), undefined for any other URL (not ours).
 */
function requestedPath(url: string | undefined): string | undefined {
  const m = /^\/datasets\/(.*)$/.exec(new URL(url ?? '/', 'http://localhost').pathname);
  if (!m) return undefined;
  return /^[a-z0-9_.-]+(\/[a-z0-9_.-]+)*$/.test(m[1]) && !m[1].includes('..') ? m[1] : '';
}

function send(res: ServerResponse, path: string, body: Uint8Array | string): void {
  res.statusCode = 200;
  res.setHeader('Content-Type', path.endsWith('.json') ? 'application/json' : 'application/octet-stream');
  res.setHeader('Content-Length', String(typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength));
  res.setHeader('Cache-Control', 'no-cache');
  res.end(body);
}

// an unknown path under datasets/ is a 404 (not the app's index.html, which Vite sends for unknown paths)
function notFound(res: ServerResponse): void {
  res.statusCode = 404;
  res.setHeader('Content-Type', 'text/plain');
  res.end('no such data set file\n');
}

type Next = (err?: unknown) => void;

export function datasetsPlugin(): Plugin {
  let prepared: Promise<PreparedDatasets> | undefined;
  let outDir = '';
  const prepare = (log: (msg: string) => void) => {
    if (!prepared) {
      const t0 = performance.now();
      prepared = prepareDatasets().then((p) => {
        log(`data sets prepared in ${((performance.now() - t0) / 1000).toFixed(1)} s (version ${p.version})`);
        return p;
      });
    }
    return prepared;
  };

  return {
    name: 'orthogonality-lab-datasets',

    // A build prepares the data before bundling starts: awaited in a bundler hook (load, generateBundle) the
    // ~4 s of compression would make Rolldown warn on every build that this plugin takes most of the time.
    async configResolved(config) {
      outDir = resolve(config.root, config.build.outDir);
      if (config.command === 'build') await prepare((m) => config.logger.info(m));
    },

    resolveId(id) {
      return id === VIRTUAL_ID ? RESOLVED_VIRTUAL_ID : undefined;
    },

    async load(id) {
      if (id !== RESOLVED_VIRTUAL_ID) return undefined;
      const p = await prepare((m) => this.info(m));
      return `export const datasetsVersion = ${JSON.stringify(p.version)};\n`;
    },

    configureServer(server) {
      server.middlewares.use((req: IncomingMessage, res: ServerResponse, next: Next) => {
        const path = requestedPath(req.url);
        if (path === undefined) return next();
        if (!path || (req.method !== 'GET' && req.method !== 'HEAD')) return notFound(res);
        prepare((m) => server.config.logger.info(m)).then((p) => {
          if (path === MANIFEST_FILE) send(res, path, p.manifestText);
          else if (p.files.has(path)) send(res, path, p.files.get(path)!);
          else notFound(res);
        }, next);
      });
    },

    configurePreviewServer(server) {
      server.middlewares.use((req: IncomingMessage, res: ServerResponse, next: Next) => {
        const path = requestedPath(req.url);
        if (path === undefined) return next();
        if (!path || (req.method !== 'GET' && req.method !== 'HEAD')) return notFound(res);
        readFile(join(outDir, DATASETS_DIR, path)).then(
          (body) => send(res, path, body),
          () => notFound(res),
        );
      });
    },

    async generateBundle() {
      const p = await prepare((m) => this.info(m));
      this.emitFile({ type: 'asset', fileName: `${DATASETS_DIR}/${MANIFEST_FILE}`, source: p.manifestText });
      for (const [path, gz] of p.files) this.emitFile({ type: 'asset', fileName: `${DATASETS_DIR}/${path}`, source: gz });
    },
  };
}
