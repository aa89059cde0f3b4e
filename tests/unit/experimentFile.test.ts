import { describe, expect, it } from 'vitest';
import { EXPERIMENT_FORMAT, type ExperimentFile, makeExperimentFile, parseExperimentFile } from '../../src/app/lab/experimentFile.ts';
import { MetricsBook } from '../../src/app/lab/metricsBook.ts';
import { defaultExperiment } from '../../src/app/lab/presets.ts';
import type { LabRun } from '../../src/app/lab/store.ts';
import { makeCheckpoint } from '../../src/engine/checkpoint.ts';
import { Rng } from '../../src/engine/random.ts';
import { groupDims, type IterationRecord, initialParameters } from '../../src/engine/runGroup.ts';
import { makeTask } from '../../src/tasks/index.ts';

function sampleFile(lstmSecond = false): ExperimentFile {
  const e = defaultExperiment(true);
  e.group = { ...e.group, hidden: 6 };
  e.runs = e.runs.slice(0, 2);
  if (lstmSecond) e.runs[1] = { ...e.runs[1], name: 'LSTM', parameterisation: 'lstm' };
  const runs: LabRun[] = e.runs.map((settings, i) => ({ id: `r${i}`, settings, hidden: i === 1 }));
  const dims = groupDims(e.group, makeTask(e.group.task, e.group.T), runs.length);
  const rng = new Rng(7);
  rng.uniform();
  const dataRngState = rng.getState();
  const book = new MetricsBook(100);
  const records: IterationRecord[] = [1, 2, 3].map((it) => ({
    iteration: it,
    runs: runs.map((_, k) => ({ loss: 1 / it + k, accuracy: 0.1 * it, softOrthPenalty: 0, weightDecayPenalty: 1e-4 })),
    track:
      it === 3
        ? {
            flow: runs.map(() => Float32Array.from([1, 2, 3])),
            spectrum: runs.map(() => Float32Array.from([0.9, 1, 1.05])),
            drift: runs.map(() => [1e-7, 2e-7] as [number, number]),
          }
        : undefined,
  }));
  book.add(records, ['r0', 'r1'], [0, 0.01]);
  const checkpoints = runs.map((r, k) => {
    const params = initialParameters(r.settings, dims);
    const state = initialParameters(r.settings, dims);
    return makeCheckpoint({
      group: e.group,
      run: r.settings,
      runIndex: k,
      iteration: 3,
      dataRngState,
      parameters: params,
      optimizerState: state,
    });
  });
  return makeExperimentFile({ group: e.group, runs, iteration: 3, dataRngState, metrics: book.toJSON(), checkpoints });
}

