/**
 * The GPU trainer's gradients against the float64 reference models on real text batches (the text task over
 * the Brown corpus, src/tasks/textTask.ts): a prediction at every step, sentences of different lengths in one
 * batch padded at the end with weight 0, the length-bucketed training order and an evaluation batch with an
 * empty row. Plain, factorised and LSTM runs in one group, tiny n. Tolerances as in runGroupGradients.test.ts:
 * |gpu - ref| <= 2e-3 * max|ref| + 2e-3 * |ref| per parameter, the loss within 1e-4; the gradient flow aligned
 * on each row's last scored character (NaN exactly where no row reaches an offset). The evaluation batch runs
 * only 8 of the 15 steps (shorter batches, src/engine/batchLength.ts): the reference covers that path too.
 */
import { describe, expect, it } from 'vitest';
import { loadBrown } from '../../src/data/nodeLoader.ts';
import { flowRowCounts, flowRows } from '../../src/engine/flowRows.ts';
import { trainedParameterNames } from '../../src/engine/modelSettings.ts';
import type { ParamSet } from '../../src/engine/parameters.ts';
import { RunGroup } from '../../src/engine/runGroup.ts';
import { type GroupSettings, PAPER_RUN, type RunSettings } from '../../src/engine/settings.ts';
import { Rng } from '../../src/random/rng.ts';
import { lossAndGradients as lstmLossAndGradients } from '../../src/reference/lstmModel.ts';
import { lossAndGradients } from '../../src/reference/model.ts';
import type { TaskBatch } from '../../src/tasks/task.ts';
import { textTask } from '../../src/tasks/textTask.ts';
import { expectClose } from '../helpers/compare.ts';
import { device, gpu, kernels } from '../helpers/gpu.ts';

const ops = { device, kernels, software: gpu.adapterInfo.isSoftware, quads: gpu.quadSwaps };
const toF64 = (set: ParamSet) => Object.fromEntries(Object.entries(set).map(([k, v]) => [k, Float64Array.from(v)]));
const maxAbs = (a: ArrayLike<number>) => Array.from(a).reduce((m, v) => Math.max(m, Math.abs(v)), 0);

/** Rows of the batch and their scored steps: the batch must mix lengths and pad, or the test checks nothing. */
function scoredPerRow(batch: TaskBatch): number[] {
  return Array.from({ length: batch.B }, (_, b) => {
    let n = 0;
    for (let t = 0; t < batch.L; t++) if (batch.weight[t * batch.B + b] > 0) n++;
    return n;
  });
}

describe('run group gradients vs float64 reference on text batches (Brown)', () => {
  it('plain, factorised and LSTM runs on a padded training batch and an evaluation batch with an empty row', async () => {
    const maxLength = 16;
    const group: GroupSettings = {
      task: 'text',
      T: 2,
      textCorpus: 'brown',
      maxLength,
      batchSize: 4,
      hidden: 6,
      optimizer: 'rmsprop',
      dataSeed: 2,
      trackEvery: 1,
    };
    const base: RunSettings = { ...PAPER_RUN, weightDecay: 1e-3 };
    const runs: RunSettings[] = [
      { ...base, name: 'tanh m0.1', nonlinearity: 'tanh', margin: 0.1, seed: 61 },
      { ...base, name: 'plain relu', parameterisation: 'plain', nonlinearity: 'relu', init: 'identity', seed: 62 },
      { ...base, name: 'lstm', parameterisation: 'lstm', clip: 0, seed: 63 },
    ];
    const task = textTask(loadBrown(), { maxLength });
    const rg = await RunGroup.create(ops, group, runs, { task });
    try {
      // the training stream (bucketed, from the group's data seed), and a validation batch that starts one
      // row before the set (an empty row, then its shortest sentences: scored in order of length)
      const validation = task.evaluationSet('validation');
      const batches = [rg.task.batch(new Rng(0), 4), validation.batch(-1, 4)];
      const rows = batches.map(scoredPerRow);
      expect(rows[1][0]).toBe(0); // the empty row
      expect(
        rows[1].slice(1).every((n) => n > 0 && n < maxLength - 1),
        String(rows[1]),
      ).toBe(true); // padded rows
      // the validation batch's longest sentence ends before L: the earliest flow offsets are reached by no row
      expect(flowRowCounts(rg.dims.L, flowRows(batches[1]))[0]).toBe(0);
      for (const [k, batch] of batches.entries()) {
        const metrics = await rg.computeGradients(batch);
        // the validation batch's sentences end before step 8: it runs 8 of the 15 steps (src/engine/batchLength.ts)
        expect(rg.stepsComputed.lastLength, `batch ${k}: steps computed`).toBe(k === 1 ? 8 : rg.dims.L);
        for (let r = 0; r < runs.length; r++) {
          const label = `batch ${k} run ${runs[r].name}`;
          const params = toF64(await rg.readParameters(r));
          const grads = await rg.readGradients(r);
          const refBatch = { ...batch, x: Float64Array.from(batch.x) };
          const ref =
            runs[r].parameterisation === 'lstm'
              ? lstmLossAndGradients(runs[r], params, refBatch)
              : lossAndGradients(runs[r], params, refBatch);
          expect(Math.abs(metrics[r].loss - ref.forward.taskLoss), `${label} loss`).toBeLessThan(1e-4 * Math.max(1, ref.forward.taskLoss));
          // the flow is aligned on each row's last scored character (src/engine/flowRows.ts): NaN exactly at the
          // offsets no row reaches, on both sides, and close where some row does
          const flow = await rg.readFlow(r);
          const want = ref.backward.flow;
          const counts = flowRowCounts(rg.dims.L, flowRows(batch));
          for (let t = 0; t <= rg.dims.L; t++) {
            expect(Number.isNaN(flow[t]), `${label} flow[${t}] is NaN`).toBe(counts[t] === 0);
            expect(Number.isNaN(want[t]), `${label} reference flow[${t}] is NaN`).toBe(counts[t] === 0);
          }
          const reached = (a: ArrayLike<number>) => Array.from(a).filter((_, t) => counts[t] > 0);
          expect(maxAbs(reached(want)), `${label}: the flow is tracked`).toBeGreaterThan(0);
          expectClose(`${label} flow`, reached(flow), reached(want), { atol: 2e-3 * maxAbs(reached(want)), rtol: 5e-3 });
          for (const name of trainedParameterNames(runs[r])) {
            const g = ref.backward.grads[name];
            expectClose(`${label} d${name}`, grads[name], g, { atol: 2e-3 * maxAbs(g) + 1e-9, rtol: 2e-3 });
          }
        }
      }
    } finally {
      await rg.destroy();
    }
  });
});
