import { describe, expect, it } from 'vitest';
import { readF32, uploadF32 } from '../../src/gpu/buffers.ts';
import type { OpContext } from '../../src/gpu/ops/context.ts';
import { prepareReduceRows, reduceRows4Eligible } from '../../src/gpu/ops/smallOps.ts';
import { Rng } from '../../src/random/rng.ts';
import { reduceRows } from '../../src/reference/reduceRows.ts';
import { expectClose } from '../helpers/compare.ts';
import { device, gpu, kernels, submit } from '../helpers/gpu.ts';
import { firstDifference } from '../helpers/sameBits.ts';

// f32 sums of up to ~300 terms of size 1: absolute error well under 1e-4.
const TOL = { atol: 1e-4, rtol: 1e-5 };

const scalar: OpContext = { device, kernels, software: false, quads: gpu.quadSwaps };
const software: OpContext = { ...scalar, software: true };

describe('reduceRows kernels vs float64 reference', () => {
  // extra: rows past `rows` in each matrix (stride = (rows + extra) * cols), which must not be summed. Rows
  // 1..3 past a multiple of 4 (the loops' 4-row tail); cols multiples of 4 run on reduceRows4.wgsl in software,
  // which must give reduceRows.wgsl's bits
  for (const [batch, rows, cols, beta, extra] of [
    [1, 1, 6, 0, 0],
    [3, 7, 20, 0, 0],
    [2, 33, 32, 1, 0],
    [5, 250, 13, 1, 0],
    [3, 5, 20, 1, 4],
    [2, 402, 132, 0, 3],
    [1, 6000, 128, 0, 0],
    [2, 1, 4, 1, 0],
  ]) {
    it(`batch=${batch} rows=${rows} cols=${cols} beta=${beta} stride=${(rows + extra) * cols}`, async () => {
      const rng = new Rng(1000 + rows);
      const stride = (rows + extra) * cols;
      const x = rng.uniformArray(batch * stride);
      const out0 = rng.uniformArray(batch * cols);
      const xb = uploadF32(device, x);
      const want = Float64Array.from(out0);
      reduceRows(want, x, batch, rows, cols, beta, stride);
      const dims = { batch, rows, cols, beta, stride };
      const outputs: Float32Array[] = [];
      for (const ctx of [scalar, software]) {
        const ob = uploadF32(device, out0);
        const ds = await prepareReduceRows(ctx, dims, { x: xb, out: ob });
        expect(ds[0].kernel.name).toBe(ctx.software && cols % 4 === 0 ? 'reduceRows4' : 'reduceRows');
        submit(ds);
        const got = await readF32(device, ob, batch * cols);
        expectClose(`reduceRows (${ds[0].kernel.name})`, got, want.subarray(0, batch * cols), TOL);
        outputs.push(got);
      }
      const i = firstDifference(outputs[0], outputs[1]);
      expect(i, `reduceRows4 differs from reduceRows at ${i}`).toBe(-1);
    });
  }

  it('reduceRows4 only where cols and the stride are multiples of 4, in software', () => {
    expect(reduceRows4Eligible(true, { cols: 128, stride: 128 * 6000 })).toBe(true);
    expect(reduceRows4Eligible(true, { cols: 9, stride: 9 * 6000 })).toBe(false);
    expect(reduceRows4Eligible(true, { cols: 128, stride: 130 })).toBe(false);
    expect(reduceRows4Eligible(false, { cols: 128, stride: 128 })).toBe(false);
  });
});
