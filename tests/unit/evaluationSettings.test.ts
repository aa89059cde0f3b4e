/**
 * The evaluation settings (evaluateEvery, evaluationBatch): parsed and checked by the settings table, 'epoch'
 * refused for a task without epochs (in a group, in a link, on a task change), carried by links, and read by
 * the hosts as one request (evaluationOf).
 */
import { describe, expect, it } from 'vitest';
import { classifyGroupChange, describeGroupChange, keepsEvaluationSets } from '../../src/app/lab/changes.ts';
import { labMemoryPlan, memoryRefusal } from '../../src/app/lab/memory.ts';
import { defaultExperiment, presets } from '../../src/app/lab/presets.ts';
import { decodeExperiment, encodeExperiment } from '../../src/app/lab/urlState.ts';
import { planEvaluationMemory } from '../../src/engine/evaluationMemory.ts';
import { evaluationOf, GROUP_SETTINGS, PAPER_GROUP, PAPER_RUN, parseValue, validateExperiment } from '../../src/engine/settings.ts';
import { taskShape } from '../../src/tasks/index.ts';

const every = GROUP_SETTINGS.evaluateEvery;
const batch = GROUP_SETTINGS.evaluationBatch;

describe('evaluateEvery and evaluationBatch', () => {
  it("parse 'off', 'epoch' (any case) and whole numbers of iterations; refuse the rest naming the setting", () => {
    expect(parseValue(every, 'off')).toEqual({ ok: true, value: 'off' });
    expect(parseValue(every, ' EPOCH ')).toEqual({ ok: true, value: 'epoch' });
    expect(parseValue(every, '250')).toEqual({ ok: true, value: 250 });
    expect(parseValue(every, '1e3')).toEqual({ ok: true, value: 1000 });
    for (const bad of ['0', '2.5', '-1', 'auto', 'epochs', '0x10', '', 'Infinity']) {
      const r = parseValue(every, bad);
      expect(r.ok, bad).toBe(false);
      if (!r.ok) expect(r.error).toContain("Evaluate every (evaluateEvery) must be 'off', 'epoch' or a whole number from 1 to 10000000");
    }
    expect(parseValue(batch, '0')).toEqual({ ok: true, value: 0 });
    expect(parseValue(batch, '500')).toEqual({ ok: true, value: 500 });
    expect(parseValue(batch, '-3').ok).toBe(false);
    expect(parseValue(batch, '20000').ok).toBe(false);
  });

  it("are optional (unset: off, the training batch); 'epoch' only for a task with epochs", () => {
    const runs = [{ ...PAPER_RUN }];
    expect(validateExperiment({ ...PAPER_GROUP }, runs)).toEqual([]);
    expect(validateExperiment({ ...PAPER_GROUP, evaluateEvery: 100, evaluationBatch: 200 }, runs)).toEqual([]);
    expect(validateExperiment({ ...PAPER_GROUP, task: 'mnist', evaluateEvery: 'epoch' }, runs)).toEqual([]);
    expect(validateExperiment({ ...PAPER_GROUP, task: 'pmnist', evaluateEvery: 'epoch' }, runs)).toEqual([]);
    for (const task of ['copy', 'adding'] as const) {
      expect(validateExperiment({ ...PAPER_GROUP, task, evaluateEvery: 'epoch' }, runs)).toEqual([
        `group: Evaluate every (evaluateEvery) 'epoch' needs a task with epochs (mnist, pmnist, text): the ${task} task trains on an endless stream; give a number of iterations or 'off'`,
      ]);
    }
  });

  it('read as one request: null when off or unset, the batch only when set', () => {
    expect(evaluationOf({ ...PAPER_GROUP })).toBeNull();
    expect(evaluationOf({ ...PAPER_GROUP, evaluateEvery: 'off', evaluationBatch: 64 })).toBeNull();
    expect(evaluationOf({ ...PAPER_GROUP, evaluateEvery: 50 })).toEqual({ every: 50 });
    expect(evaluationOf({ ...PAPER_GROUP, evaluateEvery: 50, evaluationBatch: 0 })).toEqual({ every: 50 });
    expect(evaluationOf({ ...PAPER_GROUP, task: 'mnist', evaluateEvery: 'epoch', evaluationBatch: 500 })).toEqual({
      every: 'epoch',
      batchSize: 500,
    });
  });

  it('a change rebuilds the group carrying every run (parameters and optimiser state)', () => {
    expect(classifyGroupChange('evaluateEvery')).toBe('carry');
    expect(classifyGroupChange('evaluationBatch')).toBe('carry');
  });

  it('the MNIST presets evaluate every epoch; the copy presets do not evaluate', () => {
    for (const software of [true, false]) {
      const byId = Object.fromEntries(presets(software).map((p) => [p.id, p.experiment.group]));
      for (const id of ['mnist-classroom', 'table1', 'table2']) expect(byId[id].evaluateEvery, id).toBe('epoch');
      for (const id of ['interactive', 'baselines', 'paper']) expect(byId[id].evaluateEvery, id).toBeUndefined();
    }
  });
});

