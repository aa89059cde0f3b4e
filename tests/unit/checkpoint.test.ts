import { describe, expect, it } from 'vitest';
import {
  CheckpointError,
  makeBestValidationCheckpoint,
  makeCheckpoint,
  modelDimsOf,
  parseCheckpoint,
} from '../../src/engine/checkpoint.ts';
import { type CellKind, type ParamSet, paramNames, paramSize } from '../../src/engine/parameters.ts';
import type { RunStatus } from '../../src/engine/runGroup.ts';
import { type GroupSettings, PAPER_RUN } from '../../src/engine/settings.ts';
import { Rng } from '../../src/random/rng.ts';

const group: GroupSettings = { task: 'copy', T: 5, batchSize: 3, hidden: 6, optimizer: 'rmsprop', dataSeed: 2, trackEvery: 5 };

function randomSet(seed: number, cell: CellKind = 'rnn'): ParamSet {
  const rng = new Rng(seed);
  const dims = modelDimsOf(group);
  const set: ParamSet = {};
  for (const name of paramNames(cell)) set[name] = Float32Array.from(rng.uniformArray(paramSize(cell, name, dims)));
  return set;
}

function sampleArgs() {
  return {
    group,
    run: PAPER_RUN,
    runIndex: 0,
    iteration: 42,
    dataRngState: new Rng(1).getState(),
    parameters: randomSet(1),
    optimizerState: randomSet(2),
  };
}

