/**
 * Sequential and permuted MNIST as a task (docs/SCIENCE.md section 6.3): each image is a sequence of its
 * pixels, value / 255 in [0, 1], in row-major order; the class (0..9) is read from the readout at the last
 * step (softmax cross-entropy, argmax accuracy). The splits are those of src/data/mnist.ts: the first
 * 50,000 training images train, the last 10,000 validate, the 10,000 test images test.
 *
 * Permuted MNIST: one fixed permutation P of the pixel positions, drawn from the permutation seed alone and
 * shared by the three splits: step t reads pixel P[t] of the (row-major) image. The seed is a setting of its
 * own, so that the permutation is kept in links and checkpoints and every run of a group reads the same one.
 *
 * Layouts (what a step reads), for classrooms and quick checks; the paper's is one pixel a step at 28 x 28:
 *   - side 28 or 14: the image as published, or averaged over 2 x 2 blocks (14 x 14, four times fewer steps);
 *   - step 'pixel' (side^2 steps of 1 input) or 'row' (side steps of side inputs: the pixels of one row,
 *     or in the permuted task the next `side` pixels of the permuted order).
 * A training subset (the first `trainLimit` training images) shortens an epoch; validation and test are
 * always the full 10,000.
 */
import { MNIST_CLASSES, MNIST_COLS, MNIST_PIXELS, MNIST_ROWS, type Mnist, type MnistSplit } from '../data/mnist.ts';
import { deriveSeed, Rng } from '../random/rng.ts';
import type { ExampleSplit, SequenceDataset } from './datasetTask.ts';
import type { SequenceExample } from './sequenceExample.ts';

export type MnistSide = 28 | 14;
export type MnistStep = 'pixel' | 'row';
export const MNIST_SIDES: readonly MnistSide[] = [28, 14];
export const MNIST_STEPS: readonly MnistStep[] = ['pixel', 'row'];

export interface MnistTaskOptions {
  /** permuted MNIST: the pixels in the order of one fixed permutation drawn from permutationSeed */
  permuted: boolean;
  /** the permutation's seed (a whole number 0 .. 2^32 - 1); unused when not permuted */
  permutationSeed: number;
  /** pixels per side: 28 (as published, the paper) or 14 (2 x 2 means) */
  side: MnistSide;
  /** what one step reads: one pixel (the paper) or one row of `side` pixels */
  step: MnistStep;
  /** train on the first trainLimit training images only (default: all 50,000) */
  trainLimit?: number;
}

/** The paper's sequential MNIST: one pixel a step, 784 steps. */
export const PAPER_MNIST: MnistTaskOptions = { permuted: false, permutationSeed: 0, side: 28, step: 'pixel' };

/** Mixed into the permutation seed, so that the permutation's stream is unrelated to any other drawn from the same number. */
const PERMUTATION_KEY = 0x9e77;

/** The permutation of permuted MNIST: position t of the sequence reads pixel permutation[t] (of `pixels`). */
export function mnistPermutation(seed: number, pixels: number): Uint32Array {
  return new Rng(deriveSeed(seed, PERMUTATION_KEY)).permutation(pixels);
}

/** What is wrong with the options, in words (null when they are fine); trainSize is the training split's size. */
export function mnistOptionsProblem(o: MnistTaskOptions, trainSize: number): string | null {
  if (typeof o.permuted !== 'boolean') return 'permuted must be true or false';
  if (!Number.isInteger(o.permutationSeed) || o.permutationSeed < 0 || o.permutationSeed > 0xffffffff)
    return `the permutation seed must be a whole number from 0 to 4294967295 (got ${o.permutationSeed})`;
  if (!MNIST_SIDES.includes(o.side)) return `side must be one of ${MNIST_SIDES.join(', ')} pixels (got ${o.side})`;
  if (!MNIST_STEPS.includes(o.step)) return `step must be one of ${MNIST_STEPS.join(', ')} (got ${o.step})`;
  if (o.trainLimit !== undefined && (!Number.isInteger(o.trainLimit) || o.trainLimit < 1 || o.trainLimit > trainSize))
    return `the training subset must be a whole number of images from 1 to ${trainSize} (got ${o.trainLimit})`;
  return null;
}

/** The task's name: 'mnist' or 'pmnist', with the layout when it is not the paper's. */
export function mnistTaskName(o: MnistTaskOptions): string {
  const base = o.permuted ? 'pmnist' : 'mnist';
  const layout = o.side === 28 && o.step === 'pixel' ? '' : ` (${o.side} x ${o.side}, a ${o.step} a step)`;
  return base + layout;
}

/** The image's pixels / 255 at `side` pixels a side (28: as stored; 14: the mean of each 2 x 2 block), row-major. */
function imagePixels(images: Uint8Array, index: number, side: MnistSide): Float32Array {
  const at = index * MNIST_PIXELS;
  const out = new Float32Array(side * side);
  if (side === 28) {
    for (let p = 0; p < MNIST_PIXELS; p++) out[p] = images[at + p] / 255;
    return out;
  }
  const f = MNIST_ROWS / side;
  for (let r = 0; r < side; r++)
    for (let c = 0; c < side; c++) {
      let sum = 0;
      for (let dr = 0; dr < f; dr++) for (let dc = 0; dc < f; dc++) sum += images[at + (r * f + dr) * MNIST_COLS + c * f + dc];
      out[r * side + c] = sum / (255 * f * f);
    }
  return out;
}

/** The entropy (nats) of the class frequencies: the loss of the best guess that ignores the image. */
export function labelEntropy(labels: Uint8Array): number {
  const counts = new Float64Array(MNIST_CLASSES);
  for (const l of labels) counts[l]++;
  let h = 0;
  for (const c of counts) if (c > 0) h -= (c / labels.length) * Math.log(c / labels.length);
  return h;
}

/** Sequential or permuted MNIST over the loaded data set: a SequenceDataset for datasetTask (datasetTask.ts). */
export function mnistDataset(mnist: Mnist, options: MnistTaskOptions): SequenceDataset {
  const problem = mnistOptionsProblem(options, mnist.train.count);
  if (problem) throw new Error(`MNIST task: ${problem}`);
  const { side, step } = options;
  const pixels = side * side;
  const perm = options.permuted ? mnistPermutation(options.permutationSeed, pixels) : null;
  const L = step === 'pixel' ? pixels : side;
  const I = step === 'pixel' ? 1 : side;
  const trainCount = options.trainLimit ?? mnist.train.count;

  const splitOf = (split: MnistSplit, count: number): ExampleSplit => ({
    size: count,
    example: (i: number): SequenceExample => {
      if (!Number.isInteger(i) || i < 0 || i >= count) throw new Error(`MNIST ${split.name}: no image ${i} (the split has ${count})`);
      const image = imagePixels(split.images, i, side);
      if (!perm) return { x: image, targets: [split.labels[i]] };
      const x = new Float32Array(pixels);
      for (let t = 0; t < pixels; t++) x[t] = image[perm[t]];
      return { x, targets: [split.labels[i]] };
    },
  });

  return {
    name: mnistTaskName(options),
    L,
    I,
    O: MNIST_CLASSES,
    loss: 'xent',
    outputSteps: 'last',
    baselineLoss: labelEntropy(mnist.train.labels.subarray(0, trainCount)),
    hasAccuracy: true,
    train: splitOf(mnist.train, trainCount),
    validation: splitOf(mnist.valid, mnist.valid.count),
    test: splitOf(mnist.test, mnist.test.count),
  };
}
