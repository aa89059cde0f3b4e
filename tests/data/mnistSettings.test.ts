/**
 * MNIST in the settings table: the task's shape is known from the settings before any data is loaded and
 * agrees with the loaded task; the source loads the data set through the loader it is given; a run group
 * refuses an MNIST group without its data; the MNIST settings travel in links for MNIST groups only, and
 * files written before them read as the paper's MNIST.
 */
import { describe, expect, it } from 'vitest';
import { decodeExperiment, encodeExperiment } from '../../src/app/lab/urlState.ts';
import { loadMnist } from '../../src/data/nodeLoader.ts';
import { RunGroup } from '../../src/engine/runGroup.ts';
import { type GroupSettings, PAPER_GROUP, PAPER_RUN, validateExperiment, withGroupDefaults } from '../../src/engine/settings.ts';
import { mnistOptionsOf, type TaskSettings, taskShape } from '../../src/tasks/index.ts';
import { mnistDataset } from '../../src/tasks/mnistTask.ts';
import { groupTaskSource } from '../../src/tasks/taskSource.ts';

const mnist = loadMnist();
const loaders = { mnist: async () => mnist };

describe('MNIST task settings', () => {
  const cases: [Partial<TaskSettings>, number, number, string][] = [
    [{ task: 'mnist' }, 784, 1, 'mnist'],
    [{ task: 'pmnist' }, 784, 1, 'pmnist'],
    [{ task: 'mnist', mnistStep: 'row' }, 28, 28, 'mnist (28 x 28, a row a step)'],
    [{ task: 'pmnist', mnistImage: '14x14' }, 196, 1, 'pmnist (14 x 14, a pixel a step)'],
    [{ task: 'mnist', mnistImage: '14x14', mnistStep: 'row' }, 14, 14, 'mnist (14 x 14, a row a step)'],
  ];
  for (const [s, L, I, name] of cases)
    it(`${JSON.stringify(s)}: ${L} steps of ${I}, the same shape as the loaded task`, async () => {
      const settings = { ...PAPER_GROUP, ...s } as TaskSettings;
      const shape = taskShape(settings);
      expect({ L: shape.L, I: shape.I, O: shape.O, name: shape.name, loss: shape.loss, outputSteps: shape.outputSteps }).toEqual({
        L,
        I,
        O: 10,
        name,
        loss: 'xent',
        outputSteps: 'last',
      });
      // the baseline needs the labels: unknown before the data is loaded
      expect(shape.baselineLoss).toBeNaN();
      const task = await groupTaskSource(settings, loaders).load();
      expect([task.L, task.I, task.O, task.name]).toEqual([L, I, 10, name]);
      expect(task.baselineLoss).toBeGreaterThan(2.29);
      expect(task.trainSize).toBe(50_000);
    });

  it('the permutation seed and the training subset reach the task; the seed is pmnist-only', async () => {
    expect(mnistOptionsOf({ task: 'pmnist', T: 100, permutationSeed: 77, trainSubset: 500 })).toEqual({
      permuted: true,
      permutationSeed: 77,
      side: 28,
      step: 'pixel',
      trainLimit: 500,
    });
    expect(mnistOptionsOf({ task: 'mnist', T: 100, permutationSeed: 77 }).permuted).toBe(false);
    const a = await groupTaskSource({ task: 'pmnist', T: 100, permutationSeed: 77, trainSubset: 500 }, loaders).load();
    expect(a.trainSize).toBe(500);
    const direct = mnistDataset(mnist, { permuted: true, permutationSeed: 77, side: 28, step: 'pixel' });
    expect(Array.from(a.evaluationSet('test').batch(0, 1).x)).toEqual(Array.from(direct.test.example(0).x));
  });

  it('a source without a loader says what it needs; copy and adding need none', async () => {
    await expect(groupTaskSource({ task: 'mnist', T: 100 }).load()).rejects.toThrow(/the mnist task needs the MNIST data set/);
    expect((await groupTaskSource({ task: 'adding', T: 30 }).load()).L).toBe(30);
  });

  it('a run group refuses an MNIST group without its loaded task, before touching the GPU', async () => {
    const group: GroupSettings = { ...PAPER_GROUP, task: 'mnist', hidden: 8, batchSize: 2 };
    expect(validateExperiment(group, [PAPER_RUN])).toEqual([]);
    await expect(RunGroup.create(null as never, group, [PAPER_RUN])).rejects.toThrow(/the mnist task trains on a data set: load it first/);
  });
});

describe('MNIST settings in links and files', () => {
  const runs = [{ ...PAPER_RUN, name: 'a' }];

  it('links carry the settings of their task only, and read back the same', () => {
    const copyLink = encodeExperiment({ group: PAPER_GROUP, runs });
    expect(copyLink).toMatch(/[#&]T=100&/);
    expect(copyLink).not.toMatch(/permutationSeed|mnistImage|mnistStep|trainSubset/);
    const g: GroupSettings = {
      ...PAPER_GROUP,
      task: 'pmnist',
      permutationSeed: 99,
      mnistImage: '14x14',
      mnistStep: 'row',
      trainSubset: 1000,
    };
    const link = encodeExperiment({ group: g, runs });
    expect(link).not.toMatch(/[#&]T=/);
    expect(link).toMatch(/permutationSeed=99&mnistImage=14x14&mnistStep=row&trainSubset=1000/);
    const back = decodeExperiment(link, { group: PAPER_GROUP, runs });
    expect(back?.problems).toEqual([]);
    expect(back?.experiment.group).toEqual({ ...g, T: PAPER_GROUP.T });
  });

  it('a link with a bad MNIST setting names it and what is allowed', () => {
    const back = decodeExperiment('#task=mnist&mnistImage=20x20&trainSubset=-3', { group: PAPER_GROUP, runs });
    expect(back?.problems.join('\n')).toMatch(/Image \(mnistImage\) must be one of 28x28, 14x14 \(got '20x20'\)/);
    expect(back?.problems.join('\n')).toMatch(/Training images \(trainSubset\) must be a whole number from 0 to 50000 \(got '?-3'?\)/);
    expect(back?.experiment.group.task).toBe('mnist');
    expect(back?.experiment.group.mnistImage).toBe('28x28');
  });

  it('a group written before the MNIST settings reads as the paper’s MNIST settings', () => {
    const { permutationSeed, mnistImage, mnistStep, trainSubset, ...old } = PAPER_GROUP;
    expect(validateExperiment(old as GroupSettings, runs)).toEqual([]);
    expect(withGroupDefaults(old as GroupSettings)).toEqual(PAPER_GROUP);
    expect([permutationSeed, mnistImage, mnistStep, trainSubset]).toEqual([1, '28x28', 'pixel', 0]);
  });
});
