import { describe, expect, it } from 'vitest';
import { readF32, uploadF32 } from '../../src/gpu/buffers.ts';
import { ceilDiv } from '../../src/gpu/kernel.ts';
import { Rng } from '../../src/random/rng.ts';
import { addBias } from '../../src/reference/addBias.ts';
import { F32_MAX, orthDrift } from '../../src/reference/orthDrift.ts';
import { expectClose } from '../helpers/compare.ts';
import { device, kernel, submit } from '../helpers/gpu.ts';

describe('addBias kernel vs float64 reference', () => {
  // the last case dispatches fewer workgroups than elements / 64 (as the op does past the device's
  // workgroups per dimension): the grid-stride loop covers the rest
  for (const [R, P, O, groups] of [
    [1, 1, 1, 1],
    [3, 7, 9, 1],
    [2, 50, 49, ceilDiv(50 * 49, 64)],
    [2, 50, 49, 3],
  ]) {
    it(`R=${R} P=${P} O=${O}, ${groups} workgroups along x`, async () => {
      const rng = new Rng(R * 100 + P);
      const y = rng.uniformArray(R * P * O);
      const bias = rng.uniformArray(R * O);
      const k = await kernel('addBias');
      const yb = uploadF32(device, y);
      submit((pass) => k.dispatch(pass, k.bind([k.makeParams({ R, P, O }), uploadF32(device, bias), yb]), groups, R));
      const want = Float64Array.from(y);
      addBias(want, bias, R, P, O);
      // one f32 addition of values in [-1, 1]: error below 1e-6
      expectClose('addBias', await readF32(device, yb, want.length), want, { atol: 1e-6, rtol: 1e-6 });
    });
  }
});

describe('orthDrift kernel vs float64 reference', () => {
  for (const [S, n] of [
    [1, 6],
    [4, 20],
    [2, 33],
  ]) {
    it(`S=${S} n=${n}`, async () => {
      const rng = new Rng(S + n);
      const C = new Float64Array(S * n * n);
      for (let s = 0; s < S; s++)
        for (let i = 0; i < n; i++)
          for (let j = 0; j < n; j++) C[(s * n + i) * n + j] = (i === j ? 1 : 0) + 1e-3 * (s + 1) * rng.range(-1, 1);
      const k = await kernel('orthDrift');
      const out = uploadF32(device, new Float32Array(S));
      submit((pass) => k.dispatch(pass, k.bind([k.makeParams({ S, n }), uploadF32(device, C), out]), S));
      const want = new Float64Array(S);
      orthDrift(want, C, S, n);
      // values near 1 stored in f32 carry ~6e-8 rounding, so deviations of 1e-3 are exact to ~1e-7
      expectClose('orthDrift', await readF32(device, out, S), want, { atol: 2e-7, rtol: 1e-4 });
    });
  }
  it('reports F32_MAX for a matrix with a NaN', async () => {
    const n = 8;
    const C = new Float32Array(n * n);
    for (let i = 0; i < n; i++) C[i * n + i] = 1;
    C[5] = NaN;
    const k = await kernel('orthDrift');
    const out = uploadF32(device, new Float32Array(1));
    submit((pass) => k.dispatch(pass, k.bind([k.makeParams({ S: 1, n }), uploadF32(device, C), out]), 1));
    expect((await readF32(device, out, 1))[0]).toBe(F32_MAX);
  });
});
