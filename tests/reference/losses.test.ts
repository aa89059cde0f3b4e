/** The float64 loss references checked against central finite differences of their own loss sums. */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/random/rng.ts';
import { meanSquaredError } from '../../src/reference/meanSquaredError.ts';
import { softmaxCrossEntropy } from '../../src/reference/softmaxCrossEntropy.ts';
import { expectClose } from '../helpers/compare.ts';

// float64 central differences, eps = 1e-6: errors ~1e-9.
const FD_TOL = { atol: 1e-7, rtol: 1e-6 };
const EPS = 1e-6;

function fd(x: Float64Array, loss: () => Float64Array, perRun: number): Float64Array {
  const out = new Float64Array(x.length);
  for (let e = 0; e < x.length; e++) {
    const keep = x[e];
    x[e] = keep + EPS;
    const up = loss()[Math.floor(e / perRun) * 2];
    x[e] = keep - EPS;
    const down = loss()[Math.floor(e / perRun) * 2];
    x[e] = keep;
    out[e] = (up - down) / (2 * EPS);
  }
  return out;
}

describe('loss references vs finite differences', () => {
  const [R, P, O] = [2, 5, 7];
  const rng = new Rng(3);
  const weight = Float64Array.from({ length: P }, (_, p) => (p === 2 ? 0 : 0.1 * (p + 1)));

  it('softmaxCrossEntropy: dlogits = d(sum weight*CE)/dlogits; accuracy counts argmax hits', () => {
    const logits = rng.uniformArray(R * P * O, -3, 3);
    const targets = Uint32Array.from({ length: P }, () => rng.int(0, O));
    const accWeight = new Float64Array(P).fill(1 / P);
    const run = (dl = new Float64Array(R * P * O)) => {
      const stats = new Float64Array(R * 2);
      softmaxCrossEntropy(dl, stats, logits, targets, weight, accWeight, R, P, O);
      return stats;
    };
    const dlogits = new Float64Array(R * P * O);
    const stats = run(dlogits);
    expectClose('dlogits', dlogits, fd(logits, run, P * O), FD_TOL);
    // every dlogits row sums to zero (softmax minus one-hot)
    for (let k = 0; k < R * P; k++) expect(Math.abs(dlogits.slice(k * O, (k + 1) * O).reduce((s, v) => s + v, 0))).toBeLessThan(1e-12);
    // accuracy: make position 0 of run 0 a sure hit and check it counts
    logits[targets[0]] = 100;
    const hit = run()[1];
    logits[targets[0]] = -100;
    expect(hit - run()[1]).toBeCloseTo(1 / P, 12);
    expect(stats[0]).toBeGreaterThan(0);
  });

  it('meanSquaredError: dpred = d(sum weight*(y-t)^2)/dpred', () => {
    const pred = rng.uniformArray(R * P * O, -2, 2);
    const targets = rng.uniformArray(P * O, -1, 1);
    const run = (dp = new Float64Array(R * P * O)) => {
      const stats = new Float64Array(R * 2);
      meanSquaredError(dp, stats, pred, targets, weight, R, P, O);
      return stats;
    };
    const dpred = new Float64Array(R * P * O);
    run(dpred);
    expectClose('dpred', dpred, fd(pred, run, P * O), FD_TOL);
  });
});
