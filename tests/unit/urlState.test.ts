import { describe, expect, it } from 'vitest';
import { defaultExperiment, presets } from '../../src/app/lab/presets.ts';
import { decodeExperiment, encodeExperiment } from '../../src/app/lab/urlState.ts';
import { validateExperiment } from '../../src/engine/settings.ts';

const defaults = defaultExperiment(true);

describe('URL state', () => {
  it('round-trips every preset exactly, seeds and margins (0 and none) included', () => {
    for (const software of [true, false]) {
      for (const p of presets(software)) {
        const hash = encodeExperiment(p.experiment);
        const back = decodeExperiment(hash, defaults);
        expect(back?.problems).toEqual([]);
        expect(back?.experiment).toEqual(p.experiment);
      }
    }
  });

  it('round-trips names with separators, colours, odd numbers and many runs', () => {
    const e = structuredClone(defaults);
    e.group = { ...e.group, dataSeed: 4294967295, trackEvery: 7, optimizer: 'nesterov' };
    e.runs[0] = {
      ...e.runs[0],
      name: 'a,b:c&d=e#f %g',
      seed: 123456789,
      lrFree: 3.5e-7,
      margin: 0.0012,
      nonlinearity: 'prelu',
      slope: 0.25,
      rescaleSpectrum: false,
    };
    e.runs[4] = { ...e.runs[4], parameterisation: 'plain', init: 'glorot', color: '#ABCDEF' };
    const hash = encodeExperiment(e);
    expect(hash).toContain('task=copy&T=10');
    expect(hash).toContain('margin:none');
    const back = decodeExperiment(hash, defaults)!;
    expect(back.problems).toEqual([]);
    expect(back.experiment).toEqual(e);
  });

  it('returns null for an empty hash', () => {
    expect(decodeExperiment('', defaults)).toBeNull();
    expect(decodeExperiment('#', defaults)).toBeNull();
  });

  it('names junk and out-of-range values with what is allowed, and falls back to defaults for just those', () => {
    const e = structuredClone(defaults);
    const hash = encodeExperiment(e)
      .replace('T=10', 'T=abc')
      .replace('hidden=32', 'hidden=99999')
      .replace('margin:0.1', 'margin:-3')
      .replace('lrFree:0.01', 'lrFree:NaN');
    const back = decodeExperiment(`${hash}&bogus=1`, defaults)!;
    const text = back.problems.join('\n');
    expect(text).toMatch(/T \(T\) must be a whole number from 2 to 10000 \(got 'abc'\); using the default 10/);
    expect(text).toMatch(/Hidden units n \(hidden\) must be a whole number from 2 to 1024 \(got 99999\)/);
    expect(text).toMatch(/run 3: Spectral margin m \(margin\) must be 'none' or a number from 0 to 100 \(got -3\)/);
    expect(text).toMatch(/Free learning rate \(lrFree\) must be a number from 0 to 1/);
    expect(text).toMatch(/unknown setting 'bogus'/);
    expect(back.problems).toHaveLength(5);
    expect(back.experiment.group.T).toBe(10);
    expect(back.experiment.group.hidden).toBe(32);
    expect(back.experiment.runs[2].margin).toBe(0.1);
    expect(back.experiment.runs[1]).toEqual(e.runs[1]);
    expect(validateExperiment(back.experiment.group, back.experiment.runs)).toEqual([]);
  });

  it('never throws on garbage and always returns a valid experiment', () => {
    for (const junk of [
      '#%E0%A4%A',
      '#run=margin:%ZZ',
      '#&&&==&run=:::,,,',
      '#task=mnist&run=nonlinearity:oplu&hidden=33',
      `#${'run=x&'.repeat(40)}`,
    ]) {
      const back = decodeExperiment(junk, defaults)!;
      expect(back).not.toBeNull();
      expect(validateExperiment(back.experiment.group, back.experiment.runs)).toEqual([]);
      expect(back.problems.length).toBeGreaterThan(0);
    }
  });

  it('falls back to the default n when OPLU meets an odd hidden size', () => {
    const back = decodeExperiment('#hidden=33&run=nonlinearity:oplu', defaults)!;
    expect(back.experiment.group.hidden).toBe(32);
    expect(back.experiment.runs[0].nonlinearity).toBe('oplu');
    expect(back.problems.join()).toMatch(/OPLU pairs units/);
  });
});
