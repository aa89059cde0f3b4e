/**
 * The evaluation pass (src/engine/evaluation.ts, forward only: src/engine/forwardPlan.ts):
 * - on a training batch its loss and accuracy equal the training forward's (RunGroup.computeGradients) on the
 *   same weights: RNN factorised and plain and LSTM runs side by side, cross-entropy (copy) and MSE (adding),
 *   with full storage and with the group's recomputation (segments of k steps run in turn: k not dividing L,
 *   and a task scored at the last step only, so that the first segments score nothing);
 *   Tolerance 2e-6 relative: the same float32 kernels on the same numbers, the only difference being the
 *   normalisation by the weights' sum, summed in float64 from float32 weights (a few float32 roundings);
 * - over a set with a short last batch (7 sequences in batches of 3) it equals the weighted mean over every
 *   position computed in float64 by the reference models (src/reference/model.ts, lstmModel.ts), one sequence
 *   at a time. Tolerance 1e-4 relative, as the run group's loss against the reference (float32 forward);
 * - its buffers are exactly its memory plan (with recomputation too: one segment's activations and the
 *   checkpoints), and a budget one byte short is refused before anything is made;
 * - best-validation weights: taken bit for bit when the validation loss improves, kept when it does not, and
 *   the test set scored at them equals the score at the time they were taken.
 */
import { describe, expect, it } from 'vitest';
import { Evaluation } from '../../src/engine/evaluation.ts';
import { EvaluationMemoryError } from '../../src/engine/evaluationMemory.ts';
import { allBuffers } from '../../src/engine/memoryPlan.ts';
import type { ParamSet } from '../../src/engine/parameters.ts';
import { RunGroup } from '../../src/engine/runGroup.ts';
import { type GroupSettings, PAPER_RUN, type RunSettings } from '../../src/engine/settings.ts';
import { Rng } from '../../src/random/rng.ts';
import { forward as lstmForward } from '../../src/reference/lstmModel.ts';
import { type TaskBatch as RefBatch, forward as rnnForward } from '../../src/reference/model.ts';
import { addingTask } from '../../src/tasks/adding.ts';
import { copyTask } from '../../src/tasks/copy.ts';
import type { EvaluationSet, Task } from '../../src/tasks/task.ts';
import { expectBuffersAsPlanned, recordCreatedBuffers } from '../helpers/createdBuffers.ts';
import { device, gpu, kernels } from '../helpers/gpu.ts';
import { oneBatchSet } from '../helpers/oneBatchSet.ts';

const ops = { device, kernels, software: gpu.adapterInfo.isSoftware, quads: gpu.quadSwaps };
const base: RunSettings = { ...PAPER_RUN, weightDecay: 1e-3 };
// RNN factorised and plain and LSTM runs, in one group (two blocks)
const RUNS: RunSettings[] = [
  { ...base, name: 'tanh m0.1', nonlinearity: 'tanh', margin: 0.1, init: 'glorot', seed: 1 },
  { ...base, name: 'plain relu', parameterisation: 'plain', nonlinearity: 'relu', init: 'glorot', seed: 2 },
  { ...base, name: 'lstm', parameterisation: 'lstm', init: 'glorot', clip: 0, seed: 3 },
];

const CASES: { name: string; group: GroupSettings; task: Task }[] = [
  {
    name: 'copy (cross-entropy at every step, accuracy on the last 10)',
    group: { task: 'copy', T: 2, batchSize: 3, hidden: 6, optimizer: 'rmsprop', dataSeed: 4, trackEvery: 1 },
    task: copyTask(2, 7),
  },
  {
    name: 'adding (MSE at the last step)',
    group: { task: 'adding', T: 5, batchSize: 4, hidden: 5, optimizer: 'rmsprop', dataSeed: 4, trackEvery: 1 },
    task: addingTask(5, 7),
  },
  // the group's recomputation: the pass keeps one segment of activations and runs the segments in turn
  {
    name: 'copy with recomputation in segments of 4 steps (L = 22: the last segment is shorter)',
    group: { task: 'copy', T: 2, batchSize: 3, hidden: 6, optimizer: 'rmsprop', dataSeed: 4, trackEvery: 1, recompute: 4 },
    task: copyTask(2, 7),
  },
  {
    name: 'adding with recomputation in segments of 2 steps (only the last segment is scored)',
    group: { task: 'adding', T: 5, batchSize: 4, hidden: 5, optimizer: 'rmsprop', dataSeed: 4, trackEvery: 1, recompute: 2 },
    task: addingTask(5, 7),
  },
];

