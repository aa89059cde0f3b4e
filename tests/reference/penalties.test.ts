/** The penalty references against finite differences of their own values (float64). */
import { describe, it } from 'vitest';
import { HYPER_STRIDE, Hyper } from '../../src/engine/hyper.ts';
import { Rng } from '../../src/random/rng.ts';
import { gramAndQ, orthPenalty } from '../../src/reference/orthPenalty.ts';
import { weightDecay } from '../../src/reference/weightDecay.ts';
import { expectClose } from '../helpers/compare.ts';

// Central differences, h = 1e-5, of quartic/quadratic polynomials of O(1) entries.
const FD_TOL = { atol: 1e-7, rtol: 1e-6 };
const H = 1e-5;

function hyper(lambda: number, wd: number): Float64Array {
  const h = new Float64Array(HYPER_STRIDE);
  h[Hyper.SOFT_ORTH] = lambda;
  h[Hyper.WEIGHT_DECAY] = wd;
  return h;
}

describe('orthPenalty reference vs finite differences', () => {
  for (const [lambda, wd] of [
    [0.5, 0],
    [0, 1e-4],
    [0.3, 0.01],
  ]) {
    for (const n of [6, 20]) {
      it(`lambda=${lambda} wd=${wd} n=${n}`, () => {
        const rng = new Rng(20 + n);
        const W = rng.normalArray(n * n, 1 / Math.sqrt(n));
        const value = (M: Float64Array) => {
          const { C, Q } = gramAndQ(M, 1, n);
          const stats = new Float64Array(2);
          orthPenalty(new Float64Array(n * n), stats, M, C, Q, hyper(lambda, wd), 1, n);
          return stats[0] + stats[1];
        };
        const { C, Q } = gramAndQ(W, 1, n);
        const grad = new Float64Array(n * n);
        orthPenalty(grad, new Float64Array(2), W, C, Q, hyper(lambda, wd), 1, n);
        const fd = new Float64Array(n * n);
        for (let k = 0; k < n * n; k++) {
          const plus = Float64Array.from(W);
          const minus = Float64Array.from(W);
          plus[k] += H;
          minus[k] -= H;
          fd[k] = (value(plus) - value(minus)) / (2 * H);
        }
        expectClose('orthPenalty gradient vs FD', grad, fd, FD_TOL);
      });
    }
  }
});

describe('weightDecay reference vs finite differences', () => {
  it('wd = 0.01, size 37', () => {
    const rng = new Rng(3);
    const size = 37;
    const w = rng.uniformArray(size);
    const value = (x: Float64Array) => {
      const v = new Float64Array(1);
      weightDecay(new Float64Array(size), v, x, hyper(0, 0.01), 1, size);
      return v[0];
    };
    const grad = new Float64Array(size);
    weightDecay(grad, new Float64Array(1), w, hyper(0, 0.01), 1, size);
    const fd = w.map((_, k) => {
      const plus = Float64Array.from(w);
      const minus = Float64Array.from(w);
      plus[k] += H;
      minus[k] -= H;
      return (value(plus) - value(minus)) / (2 * H);
    });
    expectClose('weightDecay gradient vs FD', grad, fd, FD_TOL);
  });
});