describe('evaluation in links', () => {
  const defaults = defaultExperiment(true);
  /** the default runs, as a link writes them */
  const runs = encodeExperiment(defaults)
    .slice(1)
    .split('&')
    .filter((p) => p.startsWith('run='))
    .join('&');
  it('a link carries the settings when set, and leaves them out when unset', () => {
    const off = encodeExperiment(defaults);
    expect(off).not.toContain('evaluateEvery');
    expect(off).not.toContain('evaluationBatch');
    const e = { ...defaults, group: { ...defaults.group, evaluateEvery: 25, evaluationBatch: 128 } };
    const hash = encodeExperiment(e);
    expect(hash).toContain('evaluateEvery=25&evaluationBatch=128');
    const back = decodeExperiment(hash, defaults)!;
    expect(back.problems).toEqual([]);
    expect(back.experiment).toEqual(e);
    const mnist = decodeExperiment(`#task=mnist&mnistImage=14x14&mnistStep=row&trainSubset=320&evaluateEvery=epoch&${runs}`, defaults)!;
    expect(mnist.problems).toEqual([]);
    expect(mnist.experiment.group.evaluateEvery).toBe('epoch');
    expect(mnist.experiment.group.trainSubset).toBe(320);
  });

  it("'epoch' for a task without epochs: named, the rounds off, the rest of the link kept", () => {
    const back = decodeExperiment(`#task=copy&T=12&evaluateEvery=epoch&evaluationBatch=64&${runs}`, defaults)!;
    expect(back.problems).toEqual([
      "link: Evaluate every (evaluateEvery) 'epoch' needs a task with epochs (mnist, pmnist, text): the copy task trains on an endless stream; give a number of iterations or 'off'; using 'off'",
    ]);
    expect(back.experiment.group).toEqual({ ...defaults.group, T: 12, evaluateEvery: 'off', evaluationBatch: 64 });
  });

  it('a junk value is named and falls back to the default', () => {
    const back = decodeExperiment(`#evaluateEvery=sometimes&evaluationBatch=-1&${runs}`, defaults)!;
    expect(back.problems).toHaveLength(2);
    expect(back.problems[0]).toContain('(evaluateEvery)');
    expect(back.problems[1]).toContain('(evaluationBatch)');
    expect(back.experiment.group).toEqual(defaults.group);
  });
});

