/**
 * Seed replicates over the data too (issue 11; src/engine/dataStreams.ts): a set over k seeds "also over data"
 * gives member i data offset i, so that it draws its batches from data seed (group data seed + i). The group
 * then draws one batch per stream and every block keeps one batch per run (its xproj, dW_in and loss read
 * their run's). A data-replicated member `x · s2` must train, bit for bit, what that run trains in a group of
 * its own whose data seed is dataSeed + 1 (loss, accuracy, the tracked flow, gradients, parameters and
 * optimiser state after some iterations); `x · s1` what it trains on the group's own stream. Plain,
 * factorised and LSTM runs in one group on copy (cross-entropy), a plain run on adding (squared error), a
 * data-backed task (its epochs per stream), whose kill/resume from the saved streams equals the
 * uninterrupted run, and the text task (padded Brown sentences: each run's own flow rows, one row table per
 * run in the backward kernels, and a batch length that covers every stream's batch), fused and naive
 * kernels. Sizes are tiny (T = 3, n = 6, batch 3; text: sentences of at most 27 steps).
 */
import { describe, expect, it } from 'vitest';
import { loadBrown } from '../../src/data/nodeLoader.ts';
import { continuedData, streamLayout } from '../../src/engine/dataStreams.ts';
import type { ParamSet } from '../../src/engine/parameters.ts';
import { type IterationRecord, RunGroup, type RunGroupOptions } from '../../src/engine/runGroup.ts';
import { type GroupSettings, PAPER_RUN, type RunSettings } from '../../src/engine/settings.ts';
import { expandReplicates, replicateSets, setReplicateData } from '../../src/experiments/replicates.ts';
import { Rng } from '../../src/random/rng.ts';
import { textTask } from '../../src/tasks/textTask.ts';
import { device, gpu, kernels } from '../helpers/gpu.ts';
import { expectSameSet, firstDifference } from '../helpers/sameBits.ts';
import { tinySource } from '../helpers/tinyDataset.ts';

const ops = { device, kernels, software: gpu.adapterInfo.isSoftware, quads: gpu.quadSwaps };

const f32 = (v: number[]) => Float32Array.from(v);

/** Run r of records a against run q of records b: loss, accuracy and the tracked flow, bit for bit. */
function expectSameRun(label: string, a: IterationRecord[], r: number, b: IterationRecord[], q: number) {
  expect(a.map((x) => x.iteration)).toEqual(b.map((x) => x.iteration));
  a.forEach((rec, k) => {
    const other = b[k];
    const at = `${label} iteration ${rec.iteration}`;
    expect(firstDifference(f32([rec.runs[r].loss, rec.runs[r].accuracy]), f32([other.runs[q].loss, other.runs[q].accuracy])), at).toBe(-1);
    expect(Number.isFinite(rec.runs[r].loss), `${at} finite`).toBe(true);
    expect(rec.track === undefined, `${at} tracks`).toBe(other.track === undefined);
    if (rec.track && other.track) expect(firstDifference(rec.track.flow[r], other.track.flow[q]), `${at} flow`).toBe(-1);
  });
}

/** Trains `iterations` and returns the records with every run's gradients, parameters and optimiser state. */
async function train(group: GroupSettings, runs: RunSettings[], iterations: number, options: RunGroupOptions = {}) {
  const g = await RunGroup.create(ops, group, runs, options);
  // the steps each iteration ran (a text batch's prepared length)
  const lengths: number[] = [];
  // every record, also those a full pipeline hands back before the end
  const records: IterationRecord[] = [];
  for (let i = 0; i < iterations; i++) {
    if (!g.canStep) records.push(...(await g.collect()));
    g.step();
    lengths.push(g.stepsComputed.lastLength);
  }
  records.push(...(await g.collect()));
  const state = [];
  for (let r = 0; r < runs.length; r++)
    state.push({ grads: await g.readGradients(r), params: await g.readParameters(r), opt: await g.readOptimizerState(r) });
  return { g, records, state, lengths };
}

/** Member r of the data-replicated group against run q of a group trained on its stream alone. */
function expectSameMember(
  label: string,
  rep: Awaited<ReturnType<typeof train>>,
  r: number,
  alone: Awaited<ReturnType<typeof train>>,
  q: number,
) {
  expectSameRun(label, rep.records, r, alone.records, q);
  expectSameSet(`${label} gradient`, rep.state[r].grads, alone.state[q].grads);
  expectSameSet(`${label} parameters`, rep.state[r].params, alone.state[q].params);
  expectSameSet(`${label} optimiser state`, rep.state[r].opt, alone.state[q].opt);
}

