/**
 * Training really learns, headless on WebGPU (SwiftShader here), in bounded iterations, and the trainer's
 * invariants hold while it does: U and V stay orthogonal, singular values stay inside the margin, a margin
 * change keeps what is inside the new bounds and clamps the rest, a NaN run stops alone with a message,
 * and a resumed run continues exactly.
 */
import { describe, expect, it } from 'vitest';
import { maxOrthogonalityError, singularValuesTall } from '../../src/engine/linalg.ts';
import { spectrumFromP } from '../../src/engine/modelSettings.ts';
import { type IterationRecord, RunGroup } from '../../src/engine/runGroup.ts';
import { type GroupSettings, PAPER_RUN, type RunSettings } from '../../src/engine/settings.ts';
import { expectClose } from '../helpers/compare.ts';
import { device, gpu, kernels } from '../helpers/gpu.ts';

const ops = { device, kernels, software: gpu.adapterInfo.isSoftware, quads: gpu.quadSwaps };
const interactive: RunSettings = { ...PAPER_RUN, lrFree: 0.01, lrSpectrum: 0.01, lrGeodesic: 0.01 };

async function train(rg: RunGroup, iterations: number, stop?: (recs: IterationRecord[]) => boolean): Promise<IterationRecord[]> {
  const all: IterationRecord[] = [];
  while (rg.iteration < iterations) {
    const todo = Math.min(25, iterations - rg.iteration);
    for (let k = 0; k < todo; k++) rg.step();
    all.push(...(await rg.collect()));
    if (stop?.(all)) break;
  }
  return all;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('training on the GPU', () => {
  it('a small factorised linear RNN learns copy(T=10) to >= 99% accuracy', async () => {
    // sized for a busy 2-core machine: B = 8 gets there in 775 iterations (~30 s on SwiftShader with three
    // other test processes running; B = 32 took 625 iterations and 80 s), the cap is about twice that
    const group: GroupSettings = { task: 'copy', T: 10, batchSize: 8, hidden: 32, optimizer: 'rmsprop', dataSeed: 3, trackEvery: 50 };
    const rg = await RunGroup.create(ops, group, [{ ...interactive, name: 'm=1', margin: 1 }]);
    try {
      const recs = await train(rg, 1500, (all) => all.length >= 20 && mean(all.slice(-20).map((r) => r.runs[0].accuracy)) >= 0.99);
      const last20 = mean(recs.slice(-20).map((r) => r.runs[0].accuracy));
      expect(last20, `mean accuracy of the last 20 iterations after ${rg.iteration} iterations`).toBeGreaterThanOrEqual(0.99);
      expect(recs[0].runs[0].accuracy).toBeLessThan(0.5);
      // U and V stayed orthogonal in float32 throughout (drift measured on the GPU every 50 iterations)
      for (const r of recs) if (r.track) for (const d of r.track.drift[0]!) expect(d).toBeLessThan(1e-4);
    } finally {
      await rg.destroy();
    }
  });

  it('a small RNN and the LSTM baseline, side by side in one group, both get the adding(T=10) MSE well under the 0.167 baseline', async () => {
    // sized for a busy 2-core machine: both runs get there in ~450 iterations (~15 s on SwiftShader), the cap is 3x that
    const group: GroupSettings = { task: 'adding', T: 10, batchSize: 32, hidden: 32, optimizer: 'rmsprop', dataSeed: 5, trackEvery: 100 };
    const lstm: RunSettings = { ...interactive, name: 'lstm', parameterisation: 'lstm', clip: 1 };
    const rg = await RunGroup.create(ops, group, [lstm, { ...interactive, name: 'tanh m=1', nonlinearity: 'tanh', margin: 1 }]);
    try {
      // the first iteration is tracked: the LSTM's spectrum is that of its stacked [4n][n] W after the update
      rg.step();
      const [first] = await rg.collect();
      const W = (await rg.readParameters(0)).W;
      expectClose('LSTM spectrum', first.track!.spectrum[0]!, singularValuesTall(W, 128, 32), { atol: 1e-4, rtol: 1e-4 });
      expect(first.track!.drift[0]).toBeNull();
      expect(first.track!.flow[0].length).toBe(11);
      const last50 = (recs: IterationRecord[], r: number) => mean(recs.slice(-50).map((rec) => rec.runs[r].loss));
      const recs = [first, ...(await train(rg, 1500, (all) => all.length >= 50 && last50(all, 0) < 0.05 && last50(all, 1) < 0.05))];
      for (const r of [0, 1]) {
        expect(last50(recs, r), `mean MSE of ${rg.runs[r].name}'s last 50 iterations after ${rg.iteration} iterations`).toBeLessThan(0.05);
        expect(mean(recs.slice(0, 20).map((rec) => rec.runs[r].loss))).toBeGreaterThan(0.1);
      }
    } finally {
      await rg.destroy();
    }
  });

  it('keeps singular values inside the margin, and a margin change keeps values inside the new bounds and clamps the rest', async () => {
    const group: GroupSettings = { task: 'copy', T: 5, batchSize: 8, hidden: 16, optimizer: 'rmsprop', dataSeed: 1, trackEvery: 10 };
    const run: RunSettings = { ...interactive, name: 'glorot m=0.5', init: 'glorot', margin: 0.5, lrSpectrum: 0.05 };
    const rg = await RunGroup.create(ops, group, [
      run,
      { ...run, name: 'plain', parameterisation: 'plain' },
      { ...run, name: 'second', seed: 2 },
    ]);
    try {
      await train(rg, 50);
      const before = await rg.readParameters(0);
      const sBefore = spectrumFromP(before.p, 0.5);
      for (const v of before.s) expect(Math.abs(v - 1)).toBeLessThan(0.5 + 1e-6);
      expect(Math.max(...sBefore.map((v) => Math.abs(v - 1)))).toBeGreaterThan(0.1); // Glorot spread is clamped to the bounds
      // two sliders moved between iterations: both changes apply at the next iteration
      rg.updateRun(0, { ...run, margin: 0.1 });
      rg.updateRun(2, { ...run, name: 'second', seed: 2, margin: 0.2 });
      rg.step();
      await rg.collect();
      const after = await rg.readParameters(0);
      for (const v of (await rg.readParameters(2)).s) expect(Math.abs(v - 1)).toBeLessThanOrEqual(0.2 + 1e-5);
      const plainW = (await rg.readParameters(1)).W;
      for (let i = 0; i < 16; i++) {
        expect(Math.abs(after.s[i] - 1)).toBeLessThanOrEqual(0.1 + 1e-5);
        // values inside the new bounds stay (up to one training step), values outside sit at the bound
        if (Math.abs(sBefore[i] - 1) < 0.09) expect(Math.abs(after.s[i] - sBefore[i])).toBeLessThan(0.02);
        else if (Math.abs(sBefore[i] - 1) > 0.11) expect(Math.abs(Math.abs(after.s[i] - 1) - 0.1)).toBeLessThan(0.01);
      }
      expect(plainW.every(Number.isFinite)).toBe(true);
    } finally {
      await rg.destroy();
    }
  });

  it('stops a run whose loss becomes NaN, with a message, while the others train on', async () => {
    const group: GroupSettings = { task: 'copy', T: 5, batchSize: 8, hidden: 8, optimizer: 'rmsprop', dataSeed: 1, trackEvery: 10 };
    const rg = await RunGroup.create(ops, group, [
      { ...interactive, name: 'ok' },
      { ...interactive, name: 'broken', parameterisation: 'plain' },
    ]);
    try {
      await train(rg, 5);
      const p = await rg.readParameters(1);
      p.W.fill(Number.NaN);
      rg.writeParameters(1, p);
      const recs = await train(rg, 20);
      expect(rg.status[1].state).toBe('failed');
      // written from outside the training: the parameters were not finite at the start of the step, which the
      // message names as the cause (not the NaN loss that follows from them)
      expect(rg.status[1].message).toMatch(
        /^a parameter was not finite at the start of the step .* at iteration 6; the run was stopped where it stood/,
      );
      expect(rg.status[0].state).toBe('training');
      expect(Number.isFinite(recs[recs.length - 1].runs[0].loss)).toBe(true);
      expect(rg.iteration).toBe(20);
    } finally {
      await rg.destroy();
    }
  });

  it('resumes exactly: 20 iterations then 10 from the saved state equal 30 in one go', async () => {
    const group: GroupSettings = { task: 'copy', T: 5, batchSize: 4, hidden: 8, optimizer: 'rmsprop', dataSeed: 9, trackEvery: 10 };
    const runs: RunSettings[] = [
      { ...interactive, name: 'a', margin: 0.1 },
      { ...interactive, name: 'lstm', parameterisation: 'lstm', clip: 1 },
      { ...interactive, name: 'b', parameterisation: 'plain', nonlinearity: 'prelu' },
    ];
    const straight = await RunGroup.create(ops, group, runs);
    await train(straight, 30);
    const first = await RunGroup.create(ops, group, runs);
    await train(first, 20);
    const saved = {
      parameters: [await first.readParameters(0), await first.readParameters(1), await first.readParameters(2)],
      optimizerState: [await first.readOptimizerState(0), await first.readOptimizerState(1), await first.readOptimizerState(2)],
      iteration: first.iteration,
      dataRngState: first.dataRngState(),
    };
    await first.destroy();
    const resumed = await RunGroup.create(ops, group, runs, { initial: saved });
    await train(resumed, 30);
    for (let r = 0; r < 3; r++) {
      const a = await straight.readParameters(r);
      const b = await resumed.readParameters(r);
      for (const name of r === 1 ? ['W', 'Win', 'b', 'h0', 'c0', 'peep', 'Wout'] : ['W', 'UV', 'p', 'Win', 'Wout', 'slope']) {
        let worst = 0;
        for (let i = 0; i < a[name].length; i++) worst = Math.max(worst, Math.abs(a[name][i] - b[name][i]));
        expect(worst, `run ${r} ${name}`).toBeLessThan(1e-6);
      }
    }
    const uv = (await resumed.readParameters(0)).UV;
    expect(maxOrthogonalityError(uv.subarray(0, 64), 8)).toBeLessThan(1e-5);
    await straight.destroy();
    await resumed.destroy();
  });
});
