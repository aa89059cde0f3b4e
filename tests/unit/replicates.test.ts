import { describe, expect, it } from 'vitest';
import { type Claim, checkClaim, firstReach, verdict } from '../../src/experiments/claims.ts';
import { formatSummary, replicateBand, summarise } from '../../src/experiments/replicates.ts';

describe('seed replicates', () => {
  it('summarise: mean, sample std, median, min, max; non-finite values counted as missing', () => {
    const s = summarise([3, 1, NaN, 2, 6]);
    expect(s).toMatchObject({ n: 4, missing: 1, mean: 3, median: 2.5, min: 1, max: 6 });
    // sample std of 1, 2, 3, 6: deviations -2, -1, 0, 3 -> 14 / 3
    expect(s.std).toBeCloseTo(Math.sqrt(14 / 3), 14);
    expect(summarise([5])).toMatchObject({ n: 1, std: 0, median: 5 });
    expect(summarise([Infinity]).n).toBe(0);
    expect(Number.isNaN(summarise([]).mean)).toBe(true);
  });

  it('the band covers the union of iterations and counts the replicates at each', () => {
    const band = replicateBand([
      { x: [10, 20, 30], y: [1, 2, 3] },
      { x: [10, 20, 30], y: [3, 4, NaN] },
      { x: [10, 20], y: [5, 6] }, // stopped early
    ]);
    expect(band.x).toEqual([10, 20, 30]);
    expect(band.count).toEqual([3, 3, 1]);
    expect(band.mean).toEqual([3, 4, 3]);
    expect(band.median).toEqual([3, 4, 3]);
    expect(band.min).toEqual([1, 2, 3]);
    expect(band.max).toEqual([5, 6, 3]);
    expect(band.std[0]).toBeCloseTo(2, 14);
    expect(band.std[2]).toBe(0);
    // an iteration only one replicate has still appears, once
    expect(
      replicateBand([
        { x: [1, 5], y: [0, 1] },
        { x: [2], y: [7] },
      ]).x,
    ).toEqual([1, 2, 5]);
  });

  it('refuses a malformed series, naming the replicate', () => {
    expect(() => replicateBand([{ x: [1, 2], y: [1] }])).toThrow('replicate 1: the series has 2 iterations but 1 values');
    expect(() =>
      replicateBand([
        { x: [1, 2], y: [1, 2] },
        { x: [2, 2], y: [1, 1] },
      ]),
    ).toThrow('replicate 2: the iterations must increase (2 then 2)');
  });

  it('formats a figure over seeds as a table writes it', () => {
    expect(formatSummary(summarise([0.9, 0.92]), 1, 100)).toBe('91.0 ± 1.4 (2 seeds)');
    expect(formatSummary(summarise([0.9]), 2, 100)).toBe('90.00 (1 seed)');
    expect(formatSummary(summarise([0.9, NaN, 0.9]), 1, 100)).toBe('90.0 ± 0.0 (2 of 3 seeds)');
    expect(formatSummary(summarise([NaN]))).toBe('none (0 of 1 seeds)');
  });
});

