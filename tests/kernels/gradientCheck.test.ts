/**
 * The bench:gpu gradient self-check (src/cli/gradientCheck.ts): on this adapter every comparison of a plain,
 * a factorised and an LSTM run holds, and a comparison that is off by more than its allowance is reported as
 * failing (with its worst error), so the check can fail.
 */
import { describe, expect, it } from 'vitest';
import { checkGroupGradients, compareArrays } from '../../src/cli/gradientCheck.ts';
import { PAPER_GROUP, PAPER_RUN, type RunSettings } from '../../src/engine/settings.ts';
import { device, gpu, kernels } from '../helpers/gpu.ts';

const ops = { device, kernels, software: gpu.adapterInfo.isSoftware, quads: gpu.quadSwaps };

describe('the GPU gradient self-check', () => {
  it('flags a comparison past its allowance and names its worst error', () => {
    const ok = compareArrays('r', 'dW', [1, 2.001], [1, 2], 2e-3, 2e-3);
    expect(ok.ok).toBe(true);
    const bad = compareArrays('r', 'dW', [1, 2.1], [1, 2], 2e-3, 2e-3);
    expect(bad).toMatchObject({ run: 'r', what: 'dW', ok: false, scale: 2 });
    expect(bad.maxAbsError).toBeCloseTo(0.1, 12);
    expect(bad.ratio).toBeGreaterThan(1);
    expect(compareArrays('r', 'dW', [NaN], [1], 2e-3, 2e-3).ok).toBe(false);
    // the flow of a padded batch: a step no row reaches is NaN on both sides (no data, agreeing), never one side only
    expect(compareArrays('r', 'flow', [NaN, 1, 2.001], [NaN, 1, 2], 2e-3, 5e-3)).toMatchObject({ ok: true, scale: 2 });
    expect(compareArrays('r', 'flow', [NaN, 1, 2], [0, 1, 2], 2e-3, 5e-3).ok).toBe(false);
    expect(compareArrays('r', 'flow', [0, 1, 2], [NaN, 1, 2], 2e-3, 5e-3)).toMatchObject({ ok: false, ratio: Infinity });
    expect(() => compareArrays('r', 'dW', [1], [1, 2], 2e-3, 2e-3)).toThrow('r dW: the GPU gave 1 values, the reference 2');
  });

  it('holds for plain, factorised and LSTM runs on this adapter', async () => {
    const base: RunSettings = { ...PAPER_RUN, weightDecay: 1e-3, nonlinearity: 'tanh' };
    const rows = await checkGroupGradients(
      ops,
      { ...PAPER_GROUP, task: 'copy', T: 3, batchSize: 3, hidden: 6, trackEvery: 1 },
      [
        { ...base, name: 'plain', parameterisation: 'plain', margin: null, init: 'glorot', softOrth: 0.1, seed: 1 },
        { ...base, name: 'factorised', margin: 0.1, prior: 0.1, seed: 2 },
        { ...base, name: 'lstm', parameterisation: 'lstm', margin: null, clip: 1, seed: 3 },
      ],
      5,
    );
    expect(rows.filter((r) => !r.ok)).toEqual([]);
    expect(new Set(rows.map((r) => r.run))).toEqual(new Set(['plain', 'factorised', 'lstm']));
    for (const what of ['loss', 'flow', 'dW', 'dUV', 'dp'])
      expect(
        rows.some((r) => r.what === what),
        what,
      ).toBe(true);
  }, 120_000);
});
