/**
 * A diverging run inside a RunGroup (the run guard, src/engine/runHealth.ts), headless on WebGPU: one run is
 * driven to a NaN loss and one to a huge finite loss by live setting changes (the lab's own way). Each stops at
 * the iteration its step failed, with a message naming it and why; its parameters and optimiser state are
 * bit for bit those it had before that iteration (finite), whatever it is asked later; its records after the
 * failure hold NaN and say it is frozen; the other runs' numbers are bit for bit those of a group without
 * the failing runs; a failed run's checkpoint saves and parses with status 'failed' and its iteration, and a
 * group created from it keeps the run frozen (and a paused run paused).
 */
import { describe, expect, it } from 'vitest';
import { makeCheckpoint, parseCheckpoint } from '../../src/engine/checkpoint.ts';
import type { ParamSet } from '../../src/engine/parameters.ts';
import { type IterationRecord, RunGroup } from '../../src/engine/runGroup.ts';
import { GUARD_BOUNDS } from '../../src/engine/runHealth.ts';
import { type GroupSettings, PAPER_RUN, type RunSettings } from '../../src/engine/settings.ts';
import { device, gpu, kernels } from '../helpers/gpu.ts';

const ops = { device, kernels, software: gpu.adapterInfo.isSoftware, quads: gpu.quadSwaps };
const interactive: RunSettings = { ...PAPER_RUN, lrFree: 0.01, lrSpectrum: 0.01, lrGeodesic: 0.01 };
// T = 20: 40 steps, so that a linear RNN at gain 10 overflows inside one forward pass (10^40)
const group: GroupSettings = { task: 'copy', T: 20, batchSize: 4, hidden: 8, optimizer: 'rmsprop', dataSeed: 4, trackEvery: 4 };
const healthy: RunSettings[] = [
  { ...interactive, name: 'ok', margin: 0.1, nonlinearity: 'tanh' },
  { ...interactive, name: 'lstm', parameterisation: 'lstm', clip: 1, seed: 3 },
];
const nanRun: RunSettings = { ...interactive, name: 'to NaN', margin: 1, nonlinearity: 'linear', seed: 5 };
const hugeRun: RunSettings = { ...interactive, name: 'to a huge loss', parameterisation: 'plain', nonlinearity: 'linear', seed: 6 };
// group order: ok, to NaN, to a huge loss, lstm
const runs = [healthy[0], nanRun, hugeRun, healthy[1]];
const CLEAN = 6;
const TOTAL = 16;

interface Snapshot {
  params: ParamSet;
  state: ParamSet;
}
async function snapshot(rg: RunGroup, r: number): Promise<Snapshot> {
  return { params: await rg.readParameters(r), state: await rg.readOptimizerState(r) };
}
function expectSame(what: string, got: Snapshot, want: Snapshot): void {
  for (const set of ['params', 'state'] as const) {
    for (const [name, v] of Object.entries(want[set])) {
      expect(v.every(Number.isFinite), `${what}: ${set}.${name} finite`).toBe(true);
      expect(Array.from(got[set][name]), `${what}: ${set}.${name}`).toEqual(Array.from(v));
    }
  }
}
async function steps(rg: RunGroup, until: number): Promise<IterationRecord[]> {
  const records: IterationRecord[] = [];
  while (rg.iteration < until) {
    // every staging buffer in flight: read back before the next iteration (RunGroup.canStep)
    if (!rg.canStep) records.push(...(await rg.collect()));
    rg.step();
  }
  records.push(...(await rg.collect()));
  return records;
}

