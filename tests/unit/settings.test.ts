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
    expect(parseValue(GROUP_SETTINGS.task, 'mnist').ok).toBe(false);
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
