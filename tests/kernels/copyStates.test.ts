import { describe, it } from 'vitest';
import { readF32, uploadF32 } from '../../src/gpu/buffers.ts';
import { Rng } from '../../src/random/rng.ts';
import { copyStates } from '../../src/reference/copyStates.ts';
import { expectClose } from '../helpers/compare.ts';
import { device, kernel, submit } from '../helpers/gpu.ts';

// A copy is exact: tolerance 0. Elements outside the copied blocks must keep their values.
describe('copyStates kernel vs float64 reference', () => {
  // [R, count, srcOff, srcStride, dstOff, dstStride, workgroups along x]
  for (const [R, count, srcOff, srcStride, dstOff, dstStride, groups] of [
    [1, 6, 0, 6, 0, 6, 1],
    [3, 60, 120, 300, 0, 80, 1],
    [2, 150, 0, 160, 450, 600, 3],
    [2, 150, 10, 160, 0, 150, 1],
  ]) {
    it(`R=${R} count=${count} src ${srcOff}+r*${srcStride} -> dst ${dstOff}+r*${dstStride}, ${groups} workgroups`, async () => {
      const rng = new Rng(500 + count + srcOff);
      const src = Float32Array.from(rng.uniformArray(R * srcStride + srcOff, -1, 1));
      const dst0 = Float32Array.from(rng.uniformArray(R * dstStride + dstOff, -1, 1));
      const k = await kernel('copyStates');
      const db = uploadF32(device, dst0);
      const params = k.makeParams({ R, count, srcOff, srcStride, dstOff, dstStride });
      submit((pass) => k.dispatch(pass, k.bind([params, uploadF32(device, src), db]), groups, R));
      const want = Float64Array.from(dst0);
      copyStates(want, src, R, count, srcOff, srcStride, dstOff, dstStride);
      expectClose('copyStates', await readF32(device, db, want.length), want, { atol: 0, rtol: 0 });
    });
  }
});
