/**
 * Recomputation (src/engine/recompute.ts, docs/ENGINE.md "Recomputation") gives the gradients of full storage:
 * two run groups with the same runs, seeds and batch, one with full storage (recompute 'off') and one with
 * segments of k steps, compute the gradients of one batch with gradient flow on; every parameter's gradient,
 * the loss and accuracy stats and the gradient flow must agree. k = 1, 4, 5 and L (L = 13 for adding, 22 for
 * copy at T = 2): segments that do and do not divide L, one step per segment, and a single segment. RNN runs
 * (a factorised tanh and a plain tanh in one block; the prelu slope too) and LSTM runs (clip off and binding)
 * in one group; the fused kernels at every k, the naive ones at one k.
 *
 * Tolerance: |recomputed - full| <= 1e-5 * max|full| + 1e-5 * |full| per parameter. The two compute the same
 * f32 operations except that sums over steps are split by segment (dW, dW_in, db, dW_out, db_out, the loss
 * partial sums): rounding of float32 sums of <= L*B terms, ~1e-7 relative to their scale. A segment in the
 * wrong place, a missed carry or a stale buffer gives errors of O(1) of the gradient's scale.
 */
import { describe, expect, it } from 'vitest';
import { trainedParameterNames } from '../../src/engine/modelSettings.ts';
import { RunGroup } from '../../src/engine/runGroup.ts';
import { type GroupSettings, PAPER_RUN, type RecomputeSetting, type RunSettings } from '../../src/engine/settings.ts';
import { Rng } from '../../src/random/rng.ts';
import { expectClose } from '../helpers/compare.ts';
import { device, gpu, kernels } from '../helpers/gpu.ts';

const ops = { device, kernels, software: gpu.adapterInfo.isSoftware, quads: gpu.quadSwaps };
const REL = 1e-5;

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

const base: RunSettings = { ...PAPER_RUN, weightDecay: 1e-3 };
const RUNS: RunSettings[] = [
  { ...base, name: 'tanh m0.1', nonlinearity: 'tanh', margin: 0.1, init: 'glorot', seed: 1 },
  { ...base, name: 'plain tanh', nonlinearity: 'tanh', parameterisation: 'plain', init: 'glorot', seed: 2, clip: 0.05 },
  { ...base, name: 'plain prelu', nonlinearity: 'prelu', slope: 0.4, parameterisation: 'plain', init: 'glorot', seed: 3 },
  { ...base, name: 'lstm', parameterisation: 'lstm', clip: 0, seed: 4 },
  { ...base, name: 'lstm clip', parameterisation: 'lstm', init: 'glorot', clip: 0.02, seed: 5 },
];

/** Loss stats, every gradient and the flow of each run after one gradient computation. */
async function gradientsOf(group: GroupSettings, recompute: RecomputeSetting, naive: boolean) {
  const rg = await RunGroup.create(ops, { ...group, recompute }, RUNS, { naive });
  try {
    const batch = rg.task.batch(new Rng(77), group.batchSize);
    const metrics = await rg.computeGradients(batch);
    const runs = [];
    for (let r = 0; r < RUNS.length; r++) runs.push({ grads: await rg.readGradients(r), flow: await rg.readFlow(r) });
    return { storage: rg.memory.storage, dispatches: rg.dispatchesPerIteration, metrics, runs };
  } finally {
    await rg.destroy();
  }
}

const CASES: { task: 'adding' | 'copy'; T: number; ks: number[]; naiveK?: number }[] = [
  { task: 'adding', T: 13, ks: [1, 4, 5, 13], naiveK: 5 },
  { task: 'copy', T: 2, ks: [1, 4, 5, 22] },
];

describe('recomputation gives the gradients of full storage', () => {
  for (const c of CASES) {
    const group: GroupSettings = { task: c.task, T: c.T, batchSize: 3, hidden: 6, optimizer: 'rmsprop', dataSeed: 1, trackEvery: 1 };
    const variants = [...c.ks.map((k) => ({ k, naive: false })), ...(c.naiveK ? [{ k: c.naiveK, naive: true }] : [])];
    it(`${c.task} (L = ${c.task === 'copy' ? c.T + 20 : c.T}): k = ${variants.map((v) => `${v.k}${v.naive ? ' naive' : ''}`).join(', ')}`, async () => {
      const fullFused = await gradientsOf(group, 'off', false);
      expect(fullFused.storage).toBe('full');
      for (const v of variants) {
        const full = v.naive ? await gradientsOf(group, 'off', true) : fullFused;
        const rec = await gradientsOf(group, v.k, v.naive);
        const what = `${c.task} k=${v.k}${v.naive ? ' naive' : ''}`;
        expect(rec.storage, what).toEqual({ recompute: v.k });
        for (let r = 0; r < RUNS.length; r++) {
          const name = `${what} run ${RUNS[r].name}`;
          const m = full.metrics[r];
          expectClose(`${name} loss`, [rec.metrics[r].loss], [m.loss], { atol: REL * m.loss, rtol: REL });
          // the adding task has no accuracy (NaN for both)
          if (c.task === 'copy') expectClose(`${name} accuracy`, [rec.metrics[r].accuracy], [m.accuracy], { atol: REL, rtol: REL });
          else expect(rec.metrics[r].accuracy, name).toBeNaN();
          const fs = maxAbs(full.runs[r].flow);
          expect(fs, `${name}: the flow is tracked`).toBeGreaterThan(0);
          expectClose(`${name} flow`, rec.runs[r].flow, full.runs[r].flow, { atol: REL * fs, rtol: REL });
          for (const p of trainedParameterNames(RUNS[r])) {
            const want = full.runs[r].grads[p];
            expectClose(`${name} d${p}`, rec.runs[r].grads[p], want, { atol: REL * maxAbs(want) + 1e-12, rtol: REL });
          }
        }
      }
    });
  }
});
