import { describe, expect, it } from 'vitest';
import { Hyper } from '../../src/engine/hyper.ts';
import { hyperRow } from '../../src/engine/hyperTable.ts';
import {
  effectiveSpectrumLr,
  GROUP_SETTINGS,
  PAPER_GROUP,
  PAPER_RUN,
  parseValue,
  RUN_SETTINGS,
  validateExperiment,
} from '../../src/engine/settings.ts';

describe('settings table', () => {
  it('accepts the paper defaults', () => {
    expect(validateExperiment(PAPER_GROUP, [PAPER_RUN])).toEqual([]);
  });

  it('parses margins including none, and refuses junk with a message naming the setting and range', () => {
    expect(parseValue(RUN_SETTINGS.margin, 'none')).toEqual({ ok: true, value: null });
    expect(parseValue(RUN_SETTINGS.margin, '0.01')).toEqual({ ok: true, value: 0.01 });
    const bad = parseValue(RUN_SETTINGS.margin, 'abc');
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.error).toBe("Spectral margin m (margin) must be 'none' or a number from 0 to 100 (got 'abc')");
    const neg = parseValue(RUN_SETTINGS.margin, '-1');
    expect(neg.ok).toBe(false);
  });

  it('refuses out-of-range and non-integer sizes', () => {
    expect(parseValue(GROUP_SETTINGS.hidden, '0').ok).toBe(false);
    expect(parseValue(GROUP_SETTINGS.hidden, '12.5').ok).toBe(false);
    expect(parseValue(GROUP_SETTINGS.hidden, '2000').ok).toBe(false);
    expect(parseValue(GROUP_SETTINGS.hidden, '32')).toEqual({ ok: true, value: 32 });
    expect(parseValue(GROUP_SETTINGS.task, 'mnist').ok).toBe(true);
    expect(parseValue(GROUP_SETTINGS.task, 'emnist').ok).toBe(false);
    expect(parseValue(GROUP_SETTINGS.trainSubset, '50001').ok).toBe(false);
    expect(parseValue(GROUP_SETTINGS.mnistImage, '20x20').ok).toBe(false);
  });

  it('finds cross-setting problems and unknown or missing keys', () => {
    const errs = validateExperiment({ ...PAPER_GROUP, hidden: 33 }, [{ ...PAPER_RUN, nonlinearity: 'oplu' }]);
    expect(errs.some((e) => /OPLU pairs units/.test(e))).toBe(true);
    const extra = validateExperiment(PAPER_GROUP, [{ ...PAPER_RUN, bogus: 1 } as never]);
    expect(extra).toContain("run 1 ('run'): unknown setting 'bogus'");
    const { clip: _clip, ...missing } = PAPER_RUN;
    expect(validateExperiment(PAPER_GROUP, [missing as never])).toContain("run 1 ('run'): missing setting 'clip'");
    expect(validateExperiment(PAPER_GROUP, [{ ...PAPER_RUN, lrFree: Number.NaN }])[0]).toMatch(
      /Free learning rate \(lrFree\) must be a number from 0 to 1/,
    );
  });

  it('an LSTM run refuses the RNN-only penalties, and OPLU with an odd n does not concern it', () => {
    const lstm = { ...PAPER_RUN, parameterisation: 'lstm' as const };
    expect(validateExperiment(PAPER_GROUP, [lstm])).toEqual([]);
    const errs = validateExperiment(PAPER_GROUP, [{ ...lstm, softOrth: 0.1, prior: 2 }]);
    expect(errs).toEqual([
      "run 1 ('run'): Soft orthogonality (softOrth) applies to RNNs only; an LSTM run needs 0 (got 0.1)",
      "run 1 ('run'): Spectral prior (prior) applies to RNNs only; an LSTM run needs 0 (got 2)",
    ]);
    expect(validateExperiment({ ...PAPER_GROUP, hidden: 33 }, [{ ...lstm, nonlinearity: 'oplu' }])).toEqual([]);
    expect(parseValue(RUN_SETTINGS.parameterisation, 'lstm')).toEqual({ ok: true, value: 'lstm' });
    expect(parseValue(RUN_SETTINGS.parameterisation, 'gru').ok).toBe(false);
  });

  it("writes an LSTM run's hyper row: clip, weight decay and lr_free on every parameter, nothing RNN-only", () => {
    const row = hyperRow(
      { ...PAPER_RUN, parameterisation: 'lstm', clip: 1, lrFree: 0.003, gain: 1.05, nonlinearity: 'tanh', margin: 0.1 },
      true,
    );
    expect(row[Hyper.CLIP]).toBe(1);
    expect(row[Hyper.WEIGHT_DECAY]).toBeCloseTo(1e-4, 9);
    expect(row[Hyper.LR_FREE]).toBeCloseTo(0.003, 9);
    expect(row[Hyper.LR_W]).toBeCloseTo(0.003, 9);
    for (const k of [
      Hyper.NONLIN,
      Hyper.GAIN,
      Hyper.FACTORISED,
      Hyper.MARGIN,
      Hyper.MARGIN_MODE,
      Hyper.TAU,
      Hyper.LR_SPECTRUM,
      Hyper.SOFT_ORTH,
      Hyper.PRIOR,
      Hyper.LR_S,
      Hyper.LR_P,
      Hyper.LR_SLOPE,
    ])
      expect(row[k]).toBe(0);
    // paused: no learning at all
    const paused = hyperRow({ ...PAPER_RUN, parameterisation: 'lstm' }, false);
    expect([paused[Hyper.LR_FREE], paused[Hyper.LR_W]]).toEqual([0, 0]);
  });

  it('rescales the spectrum learning rate by 1/(2m)', () => {
    expect(effectiveSpectrumLr({ lrSpectrum: 1e-4, margin: 0.1, rescaleSpectrum: true })).toBeCloseTo(5e-4, 12);
    expect(effectiveSpectrumLr({ lrSpectrum: 1e-4, margin: 0.1, rescaleSpectrum: false })).toBe(1e-4);
    expect(effectiveSpectrumLr({ lrSpectrum: 1e-4, margin: null, rescaleSpectrum: true })).toBe(0);
  });
});

