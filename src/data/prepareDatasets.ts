/**
 * What the build serves under datasets/ (Node only; used by datasetsPlugin.ts and the tests): the four MNIST
 * files and the prepared Brown corpus, each gzip-compressed, and the manifest that describes them.
 *
 * gzip level 6 (zlib's default): MNIST's training images take ~2 s at level 6 against ~1.3 s at level 1 and
 * ~31 s at level 9 on one core of the 2-core development machine, for 9.8 MB against 10.9 MB and 9.6 MB. The
 * files are compressed at once on libuv's thread pool, so the whole preparation takes about 3 s of wall time.
 */
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { DatasetError } from './datasetError.ts';
import { BROWN_TEXT_FILE, type DatasetName, type DatasetsManifest, MANIFEST_FORMAT, type ManifestFile, servedPath } from './manifest.ts';
import { MNIST_FILE_NAMES } from './mnist.ts';
import { BROWN_PACKAGE, MNIST_PACKAGE, type PackageInfo, packageInfo, readBrownText, readMnistFiles } from './nodeLoader.ts';

export const GZIP_LEVEL = 6;

const gzipAsync = promisify(gzip);

export interface PreparedDatasets {
  manifest: DatasetsManifest;
  /** manifest.json as served */
  manifestText: string;
  /** the first 16 hex digits of manifest.json's SHA-256: names the browser's cache, so new data get a new one */
  version: string;
  /** the gzip copies by their path under datasets/ (manifest: files[].path) */
  files: Map<string, Uint8Array>;
}

export function sha256Hex(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

async function compress(dataset: DatasetName, name: string, raw: Uint8Array): Promise<{ entry: ManifestFile; gz: Uint8Array }> {
  const gz = new Uint8Array(await gzipAsync(raw, { level: GZIP_LEVEL }));
  return { entry: { name, path: servedPath(dataset, name), bytes: raw.byteLength, gzipBytes: gz.byteLength, sha256: sha256Hex(raw) }, gz };
}

function datasetEntry(title: string, info: PackageInfo, files: ManifestFile[]) {
  if (typeof info.license !== 'string') throw new DatasetError(info.name, 'its package.json states no licence');
  return { title, package: info.name, version: info.version, license: info.license, files };
}

export async function prepareDatasets(): Promise<PreparedDatasets> {
  const mnistFiles = readMnistFiles();
  const brown = new TextEncoder().encode(readBrownText());
  const done = await Promise.all([
    ...MNIST_FILE_NAMES.map((f) => compress('mnist', f, mnistFiles[f])),
    compress('brown', BROWN_TEXT_FILE, brown),
  ]);
  const manifest: DatasetsManifest = {
    format: MANIFEST_FORMAT,
    datasets: {
      mnist: datasetEntry(
        'MNIST',
        packageInfo(MNIST_PACKAGE),
        done.slice(0, 4).map((d) => d.entry),
      ),
      brown: datasetEntry(
        'Brown corpus',
        packageInfo(BROWN_PACKAGE),
        done.slice(4).map((d) => d.entry),
      ),
    },
  };
  const manifestText = `${JSON.stringify(manifest, null, 2)}\n`;
  return { manifest, manifestText, version: sha256Hex(manifestText).slice(0, 16), files: new Map(done.map((d) => [d.entry.path, d.gz])) };
}
