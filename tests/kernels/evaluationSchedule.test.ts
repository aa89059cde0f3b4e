/**
 * The evaluation policy a trainer calls (src/engine/evaluationSchedule.ts): rounds every k iterations (copy
 * task) and once per epoch (a data-backed task, the tests' tiny generated set), the test set scored at the best
 * weights when some run improved, and a checkpoint carrying the best weights and the history restores them exactly
 * (the test set scored at the restored best weights gives the very figures the first group measured); through
 * the trainer (src/training/scheduleEvaluator.ts), every epoch is met exactly where the stream enters one, for
 * an epoch that is not a whole number of batches.
 */
import { describe, expect, it } from 'vitest';
import { type BestRecord, isBetter } from '../../src/engine/bestWeights.ts';
import { makeCheckpoint, parseCheckpoint } from '../../src/engine/checkpoint.ts';
import { Evaluation } from '../../src/engine/evaluation.ts';
import { evaluateEvery } from '../../src/engine/evaluationSchedule.ts';
import { RunGroup } from '../../src/engine/runGroup.ts';
import { type GroupSettings, PAPER_RUN, type RunSettings } from '../../src/engine/settings.ts';
import { copyTask } from '../../src/tasks/copy.ts';
import { LAB_PACING } from '../../src/training/pacing.ts';
import { scheduleEvaluator } from '../../src/training/scheduleEvaluator.ts';
import { Trainer } from '../../src/training/trainer.ts';
import { device, gpu, kernels } from '../helpers/gpu.ts';
import { tinySource } from '../helpers/tinyDataset.ts';

const ops = { device, kernels, software: gpu.adapterInfo.isSoftware, quads: gpu.quadSwaps };
const SIZES = { train: 8, validation: 5, test: 4, L: 4, I: 3 };
const group: GroupSettings = { task: 'copy', T: 2, batchSize: 4, hidden: 5, optimizer: 'rmsprop', dataSeed: 3, trackEvery: 10 };
const runs: RunSettings[] = [
  { ...PAPER_RUN, name: 'tanh m0.5', nonlinearity: 'tanh', margin: 0.5, lrSpectrum: 0.01, lrFree: 0.01, seed: 1 },
  { ...PAPER_RUN, name: 'relu none', nonlinearity: 'relu', margin: null, lrFree: 0.01, seed: 2 },
];

