/**
 * Gradient flow aligned on each row's last scored step (src/engine/flowRows.ts, docs/SCIENCE.md 7.1), GPU
 * against the float64 reference models on padded batches: copy-shaped xent batches (every step read out)
 * whose rows score steps 1..t_b with t_b = L, 15, 10, 3 and one row scoring nothing, then a batch whose
 * longest row stops at 17 (the flow indices 0..4 are reached by no row: NaN on both sides). Plain and
 * factorised RNN runs and LSTM runs (clip off and binding) in one group, full storage and recomputation in
 * segments of 4 (injections inside earlier segments) and 5 (t_b = 10 and 15 on segment boundaries), the
 * naive kernels at k = 5.
 *
 * Tolerance as tests/kernels/runGroupGradients.test.ts: |gpu - ref| <= 2e-3 * max|ref| + 5e-3 * |ref| (f32
 * sums of <= B*n terms over <= 22 steps). An injection at the wrong step, a wrong alignment, a row counted
 * twice at a segment boundary or a dropped row count moves whole indices by O(1) of the scale.
 */
import { describe, expect, it } from 'vitest';
import { flowRowCounts, flowRows } from '../../src/engine/flowRows.ts';
import type { ParamSet } from '../../src/engine/parameters.ts';
import { RunGroup } from '../../src/engine/runGroup.ts';
import { type GroupSettings, PAPER_RUN, type RecomputeSetting, type RunSettings } from '../../src/engine/settings.ts';
import { Rng } from '../../src/random/rng.ts';
import { lossAndGradients as lstmLossAndGradients } from '../../src/reference/lstmModel.ts';
import { lossAndGradients, type TaskBatch as RefBatch } from '../../src/reference/model.ts';
import type { TaskBatch } from '../../src/tasks/task.ts';
import { expectClose } from '../helpers/compare.ts';
import { device, gpu, kernels } from '../helpers/gpu.ts';

const ops = { device, kernels, software: gpu.adapterInfo.isSoftware, quads: gpu.quadSwaps };

const base: RunSettings = { ...PAPER_RUN, weightDecay: 1e-3 };
const RUNS: RunSettings[] = [
  { ...base, name: 'plain tanh', nonlinearity: 'tanh', parameterisation: 'plain', init: 'glorot', seed: 2, clip: 0.05 },
  { ...base, name: 'tanh m0.1', nonlinearity: 'tanh', margin: 0.1, init: 'glorot', seed: 1 },
  { ...base, name: 'lstm', parameterisation: 'lstm', clip: 0, seed: 4 },
  { ...base, name: 'lstm clip', parameterisation: 'lstm', init: 'glorot', clip: 0.02, seed: 5 },
];
const group: GroupSettings = { task: 'copy', T: 2, batchSize: 5, hidden: 6, optimizer: 'rmsprop', dataSeed: 1, trackEvery: 1 };

/** A copy batch re-weighted as padded sentences: row b scores steps 1..last[b] (weight 1 / scored positions). */
function padded(batch: TaskBatch, last: number[], rng: Rng): TaskBatch {
  const { L, B, O } = batch;
  const weight = new Float32Array(L * B);
  const targets = new Uint32Array(L * B);
  const scored = last.reduce((a, t) => a + t, 0);
  for (let b = 0; b < B; b++) {
    for (let k = 0; k < L; k++) {
      targets[k * B + b] = rng.int(0, O);
      if (k < last[b]) weight[k * B + b] = 1 / scored;
    }
  }
  return { ...batch, weight, targets, accWeight: new Float32Array(L * B) };
}

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) if (Number.isFinite(a[i])) m = Math.max(m, Math.abs(a[i]));
  return m;
}

function toF64(set: ParamSet): Record<string, Float64Array> {
  return Object.fromEntries(Object.entries(set).map(([k, v]) => [k, Float64Array.from(v)]));
}

const LASTS = [
  [22, 15, 0, 10, 3],
  [17, 15, 9, 0, 12],
];

async function check(recompute: RecomputeSetting, naive: boolean) {
  const rg = await RunGroup.create(ops, { ...group, recompute }, RUNS, { naive });
  try {
    const { L } = rg.dims;
    expect(L).toBe(22);
    for (const [i, last] of LASTS.entries()) {
      const batch = padded(rg.task.batch(new Rng(31 + i), group.batchSize), last, new Rng(5 + i));
      const rows = flowRows(batch);
      expect(Array.from(rows.last)).toEqual(last);
      const counts = flowRowCounts(L, rows);
      await rg.computeGradients(batch);
      for (let r = 0; r < RUNS.length; r++) {
        const what = `recompute ${recompute}${naive ? ' naive' : ''} batch ${i} ${RUNS[r].name}`;
        const params = toF64(await rg.readParameters(r));
        const refBatch: RefBatch = { ...batch, x: Float64Array.from(batch.x) };
        const ref =
          RUNS[r].parameterisation === 'lstm'
            ? lstmLossAndGradients(RUNS[r], params, refBatch)
            : lossAndGradients(RUNS[r], params, refBatch);
        const want = ref.backward.flow;
        const got = await rg.readFlow(r);
        // indices no row reaches are NaN on both sides, and only those
        for (let k = 0; k <= L; k++) {
          expect(Number.isNaN(got[k]), `${what}: flow[${k}] is NaN`).toBe(counts[k] === 0);
          expect(Number.isNaN(want[k]), `${what}: reference flow[${k}] is NaN`).toBe(counts[k] === 0);
        }
        const reached = (a: ArrayLike<number>) => Array.from(a).filter((_, k) => counts[k] > 0);
        const scale = maxAbs(want);
        expect(scale, `${what}: the flow is tracked`).toBeGreaterThan(0);
        expectClose(`${what} flow`, reached(got), reached(want), { atol: 2e-3 * scale, rtol: 5e-3 });
      }
    }
  } finally {
    await rg.destroy();
  }
}

describe('gradient flow aligned on each row’s last scored step (padded batches)', () => {
  it('full storage, fused', async () => {
    await check('off', false);
  });
  it('recomputation, segments of 4 and 5 (fused), 5 (naive)', async () => {
    await check(4, false);
    await check(5, false);
    await check(5, true);
  });
});
