/**
 * The trainer drives a real run group on WebGPU (SwiftShader here): what it delivers equals stepping a
 * group of the same settings and seeds by hand, record for record (bit for bit: same kernels, same batches),
 * traces included; and a save, then Trainer.resume from the snapshot, continues exactly as an uninterrupted
 * trainer does. With the evaluation pass as its evaluator (src/training/scheduleEvaluator.ts): rounds run at
 * the multiples of k exactly, on the weights of exactly that iteration (bit for bit those of stepping a group
 * by hand to it), where the evaluation's loss on a training batch equals the training forward's on the same
 * weights and batch (2e-6 relative, as tests/kernels/evaluation.test.ts); and a save after a round, then a
 * resume with the evaluation restored from the snapshot, continues exactly as training on does (records,
 * rounds, best-validation weights).
 */
import { describe, expect, it } from 'vitest';
import { Evaluation } from '../../src/engine/evaluation.ts';
import { evaluateEvery } from '../../src/engine/evaluationSchedule.ts';
import type { ParamSet } from '../../src/engine/parameters.ts';
import { type InitialState, type IterationRecord, RunGroup } from '../../src/engine/runGroup.ts';
import { type GroupSettings, PAPER_RUN, type RunSettings } from '../../src/engine/settings.ts';
import { Rng } from '../../src/random/rng.ts';
import { makeTask } from '../../src/tasks/index.ts';
import type { TrainerEvaluator } from '../../src/training/evaluationHook.ts';
import { HEADLESS_PACING, LAB_PACING, type TrainerClock } from '../../src/training/pacing.ts';
import { scheduleEvaluator } from '../../src/training/scheduleEvaluator.ts';
import { Trainer } from '../../src/training/trainer.ts';
import type { TrainerEvents } from '../../src/training/trainerEvents.ts';
import { initialStateOf, type TrainingSnapshot } from '../../src/training/trainingSnapshot.ts';
import { device, gpu, kernels } from '../helpers/gpu.ts';
import { oneBatchSet } from '../helpers/oneBatchSet.ts';

const ops = { device, kernels, software: gpu.adapterInfo.isSoftware, quads: gpu.quadSwaps };
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

const EVAL_BATCH = 250; // the synthetic sets hold 1000 sequences: 4 batches each

/** A group (from `initial` when given), its evaluation pass and schedule every k (restored from `snapshot`), and a trainer on them. */
async function evaluatingTrainer(k: number, initial?: InitialState, snapshot?: TrainingSnapshot) {
  const rg = await RunGroup.create(ops, group, runs, { initial });
  const evaluation = await Evaluation.create(rg, { batchSize: EVAL_BATCH });
  const schedule = evaluateEvery(k, evaluation, rg.task);
  snapshot?.evaluation?.forEach((st, r) => {
    schedule.restore(r, st.evaluations, st.best);
  });
  return { rg, evaluation, schedule, evaluator: scheduleEvaluator(schedule) };
}

const plainParams = (sets: ParamSet[]) => sets.map((p) => Object.fromEntries(Object.entries(p).map(([k, v]) => [k, Array.from(v)])));