// Issue 7, section 4: numbers were read by Number(), which also takes hexadecimal, binary, octal, Infinity
// and blanks ('0x1' was accepted as 1). Only decimal and exponent notation are numbers now.
describe('numbers in text', () => {
  const ok = (spec: Parameters<typeof parseValue>[0], text: string, value: unknown) =>
    expect(parseValue(spec, text)).toEqual({ ok: true, value });
  const refused = (spec: Parameters<typeof parseValue>[0], text: string) => {
    const r = parseValue(spec, text);
    expect(r.ok, `'${text}' for ${spec.key}`).toBe(false);
    return r.ok ? '' : r.error;
  };

  it('accepts decimal and exponent notation', () => {
    ok(RUN_SETTINGS.slope, '1', 1);
    ok(RUN_SETTINGS.slope, '.5', 0.5);
    ok(RUN_SETTINGS.slope, '0.25', 0.25);
    ok(RUN_SETTINGS.slope, '1.', 1);
    ok(RUN_SETTINGS.slope, ' 0.5 ', 0.5);
    ok(RUN_SETTINGS.slope, '+0.5', 0.5);
    ok(RUN_SETTINGS.lrFree, '1e-4', 1e-4);
    ok(RUN_SETTINGS.clip, '1E+3', 1000);
    ok(RUN_SETTINGS.clip, '2.5e2', 250);
    ok(RUN_SETTINGS.margin, '1e-3', 0.001);
    ok(RUN_SETTINGS.margin, 'none', null);
    ok(RUN_SETTINGS.margin, ' NONE ', null);
    // -2.5 is a number written right: refused for its range, not its notation
    expect(refused(RUN_SETTINGS.slope, '-2.5')).toBe('Slope (slope) must be a number from 0 to 1 (got -2.5)');
  });

  it('whole-number settings take exponent notation when the value is whole (1e1 is 10)', () => {
    ok(GROUP_SETTINGS.T, '1e1', 10);
    ok(GROUP_SETTINGS.T, '1.5e1', 15);
    ok(GROUP_SETTINGS.T, '20.0', 20);
    expect(refused(GROUP_SETTINGS.T, '1e-1')).toBe('T (T) must be a whole number from 2 to 10000 (got 0.1)');
  });

  it("refuses every other notation, quoting what was written: '0x1', '0b1', '0o7', Infinity, '1_000', blanks, '1,5'", () => {
    for (const spec of [RUN_SETTINGS.lrFree, RUN_SETTINGS.clip, GROUP_SETTINGS.T, RUN_SETTINGS.margin, GROUP_SETTINGS.dataSeed]) {
      for (const text of [
        '0x1',
        '0X10',
        '0b1',
        '0o7',
        'Infinity',
        '-Infinity',
        '1_000',
        '1,5',
        'NaN',
        '1e',
        'e5',
        '.',
        '-',
        '--1',
        '1e1.5',
        '5 5',
        '0x',
        '１',
      ]) {
        expect(refused(spec, text)).toMatch(new RegExp(`^.* \\(${spec.key}\\) must be .* \\(got '${text.replace(/[.+]/g, '\\$&')}'\\)$`));
      }
      for (const blank of ['', '  ', '\t']) expect(refused(spec, blank)).toMatch(/\(got ''\)$/);
    }
  });

  it('a number too large to represent is refused with what was written', () => {
    expect(refused(RUN_SETTINGS.clip, '1e999')).toBe("Gradient clip (clip) must be a number from 0 to 1000000 (got '1e999')");
  });
});

describe('settings keys that every JavaScript object has', () => {
  it('are unknown settings in a group or a run, never a lookup into the table', () => {
    for (const key of Object.getOwnPropertyNames(Object.prototype)) {
      const group = JSON.parse(JSON.stringify(PAPER_GROUP));
      Object.defineProperty(group, key, { value: 1, enumerable: true, configurable: true, writable: true });
      const run = JSON.parse(JSON.stringify(PAPER_RUN));
      Object.defineProperty(run, key, { value: 'x', enumerable: true, configurable: true, writable: true });
      expect(validateExperiment(group, [run])).toEqual([`group: unknown setting '${key}'`, `run 1 ('run'): unknown setting '${key}'`]);
    }
  });

  it('messages quote a long value, key or run name by a short prefix', () => {
    const errs = validateExperiment({ ...PAPER_GROUP, task: 'x'.repeat(5000) as never, ['y'.repeat(5000)]: 1 } as never, [
      { ...PAPER_RUN, name: 'n'.repeat(5000) },
    ]);
    expect(errs).toEqual([
      `group: Task (task) must be one of copy, adding, mnist, pmnist, text (got '${'x'.repeat(60)}…' (5000 characters))`,
      `group: unknown setting '${'y'.repeat(60)}…' (5000 characters)`,
      `run 1 ('${'n'.repeat(40)}…' (5000 characters)): Name (name) must be text of 1 to 40 characters (got '${'n'.repeat(60)}…' (5000 characters))`,
    ]);
  });
});
