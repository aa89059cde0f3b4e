/**
 * Seed replicates over the data (issue 11): the per-run data offset (RunSettings.dataOffset) the expansion
 * sets, its checks, the streams it makes (src/engine/dataStreams.ts), and its round trips through replicate
 * sets, links, experiment files, checkpoints and the CLI's flags. The GPU side is tests/kernels/dataReplicates.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { parseExperimentFile } from '../../src/app/lab/experimentFile.ts';
import { defaultExperiment } from '../../src/app/lab/presets.ts';
import { decodeExperiment, encodeExperiment } from '../../src/app/lab/urlState.ts';
import { parseArgs, UsageError } from '../../src/cli/args.ts';
import { EXPERIMENT_FLAGS, experimentFromFlags, experimentToFlags } from '../../src/cli/experimentFlags.ts';
import { makeCheckpoint, parseCheckpoint } from '../../src/engine/checkpoint.ts';
import { perRunBatches, streamLayout } from '../../src/engine/dataStreams.ts';
import { planMemory } from '../../src/engine/memoryPlan.ts';
import { initialParameters } from '../../src/engine/runGroup.ts';
import { dataStreamSeed, PAPER_GROUP, PAPER_RUN, type RunSettings, validateExperiment } from '../../src/engine/settings.ts';
import { expandReplicates, replicateMembers, replicateSets, resizeReplicates, setReplicateData } from '../../src/experiments/replicates.ts';
import { Rng } from '../../src/random/rng.ts';
import { makeTask } from '../../src/tasks/index.ts';
import { sampleFile } from '../helpers/experimentSample.ts';

const run = (name: string, more: Partial<RunSettings> = {}): RunSettings => ({ ...PAPER_RUN, name, ...more });

function flags(args: string[]) {
  try {
    return { experiment: experimentFromFlags(parseArgs(args, EXPERIMENT_FLAGS)), errors: [] as string[] };
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    return { experiment: undefined, errors: e.message.split('\n') };
  }
}

describe('data replicates: settings and expansion', () => {
  it('over data, member i gets data offset i (member 1 none), the seeds as before; without it no offsets', () => {
    const members = replicateMembers(run('a', { seed: 5 }), 3, { data: true });
    expect(members.map((r) => [r.name, r.seed, r.dataOffset])).toEqual([
      ['a · s1', 5, undefined],
      ['a · s2', 6, 1],
      ['a · s3', 7, 2],
    ]);
    expect('dataOffset' in members[0]).toBe(false);
    expect(replicateMembers(run('a'), 3).every((r) => r.dataOffset === undefined)).toBe(true);
    // a run with an offset of its own: its members go on from it; k = 1 is the run itself
    expect(replicateMembers(run('b', { dataOffset: 4 }), 2, { data: true }).map((r) => r.dataOffset)).toEqual([4, 5]);
    expect(replicateMembers(run('b', { dataOffset: 4 }), 1, { data: true })).toEqual([run('b', { dataOffset: 4 })]);
    // every set's member i on stream i: the sets stay paired
    const runs = expandReplicates([run('x'), run('y', { margin: 1 })], 2, { data: true });
    expect(streamLayout({ dataSeed: 9 }, runs)).toEqual({ offsets: [0, 1], seeds: [9, 10], of: [0, 1, 0, 1] });
    expect(perRunBatches(runs)).toBe(true);
    expect(perRunBatches(expandReplicates([run('x')], 3))).toBe(false);
    expect(validateExperiment(PAPER_GROUP, runs)).toEqual([]);
    expect(dataStreamSeed({ dataSeed: 2 ** 32 - 1 }, { dataOffset: 2 })).toBe(1);
  });

  it('refuses a bad offset by name with the range; offsets are fine on every task, text too', () => {
    expect(validateExperiment(PAPER_GROUP, [run('a', { dataOffset: -1 })])).toEqual([
      "run 1 ('a'): Data offset (dataOffset) must be a whole number from 0 to 4294967295 (got -1)",
    ]);
    expect(validateExperiment(PAPER_GROUP, [run('a', { dataOffset: 1.5 })])[0]).toContain('(got 1.5)');
    expect(validateExperiment({ ...PAPER_GROUP, task: 'text' }, expandReplicates([run('a')], 2, { data: true }))).toEqual([]);
  });

  it('a set over data is one set, over data; resizing keeps it so; the option switches on and off for the set', () => {
    const runs = [...expandReplicates([run('m')], 3, { data: true }), run('alone', { dataOffset: 7 })];
    const sets = replicateSets(runs);
    expect(sets.map((s) => [s.name, s.members, s.dataOffsets, s.data])).toEqual([
      ['m', [0, 1, 2], [0, 1, 2], true],
      ['alone', [3], [7], false],
    ]);
    // init-only members are not over data
    expect(replicateSets(expandReplicates([run('m')], 2))[0].data).toBe(false);
    const up = resizeReplicates(runs, 0, 4);
    expect(up.runs.map((r) => r.dataOffset)).toEqual([undefined, 1, 2, 3, 7]);
    const off = setReplicateData(runs, sets[0], false);
    expect(off.map((r) => r.dataOffset)).toEqual([undefined, undefined, undefined, 7]);
    expect(replicateSets(off)[0].data).toBe(false);
    expect(setReplicateData(off, replicateSets(off)[0], true)).toEqual(runs);
  });
});

describe('data replicates: round trips', () => {
  it('a link writes a set over data as one run with seeds:k,overData:true and reads back its runs exactly', () => {
    const e = defaultExperiment(true);
    const runs = [...expandReplicates(e.runs.slice(0, 1), 3, { data: true }), ...expandReplicates(e.runs.slice(1, 2), 2)];
    const hash = encodeExperiment({ group: e.group, runs });
    expect(hash.match(/&run=/g)).toHaveLength(2);
    expect(hash).toContain(',seeds:3,overData:true');
    expect(hash).not.toContain('dataOffset');
    const back = decodeExperiment(hash, e)!;
    expect(back.problems).toEqual([]);
    expect(back.experiment.runs).toEqual(runs);
    // a member moved off its stream is written run by run, with its offset, and reads back as it was
    const odd = runs.map((r, i) => (i === 2 ? { ...r, dataOffset: 5 } : r));
    const oddHash = encodeExperiment({ group: e.group, runs: odd });
    expect(oddHash).toContain('dataOffset:5');
    expect(decodeExperiment(oddHash, e)!.experiment.runs).toEqual(odd);
    // a bad value is named
    expect(decodeExperiment('#task=copy&run=name:a,seeds:2,overData:maybe', e)!.problems).toEqual([
      "link, run 1: Also over data (overData) must be true or false (got 'maybe'); using the default false",
    ]);
    // over data without seeds to replicate is named, not silently dropped
    const alone = decodeExperiment('#task=copy&run=name:a,overData:true', e)!;
    expect(alone.problems).toEqual(['link, run 1: Also over data (overData) needs seeds 2 or more (got 1); ignored']);
    expect(alone.experiment.runs.map((r) => r.dataOffset)).toEqual([undefined]);
  });

  it('an experiment file keeps the members over data, their set and every data stream; streams that differ between runs are refused', () => {
    const e = defaultExperiment(true);
    const [a, b] = expandReplicates([e.runs[0]], 2, { data: true }) as [RunSettings, RunSettings];
    const file = sampleFile(false, [a, b]);
    const streams = [
      { offset: 0, rngState: file.dataRngState, position: { epoch: 0, position: 12 } },
      { offset: 1, rngState: new Rng(8).getState(), position: { epoch: 0, position: 12 } },
    ];
    const withStreams = { ...file, checkpoints: file.checkpoints.map((c) => ({ ...c, dataStreams: streams })) };
    const loaded = parseExperimentFile(JSON.stringify(withStreams));
    expect(loaded.runs.map((r) => r.settings)).toEqual([a, b]);
    expect(replicateSets(loaded.runs.map((r) => r.settings))[0].data).toBe(true);
    expect(loaded.initial.dataStreams).toEqual(streams);
    const other = {
      ...withStreams,
      checkpoints: [
        withStreams.checkpoints[0],
        { ...withStreams.checkpoints[1], dataStreams: [streams[0], { ...streams[1], position: { epoch: 0, position: 4 } }] },
      ],
    };
    expect(() => parseExperimentFile(JSON.stringify(other))).toThrow('saved at another iteration or position than the experiment');
  });

  it('a checkpoint keeps every data stream and the run offset; a damaged list is named', () => {
    const group = { ...PAPER_GROUP, T: 3, hidden: 4, batchSize: 2 };
    const task = makeTask('copy', 3);
    const dims = { R: 1, L: task.L, B: 2, n: 4, I: task.I, O: task.O, Lout: task.L, P: task.L * 2 };
    const member = expandReplicates([run('a')], 2, { data: true })[1];
    const params = initialParameters(member, dims);
    const streams = [
      { offset: 0, rngState: new Rng(1).getState(), position: { epoch: 0, position: 8 } },
      { offset: 1, rngState: new Rng(2).getState(), position: { epoch: 0, position: 8 } },
    ];
    const ck = makeCheckpoint({
      group,
      run: member,
      runIndex: 1,
      iteration: 4,
      dataRngState: streams[0].rngState,
      dataPosition: streams[0].position,
      dataStreams: streams,
      parameters: params,
      optimizerState: params,
    });
    const back = parseCheckpoint(JSON.stringify(ck));
    expect(back.checkpoint.run).toEqual(member);
    expect(back.checkpoint.dataStreams).toEqual(streams);
    const bad = (dataStreams: unknown) => () => parseCheckpoint(JSON.stringify({ ...ck, dataStreams }), 'ck.json');
    expect(bad([streams[0]])).toThrow('ck.json: dataStreams must be a list of at least 2 streams { offset, rngState, position }');
    expect(bad([streams[0], { ...streams[1], offset: 0 }])).toThrow('ck.json: dataStreams stream 2: offset 0 appears twice');
    expect(bad([streams[0], { ...streams[1], rngState: [1] }])).toThrow('stream 2: rngState must be the 5-number generator state');
    expect(bad([streams[0], { ...streams[1], offset: 3 }])).toThrow("ck.json: dataStreams has no stream for the run's data offset 1");
  });

  it('the memory plan counts one batch and one flow row table per run in each block with several streams, one shared without', () => {
    const task = makeTask('copy', 5);
    const input = {
      task,
      batchSize: 4,
      hidden: 8,
      optimizer: 'rmsprop' as const,
      device: { software: true, quads: true, maxComputeWorkgroupsPerDimension: 65535 },
    };
    const shared = planMemory({ ...input, runs: expandReplicates([run('a'), run('l', { parameterisation: 'lstm' })], 2) });
    const own = planMemory({ ...input, runs: expandReplicates([run('a'), run('l', { parameterisation: 'lstm' })], 2, { data: true }) });
    const batch = (p: typeof shared) => p.shared.filter((b) => b.kind === 'batch').reduce((a, b) => a + b.bytes, 0);
    expect(batch(own)).toBe(4 * batch(shared));
    expect(own.shared.filter((b) => b.kind === 'batch').map((b) => b.shape)).toContain('[R][L][B][I]');
    // and in each block's backward scratch one flow row table [B][2] per run instead of one (2 runs a block)
    const rowTables = 2 * (2 * 4 * (2 - 1) * 4);
    expect(own.totalBytes - shared.totalBytes).toBe(3 * batch(shared) + rowTables);
  });

  it('train flags: --seeds k --replicate-data sets the offsets (text too); --replicate-data alone is refused', () => {
    const ok = flags(['--names', 'x,y', '--seed', '5', '--seeds', '2', '--replicate-data']);
    expect(ok.errors).toEqual([]);
    expect(ok.experiment!.runs.map((r) => [r.name, r.seed, r.dataOffset])).toEqual([
      ['x · s1', 5, undefined],
      ['x · s2', 6, 1],
      ['y · s1', 5, undefined],
      ['y · s2', 6, 1],
    ]);
    expect(flags(['--seeds', '2']).experiment!.runs.every((r) => r.dataOffset === undefined)).toBe(true);
    expect(flags(['--replicate-data']).errors).toEqual([
      '--replicate-data replicates each run over its data as well as its seed: give --seeds k with k >= 2 too',
    ]);
    expect(flags(['--task', 'text', '--seeds', '2', '--replicate-data']).experiment!.runs.map((r) => r.dataOffset)).toEqual([undefined, 1]);
    // a command that passes its runs on as flags refuses offsets it could not pass
    expect(() => experimentToFlags(PAPER_GROUP, ok.experiment!.runs)).toThrow(
      'run "x · s2" has a data offset (1), which no train flag sets; replicate over data with --seeds k --replicate-data',
    );
  });
});
