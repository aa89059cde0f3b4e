/**
 * The trainer drives a real run group on WebGPU (SwiftShader here): what it delivers equals stepping a
 * group of the same settings and seeds by hand, record for record (bit for bit: same kernels, same batches),
 * traces included; and a save, then Trainer.resume from the snapshot, continues exactly as an uninterrupted
 * trainer does.
 */
import { describe, expect, it } from 'vitest';
import { type IterationRecord, RunGroup } from '../../src/engine/runGroup.ts';
import { type GroupSettings, PAPER_RUN, type RunSettings } from '../../src/engine/settings.ts';
import { HEADLESS_PACING, LAB_PACING, type TrainerClock } from '../../src/training/pacing.ts';
import { Trainer } from '../../src/training/trainer.ts';
import { device, gpu, kernels } from '../helpers/gpu.ts';

const ops = { device, kernels, software: gpu.adapterInfo.isSoftware };
const run: RunSettings = { ...PAPER_RUN, lrFree: 0.01, lrSpectrum: 0.01, lrGeodesic: 0.01 };
const group: GroupSettings = { task: 'copy', T: 4, batchSize: 3, hidden: 8, optimizer: 'rmsprop', dataSeed: 11, trackEvery: 4 };
const runs: RunSettings[] = [
  { ...run, name: 'm=0.1', margin: 0.1 },
  { ...run, name: 'plain', parameterisation: 'plain', seed: 2 },
];
const clock: TrainerClock = { now: () => performance.now(), yield: () => new Promise((r) => setTimeout(r, 0)) };

/** Records as plain arrays (typed arrays and NaN compared exactly by toEqual). */
const plain = (records: IterationRecord[]) =>
  records.map((r) => ({
    iteration: r.iteration,
    runs: r.runs.map((m) => [m.loss, m.accuracy, m.softOrthPenalty, m.weightDecayPenalty]),
    track: r.track && {
      flow: r.track.flow.map((f) => Array.from(f)),
      spectrum: r.track.spectrum.map((s) => s && Array.from(s)),
      drift: r.track.drift,
    },
  }));

/** The trainer's failures, every test expects none */
const problems: string[] = [];

function listen(trainer: Trainer): IterationRecord[] {
  const got: IterationRecord[] = [];
  trainer.on('metrics', (e) => got.push(...e.records));
  for (const type of ['gpuError', 'deviceLost', 'error'] as const) trainer.on(type, (e) => problems.push(`${type}: ${e.message}`));
  return got;
}

describe('the trainer on a real run group', () => {
  it('delivers exactly the records of stepping the same group by hand', async () => {
    const N = 13;
    const byHand = await RunGroup.create(ops, group, runs);
    const expected: IterationRecord[] = [];
    try {
      for (let k = 0; k < N; k++) {
        byHand.step();
        expected.push(...(await byHand.collect()));
      }
    } finally {
      await byHand.destroy();
    }
    const trainer = await Trainer.create(ops, group, runs, { pacing: LAB_PACING, clock });
    try {
      const got = listen(trainer);
      expect(await trainer.start({ until: N })).toBe('reached');
      expect(trainer.iteration).toBe(N);
      expect(got.map((r) => r.iteration)).toEqual(Array.from({ length: N }, (_, k) => k + 1));
      expect(got.filter((r) => r.track).map((r) => r.iteration)).toEqual([1, 4, 8, 12]);
      expect(plain(got)).toEqual(plain(expected));
      expect(problems).toEqual([]);
    } finally {
      await trainer.destroy();
    }
  });

  it('save, then resume from the snapshot, continues exactly as training on does', async () => {
    const straight = await Trainer.create(ops, group, runs, { pacing: HEADLESS_PACING, clock });
    const first = await Trainer.create(ops, group, runs, { pacing: HEADLESS_PACING, clock });
    let resumed: Trainer | undefined;
    try {
      const all = listen(straight);
      await straight.start({ until: 10 });
      const before = listen(first);
      await first.start({ until: 6 });
      const snapshot = await first.save();
      expect(snapshot.iteration).toBe(6);
      expect(before.map((r) => r.iteration)).toEqual([1, 2, 3, 4, 5, 6]);
      await first.destroy();
      resumed = await Trainer.resume(ops, structuredClone(snapshot), { pacing: HEADLESS_PACING, clock });
      const after = listen(resumed);
      expect(resumed.iteration).toBe(6);
      await resumed.start({ until: 10 });
      expect(plain([...before, ...after])).toEqual(plain(all));
      expect(problems).toEqual([]);
      const [a, b] = [await straight.save(), await resumed.save()];
      expect(b.dataRngState).toEqual(a.dataRngState);
      for (let r = 0; r < runs.length; r++)
        for (const name of Object.keys(a.state[r].parameters))
          expect(Array.from(b.state[r].parameters[name]), `run ${r} ${name}`).toEqual(Array.from(a.state[r].parameters[name]));
    } finally {
      await straight.destroy();
      await first.destroy();
      await resumed?.destroy();
    }
  });
});