describe('claims on recorded curves', () => {
  const acc = { metric: 'accuracy', threshold: 0.9, direction: 'above' as const };

  it('firstReach reads the trailing mean over the window, restarting after a non-finite point', () => {
    const s = { x: [10, 20, 30, 40, 50], y: [0.5, 0.95, 0.6, 0.95, 0.95] };
    expect(firstReach(s, acc)).toBe(20);
    expect(firstReach(s, { ...acc, window: 2 })).toBe(50);
    expect(firstReach({ x: [1, 2, 3], y: [0.95, NaN, 0.95] }, { ...acc, window: 2 })).toBeNull();
    expect(firstReach({ x: [1, 2], y: [0.3, 0.1] }, { metric: 'loss', threshold: 0.2, direction: 'below' })).toBe(2);
    expect(() => firstReach(s, { ...acc, window: 0 })).toThrow('window must be a whole number >= 1 (got 0)');
  });

  const slower: Claim = { kind: 'slower', statement: 'm = 0 converges slowest', slower: 'm=0', than: ['m=0.1', 'm=1'], criterion: acc };
  const curve = (reachAt: number | null, last = 100) => {
    const x = [20, 40, 60, 80, 100].filter((i) => i <= last);
    return { x, y: x.map((i) => (reachAt !== null && i >= reachAt ? 0.99 : 0.5)) };
  };

  it("'slower' holds when every other run converges first, a run that never converges being slowest", () => {
    expect(checkClaim(slower, { curves: { 'm=0': curve(80), 'm=0.1': curve(40), 'm=1': curve(20) } }).outcome).toBe('holds');
    expect(checkClaim(slower, { curves: { 'm=0': curve(null), 'm=0.1': curve(40), 'm=1': curve(20) } }).outcome).toBe('holds');
    const tie = checkClaim(slower, { curves: { 'm=0': curve(40), 'm=0.1': curve(40), 'm=1': curve(20) } });
    expect(tie.outcome).toBe('fails');
    expect(tie.why).toBe('accuracy >= 0.9: m=0 at iteration 40, m=0.1 at iteration 40, m=1 at iteration 20');
    const none = checkClaim(slower, { curves: { 'm=0': curve(null), 'm=0.1': curve(null), 'm=1': curve(20) } });
    expect(none).toEqual({
      outcome: 'undecided',
      why: 'accuracy >= 0.9: neither m=0 nor m=0.1 converged (m=0 never, m=0.1 never, m=1 at iteration 20)',
    });
    expect(checkClaim(slower, { curves: { 'm=0': curve(80) } })).toEqual({ outcome: 'undecided', why: 'no curve for m=0.1, m=1' });
  });

  it("'never' and 'reaches' need the run to have trained the budget before they can say it did not converge", () => {
    const never: Claim = { kind: 'never', statement: 'no margin fails', run: 'none', within: 100, criterion: acc };
    expect(checkClaim(never, { curves: { none: curve(null) } }).outcome).toBe('holds');
    expect(checkClaim(never, { curves: { none: curve(60) } })).toEqual({ outcome: 'fails', why: 'accuracy >= 0.9: none at iteration 60' });
    expect(checkClaim(never, { curves: { none: curve(null, 60) } })).toEqual({
      outcome: 'undecided',
      why: 'none trained 60 of the 100 iterations the claim allows and has not converged yet: accuracy >= 0.9 not reached',
    });
    const reaches: Claim = { kind: 'reaches', statement: 'm = 1 converges', run: 'm=1', within: 80, criterion: acc };
    expect(checkClaim(reaches, { curves: { 'm=1': curve(60) } }).outcome).toBe('holds');
    expect(checkClaim(reaches, { curves: { 'm=1': curve(100) } }).outcome).toBe('fails');
    expect(checkClaim(reaches, { curves: { 'm=1': curve(null, 60) } })).toEqual({
      outcome: 'undecided',
      why: 'm=1 trained 60 of the 80 iterations the claim allows and has not converged yet: accuracy >= 0.9 not reached',
    });
  });

  it("'better' compares the seed's figures, higher or lower being better", () => {
    const better: Claim = { kind: 'better', statement: 'm = 0.1 beats m = 0', run: 'm=0.1', than: ['m=0'], higherIsBetter: true };
    expect(checkClaim(better, { curves: {}, scores: { 'm=0.1': 0.94, 'm=0': 0.77 } })).toEqual({
      outcome: 'holds',
      why: 'm=0.1 0.94, m=0 0.77',
    });
    expect(checkClaim(better, { curves: {}, scores: { 'm=0.1': 0.7, 'm=0': 0.77 } }).outcome).toBe('fails');
    expect(checkClaim({ ...better, higherIsBetter: false }, { curves: {}, scores: { 'm=0.1': 0.7, 'm=0': 0.77 } }).outcome).toBe('holds');
    expect(checkClaim(better, { curves: {}, scores: { 'm=0.1': NaN, 'm=0': 0.77 } })).toEqual({
      outcome: 'undecided',
      why: 'no figure for m=0.1',
    });
  });

  it('the verdict counts seeds: it holds only in every seed, fails if any seed fails', () => {
    const seeds = (reach: (number | null)[]) => reach.map((r) => ({ curves: { 'm=0': curve(r), 'm=0.1': curve(40), 'm=1': curve(20) } }));
    expect(verdict(slower, seeds([80, 80, 100, null, 60])).text).toBe('holds in 5 of 5 seeds');
    const v = verdict(slower, seeds([80, 40, 100, 20, 60]));
    expect(v.text).toBe('does not hold: holds in 3 of 5 seeds, fails in 2');
    expect(v.perSeed.map((p) => p.outcome)).toEqual(['holds', 'fails', 'holds', 'fails', 'holds']);
    const undecided = verdict(slower, [...seeds([80]), { curves: { 'm=0': curve(null), 'm=0.1': curve(null), 'm=1': curve(20) } }]);
    expect(undecided.text).toBe('undecided: holds in 1 of 2 seeds, undecided in 1');
    expect(verdict(slower, seeds([80])).text).toBe('holds in 1 of 1 seed');
    expect(verdict(slower, []).text).toBe('undecided: no seed recorded');
  });
});
