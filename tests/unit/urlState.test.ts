import { describe, expect, it } from 'vitest';
import { defaultExperiment, presets } from '../../src/app/lab/presets.ts';
import { decodeExperiment, encodeExperiment, linkMessages } from '../../src/app/lab/urlState.ts';
import { appliesToTask, GROUP_SETTINGS, type GroupSettings, validateExperiment } from '../../src/engine/settings.ts';

const defaults = defaultExperiment(true);

/** The settings of a group that apply to its task (a link carries only those: T is not MNIST's, the MNIST settings not copy's). */
const applicable = (g: GroupSettings) =>
  Object.fromEntries(Object.entries(g).filter(([k]) => appliesToTask(GROUP_SETTINGS[k as keyof GroupSettings], g.task)));

describe('URL state', () => {
  it('round-trips every preset exactly (the settings of its task), seeds and margins (0 and none) included', () => {
    for (const software of [true, false]) {
      for (const p of presets(software)) {
        const hash = encodeExperiment(p.experiment);
        const back = decodeExperiment(hash, defaults);
        expect(back?.problems).toEqual([]);
        expect(back?.experiment.runs).toEqual(p.experiment.runs);
        expect(applicable(back!.experiment.group)).toEqual(applicable(p.experiment.group));
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
      .replace('lrFree:0.003', 'lrFree:NaN');
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

// Issue 7, section 1: keys that every JavaScript object has ('constructor', 'toString', '__proto__', ...) were
// found by `key in TABLE` and crashed the page ("Cannot read properties of undefined (reading 'ok')").
describe('links whose keys are names every JavaScript object has', () => {
  const RUN_SETTING_NAMES = 'name, color, seed, parameterisation';
  const cases: [string, RegExp][] = [
    ['#constructor=1', /^link: unknown setting 'constructor' was ignored \(group settings: task, T, /],
    ['#toString=1', /^link: unknown setting 'toString' was ignored/],
    ['#hasOwnProperty=', /^link: unknown setting 'hasOwnProperty' was ignored/],
    ['#__proto__=1', /^link: unknown setting '__proto__' was ignored/],
    ['#run=name:v,valueOf:1', new RegExp(`^link, run 1: unknown setting 'valueOf' was ignored \\(run settings: ${RUN_SETTING_NAMES}`)],
    ['#run=name:v,__proto__:1', /^link, run 1: unknown setting '__proto__' was ignored \(run settings: /],
  ];
  for (const [hash, message] of cases) {
    it(`${hash}: refused by name, nothing else changes`, () => {
      const back = decodeExperiment(hash, defaults)!;
      expect(back.problems.filter((p) => message.test(p))).toHaveLength(1);
      expect(validateExperiment(back.experiment.group, back.experiment.runs)).toEqual([]);
      expect(back.experiment.group).toEqual(defaults.group);
      expect(Object.getPrototypeOf(back.experiment.group)).toBe(Object.prototype);
      if (hash.startsWith('#run=')) {
        expect(back.problems).toHaveLength(1);
        expect(back.experiment.runs).toEqual([{ ...defaults.runs[0], name: 'v' }]);
        expect(Object.getPrototypeOf(back.experiment.runs[0])).toBe(Object.prototype);
      } else {
        // a group key only: the link names no runs, so the default runs are used (and said so)
        expect(back.problems).toEqual([expect.stringMatching(message), 'link: it names no runs (run=...); the default runs are used']);
        expect(back.experiment.runs).toEqual(defaults.runs);
      }
    });
  }

  it('every name on Object.prototype, as a group key and as a run key, is an unknown setting', () => {
    for (const key of Object.getOwnPropertyNames(Object.prototype)) {
      const back = decodeExperiment(`#${key}=1&run=${key}:2,name:x&T=12`, defaults)!;
      expect(back.problems).toEqual([
        expect.stringMatching(new RegExp(`^link: unknown setting '${key}' was ignored`)),
        expect.stringMatching(new RegExp(`^link, run 1: unknown setting '${key}' was ignored`)),
      ]);
      expect(back.experiment.group).toEqual({ ...defaults.group, T: 12 });
      expect(back.experiment.runs).toEqual([{ ...defaults.runs[0], name: 'x' }]);
    }
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  it('a percent-encoded key is the key it encodes', () => {
    const back = decodeExperiment('#%54=12&run=%6Eame:x,%5F%5Fproto%5F%5F:1', defaults)!;
    expect(back.experiment.group.T).toBe(12);
    expect(back.experiment.runs[0].name).toBe('x');
    expect(back.problems).toEqual([expect.stringMatching(/^link, run 1: unknown setting '__proto__' was ignored/)]);
  });
});

// Issue 7, section 1: a 200,000-character run name was quoted whole in the page's messages.
describe('links with very long parts', () => {
  const long = 'a'.repeat(200_000);
  it('a 200,000-character run name: the message quotes a short prefix and says how long it was', () => {
    const back = decodeExperiment(`#run=name:${long},margin:0.5`, defaults)!;
    expect(back.problems).toHaveLength(1);
    const [p] = back.problems;
    expect(p.length).toBeLessThan(400);
    expect(p).toMatch(
      /^link, run 1: Name \(name\) must be text of 1 to 40 characters \(got 'a{60}…' \(200000 characters\)\); using the default m=0$/,
    );
    expect(back.experiment.runs[0]).toEqual({ ...defaults.runs[0], margin: 0.5 });
  });

  it('a long unknown key, a long number and a long unreadable value are quoted short too', () => {
    const back = decodeExperiment(`#${'k'.repeat(100_000)}=1&T=${'9'.repeat(100_000)}&run=margin:%${'Z'.repeat(100_000)}`, defaults)!;
    expect(back.problems).toHaveLength(3);
    for (const p of back.problems) expect(p.length).toBeLessThan(400);
    expect(back.problems[0]).toMatch(/^link: unknown setting 'k{60}…' \(100000 characters\) was ignored/);
    expect(back.problems[1]).toMatch(/^link: T \(T\) must be a whole number from 2 to 10000 \(got '9{60}…' \(100000 characters\)\)/);
    expect(back.problems[2]).toMatch(/^link, run 1: Spectral margin m \(margin\) is not readable text \('%Z{59}…' \(100001 characters\)\)/);
    expect(back.experiment.group).toEqual(defaults.group);
  });
});

describe('the messages a link shows', () => {
  it('shows a few problems and counts the rest, so the first are not pushed out of the last 8 messages', () => {
    const back = decodeExperiment(`#${Array.from({ length: 20 }, (_, i) => `bad${i}=1`).join('&')}&run=name:x`, defaults)!;
    expect(back.problems).toHaveLength(20);
    const shown = linkMessages(back.problems);
    expect(shown).toHaveLength(6);
    expect(shown.slice(0, 5)).toEqual(back.problems.slice(0, 5));
    expect(shown[5]).toBe("link: 15 more problems were found; Copy link gives the lab's own link for the settings now in use");
    expect(linkMessages(back.problems.slice(0, 6))).toEqual(back.problems.slice(0, 6));
  });
});
