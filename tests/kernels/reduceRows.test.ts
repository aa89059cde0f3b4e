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
  // extra: rows past `rows` in each matrix (stride = (rows + extra) * cols), which must not be summed
  for (const [batch, rows, cols, beta, extra] of [
    [1, 1, 6, 0, 0],
    [3, 7, 20, 0, 0],
    [2, 33, 32, 1, 0],
    [5, 250, 13, 1, 0],
    [3, 5, 20, 1, 4],
  ]) {
    it(`batch=${batch} rows=${rows} cols=${cols} beta=${beta} stride=${(rows + extra) * cols}`, async () => {
      const rng = new Rng(1000 + rows);
      const stride = (rows + extra) * cols;
      const x = rng.uniformArray(batch * stride);
      const out0 = rng.uniformArray(batch * cols);
      const k = await kernel('reduceRows');
      const xb = uploadF32(device, x);
      const ob = uploadF32(device, out0);
      const pb = k.makeParams({ batch, rows, cols, beta, stride });
      submit((pass) => k.dispatch(pass, k.bind([pb, xb, ob]), ceilDiv(cols, 64), batch));
      const got = await readF32(device, ob);
      const want = Float64Array.from(out0);
      reduceRows(want, x, batch, rows, cols, beta, stride);
      expectClose('reduceRows', got, want, TOL);
    });
  }
});