describe('experiment file', () => {
  it('round-trips settings, run ids, hidden flags, metrics and checkpoints', () => {
    const file = sampleFile();
    const loaded = parseExperimentFile(JSON.stringify(file));
    expect(loaded.group).toEqual(file.group);
    expect(loaded.runs).toEqual(file.runs);
    expect(loaded.initial.iteration).toBe(3);
    expect(loaded.initial.dataRngState).toEqual(file.dataRngState);
    expect(Array.from(loaded.initial.parameters[1]!.UV)).toEqual(file.checkpoints[1].parameters.UV.data);
    const book = new MetricsBook(100);
    book.load(loaded.metrics);
    const t = book.traces.get('r1')!;
    expect(t.loss.values).toEqual([2, 1.5, 1 + 1 / 3]);
    expect(t.accuracy.last).toBeCloseTo(0.3, 12);
    expect(t.spectrum[0]).toMatchObject({ iteration: 3, lower: 0.99, upper: 1.01 });
    expect(Array.from(t.flow.rows[0])).toEqual([1, 2, 3]);
    expect(Array.from(t.currentSpectrum!)).toEqual([1.05, 1, 0.9].map(Math.fround));
    expect(t.drift.u).toEqual([1e-7]);
    // what the book serialises again is what it loaded
    expect(JSON.parse(JSON.stringify(book.toJSON()))).toEqual(JSON.parse(JSON.stringify(file.metrics)));
  });

  it('brings a failed run back failed (its status from its checkpoint), the others training', () => {
    const file = sampleFile();
    const message = 'loss became NaN at iteration 2; the run was stopped at its last finite state (iteration 1)';
    file.checkpoints[1] = { ...file.checkpoints[1], status: { state: 'failed', iteration: 2, message } };
    const loaded = parseExperimentFile(JSON.stringify(file));
    expect(loaded.initial.status).toEqual([{ state: 'training' }, { state: 'failed', iteration: 2, message }]);
    file.checkpoints[1] = { ...file.checkpoints[1], status: { state: 'failed', iteration: 9, message } };
    expect(() => parseExperimentFile(JSON.stringify(file))).toThrow(
      /checkpoint of run 2 .*status.iteration must be a whole number from 1 to .* 3/,
    );
  });

  it("carries an LSTM run's own tensors beside an RNN run's", () => {
    const file = sampleFile(true);
    expect(Object.keys(file.checkpoints[1].parameters)).toEqual(['W', 'Win', 'b', 'h0', 'c0', 'peep', 'Wout', 'bout']);
    const loaded = parseExperimentFile(JSON.stringify(file));
    expect(loaded.runs[1].settings.parameterisation).toBe('lstm');
    expect(loaded.initial.parameters[1]!.W.length).toBe(4 * 6 * 6);
    // the forget gate's bias block starts at 1
    expect(Array.from(loaded.initial.parameters[1]!.b.subarray(6, 12))).toEqual(new Array(6).fill(1));
    expect(loaded.initial.parameters[0]!.UV).toBeDefined();
  });

  it('keeps NaN accuracy (tasks without one) through JSON as null and back', () => {
    const file = sampleFile();
    file.metrics.runs.r0.accuracy.values = [NaN, NaN, NaN];
    const loaded = parseExperimentFile(JSON.stringify(file));
    const book = new MetricsBook(100);
    book.load(loaded.metrics);
    expect(book.traces.get('r0')!.accuracy.values.every(Number.isNaN)).toBe(true);
  });

  const refuse = (text: string, pattern: RegExp) => expect(() => parseExperimentFile(text, "'x.json'")).toThrow(pattern);

  it('refuses malformed JSON and other formats or versions with a clear message', () => {
    refuse('{"format": "orthogonality-lab/experiment", "vers', /'x.json' is not valid JSON/);
    refuse('[1,2]', /must hold a JSON object/);
    refuse(
      JSON.stringify({ ...sampleFile(), format: 'orthogonality-lab/checkpoint' }),
      /not an Orthogonality Lab experiment \(format is 'orthogonality-lab\/checkpoint', expected 'orthogonality-lab\/experiment'\)/,
    );
    refuse(JSON.stringify({ ...sampleFile(), version: 2 }), /has version 2; this lab reads version 1/);
    expect(EXPERIMENT_FORMAT).toBe('orthogonality-lab/experiment');
  });

  it('refuses invalid settings, naming the setting and its range', () => {
    const f = sampleFile();
    f.runs[0].settings = { ...f.runs[0].settings, margin: -1 };
    refuse(
      JSON.stringify(f),
      /invalid settings: run 1 \('m=0'\): Spectral margin m \(margin\) must be 'none' or a number from 0 to 100 \(got -1\)/,
    );
    const g = sampleFile();
    (g.group as unknown as Record<string, unknown>).T = 'long';
    refuse(JSON.stringify(g), /group: T \(T\) must be a whole number/);
  });

  it('refuses inconsistent checkpoints and metrics', () => {
    const a = sampleFile();
    a.checkpoints.pop();
    refuse(JSON.stringify(a), /one checkpoint per run \(2\), has 1/);
    const b = sampleFile();
    b.checkpoints[1].run = { ...b.checkpoints[1].run, lrFree: 0.5 };
    refuse(JSON.stringify(b), /checkpoint of run 2 \('m=0.01'\): its settings differ/);
    const c = sampleFile();
    c.checkpoints[0].parameters.UV.data.pop();
    refuse(JSON.stringify(c), /tensor 'UV' has|tensor 'UV' must hold/);
    const d = sampleFile();
    d.metrics.runs.ghost = d.metrics.runs.r0;
    refuse(JSON.stringify(d), /metrics for an unknown run id 'ghost'/);
    const e = sampleFile();
    e.metrics.runs.r0.loss.values.pop();
    refuse(JSON.stringify(e), /loss: iterations and values differ in length/);
    const f = sampleFile();
    f.runs[1].id = 'r0';
    refuse(JSON.stringify(f), /the id 'r0' is used twice/);
  });
});
