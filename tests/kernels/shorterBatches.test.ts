/**
 * Shorter text batches (src/engine/batchLength.ts, docs/ENGINE.md "Shorter batches"): a text group prepares
 * its gradients for the multiples of 8 below L and for L, and runs each batch to its last scored step rounded
 * up. On padded Brown batches it must give exactly what the same group running all L steps gives (RunGroup
 * option fullLength): the loss, every gradient and the aligned gradient flow bit for bit, through
 * computeGradients and through training iterations (parameters, metrics and the tracked flow after a few
 * steps, the flow switched on and off across lengths). Plain, factorised and LSTM runs in one group; full
 * storage, recomputation in segments of 5 steps (a length that is no multiple of 5) and the naive kernels.
 * The float64 reference on the shorter path is runGroupGradientsText.test.ts (its evaluation batch runs 8 of
 * 15 steps).
 */
import { describe, expect, it } from 'vitest';
import { loadBrown } from '../../src/data/nodeLoader.ts';
import { planLengths } from '../../src/engine/batchLength.ts';
import { type IterationRecord, RunGroup, type RunGroupOptions } from '../../src/engine/runGroup.ts';
import { type GroupSettings, PAPER_RUN, type RunSettings } from '../../src/engine/settings.ts';
import { Rng } from '../../src/random/rng.ts';
import type { TaskBatch } from '../../src/tasks/task.ts';
import { textTask } from '../../src/tasks/textTask.ts';
import { device, gpu, kernels } from '../helpers/gpu.ts';
import { expectSameSet, firstDifference } from '../helpers/sameBits.ts';

const ops = { device, kernels, software: gpu.adapterInfo.isSoftware, quads: gpu.quadSwaps };
const corpus = loadBrown();
const maxLength = 28; // L = 27: lengths 8, 16, 24, 27

const group: GroupSettings = {
  task: 'text',
  T: 2,
  textCorpus: 'brown',
  maxLength,
  batchSize: 3,
  hidden: 5,
  optimizer: 'rmsprop',
  dataSeed: 4,
  trackEvery: 2,
};
const base: RunSettings = { ...PAPER_RUN, weightDecay: 1e-3, lrFree: 0.01 };
const runs: RunSettings[] = [
  { ...base, name: 'tanh m0.1', nonlinearity: 'tanh', margin: 0.1, seed: 71 },
  { ...base, name: 'plain relu', parameterisation: 'plain', nonlinearity: 'relu', init: 'identity', seed: 72 },
  { ...base, name: 'lstm', parameterisation: 'lstm', clip: 1, seed: 73 },
];

const f32 = (v: number[]) => Float32Array.from(v);

function expectSameRecords(label: string, a: IterationRecord[], b: IterationRecord[]) {
  expect(a.map((r) => r.iteration)).toEqual(b.map((r) => r.iteration));
  a.forEach((rec, k) => {
    const other = b[k];
    const at = `${label} iteration ${rec.iteration}`;
    expect(firstDifference(f32(rec.runs.map((m) => m.loss)), f32(other.runs.map((m) => m.loss))), `${at} loss`).toBe(-1);
    expect(firstDifference(f32(rec.runs.map((m) => m.accuracy)), f32(other.runs.map((m) => m.accuracy))), `${at} accuracy`).toBe(-1);
    expect(rec.track === undefined, `${at} tracks`).toBe(other.track === undefined);
    if (rec.track && other.track)
      rec.track.flow.forEach((flow, r) => {
        const i = firstDifference(flow, other.track!.flow[r]);
        expect(i, `${at} run ${r} flow[${i}]`).toBe(-1);
      });
  });
}

async function pair(settings: GroupSettings, options: RunGroupOptions) {
  const short = await RunGroup.create(ops, settings, runs, { ...options, task: textTask(corpus, { maxLength }) });
  const full = await RunGroup.create(ops, settings, runs, { ...options, task: textTask(corpus, { maxLength }), fullLength: true });
  return { short, full };
}

const CASES: { name: string; settings: GroupSettings; options: RunGroupOptions }[] = [
  { name: 'full storage, fused kernels', settings: group, options: {} },
  { name: 'recomputation in segments of 5 steps', settings: { ...group, recompute: 5 }, options: {} },
  { name: 'naive kernels', settings: group, options: { naive: true } },
];

describe('shorter text batches give the gradients of all L steps', () => {
  // (the first case compiles every kernel: 30 to 60 s on a loaded CPU)
  for (const c of CASES)
    it(c.name, { timeout: 240_000 }, async () => {
      const { short, full } = await pair(c.settings, c.options);
      try {
        const L = maxLength - 1;
        expect(short.lengths).toEqual(planLengths(L, true));
        expect(short.lengths).toEqual([8, 16, 24, 27]);
        expect(full.lengths).toEqual([L]);
        // computeGradients on training batches and on validation batches (short sentences, one empty row)
        // (from a task of their own: drawing from a group's task would move its training stream)
        const own = textTask(corpus, { maxLength });
        own.start(9);
        const validation = own.evaluationSet('validation');
        const batches: TaskBatch[] = [own.batch(new Rng(3), 3), validation.batch(-1, 3), validation.batch(40, 3)];
        const lengthsRun: number[] = [];
        for (const [k, batch] of batches.entries()) {
          const a = await short.computeGradients(batch);
          lengthsRun.push(short.stepsComputed.lastLength);
          const b = await full.computeGradients(batch);
          expect(full.stepsComputed.lastLength).toBe(L);
          for (let r = 0; r < runs.length; r++) {
            const label = `${c.name} batch ${k} run ${runs[r].name}`;
            expect(firstDifference(f32([a[r].loss, a[r].accuracy]), f32([b[r].loss, b[r].accuracy])), `${label} loss`).toBe(-1);
            expectSameSet(`${label} d`, await short.readGradients(r), await full.readGradients(r));
            const i = firstDifference(await short.readFlow(r), await full.readFlow(r));
            expect(i, `${label} flow[${i}]`).toBe(-1);
          }
        }
        // the test means something only where a batch ran fewer than L steps
        expect(
          lengthsRun.some((l) => l < L),
          String(lengthsRun),
        ).toBe(true);
        expect(short.dispatchesAt(8)).toBeLessThanOrEqual(short.dispatchesPerIteration);
        // training: the bucketed stream, tracking every other iteration (the flow on and off across lengths)
        const before = short.stepsComputed;
        const records: IterationRecord[][] = [[], []];
        for (let it = 0; it < 6; it++) {
          short.step();
          full.step();
          records[0].push(...(await short.collect()));
          records[1].push(...(await full.collect()));
        }
        expectSameRecords(c.name, records[0], records[1]);
        for (let r = 0; r < runs.length; r++)
          expectSameSet(`${c.name} after training, run ${runs[r].name}`, await short.readParameters(r), await full.readParameters(r));
        // the training batches ran fewer steps too
        const after = short.stepsComputed;
        expect(after.full - before.full).toBe(6 * L);
        expect(after.computed - before.computed).toBeLessThan(6 * L);
      } finally {
        await short.destroy();
        await full.destroy();
      }
    });
});