function toF64(set: ParamSet): Record<string, Float64Array> {
  return Object.fromEntries(Object.entries(set).map(([k, v]) => [k, Float64Array.from(v)]));
}

/** The set's loss and accuracy in float64, one sequence at a time through the reference model of the run. */
function referenceScore(run: RunSettings, params: ParamSet, set: EvaluationSet): { loss: number; accuracy: number } {
  const p = toF64(params);
  let loss = 0;
  let weights = 0;
  let correct = 0;
  let accWeights = 0;
  for (let i = 0; i < set.size; i++) {
    const b = set.batch(i, 1);
    const ref: RefBatch = { ...b, x: Float64Array.from(b.x) };
    const f = run.parameterisation === 'lstm' ? lstmForward(run, p, ref) : rnnForward(run, p, ref);
    for (let k = 0; k < b.weight.length; k++) {
      loss += b.weight[k] * f.positionLoss[k];
      weights += b.weight[k];
    }
    const acc = b.accWeight.reduce((a, v) => a + v, 0);
    if (f.accuracy !== null) {
      correct += f.accuracy * acc;
      accWeights += acc;
    }
  }
  return { loss: loss / weights, accuracy: accWeights > 0 ? correct / accWeights : NaN };
}

const relClose = (got: number, want: number, rel: number) => Math.abs(got - want) <= rel * Math.max(1, Math.abs(want));

describe('evaluation pass', () => {
  for (const c of CASES) {
    it(`${c.name}: equals the training forward on a training batch, and the float64 reference over a set with a short last batch`, async () => {
      const rg = await RunGroup.create(ops, c.group, RUNS, { task: c.task });
      const evaluation = await Evaluation.create(rg, { batchSize: c.group.batchSize });
      const other = await Evaluation.create(rg, { batchSize: 3, keepBest: false });
      try {
        // one step first, so the weights are not the initial ones
        rg.step();
        await rg.collect();
        const batch = c.task.batch(new Rng(21), c.group.batchSize);
        const train = await rg.computeGradients(batch);
        const scored = await evaluation.score(oneBatchSet(batch));
        RUNS.forEach((run, r) => {
          expect(relClose(scored[r].loss, train[r].loss, 2e-6), `${run.name}: ${scored[r].loss} vs ${train[r].loss}`).toBe(true);
          if (c.task.hasAccuracy) expect(scored[r].accuracy, run.name).toBeCloseTo(train[r].accuracy, 6);
          else expect(scored[r].accuracy).toBeNaN();
          expect(scored[r].count).toBe(c.group.batchSize);
        });
        // 7 test sequences in batches of 3: the last batch holds one sequence and two padding rows
        const test = c.task.evaluationSet('test');
        const scores = await other.score(test);
        for (const [r, run] of RUNS.entries()) {
          const want = referenceScore(run, await rg.readParameters(r), test);
          expect(relClose(scores[r].loss, want.loss, 1e-4), `${run.name}: ${scores[r].loss} vs reference ${want.loss}`).toBe(true);
          if (c.task.hasAccuracy) expect(Math.abs(scores[r].accuracy - want.accuracy), run.name).toBeLessThan(1e-6);
          expect(scores[r].count).toBe(7);
          expect(scores[r].problem).toBeUndefined();
        }
      } finally {
        evaluation.destroy();
        other.destroy();
        await rg.destroy();
      }
    });
  }
});