function sample() {
  return makeCheckpoint(sampleArgs());
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

  it('carries the experiment id (version 2) and still reads version-1 files, which have none', () => {
    const id = '0123456789abcdef0123456789abcdef';
    const ck = makeCheckpoint({ ...sampleArgs(), experimentId: id });
    expect(ck.version).toBe(2);
    expect(parseCheckpoint(JSON.stringify(ck)).checkpoint.experimentId).toBe(id);
    expect(parseCheckpoint(JSON.stringify(sample())).checkpoint.experimentId).toBeUndefined();
    const v1 = { ...sample(), version: 1 };
    expect(parseCheckpoint(JSON.stringify(v1)).checkpoint.iteration).toBe(42);
    expect(() => parseCheckpoint(JSON.stringify({ ...v1, experimentId: id }), 'old.json')).toThrow(
      /old\.json: a version-1 checkpoint has no experimentId/,
    );
    expect(() => parseCheckpoint(JSON.stringify({ ...ck, experimentId: '../../x' }), 'c.json')).toThrow(/c\.json: experimentId must be/);
    expect(() => parseCheckpoint(JSON.stringify({ ...ck, experimentId: 7 }))).toThrow(/experimentId must be/);
  });

  it("keeps the training stream's position (epoch, position); files without it read as the start", () => {
    const ck = makeCheckpoint({ ...sampleArgs(), dataPosition: { epoch: 3, position: 17 } });
    expect(parseCheckpoint(JSON.stringify(ck)).checkpoint.dataPosition).toEqual({ epoch: 3, position: 17 });
    expect(parseCheckpoint(JSON.stringify(sample())).checkpoint.dataPosition).toBeUndefined();
    for (const [bad, message] of [
      [{ epoch: 1.5, position: 0 }, /p\.json: dataPosition epoch must be a whole number >= 0/],
      [{ epoch: 0, position: -2 }, /dataPosition position must be a whole number >= 0/],
      ['x', /dataPosition must be \{ epoch, position \}/],
    ] as const)
      expect(() => parseCheckpoint(JSON.stringify({ ...ck, dataPosition: bad }), 'p.json')).toThrow(message);
  });

  it('carries best-validation weights and the evaluation history; older files without them still load', () => {
    const evaluations = [
      {
        iteration: 10,
        validation: { loss: 1.5, accuracy: 0.25, count: 100 },
        test: { loss: 1.6, accuracy: 0.2, count: 100, bestIteration: 10 },
      },
      { iteration: 20, validation: { loss: 1.7, accuracy: null, count: 100 } },
    ];
    const ck = makeCheckpoint({
      ...sampleArgs(),
      best: { record: { iteration: 10, validationLoss: 1.5, validationAccuracy: 0.25 }, parameters: randomSet(5) },
      evaluations,
    });
    const parsed = parseCheckpoint(JSON.stringify(ck));
    expect(parsed.best?.record).toEqual({ iteration: 10, validationLoss: 1.5, validationAccuracy: 0.25 });
    for (const name of paramNames('rnn')) expect(parsed.best?.parameters[name]).toEqual(randomSet(5)[name]);
    expect(parsed.evaluations).toEqual(evaluations);
    const old = parseCheckpoint(JSON.stringify(sample()));
    expect(old.best).toBeNull();
    expect(old.evaluations).toEqual([]);
    const json = JSON.parse(JSON.stringify(ck));
    const broken = (edit: (c: typeof json) => void) => {
      const c = JSON.parse(JSON.stringify(json));
      edit(c);
      return () => parseCheckpoint(JSON.stringify(c), 'e.json');
    };
    expect(broken((c) => (c.best.parameters.W.shape = [2, 2]))).toThrow(/e\.json best parameters: tensor 'W' has shape \[2,2\]/);
    expect(broken((c) => (c.best.iteration = 43))).toThrow(
      /best\.iteration must be a whole number from 0 to the checkpoint's iteration 42/,
    );
    expect(broken((c) => (c.best.validationLoss = 'low'))).toThrow(/best\.validationLoss must be a finite number/);
    expect(broken((c) => (c.best.validationAccuracy = -1))).toThrow(/best\.validationAccuracy must be a number from 0 to 1, or null/);
    expect(broken((c) => (c.evaluations[1].iteration = 5))).toThrow(/evaluations\[1\]\.iteration must be a whole number from 10/);
    expect(broken((c) => (c.evaluations[0].test.accuracy = 2))).toThrow(/evaluations\[0\]\.test: accuracy must be a number from 0 to 1/);
    expect(broken((c) => (c.evaluations[0].test.bestIteration = 11))).toThrow(
      /bestIteration must be a whole number from 0 to the round's iteration 10/,
    );
    expect(broken((c) => (c.evaluations = {}))).toThrow(/evaluations must be a list of rounds/);
  });

  it('a best-validation checkpoint: weights only, read with weightsOnly, refused by name elsewhere; its fields are checked', () => {
    const make = () =>
      makeBestValidationCheckpoint({
        experimentId: 'abcdef0123456789',
        group,
        run: PAPER_RUN,
        runIndex: 1,
        record: { iteration: 30, validationLoss: 0.5, validationAccuracy: 0.75 },
        validationCount: 1000,
        test: { loss: 0.625, accuracy: 0.5, count: 1000 },
        parameters: randomSet(3),
      });
    const text = JSON.stringify(make());
    const parsed = parseCheckpoint(text, 'b.json', { weightsOnly: true });
    expect(parsed.checkpoint.iteration).toBe(30);
    expect(parsed.parameters).toEqual(randomSet(3));
    expect(parsed.bestValidation).toEqual({
      validation: { loss: 0.5, accuracy: 0.75, count: 1000 },
      test: { loss: 0.625, accuracy: 0.5, count: 1000 },
    });
    expect(parsed.optimizerState).toEqual({});
    // a full checkpoint reads with weightsOnly too, and says it is none
    expect(parseCheckpoint(JSON.stringify(sample()), 'c.json', { weightsOnly: true }).bestValidation).toBeNull();
    expect(() => parseCheckpoint(text, 'b.json')).toThrow(
      /b\.json is a best-validation checkpoint \(run '.*', the weights of iteration 30, without optimiser state/,
    );
    const bad = (edit: (c: Record<string, unknown>) => void, re: RegExp) => {
      const c = make() as unknown as Record<string, unknown>;
      edit(c);
      expect(() => parseCheckpoint(JSON.stringify(c), 'b.json', { weightsOnly: true })).toThrow(re);
    };
    bad((c) => (c.kind = 'other'), /kind is 'other'; a checkpoint has none or 'best-validation'/);
    bad((c) => (c.optimizer = { kind: 'rmsprop', state: {} }), /holds weights only, not 'optimizer'/);
    bad((c) => (c.validation = { loss: null }), /validation must be \{ loss \(a finite number\)/);
    bad((c) => ((c.validation as { accuracy: number }).accuracy = 2), /validation\.accuracy must be a number from 0 to 1/);
    bad((c) => ((c.test as { count: number }).count = 0), /test: count must be a whole number >= 1/);
    bad((c) => delete (c.parameters as Record<string, unknown>).W, /tensor 'W' is missing/);
  });

  it('names a damaged data-generator state instead of failing later', () => {
    const ck = JSON.parse(JSON.stringify(sample()));
    ck.dataRngState[1] = 'x';
    expect(() => parseCheckpoint(JSON.stringify(ck), 'd.json')).toThrow(
      /d\.json: dataRngState is damaged \(random state must be 4 unsigned 32-bit integers/,
    );
    ck.dataRngState[1] = -1;
    expect(() => parseCheckpoint(JSON.stringify(ck))).toThrow(CheckpointError);
    // JSON's null for 'no spare normal' is read back as the generator's NaN
    const ok = parseCheckpoint(JSON.stringify(sample()));
    expect(Number.isNaN(ok.checkpoint.dataRngState[4])).toBe(true);
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
    // a RunGroup status carries more than the file keeps (the reason)
    const failedWith = (parameters: ParamSet, optimizerState: ParamSet) =>
      makeCheckpoint({
        group,
        run: PAPER_RUN,
        runIndex: 0,
        iteration: 42,
        dataRngState: new Rng(1).getState(),
        parameters,
        optimizerState,
        status: groupStatus,
      });
    const failed = failedWith(randomSet(1), randomSet(2));
    expect(failed.status).toEqual({ state: 'failed', iteration: 12, message });
    expect(parseCheckpoint(JSON.stringify(failed)).status).toEqual({ state: 'failed', iteration: 12, message });
    // a failed run whose last update overflowed (a geodesic step on huge gradients) left parameters that are
    // not finite: JSON writes them null, and they read back as NaN for that run only (it never trains again)
    const overflowed = failedWith(
      { ...randomSet(1), UV: randomSet(1).UV.map((v, i) => (i < 36 ? NaN : v)) },
      { ...randomSet(2), s: randomSet(2).s.map(() => Infinity) },
    );
    const text = JSON.stringify(overflowed);
    const back = parseCheckpoint(text);
    expect(Array.from(back.parameters.UV.slice(0, 36)).every(Number.isNaN)).toBe(true);
    expect(Array.from(back.parameters.UV.slice(36))).toEqual(Array.from(randomSet(1).UV.slice(36)));
    expect(Array.from(back.optimizerState.s).every(Number.isNaN)).toBe(true);
    expect(back.parameters.W).toEqual(randomSet(1).W);
    // the same values in a run that trains on are refused, by name; text is refused even for a failed run
    const training = JSON.parse(text);
    training.status = { state: 'training' };
    expect(() => parseCheckpoint(JSON.stringify(training))).toThrow(/tensor 'UV' has a non-finite or non-numeric value at index 0/);
    const word = JSON.parse(text);
    word.parameters.b.data[1] = 'NaN';
    expect(() => parseCheckpoint(JSON.stringify(word))).toThrow(/parameters: tensor 'b' has a non-numeric value at index 1/);
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

// Issue 7, section 1: keys such as 'constructor' or '__proto__' in a checkpoint file are looked up as own
// properties: unknown settings and unknown tensors are refused by name, other fields are ignored.
describe('checkpoint files: keys that every JavaScript object has', () => {
  const withOwn = (obj: object, key: string, value: unknown) =>
    Object.defineProperty(obj, key, { value, enumerable: true, configurable: true, writable: true });
  const fresh = () => JSON.parse(JSON.stringify(sample()));
  const clean = parseCheckpoint(JSON.stringify(sample()));

  it('at the top level or in optimizer: ignored, the checkpoint loads as it would without them', () => {
    for (const key of Object.getOwnPropertyNames(Object.prototype)) {
      for (const place of [(c: ReturnType<typeof fresh>) => c, (c: ReturnType<typeof fresh>) => c.optimizer]) {
        const c = fresh();
        withOwn(place(c), key, { format: 'x', polluted: 1 });
        const parsed = parseCheckpoint(JSON.stringify(c), 'a.json');
        expect(parsed.parameters).toEqual(clean.parameters);
        expect(parsed.optimizerState).toEqual(clean.optimizerState);
        expect(parsed.checkpoint.group).toEqual(clean.checkpoint.group);
      }
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('in the settings: an unknown setting; among the tensors: an unknown tensor', () => {
    for (const key of Object.getOwnPropertyNames(Object.prototype)) {
      const g = fresh();
      withOwn(g.group, key, 1);
      expect(() => parseCheckpoint(JSON.stringify(g), 'a.json')).toThrow(`a.json has invalid settings: group: unknown setting '${key}'`);
      const r = fresh();
      withOwn(r.run, key, 1);
      expect(() => parseCheckpoint(JSON.stringify(r), 'a.json')).toThrow(
        `a.json has invalid settings: run 1 ('run'): unknown setting '${key}'`,
      );
      const p = fresh();
      withOwn(p.parameters, key, { shape: [6], data: [0, 0, 0, 0, 0, 0] });
      expect(() => parseCheckpoint(JSON.stringify(p), 'a.json')).toThrow(`a.json parameters: unknown tensor '${key}' (an RNN run has`);
      const s = fresh();
      withOwn(s.optimizer.state, key, 1);
      expect(() => parseCheckpoint(JSON.stringify(s), 'a.json')).toThrow(`a.json optimizer state: unknown tensor '${key}'`);
    }
  });

  it('a long unknown tensor name or format is quoted by a short prefix', () => {
    const p = fresh();
    withOwn(p.parameters, 't'.repeat(100_000), 1);
    expect(() => parseCheckpoint(JSON.stringify(p), 'a.json')).toThrow(
      /^a\.json parameters: unknown tensor 't{60}…' \(100000 characters\) \(an RNN/,
    );
    const f = fresh();
    f.format = 'f'.repeat(100_000);
    expect(() => parseCheckpoint(JSON.stringify(f), 'a.json')).toThrow(
      /^a\.json is not an Orthogonality Lab checkpoint \(format is 'f{60}…' \(100000 characters\), expected/,
    );
  });
});

it('a shape or data value that cannot be converted to text or a number is named, not a TypeError', () => {
  // JSON.parse gives an object its own 'toString' and 'valueOf'; then String(o) and Number(o) throw
  const text = JSON.stringify(sample());
  const unconvertible = '{"toString": 1, "valueOf": 1}';
  const shape = text.replace('"shape":[6,6]', `"shape":[${unconvertible},6]`);
  expect(() => parseCheckpoint(shape, 'a.json')).toThrow(
    /^a\.json parameters: tensor 'W' has shape \[an object,6\], the settings need \[6, 6\]$/,
  );
  const data = text.replace(/"h0":\{"shape":\[6\],"data":\[[^,]*,/, `"h0":{"shape":[6],"data":[${unconvertible},`);
  expect(data).not.toBe(text);
  expect(() => parseCheckpoint(data, 'a.json')).toThrow(
    /^a\.json parameters: tensor 'h0' has a non-finite or non-numeric value at index 0$/,
  );
});
