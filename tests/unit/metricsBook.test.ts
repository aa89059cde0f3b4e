import { describe, expect, it } from 'vitest';
import { MetricsBook, RowBook, Series, spectrumStats } from '../../src/app/lab/metricsBook.ts';
import type { RunEvaluation } from '../../src/engine/evaluationSchedule.ts';
import type { IterationRecord } from '../../src/engine/runGroup.ts';

describe('metrics book', () => {
  it('keeps a series bounded over 100,000 iterations and preserves its mean', () => {
    const s = new Series(1000);
    let sum = 0;
    for (let i = 1; i <= 100_000; i++) {
      s.push(i, i % 7);
      sum += i % 7;
    }
    expect(s.iterations.length).toBeLessThanOrEqual(1000);
    expect(s.iterations.length).toBeGreaterThan(300);
    const mean = s.values.reduce((a, b) => a + b, 0) / s.values.length;
    expect(Math.abs(mean - sum / 100_000)).toBeLessThan(0.05);
    expect(s.iterations[s.iterations.length - 1]).toBeGreaterThan(99_000);
  });

  it('keeps flow rows bounded', () => {
    const b = new RowBook(50);
    for (let i = 0; i < 10_000; i++) b.push(i, new Float32Array(3));
    expect(b.rows.length).toBeLessThan(50);
    expect(b.rows.length).toBe(b.iterations.length);
  });

  it('computes spectrum statistics with margin bounds', () => {
    const st = spectrumStats(5, [1, 2, 3], 0.5);
    expect(st.mean).toBe(2);
    expect(st.std).toBeCloseTo(Math.sqrt(2 / 3), 12);
    expect([st.min, st.max, st.lower, st.upper]).toEqual([1, 3, 0.5, 1.5]);
    expect(spectrumStats(1, [1], null).lower).toBeNull();
  });

  it('files records by run id and notifies subscribers', () => {
    const book = new MetricsBook(100);
    let calls = 0;
    book.subscribe(() => calls++);
    const rec: IterationRecord = {
      iteration: 1,
      runs: [
        { loss: 1, accuracy: 0.5, softOrthPenalty: 0, weightDecayPenalty: 0.1 },
        { loss: 2, accuracy: 0.25, softOrthPenalty: 0, weightDecayPenalty: 0.2 },
      ],
      track: {
        flow: [new Float32Array([1, 2]), new Float32Array([3, 4])],
        spectrum: [new Float32Array([1, 1]), null],
        drift: [[1e-7, 2e-7], null],
      },
    };
    book.add([rec], ['a', 'b'], [0.1, null]);
    expect(calls).toBe(1);
    expect(book.trace('a').loss.values).toEqual([1]);
    expect(book.trace('b').accuracy.values).toEqual([0.25]);
    expect(book.trace('a').spectrum[0].upper).toBeCloseTo(1.1);
    expect(book.trace('b').spectrum.length).toBe(0);
    expect(book.trace('a').drift.u).toEqual([1e-7]);
  });

  it("keeps why a run's latest tracking iteration gave no spectrum, until a spectrum arrives", () => {
    const book = new MetricsBook(100);
    const rec = (iteration: number, s: Float32Array | null, note: string | null): IterationRecord => ({
      iteration,
      runs: [{ loss: 1, accuracy: NaN, softOrthPenalty: 0, weightDecayPenalty: 0 }],
      track: { flow: [new Float32Array(2)], spectrum: [s], spectrumNote: [note], drift: [null] },
    });
    book.add([rec(10, new Float32Array([2, 1]), null)], ['a'], [null]);
    expect(book.trace('a').spectrumNote).toBeNull();
    book.add([rec(20, null, 'W has a NaN or infinite entry')], ['a'], [null]);
    expect(book.trace('a').spectrumNote).toEqual({ iteration: 20, note: 'W has a NaN or infinite entry' });
    // what was measured before stays
    expect(book.trace('a').spectrum.map((st) => st.iteration)).toEqual([10]);
    expect(Array.from(book.trace('a').currentSpectrum!)).toEqual([2, 1]);
    book.add([rec(30, new Float32Array([3, 1]), null)], ['a'], [null]);
    expect(book.trace('a').spectrumNote).toBeNull();
    expect(book.trace('a').spectrum.map((st) => st.iteration)).toEqual([10, 30]);
  });
});

describe("the book's restarts", () => {
  it('keeps where a run restarted, through JSON and back; a book without restarts writes none (older files read as none)', () => {
    const book = new MetricsBook(100);
    book.trace('a');
    expect(Object.hasOwn(book.toJSON().runs.a, 'restarts')).toBe(false);
    let calls = 0;
    book.subscribe(() => calls++);
    book.markRestart('a', 40, 'restarted from its initialisation after iteration 40 (Model factorised → lstm)');
    expect(calls).toBe(1);
    const again = new MetricsBook(100);
    again.load(JSON.parse(JSON.stringify(book.toJSON())));
    expect(again.trace('a').restarts).toEqual([
      { iteration: 40, note: 'restarted from its initialisation after iteration 40 (Model factorised → lstm)' },
    ]);
    const older = book.toJSON();
    delete older.runs.a.restarts;
    again.load(older);
    expect(again.trace('a').restarts).toEqual([]);
  });
});

describe("the book's rounds version", () => {
  it('moves on every change of the rounds, also when a cleared and reloaded book holds as many rounds as before', () => {
    const book = new MetricsBook(100);
    const round = (iteration: number, accuracy: number): RunEvaluation => ({
      iteration,
      validation: { loss: 1, accuracy, count: 10 },
      test: { loss: 1, accuracy, count: 10, bestIteration: iteration },
    });
    const seen = [book.roundsVersion];
    book.setEvaluations(new Map([['a', [round(10, 0.5), round(20, 0.6)]]]));
    seen.push(book.roundsVersion);
    book.clear();
    seen.push(book.roundsVersion);
    // an imported experiment: the same number of rounds again (a view keyed on their count would not redraw)
    book.setEvaluations(new Map([['b', [round(10, 0.4), round(20, 0.45)]]]));
    seen.push(book.roundsVersion);
    book.remove('b');
    seen.push(book.roundsVersion);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toEqual([...seen].sort((x, y) => x - y));
  });
});