describe('evaluation progress', () => {
  it('reports the sequences done batch by batch, in order, ending at the set size before the scores; the scores are the same', async () => {
    const c = CASES[0];
    const rg = await RunGroup.create(ops, c.group, RUNS, { task: c.task });
    const evaluation = await Evaluation.create(rg, { batchSize: 3, keepBest: false });
    try {
      const test = c.task.evaluationSet('test');
      const plain = await evaluation.score(test);
      const seen: [number, number][] = [];
      const watched = await evaluation.score(test, 'current', (done, total) => seen.push([done, total]));
      // 7 sequences in batches of 3: after each batch, the last one short
      expect(seen).toEqual([
        [3, 7],
        [6, 7],
        [7, 7],
      ]);
      expect(watched).toEqual(plain);
    } finally {
      evaluation.destroy();
      await rg.destroy();
    }
  });
});

describe('evaluation memory and best-validation weights', () => {
  const buffers = recordCreatedBuffers();

  it('with recomputation: creates exactly its memory plan (one segment of activations, the checkpoints)', async () => {
    const c = CASES[2];
    const rg = await RunGroup.create(ops, c.group, RUNS, { task: c.task });
    try {
      expect(rg.memory.storage).toEqual({ recompute: 4 });
      buffers.clear();
      const evaluation = await Evaluation.create(rg, { batchSize: 5 });
      const plan = evaluation.memory;
      expect(plan.storage).toEqual({ recompute: 4 });
      expectBuffersAsPlanned(buffers, plan);
      expect(buffers.list.find((b) => b.label === 'evaluation.rnn.h')?.size).toBe(2 * 5 * 5 * 6 * 4); // [R = 2][k+1][B][n]
      expect(buffers.list.filter((b) => b.label.startsWith('evaluation.') && b.label.includes('checkpoints')).length).toBe(3); // rnn h, lstm h and c
      expect(evaluation.dispatchGrids()).toEqual(
        plan.blocks
          .flatMap((b) => b.dispatches.flatMap((d) => Array.from({ length: d.count }, () => `${d.kernel} ${d.workgroups.join('x')}`)))
          .sort(),
      );
      evaluation.destroy();
    } finally {
      await rg.destroy();
    }
  });

  it('creates exactly its memory plan; a budget one byte short of the group and the pass is refused first', async () => {
    const c = CASES[0];
    const rg = await RunGroup.create(ops, c.group, RUNS, { task: c.task });
    try {
      buffers.clear();
      const evaluation = await Evaluation.create(rg, { batchSize: 5 });
      const plan = evaluation.memory;
      expectBuffersAsPlanned(buffers, plan);
      // no backward buffer: nothing of kind gradients or optimiser
      expect(allBuffers(plan).filter(({ buffer }) => buffer.kind === 'gradients' || buffer.kind === 'optimiser')).toEqual([]);
      const dispatched = evaluation.dispatchGrids();
      expect(dispatched).toEqual(
        plan.blocks
          .flatMap((b) => b.dispatches.flatMap((d) => Array.from({ length: d.count }, () => `${d.kernel} ${d.workgroups.join('x')}`)))
          .sort(),
      );
      // reading best weights for a checkpoint stays within the planned transient buffer
      await evaluation.scoreAndKeepBest(c.task.evaluationSet('validation'), rg.iteration);
      buffers.clear();
      await evaluation.best!.read(2);
      expect(Math.max(...buffers.list.map((b) => b.size))).toBeLessThanOrEqual(plan.transient.bytes);
      evaluation.destroy();

      const exact = rg.memory.totalBytes + plan.totalBytes;
      (await Evaluation.create(rg, { batchSize: 5, memoryBudget: exact })).destroy();
      buffers.clear();
      const refused = await Evaluation.create(rg, { batchSize: 5, memoryBudget: exact - 1 }).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(EvaluationMemoryError);
      expect((refused as Error).message).toMatch(/does not fit the GPU beside its run group: .*An evaluation batch of at most 4 fits/);
      expect(buffers.list).toEqual([]);
    } finally {
      await rg.destroy();
    }
  });

  it('a GPU error while a set is scored stops the scoring with no figures, and the pass scores no more', async () => {
    const c = CASES[1];
    const rg = await RunGroup.create(ops, c.group, RUNS, { task: c.task });
    const evaluation = await Evaluation.create(rg, { batchSize: c.group.batchSize });
    try {
      const test = c.task.evaluationSet('test');
      expect((await evaluation.score(test)).every((s) => Number.isFinite(s.loss))).toBe(true);
      // a buffer the pass uses, destroyed under it: every batch's submit is a validation error
      (evaluation as unknown as { forward: { xproj: GPUBuffer }[] }).forward[0].xproj.destroy();
      await expect(evaluation.score(test)).rejects.toThrow(/The evaluation stopped: the GPU reported a validation error/);
      await expect(evaluation.score(test)).rejects.toThrow(/failed earlier on the GPU .* and scores no more/);
    } finally {
      evaluation.destroy();
      await rg.destroy();
    }
  });

  it('keeps each run its best-validation weights bit for bit, and scores the test set at them', async () => {
    const c = CASES[1];
    const rg = await RunGroup.create(ops, c.group, RUNS, { task: c.task });
    const evaluation = await Evaluation.create(rg, { batchSize: 3 });
    try {
      const validation = c.task.evaluationSet('validation');
      const test = c.task.evaluationSet('test');
      const first = await evaluation.scoreAndKeepBest(validation, 0);
      expect(first.improved).toEqual([0, 1, 2]);
      const taken = await Promise.all(RUNS.map((_, r) => rg.readParameters(r)));
      const testAtTaken = await evaluation.score(test, 'current');
      for (let k = 0; k < 3; k++) rg.step();
      await rg.collect();
      // the weights moved; best stays with the ones taken unless the validation loss is lower (adding: no accuracy)
      const second = await evaluation.scoreAndKeepBest(validation, 3);
      for (const [r, run] of RUNS.entries()) {
        const now = await rg.readParameters(r);
        expect(now.Wout, `${run.name} trained on`).not.toEqual(taken[r].Wout);
        const improved = second.scores[r].loss < first.scores[r].loss;
        expect(second.improved.includes(r), run.name).toBe(improved);
        const best = await evaluation.best!.read(r);
        expect(best, run.name).toEqual(improved ? now : taken[r]);
        expect(evaluation.best!.records[r]).toEqual(
          improved
            ? { iteration: 3, validationLoss: second.scores[r].loss, validationAccuracy: null }
            : { iteration: 0, validationLoss: first.scores[r].loss, validationAccuracy: null },
        );
      }
      // a run whose loss did not improve: scored at best, exactly what was measured when its weights were taken
      const worse = second.scores.map((s) => ({ ...s, loss: s.loss + 1 }));
      const enc = device.createCommandEncoder();
      expect(evaluation.best!.offer(enc, evaluation.scoredParameters, worse, 4)).toEqual([]);
      device.queue.submit([enc.finish()]);
      const atBest = await evaluation.score(test, 'best');
      for (const [r, run] of RUNS.entries()) if (!second.improved.includes(r)) expect(atBest[r], run.name).toEqual(testAtTaken[r]);
      // best weights written from a file (a resumed run) are scored as they were written
      evaluation.best!.write(0, taken[0], { iteration: 0, validationLoss: first.scores[0].loss, validationAccuracy: null });
      expect((await evaluation.score(test, 'best'))[0]).toEqual(testAtTaken[0]);
    } finally {
      evaluation.destroy();
      await rg.destroy();
    }
  });
});
