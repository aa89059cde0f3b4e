/** The optimiser references against two-step sequences worked out by hand (theta0 = 1, g1 = 0.5, g2 = -1, lr = 0.1). */
import { describe, expect, it } from 'vitest';
import { HYPER_STRIDE, Hyper } from '../../src/engine/hyper.ts';
import { rmsprop } from '../../src/reference/rmsprop.ts';
import { sgd } from '../../src/reference/sgd.ts';

function lrTable(lr: number): Float64Array {
  const h = new Float64Array(HYPER_STRIDE);
  h[Hyper.LR_FREE] = lr;
  return h;
}

function run(step: (theta: Float64Array, state: Float64Array, g: number[]) => void): number[] {
  const theta = Float64Array.from([1]);
  const state = new Float64Array(1);
  const out: number[] = [];
  for (const g of [0.5, -1]) {
    step(theta, state, [g]);
    out.push(theta[0], state[0]);
  }
  return out;
}

describe('rmsprop reference, two steps by hand', () => {
  it('rho 0.9, eps 1e-6 inside the root', () => {
    // r1 = 0.1 * 0.25 = 0.025;          theta1 = 1 - 0.1 * 0.5 / sqrt(0.025001)
    // r2 = 0.9 * 0.025 + 0.1 * 1 = 0.1225; theta2 = theta1 + 0.1 / sqrt(0.122501)
    const theta1 = 1 - 0.05 / Math.sqrt(0.025001);
    const theta2 = theta1 + 0.1 / Math.sqrt(0.122501);
    const got = run((t, s, g) => rmsprop(t, s, g, lrTable(0.1), 1, 1, Hyper.LR_FREE));
    [theta1, 0.025, theta2, 0.1225].forEach((want, k) => {
      expect(got[k]).toBeCloseTo(want, 14);
    });
    expect(theta1).toBeCloseTo(0.68378, 5);
  });
  it('lr = 0 keeps the parameter; g = 0 with eps = 0 takes no step', () => {
    expect(run((t, s, g) => rmsprop(t, s, g, lrTable(0), 1, 1, Hyper.LR_FREE))[2]).toBe(1);
    const theta = Float64Array.from([1]);
    rmsprop(theta, new Float64Array(1), [0], lrTable(0.1), 1, 1, Hyper.LR_FREE, 0.9, 0);
    expect(theta[0]).toBe(1);
  });
});

describe('sgd reference, two steps by hand', () => {
  it('plain: 0.95 then 1.05', () => {
    const got = run((t, s, g) => sgd(t, s, g, lrTable(0.1), 1, 1, Hyper.LR_FREE, 0, false));
    expect(got[0]).toBeCloseTo(0.95, 14);
    expect(got[2]).toBeCloseTo(1.05, 14);
  });
  it('classical momentum 0.9: v1 = -0.05, theta1 = 0.95; v2 = 0.055, theta2 = 1.005', () => {
    const got = run((t, s, g) => sgd(t, s, g, lrTable(0.1), 1, 1, Hyper.LR_FREE, 0.9, false));
    [0.95, -0.05, 1.005, 0.055].forEach((want, k) => {
      expect(got[k]).toBeCloseTo(want, 14);
    });
  });
  it("Lasagne's Nesterov 0.9: theta1 = 1 + 0.9(-0.05) - 0.05 = 0.905; theta2 = 0.905 + 0.9(0.055) + 0.1 = 1.0545", () => {
    const got = run((t, s, g) => sgd(t, s, g, lrTable(0.1), 1, 1, Hyper.LR_FREE, 0.9, true));
    [0.905, -0.05, 1.0545, 0.055].forEach((want, k) => {
      expect(got[k]).toBeCloseTo(want, 14);
    });
  });
  it('lr = 0 changes nothing, momentum included', () => {
    const theta = Float64Array.from([1]);
    const v = Float64Array.from([0.3]);
    sgd(theta, v, [0.5], lrTable(0), 1, 1, Hyper.LR_FREE, 0.9, true);
    expect([theta[0], v[0]]).toEqual([1, 0.3]);
  });
});