describe('the evaluation pass in the memory check', () => {
  const limits = {
    maxBufferSize: 2 ** 30,
    maxStorageBufferBindingSize: 2 ** 30,
    maxStorageBuffersPerShaderStage: 10,
    maxComputeWorkgroupsPerDimension: 65535,
  };
  const env = { software: true, quads: true, limits };
  const group = { ...PAPER_GROUP, T: 1000, hidden: 128, batchSize: 50 };
  const runs = [0, 1].map((k) => ({ id: `r${k}`, hidden: false, settings: { ...PAPER_RUN, margin: k } }));

  it('a group that fits with its evaluation pass is not refused; one whose evaluation batch does not fit is, by that setting', () => {
    expect(memoryRefusal(group, runs, env)).toBeNull();
    expect(memoryRefusal({ ...group, evaluateEvery: 100 }, runs, env)).toBeNull();
    const refused = memoryRefusal({ ...group, evaluateEvery: 100, evaluationBatch: 10_000 }, runs, env);
    expect(refused?.message).toMatch(
      /^Evaluation batch \(evaluationBatch\): The evaluation pass does not fit the GPU beside its run group: .* An evaluation batch of at most \d+ fits\./,
    );
    // the same batch with the rounds off needs no pass
    expect(memoryRefusal({ ...group, evaluateEvery: 'off', evaluationBatch: 10_000 }, runs, env)).toBeNull();
  });

  it("the memory line's plan lists the evaluation pass at its batch, as the pass plans it, and fits as the check says", () => {
    expect(labMemoryPlan(group, runs, env).evaluation).toBeNull();
    const evaluating = { ...group, evaluateEvery: 100 as const };
    const line = labMemoryPlan(evaluating, runs, env);
    expect(line.evaluation?.batchSize).toBe(50);
    const input = {
      task: taskShape(evaluating),
      batchSize: 50,
      hidden: 128,
      blocks: line.plan.blocks.map((b) => ({ cell: b.cell, runs: b.runs })),
      device: { software: true, quads: true, maxComputeWorkgroupsPerDimension: 65535 },
      keepBest: true,
      storage: line.plan.storage,
    };
    expect(line.evaluation?.plan.totalBytes).toBe(planEvaluationMemory(input).totalBytes);
    expect(line.fits).toBe(true);
    const big = labMemoryPlan({ ...evaluating, evaluationBatch: 250 }, runs, env);
    expect(big.evaluation?.plan.totalBytes).toBe(planEvaluationMemory({ ...input, batchSize: 250 }).totalBytes);
    expect(big.evaluation!.plan.totalBytes).toBeGreaterThan(line.evaluation!.plan.totalBytes);
    // a batch the device cannot hold beside the group: the line says it does not fit
    expect(labMemoryPlan({ ...evaluating, evaluationBatch: 10_000 }, runs, env).fits).toBe(false);
  });
});

describe('what a rebuild does to the evaluation rounds', () => {
  it('the rounds carry where the validation and test sets stay the same', () => {
    const copy = { ...PAPER_GROUP, T: 10 };
    expect(keepsEvaluationSets(copy, { ...copy, batchSize: 7, dataSeed: 9, hidden: 12, evaluationBatch: 100 })).toBe(true);
    expect(keepsEvaluationSets(copy, { ...copy, T: 11 })).toBe(false);
    expect(keepsEvaluationSets(copy, { ...copy, task: 'adding' })).toBe(false);
    const mnist = { ...PAPER_GROUP, task: 'mnist' as const, mnistImage: '14x14' as const, mnistStep: 'row' as const };
    expect(keepsEvaluationSets(mnist, { ...mnist, trainSubset: 320, T: 50 })).toBe(true);
    expect(keepsEvaluationSets(mnist, { ...mnist, mnistStep: 'pixel' })).toBe(false);
    expect(keepsEvaluationSets({ ...mnist, task: 'pmnist' }, { ...mnist, task: 'pmnist', permutationSeed: 2 })).toBe(false);
  });

  it('the confirmation says what happens to the rounds', () => {
    const g = { ...PAPER_GROUP, task: 'mnist' as const };
    const on = describeGroupChange('evaluateEvery', g, { ...g, evaluateEvery: 'epoch' }, 40);
    expect(on.title).toBe('Change Evaluate every from off to epoch?');
    expect(on.details.join(' ')).toContain("the first round takes each run's best-validation weights anew");
    const batch = describeGroupChange(
      'evaluationBatch',
      { ...g, evaluateEvery: 'epoch' },
      { ...g, evaluateEvery: 'epoch', evaluationBatch: 250 },
      40,
    );
    expect(batch.title).toBe('Change Evaluation batch from 0 to 250?');
    expect(batch.details.join(' ')).toContain('Each run keeps its best-validation weights and its evaluation rounds');
    const off = describeGroupChange('evaluateEvery', { ...g, evaluateEvery: 100 }, { ...g, evaluateEvery: 'off' }, 40);
    expect(off.details.join(' ')).toContain('The evaluation rounds stop');
  });
});
