import { describe, expect, it } from 'vitest';
import {
  emaSmooth,
  flowProfile,
  formatTick,
  histogram,
  linearTicks,
  logTicks,
  sharedGridRows,
  steadyAxis,
  viridis,
} from '../../src/app/charts/chartMath.ts';
import { spectrumRange } from '../../src/app/charts/spectrumFigure.ts';
import { spectrumStats } from '../../src/app/lab/metricsBook.ts';

describe('chart maths', () => {
  it('smooths with a debiased EMA for display, leaving weight 0 and non-finite values alone', () => {
    expect(emaSmooth([1, 2, 3], 0)).toEqual([1, 2, 3]);
    const s = emaSmooth([4, 4, 4, 4], 0.9);
    s.forEach((v) => {
      expect(v).toBeCloseTo(4, 12);
    }); // debiased: a constant stays constant
    const step = emaSmooth([0, 0, 10, 10, 10], 0.5);
    expect(step[2]).toBeGreaterThan(0);
    expect(step[2]).toBeLessThan(10);
    expect(step[4]).toBeGreaterThan(step[3]);
    const withNaN = emaSmooth([1, NaN, 1], 0.5);
    expect(withNaN[1]).toBeNaN();
    expect(withNaN[2]).toBeCloseTo(1, 12);
  });

  it('normalises a gradient-flow row across time: the norm (sqrt of the stored square) over its maximum', () => {
    const row = Float32Array.from([1, 4, 16, 64]); // norms 1, 2, 4, 8
    expect(Array.from(flowProfile(row, 4, 'normalised'))).toEqual([0.125, 0.25, 0.5, 1]);
    const log = flowProfile(row, 4, 'log10');
    expect(log[3]).toBeCloseTo(Math.log10(8), 6);
    expect(log[0]).toBe(0);
  });

  it('downsamples 10,001 time steps into bins by the mean norm, keeping the maximum at 1', () => {
    const L = 10_000;
    const row = new Float32Array(L + 1);
    for (let t = 0; t <= L; t++) row[t] = (t / L) ** 2; // norm = t / L
    const p = flowProfile(row, 200, 'normalised');
    expect(p.length).toBe(200);
    expect(Math.max(...p)).toBe(1);
    for (let b = 1; b < p.length; b++) expect(p[b]).toBeGreaterThan(p[b - 1]);
    expect(p[0]).toBeLessThan(0.01);
    expect(flowProfile(Float32Array.from([1, 2]), 50, 'normalised').length).toBe(2); // never more bins than steps
  });

  it('gives an all-zero row zeros when normalised and -Infinity as log10, and NaN for a NaN step', () => {
    expect(Array.from(flowProfile(new Float32Array(3), 3, 'normalised'))).toEqual([0, 0, 0]);
    expect(flowProfile(new Float32Array(3), 3, 'log10')[0]).toBe(-Infinity);
    expect(flowProfile(Float32Array.from([1, NaN, 1]), 3, 'normalised')[1]).toBeNaN();
  });

  it('maps the colour map from dark violet to yellow, monotone in lightness, NaN grey', () => {
    expect(viridis(0)).toEqual([68, 1, 84]);
    expect(viridis(1)).toEqual([253, 231, 37]);
    expect(viridis(-3)).toEqual(viridis(0));
    expect(viridis(7)).toEqual(viridis(1));
    expect(viridis(NaN)).toEqual([128, 128, 128]);
    const lum = (c: number[]) => 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
    for (let i = 1; i <= 20; i++) expect(lum(viridis(i / 20))).toBeGreaterThan(lum(viridis((i - 1) / 20)));
  });

  it('makes round ticks and power-of-ten log ticks', () => {
    expect(linearTicks(0, 100, 5)).toEqual([0, 20, 40, 60, 80, 100]);
    expect(linearTicks(0.95, 1.05, 4)).toEqual([0.95, 0.975, 1, 1.025, 1.05]);
    expect(linearTicks(-0.3, 0.3, 3)).toEqual([-0.2, 0, 0.2]);
    const lt = logTicks(1e-7, 1e-3);
    expect(lt.length).toBe(5);
    lt.forEach((v, i) => {
      expect(Math.log10(v)).toBeCloseTo(i - 7, 9);
    });
    expect(formatTick(1e-6)).toBe('1e-6');
    expect(formatTick(2500)).toBe('2500');
    expect(formatTick(0.975)).toBe('0.975');
  });

  it('keeps a steady axis while the data grows inside its last step, and extends it by a step past it', () => {
    const a = steadyAxis(1, 141, 8);
    expect(a.ticks).toEqual([0, 20, 40, 60, 80, 100, 120, 140, 160]);
    expect(a.domain).toEqual([0, 160]);
    // more iterations inside the last step: the very same axis
    expect(steadyAxis(1, 159, 8)).toEqual(a);
    // past it: one more step (same step size)
    expect(steadyAxis(1, 161, 8).domain).toEqual([0, 180]);
    // the data always lies inside the domain, the ends are ticks
    for (const [lo, hi] of [
      [3, 7],
      [0.2, 0.9],
      [-5, 1234],
      [17, 18],
    ]) {
      const { domain, ticks } = steadyAxis(lo, hi, 5);
      expect(domain[0]).toBeLessThanOrEqual(lo);
      expect(domain[1]).toBeGreaterThanOrEqual(hi);
      expect([ticks[0], ticks[ticks.length - 1]]).toEqual(domain);
    }
    expect(steadyAxis(NaN, 3).ticks).toEqual([]);
    expect(steadyAxis(4, 4).domain).toEqual([4, 5]);
  });

  it('puts every line on one shared grid of iterations, null where a line has no point', () => {
    const full = { key: 'a', iterations: [1, 2, 3, 4, 5, 6], values: [10, 20, 30, 40, 50, 60] };
    const failed = { key: 'b', iterations: [1, 2], values: [1, NaN] };
    const late = { key: 'c', iterations: [4, 6], values: [7, 8] };
    const rows = sharedGridRows([failed, full, late], 3);
    // the grid is the line reaching furthest (ties: the denser), thinned to 3 rows ending at its newest point
    expect(rows.map((r) => r.it)).toEqual([2, 4, 6]);
    expect(rows.map((r) => r.a)).toEqual([20, 40, 60]);
    // newest point since the previous grid iteration; non-finite values and missing points are null
    expect(rows.map((r) => r.b)).toEqual([null, null, null]);
    expect(rows.map((r) => r.c)).toEqual([null, 7, 8]);
    expect(sharedGridRows([failed], 10).map((r) => [r.it, r.b])).toEqual([
      [1, 1],
      [2, null],
    ]);
    expect(sharedGridRows([], 10)).toEqual([]);
  });

  it('histograms values, counting out-of-range ones in the end bins', () => {
    expect(histogram([0.5, 1, 1, 1.5, 9, -3], 0.5, 1.5, 2)).toEqual([2, 4]);
  });

  it('shows the margin bounds when near the spectrum and stops short of far ones', () => {
    const near = [spectrumStats(1, [0.995, 1, 1.005], 0.01)];
    const r1 = spectrumRange(near, null);
    expect(r1.lo).toBeLessThan(0.99);
    expect(r1.hi).toBeGreaterThan(1.01);
    const far = [spectrumStats(1, [0.98, 1, 1.02], 1)];
    const r2 = spectrumRange(far, null);
    expect(r2.lo).toBeGreaterThan(0.5);
    expect(r2.hi).toBeLessThan(1.5);
    expect(r2.lo).toBeLessThan(0.98);
    const none = [spectrumStats(1, [0.5, 2], null)];
    const r3 = spectrumRange(none, Float32Array.from([2, 0.5]));
    expect(r3.lo).toBeLessThan(0.5);
    expect(r3.hi).toBeGreaterThan(2);
  });
});