describe('evaluation schedule', () => {
  it('rounds every k iterations, test at the best weights, and a checkpoint that restores them exactly', async () => {
    // a task of the settings table (checkpoints take their shapes from the settings): copy, 5-sequence sets
    const task = copyTask(group.T, 5);
    const rg = await RunGroup.create(ops, group, runs, { task });
    const evaluation = await Evaluation.create(rg, { batchSize: 4 });
    const schedule = evaluateEvery(2, evaluation, task);
    try {
      const due: number[] = [];
      for (let it = 1; it <= 4; it++) {
        rg.step();
        await rg.collect();
        if (schedule.due(rg.iteration)) {
          due.push(rg.iteration);
          const round = await schedule.run(rg.iteration);
          expect(round.validation.every((s) => Number.isFinite(s.loss) && s.count === 5)).toBe(true);
          if (round.improved.length) expect(round.test?.every((s) => s.count === 5)).toBe(true);
          else expect(round.test).toBeNull();
        }
      }
      expect(due).toEqual([2, 4]);
      expect(schedule.untilDue(4)).toBe(2);
      for (let r = 0; r < runs.length; r++) {
        const h = schedule.history[r];
        expect(h.map((e) => e.iteration)).toEqual([2, 4]);
        // the first round always sets a best, so it scores the test set
        expect(h[0].test?.bestIteration).toBe(2);
        const best = evaluation.best!.records[r]!;
        // copy has an accuracy: the best is the round with the highest validation accuracy (ties: lowest loss)
        let want: BestRecord | null = null;
        for (const e of h) {
          const score = { loss: e.validation.loss as number, accuracy: e.validation.accuracy as number };
          if (isBetter('accuracy', score, want))
            want = { iteration: e.iteration, validationLoss: score.loss, validationAccuracy: score.accuracy };
        }
        expect(best).toEqual(want);
        expect(schedule.testAtBest(r)?.bestIteration).toBe(best.iteration);
      }

      // save, then restore into a new group and pass: the test set at the restored best weights is the same
      const files = await Promise.all(
        runs.map(async (run, r) =>
          JSON.stringify(
            makeCheckpoint({
              group,
              run,
              runIndex: r,
              iteration: rg.iteration,
              dataRngState: rg.dataRngState(),
              dataPosition: rg.dataPosition,
              parameters: await rg.readParameters(r),
              optimizerState: await rg.readOptimizerState(r),
              best: { record: evaluation.best!.records[r]!, parameters: (await evaluation.best!.read(r))! },
              evaluations: schedule.history[r],
            }),
          ),
        ),
      );
      const before = await evaluation.score(task.evaluationSet('test'), 'best');
      const parsed = files.map((f) => parseCheckpoint(f));
      const task2 = copyTask(group.T, 5);
      const rg2 = await RunGroup.create(ops, group, runs, {
        task: task2,
        initial: {
          parameters: parsed.map((p) => p.parameters),
          optimizerState: parsed.map((p) => p.optimizerState),
          iteration: parsed[0].checkpoint.iteration,
          dataRngState: parsed[0].checkpoint.dataRngState,
          dataPosition: parsed[0].checkpoint.dataPosition,
        },
      });
      const evaluation2 = await Evaluation.create(rg2, { batchSize: 4 });
      const schedule2 = evaluateEvery(2, evaluation2, task2);
      parsed.forEach((p, r) => {
        schedule2.restore(r, p.evaluations, p.best);
      });
      expect(await evaluation2.score(task2.evaluationSet('test'), 'best')).toEqual(before);
      for (let r = 0; r < runs.length; r++) {
        expect(await evaluation2.best!.read(r)).toEqual(await evaluation.best!.read(r));
        expect(schedule2.history[r]).toEqual(JSON.parse(JSON.stringify(schedule.history[r])));
      }
      expect(rg2.dataPosition).toEqual(rg.dataPosition);
      evaluation2.destroy();
      await rg2.destroy();
    } finally {
      evaluation.destroy();
      await rg.destroy();
    }
  });

  it('once per epoch on a data-backed task; refused for an endless synthetic stream', async () => {
    const task = await tinySource(SIZES).load();
    const rg = await RunGroup.create(ops, group, runs.slice(0, 1), { task });
    const evaluation = await Evaluation.create(rg, { keepBest: true });
    try {
      const schedule = evaluateEvery('epoch', evaluation, task);
      const due: number[] = [];
      // 8 sequences an epoch, 4 an iteration: a new epoch after iterations 2 and 4
      for (let it = 1; it <= 5; it++) {
        rg.step();
        if (schedule.due(rg.iteration)) {
          due.push(rg.iteration);
          await schedule.run(rg.iteration);
        }
      }
      await rg.collect();
      expect(due).toEqual([2, 4]);
      expect(() => evaluateEvery('epoch', evaluation, copyTask(2))).toThrow(/endless stream and has no epochs/);
      expect(() => evaluateEvery(0, evaluation, task)).toThrow(/a whole number of iterations >= 1, or 'epoch'/);
    } finally {
      evaluation.destroy();
      await rg.destroy();
    }
  });

  it('through the trainer, every epoch exactly where the stream enters one (10 sequences an epoch, 4 an iteration)', async () => {
    const task = await tinySource({ ...SIZES, train: 10 }).load();
    const rg = await RunGroup.create(ops, group, runs.slice(0, 1), { task });
    const evaluation = await Evaluation.create(rg);
    const schedule = evaluateEvery('epoch', evaluation, task);
    const clock = { now: () => performance.now(), yield: () => new Promise<void>((r) => setTimeout(r, 0)) };
    const trainer = new Trainer(rg, { pacing: LAB_PACING, clock, evaluator: scheduleEvaluator(schedule) });
    try {
      const rounds: { iteration: number; epoch: number; position: number }[] = [];
      trainer.on('evaluation', (e) => rounds.push({ iteration: e.iteration, ...rg.dataPosition }));
      const failures: string[] = [];
      trainer.on('error', (e) => failures.push(e.message));
      expect(await trainer.start({ until: 11 })).toBe('reached');
      // sequences drawn after i iterations: 4i; epoch e is entered once 4i >= 10e: at 3, 5, 8 and 10
      expect(rounds).toEqual([
        { iteration: 3, epoch: 1, position: 2 },
        { iteration: 5, epoch: 2, position: 0 },
        { iteration: 8, epoch: 3, position: 2 },
        { iteration: 10, epoch: 4, position: 0 },
      ]);
      expect(schedule.history[0].map((e) => e.iteration)).toEqual([3, 5, 8, 10]);
      expect(failures).toEqual([]);
    } finally {
      await trainer.destroy();
    }
  });
});
