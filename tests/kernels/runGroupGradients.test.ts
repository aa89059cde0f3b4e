/**
 * The GPU trainer's full-model gradients against the float64 reference model (src/reference/model.ts),
 * same weights, same batch, every parameter, several runs of different kinds trained side by side in one
 * group (so the run index as a dispatch dimension is checked too).
 *
 * Tolerance: |gpu - ref| <= 2e-3 * max|ref| + 2e-3 * |ref| per parameter. The GPU works in float32 over
 * sums of up to L*B*n terms and through the f32 composition of W, so errors of ~1e-4 of the gradient's
 * scale are expected; a wrong term (a missing transpose, a dropped penalty, a wrong clip) is off by O(1).
 */
import { describe, it } from 'vitest';
import { device, gpu, kernels } from '../helpers/gpu.ts';
import { expectClose } from '../helpers/compare.ts';
import { RunGroup } from '../../src/engine/runGroup.ts';
import { PAPER_RUN, type GroupSettings, type RunSettings } from '../../src/engine/settings.ts';
import { Rng } from '../../src/engine/random.ts';
import { lossAndGradients, type TaskBatch as RefBatch } from '../../src/reference/model.ts';
import { trainedParameterNames } from '../../src/engine/modelSettings.ts';
import type { TaskBatch } from '../../src/tasks/task.ts';
import type { ParamSet } from '../../src/engine/parameters.ts';
import { expect } from 'vitest';

const ops = { device, kernels, software: gpu.adapterInfo.isSoftware };

function toRefBatch(b: TaskBatch): RefBatch {
  return { ...b, x: Float64Array.from(b.x) };
}

function toF64(set: ParamSet): Record<string, Float64Array> {
  return Object.fromEntries(Object.entries(set).map(([k, v]) => [k, Float64Array.from(v)]));
}

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

async function checkGroup(label: string, group: GroupSettings, runs: RunSettings[], batchSeed: number) {
  const rg = await RunGroup.create(ops, group, runs);
  try {
    const batch = rg.task.batch(new Rng(batchSeed), group.batchSize);
    const metrics = await rg.computeGradients(batch);
    for (let r = 0; r < runs.length; r++) {
      const params = toF64(await rg.readParameters(r));
      const grads = await rg.readGradients(r);
      const ref = lossAndGradients(runs[r], params, toRefBatch(batch));
      expect(Math.abs(metrics[r].loss - ref.forward.taskLoss), `${label} run ${r} loss`).toBeLessThan(1e-4 * Math.max(1, ref.forward.taskLoss));
      const flow = await rg.readFlow(r);
      const fscale = maxAbs(ref.backward.flow);
      expectClose(`${label} run ${r} (${runs[r].name}) flow`, flow, ref.backward.flow, { atol: 2e-3 * fscale, rtol: 5e-3 });
      for (const name of trainedParameterNames(runs[r])) {
        const want = ref.backward.grads[name];
        const key = name as keyof ParamSet;
        const scale = maxAbs(want);
        expectClose(`${label} run ${r} (${runs[r].name}) d${name}`, grads[key], want, { atol: 2e-3 * scale + 1e-9, rtol: 2e-3 });
      }
    }
  } finally {
    await rg.destroy();
  }
}

const base: RunSettings = { ...PAPER_RUN, weightDecay: 1e-3 };

describe('run group gradients vs float64 reference model', () => {
  it('copy task: every nonlinearity, factorised with margins 0, 0.1, 1, none and plain, in one group', async () => {
    const group: GroupSettings = { task: 'copy', T: 4, batchSize: 3, hidden: 8, optimizer: 'rmsprop', dataSeed: 1, trackEvery: 1 };
    const runs: RunSettings[] = [
      { ...base, name: 'lin m0', nonlinearity: 'linear', margin: 0, seed: 1 },
      { ...base, name: 'tanh m0.1 glorot', nonlinearity: 'tanh', margin: 0.1, init: 'glorot', seed: 2, prior: 0.5 },
      { ...base, name: 'relu m1', nonlinearity: 'relu', margin: 1, init: 'glorot', seed: 3, gain: 1.05 },
      { ...base, name: 'leaky none', nonlinearity: 'leaky', slope: 0.3, margin: null, init: 'glorot', seed: 4, softOrth: 0.1 },
      { ...base, name: 'prelu plain', nonlinearity: 'prelu', slope: 0.6, parameterisation: 'plain', init: 'glorot', seed: 5, softOrth: 0.2 },
      { ...base, name: 'oplu plain', nonlinearity: 'oplu', parameterisation: 'plain', init: 'orthogonal', seed: 6 },
    ];
    await checkGroup('copy', group, runs, 11);
  });

  it('adding task (MSE on the last step) with the clip active and inactive', async () => {
    const group: GroupSettings = { task: 'adding', T: 6, batchSize: 5, hidden: 6, optimizer: 'rmsprop', dataSeed: 1, trackEvery: 1 };
    const runs: RunSettings[] = [
      { ...base, name: 'tanh clip 1e-3', nonlinearity: 'tanh', margin: 0.5, init: 'glorot', clip: 1e-3, seed: 7 },
      { ...base, name: 'relu noclip', nonlinearity: 'relu', margin: null, init: 'glorot', clip: 0, seed: 8, prior: 0.1 },
      { ...base, name: 'plain clip', nonlinearity: 'linear', parameterisation: 'plain', init: 'glorot', clip: 2e-3, seed: 9 },
    ];
    await checkGroup('adding', group, runs, 12);
  });
});