describe('the trainer with the evaluation pass', () => {
  it('evaluates at the multiples of k on the weights of exactly that iteration; the loss equals the training forward', async () => {
    const k = 4;
    // the weights of stepping a group by hand to 4 and 8
    const byHand = await RunGroup.create(ops, group, runs);
    const expected = new Map<number, ParamSet[]>();
    try {
      for (let it = 1; it <= 8; it++) {
        byHand.step();
        await byHand.collect();
        if (it % k === 0) expected.set(it, await Promise.all(runs.map((_, r) => byHand.readParameters(r))));
      }
    } finally {
      await byHand.destroy();
    }
    const { rg, evaluator: inner } = await evaluatingTrainer(k);
    // a second pass at the training batch size scores the training batch (the schedule's pass scores the sets)
    const check = await Evaluation.create(rg, { batchSize: group.batchSize, keepBest: false });
    // a training batch from a task of its own (drawing from the group's would move its stream)
    const batch = makeTask('copy', group.T).batch(new Rng(5), group.batchSize);
    const seen: { iteration: number; params: ParamSet[]; scored: number[]; trained: number[]; accuracy: [number, number][] }[] = [];
    const evaluator: TrainerEvaluator = {
      ...inner,
      async evaluate(iteration) {
        const params = await Promise.all(runs.map((_, r) => rg.readParameters(r)));
        const scored = await check.score(oneBatchSet(batch));
        const trained = await rg.computeGradients(batch);
        seen.push({
          iteration,
          params,
          scored: scored.map((s) => s.loss),
          trained: trained.map((t) => t.loss),
          accuracy: scored.map((s, r) => [s.accuracy, trained[r].accuracy]),
        });
        return inner.evaluate(iteration);
      },
    };
    const trainer = new Trainer(rg, { pacing: HEADLESS_PACING, clock, evaluator });
    try {
      const got = listen(trainer);
      const rounds: TrainerEvents['evaluation'][] = [];
      trainer.on('evaluation', (e) => rounds.push(e));
      expect(await trainer.start({ until: 10 })).toBe('reached');
      expect(seen.map((s) => s.iteration)).toEqual([4, 8]);
      for (const s of seen) {
        expect(plainParams(s.params), `iteration ${s.iteration}`).toEqual(plainParams(expected.get(s.iteration)!));
        s.scored.forEach((loss, r) => {
          expect(Math.abs(loss - s.trained[r]), `run ${r} at ${s.iteration}: ${loss} vs ${s.trained[r]}`).toBeLessThanOrEqual(
            2e-6 * Math.max(1, Math.abs(s.trained[r])),
          );
          expect(s.accuracy[r][0]).toBeCloseTo(s.accuracy[r][1], 6);
        });
      }
      expect(rounds.map((e) => e.iteration)).toEqual([4, 8]);
      const validation = rounds[0].results.find((e) => e.split === 'validation')!;
      expect(validation.runs.map((r) => r.count)).toEqual([1000, 1000]);
      // the first round takes every run's best weights: the test set is scored at them
      expect(rounds[0].results.find((e) => e.split === 'test')!.runs.map((r) => r.bestIteration)).toEqual([4, 4]);
      expect(got.map((r) => r.iteration)).toEqual(Array.from({ length: 10 }, (_, i) => i + 1));
      expect(problems).toEqual([]);
    } finally {
      check.destroy();
      await trainer.destroy();
    }
  });

  it('a save after a round, then a resume with the evaluation restored, continues exactly as training on does', async () => {
    const k = 3;
    const straight = await evaluatingTrainer(k);
    const trainer = new Trainer(straight.rg, { pacing: HEADLESS_PACING, clock, evaluator: straight.evaluator });
    let first: Trainer | undefined;
    let resumed: Trainer | undefined;
    try {
      const all = listen(trainer);
      const allRounds: TrainerEvents['evaluation'][] = [];
      trainer.on('evaluation', (e) => allRounds.push(e));
      await trainer.start({ until: 11 });
      const end = await trainer.save();

      const a = await evaluatingTrainer(k);
      first = new Trainer(a.rg, { pacing: LAB_PACING, clock, evaluator: a.evaluator });
      const before = listen(first);
      const rounds: TrainerEvents['evaluation'][] = [];
      first.on('evaluation', (e) => rounds.push(e));
      await first.start({ until: 6 });
      const snapshot = structuredClone(await first.save());
      expect(snapshot.evaluation?.map((st) => st.evaluations.map((e) => e.iteration))).toEqual([
        [3, 6],
        [3, 6],
      ]);
      await first.destroy();
      const b = await evaluatingTrainer(k, initialStateOf(snapshot), snapshot);
      resumed = new Trainer(b.rg, { pacing: HEADLESS_PACING, clock, evaluator: b.evaluator });
      const after = listen(resumed);
      resumed.on('evaluation', (e) => rounds.push(e));
      await resumed.start({ until: 11 });
      expect(plain([...before, ...after])).toEqual(plain(all));
      expect(rounds.map((e) => e.iteration)).toEqual([3, 6, 9]);
      expect(rounds).toEqual(allRounds);
      const again = await resumed.save();
      expect(again.evaluation).toBeDefined();
      expect(again.evaluation!.map((st) => st.evaluations)).toEqual(end.evaluation!.map((st) => st.evaluations));
      for (let r = 0; r < runs.length; r++) {
        expect(again.evaluation![r].best?.record).toEqual(end.evaluation![r].best?.record);
        expect(plainParams([again.evaluation![r].best!.parameters])).toEqual(plainParams([end.evaluation![r].best!.parameters]));
        expect(plainParams([again.state[r].parameters])).toEqual(plainParams([end.state[r].parameters]));
      }
      expect(problems).toEqual([]);
    } finally {
      await trainer.destroy();
      await first?.destroy();
      await resumed?.destroy();
    }
  });
});