const noOffset = (r: RunSettings): RunSettings => {
  const { dataOffset: _d, ...rest } = r;
  return rest;
};

describe('seed replicates over the data', () => {
  it('copy: each member of a set over data trains what it trains alone on data seed + i (plain, factorised, LSTM)', async () => {
    const group: GroupSettings = { task: 'copy', T: 3, batchSize: 3, hidden: 6, optimizer: 'rmsprop', dataSeed: 7, trackEvery: 2 };
    const base: RunSettings = { ...PAPER_RUN, lrFree: 0.01, lrGeodesic: 0.01, lrSpectrum: 0.01, weightDecay: 1e-3 };
    const sets: RunSettings[] = [
      { ...base, name: 'tanh', nonlinearity: 'tanh', margin: 0.1, seed: 11 },
      { ...base, name: 'plain', parameterisation: 'plain', nonlinearity: 'relu', init: 'identity', seed: 21 },
      { ...base, name: 'lstm', parameterisation: 'lstm', clip: 1, seed: 31 },
    ];
    const runs = expandReplicates(sets, 2, { data: true });
    expect(runs.map((r) => [r.name, r.seed, r.dataOffset])).toEqual([
      ['tanh · s1', 11, undefined],
      ['tanh · s2', 12, 1],
      ['plain · s1', 21, undefined],
      ['plain · s2', 22, 1],
      ['lstm · s1', 31, undefined],
      ['lstm · s2', 32, 1],
    ]);
    expect(streamLayout(group, runs).seeds).toEqual([7, 8]);
    const iterations = 5;
    const rep = await train(group, runs, iterations);
    // every s1 on the group's stream, every s2 alone on data seed 8 (runs of a group do not mix)
    const first = await train(
      group,
      runs.filter((_, i) => i % 2 === 0),
      iterations,
    );
    const second = await train({ ...group, dataSeed: 8 }, runs.filter((_, i) => i % 2 === 1).map(noOffset), iterations);
    for (let k = 0; k < 3; k++) {
      expectSameMember(`${runs[2 * k].name}`, rep, 2 * k, first, k);
      expectSameMember(`${runs[2 * k + 1].name}`, rep, 2 * k + 1, second, k);
    }
    // and the members' data differ: their first losses do (the same model on other sequences)
    expect(rep.records[0].runs[0].loss).not.toBe(rep.records[0].runs[1].loss);
    // the memory plan counts one batch per run in each block (the shared batch is gone)
    const batchBuffers = rep.g.memory.shared.filter((b) => b.kind === 'batch').map((b) => b.name);
    expect(batchBuffers).toEqual([
      'rnn.x',
      'rnn.targets',
      'rnn.weight',
      'rnn.accWeight',
      'lstm.x',
      'lstm.targets',
      'lstm.weight',
      'lstm.accWeight',
    ]);
    const x = rep.g.memory.shared.find((b) => b.name === 'rnn.x')!;
    expect(x.bytes).toBe(4 * first.g.memory.shared.find((b) => b.name === 'x')!.bytes);
    for (const t of [rep, first, second]) await t.g.destroy();
  }, 600_000);

  it("switched on and off mid-training (the lab's rebuild): each member keeps its parameters; moved members draw from their stream's start, back on the group's from where it stands", async () => {
    const group: GroupSettings = { task: 'copy', T: 3, batchSize: 3, hidden: 6, optimizer: 'rmsprop', dataSeed: 5, trackEvery: 2 };
    const set = expandReplicates([{ ...PAPER_RUN, name: 'm', margin: 0.1, lrFree: 0.01, lrGeodesic: 0.01, lrSpectrum: 0.01, seed: 9 }], 3);
    const [N, M, K] = [3, 3, 2];
    /** what the lab's rebuild hands the new group: every run's parameters and optimiser state, the data continued */
    const carried = async (g: RunGroup) => {
      const parameters: ParamSet[] = [];
      const optimizerState: ParamSet[] = [];
      for (let r = 0; r < set.length; r++) {
        parameters.push(await g.readParameters(r));
        optimizerState.push(await g.readOptimizerState(r));
      }
      return { parameters, optimizerState, iteration: g.iteration, ...continuedData(g, true, group.dataSeed) };
    };
    const a = await train(group, set, N);
    // on: member i moves to data offset i
    const on = setReplicateData(set, replicateSets(set)[0], true);
    expect(on.map((r) => r.dataOffset)).toEqual([undefined, 1, 2]);
    const b = await train(group, on, M, { initial: await carried(a.g) });
    // member 1 stays on the group's stream: it trains what it trains without the switch
    const straight = await train(group, set, N + M + K);
    const straightB = straight.records.filter((r) => r.iteration > N && r.iteration <= N + M);
    expectSameRun('m · s1 after the switch on', b.records, 0, straightB, 0);
    // members 2 and 3: their parameters at iteration N, from then on data seed 5 + i from its start
    for (const i of [1, 2]) {
      const alone = await train({ ...group, dataSeed: group.dataSeed + i }, [noOffset(on[i])], M, {
        initial: {
          parameters: [a.state[i].params],
          optimizerState: [a.state[i].opt],
          iteration: N,
          dataRngState: new Rng(group.dataSeed + i).getState(),
        },
      });
      expectSameMember(`${on[i].name} after the switch on`, b, i, alone, 0);
      await alone.g.destroy();
    }
    // off again: every member back on the group's stream, from where that stream stands (member 1's)
    const off = setReplicateData(on, replicateSets(on)[0], false);
    expect(off.map((r) => r.dataOffset)).toEqual([undefined, undefined, undefined]);
    const c = await train(group, off, K, { initial: await carried(b.g) });
    const straightC = straight.records.filter((r) => r.iteration > N + M);
    expectSameRun('m · s1 after the switch off', c.records, 0, straightC, 0);
    expectSameSet('m · s1 parameters at the end', c.state[0].params, straight.state[0].params);
    // members 2 and 3 now see the batches member 1 sees: the group's stream as it stands at iteration N + M
    const upToB = await train(group, set, N + M);
    const reference = await train(group, set, K, {
      initial: {
        parameters: b.state.map((s) => s.params),
        optimizerState: b.state.map((s) => s.opt),
        iteration: N + M,
        dataRngState: upToB.g.dataRngState(),
      },
    });
    for (const i of [1, 2]) expectSameMember(`${off[i].name} after the switch off`, c, i, reference, i);
    for (const t of [a, b, c, straight, upToB, reference]) await t.g.destroy();
  }, 600_000);

  it('adding (squared error): the members of a plain run over data, against each alone', async () => {
    const group: GroupSettings = { task: 'adding', T: 4, batchSize: 3, hidden: 5, optimizer: 'sgd', dataSeed: 3, trackEvery: 3 };
    const runs = expandReplicates([{ ...PAPER_RUN, name: 'p', parameterisation: 'plain', lrFree: 0.05, seed: 4 }], 3, { data: true });
    expect(runs.map((r) => r.dataOffset)).toEqual([undefined, 1, 2]);
    const rep = await train(group, runs, 4);
    for (let i = 0; i < 3; i++) {
      const alone = await train({ ...group, dataSeed: 3 + i }, [noOffset(runs[i])], 4);
      expectSameMember(runs[i].name, rep, i, alone, 0);
      await alone.g.destroy();
    }
    await rep.g.destroy();
  }, 600_000);

  for (const naive of [false, true])
    it(`text (${naive ? 'naive' : 'fused'} kernels): each member over data trains what it trains alone, its own flow rows and lengths`, async () => {
      const corpus = loadBrown();
      const maxLength = 28;
      const group: GroupSettings = {
        task: 'text',
        T: 2,
        textCorpus: 'brown',
        maxLength,
        batchSize: 3,
        // n = 8 (a multiple of 4): the fused kernels take the vec4 recurrent backward (rnnBackwardVec4.wgsl),
        // whose per-run row tables this checks; the copy and adding cases (n = 6, 5) check the scalar one
        hidden: 8,
        optimizer: 'rmsprop',
        dataSeed: 4,
        trackEvery: 2,
      };
      const base: RunSettings = { ...PAPER_RUN, weightDecay: 1e-3, lrFree: 0.01 };
      const runs = expandReplicates(
        [
          { ...base, name: 'tanh', nonlinearity: 'tanh', margin: 0.1, seed: 71 },
          { ...base, name: 'plain', parameterisation: 'plain', nonlinearity: 'relu', init: 'identity', seed: 72 },
          { ...base, name: 'lstm', parameterisation: 'lstm', clip: 1, seed: 73 },
        ],
        2,
        { data: true },
      );
      const task = () => textTask(corpus, { maxLength });
      const iterations = 5;
      const rep = await train(group, runs, iterations, { naive, task: task() });
      const first = await train(
        group,
        runs.filter((_, i) => i % 2 === 0),
        iterations,
        { naive, task: task() },
      );
      const second = await train({ ...group, dataSeed: 5 }, runs.filter((_, i) => i % 2 === 1).map(noOffset), iterations, {
        naive,
        task: task(),
      });
      expect(rep.g.lengths).toEqual([8, 16, 24, 27]);
      // every iteration runs the longer of the two streams' lengths, and somewhere they differ (else this proves little)
      expect(rep.lengths).toEqual(first.lengths.map((l, i) => Math.max(l, second.lengths[i])));
      expect(
        first.lengths.some((l, i) => l !== second.lengths[i]),
        `${first.lengths} / ${second.lengths}`,
      ).toBe(true);
      for (let k = 0; k < 3; k++) {
        expectSameMember(`${runs[2 * k].name}`, rep, 2 * k, first, k);
        expectSameMember(`${runs[2 * k + 1].name}`, rep, 2 * k + 1, second, k);
      }
      // the two streams' batches end their rows at other steps: each run's counts, as its group alone has them
      const tracked = rep.records.filter((r) => r.track);
      expect(tracked.some((r) => r.track!.flowCountsPerRun)).toBe(true);
      for (const [j, rec] of tracked.entries()) {
        const per = rec.track!.flowCountsPerRun;
        if (!per) continue;
        expect(Array.from(per[1])).toEqual(Array.from(second.records.filter((r) => r.track)[j].track!.flowCounts!));
        expect(Array.from(per[0])).toEqual(Array.from(first.records.filter((r) => r.track)[j].track!.flowCounts!));
      }
      for (const t of [rep, first, second]) await t.g.destroy();
    }, 600_000);

  it('a data-backed task: each stream goes through its own epochs, and kill/resume from the saved streams continues each', async () => {
    const SIZES = { train: 10, validation: 5, test: 5, L: 5, I: 3 };
    const group: GroupSettings = { task: 'copy', T: 2, batchSize: 4, hidden: 6, optimizer: 'rmsprop', dataSeed: 5, trackEvery: 3 };
    const runs = expandReplicates(
      [
        { ...PAPER_RUN, name: 'f', nonlinearity: 'tanh', margin: 0.1, seed: 1 },
        { ...PAPER_RUN, name: 'l', parameterisation: 'lstm', clip: 0, seed: 2 },
      ],
      2,
      { data: true },
    );
    const whole = await train(group, runs, 6, { task: await tinySource(SIZES).load() });
    // each member against its stream alone (data seed 5 or 6)
    const alone = await train({ ...group, dataSeed: 6 }, [noOffset(runs[1]), noOffset(runs[3])], 6, {
      task: await tinySource(SIZES).load(),
    });
    expectSameMember('f · s2', whole, 1, alone, 0);
    expectSameMember('l · s2', whole, 3, alone, 1);
    // 6 iterations of 4 over 10 sequences: every stream at epoch 2, position 4
    expect(whole.g.dataStreams()).toEqual([
      expect.objectContaining({ offset: 0, position: { epoch: 2, position: 4 } }),
      expect.objectContaining({ offset: 1, position: { epoch: 2, position: 4 } }),
    ]);

    // killed after 3 iterations, resumed from what a checkpoint saves
    const part = await train(group, runs, 3, { task: await tinySource(SIZES).load() });
    const streams = part.g.dataStreams();
    expect(streams?.map((s) => s.offset)).toEqual([0, 1]);
    const resumed = await RunGroup.create(ops, group, runs, {
      task: await tinySource(SIZES).load(),
      initial: {
        parameters: part.state.map((s) => s.params),
        optimizerState: part.state.map((s) => s.opt),
        iteration: 3,
        dataRngState: part.g.dataRngState(),
        dataPosition: part.g.dataPosition,
        dataStreams: streams,
      },
    });
    for (let i = 0; i < 3; i++) resumed.step();
    const rest = await resumed.collect();
    for (let r = 0; r < runs.length; r++) {
      rest.forEach((rec, k) => {
        const want = whole.records[3 + k];
        expect(rec.iteration).toBe(want.iteration);
        expect(firstDifference(f32([rec.runs[r].loss]), f32([want.runs[r].loss])), `${runs[r].name} at ${rec.iteration}`).toBe(-1);
      });
      expectSameSet(`${runs[r].name} resumed parameters`, await resumed.readParameters(r), whole.state[r].params);
    }
    for (const t of [whole, alone, part]) await t.g.destroy();
    await resumed.destroy();
  }, 600_000);
});
