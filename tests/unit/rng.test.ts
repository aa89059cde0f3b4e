import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/random/rng.ts';

describe('Rng', () => {
  it('is reproducible, roughly uniform and normal', () => {
    const a = new Rng(7);
    const b = new Rng(7);
    const xs = Array.from({ length: 20000 }, () => a.uniform());
    expect(xs.slice(0, 5)).toEqual(Array.from({ length: 5 }, () => b.uniform()));
    const mean = xs.reduce((s, v) => s + v, 0) / xs.length;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.01);
    const ns = new Rng(8).normalArray(20000);
    const m = ns.reduce((s, v) => s + v, 0) / ns.length;
    const v = ns.reduce((s, x) => s + (x - m) ** 2, 0) / ns.length;
    expect(Math.abs(m)).toBeLessThan(0.03);
    expect(Math.abs(v - 1)).toBeLessThan(0.05);
  });

  it('resumes from a saved state exactly', () => {
    const a = new Rng(11);
    a.normal();
    a.uniform();
    const saved = JSON.parse(JSON.stringify(a.getState()));
    const next = [a.uniform(), a.normal(), a.normal(), a.int(0, 100)];
    const b = Rng.fromState(saved);
    expect([b.uniform(), b.normal(), b.normal(), b.int(0, 100)]).toEqual(next);
    expect(() => Rng.fromState([1, 2, 3])).toThrow(/random state/);
  });

  it('makes permutations', () => {
    const p = Array.from(new Rng(3).permutation(50)).sort((x, y) => x - y);
    expect(p).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });
});
