import { describe, it } from 'vitest';
import { readF32, uploadF32 } from '../../src/gpu/buffers.ts';
import { ceilDiv } from '../../src/gpu/kernel.ts';
import { Rng } from '../../src/random/rng.ts';
import { reduceRows } from '../../src/reference/reduceRows.ts';
import { expectClose } from '../helpers/compare.ts';
import { device, kernel, submit } from '../helpers/gpu.ts';

// f32 sums of up to ~300 terms of size 1: absolute error well under 1e-4.
const TOL = { atol: 1e-4, rtol: 1e-5 };

describe('reduceRows kernel vs float64 reference', () => {
  for (const [batch, rows, cols, beta] of [
    [1, 1, 6, 0],
    [3, 7, 20, 0],
    [2, 33, 32, 1],
    [5, 250, 13, 1],
  ]) {
    it(`batch=${batch} rows=${rows} cols=${cols} beta=${beta}`, async () => {
      const rng = new Rng(1000 + rows);
      const x = rng.uniformArray(batch * rows * cols);
      const out0 = rng.uniformArray(batch * cols);
      const k = await kernel('reduceRows');
      const xb = uploadF32(device, x);
      const ob = uploadF32(device, out0);
      const pb = k.makeParams({ batch, rows, cols, beta });
      submit((pass) => k.dispatch(pass, k.bind([pb, xb, ob]), ceilDiv(cols, 64), batch));
      const got = await readF32(device, ob);
      const want = Float64Array.from(out0);
      reduceRows(want, x, batch, rows, cols, beta);
      expectClose('reduceRows', got, want, TOL);
    });
  }
});
