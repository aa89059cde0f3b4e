import { describe, expect, it } from 'vitest';
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
    expect(validateExperiment(PAPER_GROUP, [{ ...PAPER_RUN, lrFree: Number.NaN }])[0]).toMatch(/Free learning rate \(lrFree\) must be a number from 0 to 1/);
  });

  it('rescales the spectrum learning rate by 1/(2m)', () => {
    expect(effectiveSpectrumLr({ lrSpectrum: 1e-4, margin: 0.1, rescaleSpectrum: true })).toBeCloseTo(5e-4, 12);
    expect(effectiveSpectrumLr({ lrSpectrum: 1e-4, margin: 0.1, rescaleSpectrum: false })).toBe(1e-4);
    expect(effectiveSpectrumLr({ lrSpectrum: 1e-4, margin: null, rescaleSpectrum: true })).toBe(0);
  });
});
