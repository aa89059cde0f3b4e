import { describe, expect, it } from 'vitest';
import { makeCheckpoint, modelDimsOf, parseCheckpoint } from '../../src/engine/checkpoint.ts';
import { type CellKind, type ParamSet, paramNames, paramSize } from '../../src/engine/parameters.ts';
import { Rng } from '../../src/engine/random.ts';
import type { RunStatus } from '../../src/engine/runGroup.ts';
import { type GroupSettings, PAPER_RUN } from '../../src/engine/settings.ts';

const group: GroupSettings = { task: 'copy', T: 5, batchSize: 3, hidden: 6, optimizer: 'rmsprop', dataSeed: 2, trackEvery: 5 };

function randomSet(seed: number, cell: CellKind = 'rnn'): ParamSet {
  const rng = new Rng(seed);
  const dims = modelDimsOf(group);
  const set: ParamSet = {};
  for (const name of paramNames(cell)) set[name] = Float32Array.from(rng.uniformArray(paramSize(cell, name, dims)));
  return set;
}

function sample() {
  return makeCheckpoint({
    group,
    run: PAPER_RUN,
    runIndex: 0,
    iteration: 42,
    dataRngState: new Rng(1).getState(),
    parameters: randomSet(1),
    optimizerState: randomSet(2),
  });
}

describe('checkpoint files', () => {
  it('round-trips every parameter and optimiser state exactly', () => {
    const text = JSON.stringify(sample());
    const parsed = parseCheckpoint(text);
    expect(parsed.checkpoint.iteration).toBe(42);
    const want = randomSet(1);
    for (const name of paramNames('rnn')) expect(parsed.parameters[name]).toEqual(want[name]);
    expect(parsed.optimizerState.Wout).toEqual(randomSet(2).Wout);
    expect(parsed.checkpoint.parameters.UV.shape).toEqual([2, 6, 6]);
  });

  it("an LSTM run's checkpoint holds the LSTM's tensors and refuses an RNN's", () => {
    const run = { ...PAPER_RUN, parameterisation: 'lstm' as const };
    const lstm = makeCheckpoint({
      group,
      run,
      runIndex: 1,
      iteration: 3,
      dataRngState: new Rng(1).getState(),
      parameters: randomSet(3, 'lstm'),
      optimizerState: randomSet(4, 'lstm'),
    });
    expect(Object.keys(lstm.parameters)).toEqual(['W', 'Win', 'b', 'h0', 'c0', 'peep', 'Wout', 'bout']);
    expect(lstm.parameters.W.shape).toEqual([24, 6]);
    expect(lstm.parameters.peep.shape).toEqual([3, 6]);
    const parsed = parseCheckpoint(JSON.stringify(lstm));
    for (const name of paramNames('lstm')) expect(parsed.parameters[name]).toEqual(randomSet(3, 'lstm')[name]);
    // an RNN's tensors under an LSTM run's settings: named, not loaded
    const mixed = { ...sample(), run };
    expect(() => parseCheckpoint(JSON.stringify(mixed))).toThrow(/tensor 'W' has shape \[6,6\], the settings need \[24, 6\]/);
    const extra = JSON.parse(JSON.stringify(lstm));
    extra.parameters.UV = { shape: [2, 6, 6], data: [] };
    expect(() => parseCheckpoint(JSON.stringify(extra))).toThrow(
      /unknown tensor 'UV' \(an LSTM run has W, Win, b, h0, c0, peep, Wout, bout\)/,
    );
  });

  it('names what is wrong with a corrupt or foreign file', () => {
    const text = JSON.stringify(sample());
    expect(() => parseCheckpoint(text.slice(0, text.length / 2), 'a.json')).toThrow(/a\.json is not valid JSON .*truncated or corrupt/);
    expect(() => parseCheckpoint(JSON.stringify({ format: 'x' }))).toThrow(/not an Orthogonality Lab checkpoint/);
    expect(() => parseCheckpoint(JSON.stringify({ ...sample(), version: 99 }))).toThrow(/version 99/);
    const badShape = sample();
    badShape.parameters.W.shape = [5, 5];
    expect(() => parseCheckpoint(JSON.stringify(badShape))).toThrow(/tensor 'W' has shape \[5,5\], the settings need \[6, 6\]/);
    const nan = JSON.parse(text);
    nan.parameters.b.data[2] = null;
    expect(() => parseCheckpoint(JSON.stringify(nan))).toThrow(/tensor 'b' has a non-finite or non-numeric value at index 2/);
    const short = JSON.parse(text);
    short.parameters.h0.data.pop();
    expect(() => parseCheckpoint(JSON.stringify(short))).toThrow(/'h0' must hold 6 numbers \(has 5\)/);
    const badSettings = JSON.parse(text);
    badSettings.run.margin = -3;
    expect(() => parseCheckpoint(JSON.stringify(badSettings))).toThrow(/invalid settings: .*margin/);
  });

  it("keeps a run's status: training by default and in files written before the field, paused, failed with its iteration", () => {
    expect(sample().status).toEqual({ state: 'training' });
    const old = JSON.parse(JSON.stringify(sample()));
    delete old.status;
    expect(parseCheckpoint(JSON.stringify(old)).status).toEqual({ state: 'training' });
    const paused = { ...sample(), status: { state: 'paused' as const } };
    expect(parseCheckpoint(JSON.stringify(paused)).status).toEqual({ state: 'paused' });
    const message = 'loss became NaN at iteration 12; the run was stopped at its last finite state (iteration 11)';
    const groupStatus: RunStatus = { state: 'failed', iteration: 12, message, reason: 'loss-nan' };
    const failed = makeCheckpoint({
      group,
      run: PAPER_RUN,
      runIndex: 0,
      iteration: 42,
      dataRngState: new Rng(1).getState(),
      parameters: randomSet(1),
      optimizerState: randomSet(2),
      // a RunGroup status carries more than the file keeps (the reason)
      status: groupStatus,
    });
    expect(failed.status).toEqual({ state: 'failed', iteration: 12, message });
    expect(parseCheckpoint(JSON.stringify(failed)).status).toEqual({ state: 'failed', iteration: 12, message });
  });

  it('refuses a malformed status, naming it', () => {
    const withStatus = (status: unknown) => JSON.stringify({ ...sample(), status });
    expect(() => parseCheckpoint(withStatus({ state: 'running' }))).toThrow(/status must be \{ state: 'training' \| 'paused' \| 'failed'/);
    expect(() => parseCheckpoint(withStatus('failed'))).toThrow(/status must be/);
    expect(() => parseCheckpoint(withStatus({ state: 'failed' }))).toThrow(
      /a failed run's status.iteration must be a whole number from 1 to .* 42/,
    );
    expect(() => parseCheckpoint(withStatus({ state: 'failed', iteration: 43 }))).toThrow(/status.iteration/);
    expect(() => parseCheckpoint(withStatus({ state: 'failed', iteration: 2.5 }))).toThrow(/status.iteration/);
    expect(() => parseCheckpoint(withStatus({ state: 'failed', iteration: 3, message: 7 }))).toThrow(/status.message must be text/);
  });
});