describe('a diverging run in a group', () => {
  it('freezes at its last finite state on the GPU, says why, saves, and stays frozen when resumed', async () => {
    const rg = await RunGroup.create(ops, group, runs);
    const alone = await RunGroup.create(ops, group, healthy);
    try {
      const records = await steps(rg, CLEAN);
      expect(records.every((rec) => rec.runs.every((m) => Number.isFinite(m.loss) && !m.frozen))).toBe(true);
      // live changes, as the lab makes them: a gain of 10 overflows h within one forward pass (NaN);
      // gain 1.5 with lr_free 0.3 and no clip: RMSprop takes the loss past the bound, finite, a step later
      rg.updateRun(1, { ...nanRun, gain: 10 });
      rg.updateRun(2, { ...hugeRun, gain: 1.5, lrFree: 0.3, clip: 0 });
      const before = [await snapshot(rg, 1), await snapshot(rg, 2)];
      // one iteration at a time while run 2 is healthy, keeping its state before each step
      while (rg.status[2].state !== 'failed' && rg.iteration < TOTAL) {
        before[1] = await snapshot(rg, 2);
        rg.step();
        records.push(...(await rg.collect()));
      }
      records.push(...(await steps(rg, TOTAL)));
      console.log(`run 1: ${rg.status[1].message}\nrun 2: ${rg.status[2].message}`);

      // run 1: NaN at the first iteration after the change, stopped at the state before it
      expect(rg.status[1]).toMatchObject({ state: 'failed', iteration: CLEAN + 1, reason: 'loss-nan' });
      expect(rg.status[1].message).toMatch(
        new RegExp(`^loss became NaN at iteration ${CLEAN + 1}; the run was stopped at its last finite state \\(iteration ${CLEAN}\\)`),
      );
      // run 2: a finite loss above the bound, a few iterations later
      const failed2 = rg.status[2].iteration!;
      expect(rg.status[2]).toMatchObject({ state: 'failed', reason: 'loss-above-bound' });
      expect(failed2).toBeGreaterThan(CLEAN + 1);
      expect(rg.status[2].message).toMatch(
        new RegExp(`above the bound of 1e\\+10, at iteration ${failed2}; .*\\(iteration ${failed2 - 1}\\)`),
      );
      const at2 = records.find((rec) => rec.iteration === failed2)!.runs[2].loss;
      expect(Number.isFinite(at2) && at2 > GUARD_BOUNDS.loss).toBe(true);

      // asked to move, the frozen runs do not: a new margin (re-margin and spectrum kernels), and a hyper table
      // that says every run trains (as a bug or a race in the host could write it; the group itself writes zero
      // learning rates for failed runs)
      rg.updateRun(1, { ...nanRun, margin: 0.5 });
      for (const b of rg.blocks) b.writeHyper(rg.runs, [true, true, true, true]);
      records.push(...(await steps(rg, TOTAL + 2)));
      expectSame('run 1 after its failure', await snapshot(rg, 1), before[0]);
      expectSame('run 2 after its failure', await snapshot(rg, 2), before[1]);
      expect(() => rg.setPaused(1, false)).toThrow(/failed \(loss became NaN at iteration 7/);

      // records: measured up to the failure, NaN and frozen after it
      for (const rec of records) {
        for (const [r, at] of [
          [1, CLEAN + 1],
          [2, failed2],
        ]) {
          const m = rec.runs[r];
          if (rec.iteration <= at) expect(m.frozen, `run ${r} at ${rec.iteration}`).toBeFalsy();
          else
            expect(m, `run ${r} at ${rec.iteration}`).toEqual({
              loss: NaN,
              accuracy: NaN,
              softOrthPenalty: NaN,
              weightDecayPenalty: NaN,
              frozen: true,
            });
          if (rec.track && rec.iteration > at) {
            expect(rec.track.flow[r].every(Number.isNaN)).toBe(true);
            expect(rec.track.spectrum[r]).toBeNull();
          }
        }
      }

      // the healthy runs: bit for bit what a group without the failing runs computes
      const aloneRecords = await steps(alone, TOTAL + 2);
      for (const [r, k] of [
        [0, 0],
        [3, 1],
      ]) {
        expectSame(`run ${r} beside the failing runs`, await snapshot(rg, r), await snapshot(alone, k));
        expect(records.map((rec) => rec.runs[r].loss)).toEqual(aloneRecords.map((rec) => rec.runs[k].loss));
        expect(rg.status[r].state).toBe('training');
      }

      // the failed run's checkpoint: saved (finite), parsed back with its status
      const checkpoints = [0, 1, 2, 3].map(async (r) =>
        parseCheckpoint(
          JSON.stringify(
            makeCheckpoint({
              group,
              run: rg.runs[r],
              runIndex: r,
              iteration: rg.iteration,
              dataRngState: rg.dataRngState(),
              parameters: await rg.readParameters(r),
              optimizerState: await rg.readOptimizerState(r),
              status: r === 3 ? { state: 'paused' } : rg.status[r],
            }),
          ),
        ),
      );
      const parsed = await Promise.all(checkpoints);
      expect(parsed[1].status).toEqual({ state: 'failed', iteration: CLEAN + 1, message: rg.status[1].message });
      expect(parsed[2].status).toMatchObject({ state: 'failed', iteration: failed2 });
      expect(parsed[0].status).toEqual({ state: 'training' });

      // resumed from the checkpoints: the failed runs stay frozen and say so, the paused one stays paused
      const resumed = await RunGroup.create(
        ops,
        group,
        parsed.map((p) => p.checkpoint.run),
        {
          initial: {
            parameters: parsed.map((p) => p.parameters),
            optimizerState: parsed.map((p) => p.optimizerState),
            iteration: rg.iteration,
            dataRngState: rg.dataRngState(),
            status: parsed.map((p) => p.status),
          },
        },
      );
      try {
        expect(resumed.status.map((s) => s.state)).toEqual(['training', 'failed', 'failed', 'paused']);
        expect(resumed.status[1].message).toBe(rg.status[1].message);
        const more = await steps(resumed, TOTAL + 6);
        expectSame('run 1 resumed', await snapshot(resumed, 1), before[0]);
        expectSame('run 2 resumed', await snapshot(resumed, 2), before[1]);
        expect(Array.from((await resumed.readParameters(3)).W)).toEqual(Array.from(parsed[3].parameters.W));
        for (const rec of more) {
          expect(rec.runs[1].frozen && rec.runs[2].frozen).toBe(true);
          expect(Number.isFinite(rec.runs[0].loss)).toBe(true);
        }
        expect(Array.from((await resumed.readParameters(0)).UV)).not.toEqual(Array.from(parsed[0].parameters.UV));
        expect(() => resumed.setPaused(2, false)).toThrow(/failed/);
      } finally {
        await resumed.destroy();
      }
    } finally {
      await rg.destroy();
      await alone.destroy();
    }
  }, 240_000);
});
