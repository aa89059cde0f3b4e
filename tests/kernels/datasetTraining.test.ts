/**
 * A data-backed task end to end through a run group: the tests' tiny generated set (tests/helpers/
 * tinyDataset.ts) loaded through its TaskSource, RNN and LSTM runs trained on it for a few iterations (finite
 * losses, the epoch advances), and a group created from the saved (iteration, data position) draws exactly the
 * sequences the uninterrupted group drew next.
 */
import { describe, expect, it } from 'vitest';
import { RunGroup } from '../../src/engine/runGroup.ts';
import { type GroupSettings, PAPER_RUN, type RunSettings } from '../../src/engine/settings.ts';
import { Rng } from '../../src/random/rng.ts';
import { device, gpu, kernels } from '../helpers/gpu.ts';
import { tinySource } from '../helpers/tinyDataset.ts';

const ops = { device, kernels, software: gpu.adapterInfo.isSoftware, quads: gpu.quadSwaps };
const SIZES = { train: 10, validation: 5, test: 5, L: 5, I: 3 };
// the group's task and T are labels only when a task is given (RunGroupOptions.task); B = 4: epochs of 2.5 batches
const group: GroupSettings = { task: 'copy', T: 2, batchSize: 4, hidden: 6, optimizer: 'rmsprop', dataSeed: 5, trackEvery: 3 };
const runs: RunSettings[] = [
  { ...PAPER_RUN, name: 'tanh m0.1', nonlinearity: 'tanh', margin: 0.1, seed: 1 },
  { ...PAPER_RUN, name: 'lstm', parameterisation: 'lstm', clip: 0, seed: 2 },
];

describe('a data-backed task through a run group', () => {
  it('trains with finite losses while the epochs advance, and a resumed group continues the same order', async () => {
    const task = await tinySource(SIZES).load();
    const rg = await RunGroup.create(ops, group, runs, { task });
    const positions = [];
    for (let k = 0; k < 6; k++) {
      rg.step();
      positions.push(rg.dataPosition);
    }
    const records = await rg.collect();
    expect(records.map((r) => r.iteration)).toEqual([1, 2, 3, 4, 5, 6]);
    for (const rec of records) for (const m of rec.runs) expect(Number.isFinite(m.loss), `loss at ${rec.iteration}`).toBe(true);
    // 4 sequences an iteration over 10 a epoch
    expect(positions).toEqual([
      { epoch: 0, position: 4 },
      { epoch: 0, position: 8 },
      { epoch: 1, position: 2 },
      { epoch: 1, position: 6 },
      { epoch: 2, position: 0 },
      { epoch: 2, position: 4 },
    ]);

    // resume at iteration 3 (epoch 1, position 2): the next three batches are the ones the first group drew
    const first = await tinySource(SIZES).load();
    const direct = await tinySource(SIZES).load();
    direct.start(group.dataSeed);
    const rng = new Rng(0);
    const expected = Array.from({ length: 6 }, () => direct.batch(rng, 4)).slice(3);
    const params = await Promise.all(runs.map((_, r) => rg.readParameters(r)));
    const resumed = await RunGroup.create(ops, group, runs, {
      task: first,
      initial: {
        parameters: params,
        optimizerState: runs.map(() => undefined),
        iteration: 3,
        dataRngState: new Rng(group.dataSeed).getState(),
        dataPosition: positions[2],
      },
    });
    for (let k = 0; k < 3; k++) {
      const got = resumed.task.batch(rng, 4);
      expect(Array.from(got.x), `batch ${k + 4}`).toEqual(Array.from(expected[k].x));
      expect(Array.from(got.targets)).toEqual(Array.from(expected[k].targets));
    }
    await resumed.destroy();
    await rg.destroy();
  });
});
