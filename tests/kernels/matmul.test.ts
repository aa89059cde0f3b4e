import { describe, expect, it } from 'vitest';
import { readF32, uploadF32 } from '../../src/gpu/buffers.ts';
import type { OverrideConstants } from '../../src/gpu/kernel.ts';
import type { OpContext } from '../../src/gpu/ops/context.ts';
import {
  atB4Eligible,
  atBQuadEligible,
  MATMUL_HARDWARE,
  MATMUL_NAIVE,
  MATMUL_SOFTWARE,
  type MatmulArgs,
  matmulFootprint,
  matmulParams,
  prepareMatmul,
  quadEligible,
  softwareConstants,
} from '../../src/gpu/ops/matmul.ts';
import { matmulExtents } from '../../src/gpu/ops/matmulGeometry.ts';
import { Rng } from '../../src/random/rng.ts';
import { matmul } from '../../src/reference/matmul.ts';
import { expectClose } from '../helpers/compare.ts';
import { device, gpu, kernels, submit } from '../helpers/gpu.ts';

// Inputs uniform in [-1, 1]: each output is a sum of K products of size <= 1, rounded in f32 along the way.
// |error| <= atol + rtol*|expected| with atol = 1e-4 * max(1, K / 32), rtol = 1e-4 (f32 accumulation of K
// terms errs by about sqrt(K) * 6e-8 * sqrt(K/3); the bound leaves a wide margin).
const tol = (K: number) => ({ atol: 1e-4 * Math.max(1, K / 32), rtol: 1e-4 });

const ctx = { device, kernels, software: true, quads: false };
// the same, where the adapter's quad swaps may be used (SwiftShader's subgroups are quads: matmulAtBQuad.wgsl)
const quadCtx = { ...ctx, quads: true };

// Every schedule runs on SwiftShader here: the CPU blocking, the GPU's workgroup-tiled blocking, odd
// blockings of both schedules (partial register blocks, a K depth that divides nothing), and the naive kernel.
const VARIANTS: { name: string; naive: boolean; constants?: OverrideConstants }[] = [
  { name: 'software', naive: false, constants: MATMUL_SOFTWARE },
  { name: 'hardware', naive: false, constants: MATMUL_HARDWARE },
  { name: 'small', naive: false, constants: { WG_X: 2, WG_Y: 3, ROWS: 3, COLS4: 1, TILED: 0, TILE_K: 1 } },
  { name: 'cols12', naive: false, constants: { WG_X: 2, WG_Y: 2, ROWS: 5, COLS4: 3, TILED: 0, TILE_K: 1 } },
  { name: 'tiledOdd', naive: false, constants: { WG_X: 3, WG_Y: 5, ROWS: 3, COLS4: 2, TILED: 1, TILE_K: 7 } },
  { name: 'naive', naive: true, constants: MATMUL_NAIVE },
];

async function check(args: MatmulArgs, seed: number, variants = VARIANTS, context: OpContext = ctx): Promise<Float32Array[]> {
  const p = matmulParams(args);
  const ext = matmulExtents(p);
  const rng = new Rng(seed);
  // operands live inside larger buffers with junk around them, so offsets and strides are exercised
  const A = rng.uniformArray(ext.A + 3);
  const B = rng.uniformArray(ext.B + 5);
  const D = rng.uniformArray(Math.max(ext.D, 1) + 2);
  const C0 = p.beta === 0 ? new Float64Array(ext.C + 4).fill(NaN) : rng.uniformArray(ext.C + 4);
  const want = Float64Array.from(C0);
  matmul(want, A, B, D, p);
  const ab = uploadF32(device, A);
  const bb = uploadF32(device, B);
  const db = uploadF32(device, D);
  const outputs: Float32Array[] = [];
  for (const v of variants) {
    const cb = uploadF32(device, C0);
    const ds = await prepareMatmul(context, args, { A: ab, B: bb, C: cb, D: p.diagMode ? db : undefined }, v);
    submit(ds);
    const got = await readF32(device, cb);
    // outside the written region C is untouched (NaN stays NaN): compare only written entries, then the rest exactly
    const written = new Set<number>();
    for (let b = 0; b < p.batch; b++) for (let i = 0; i < p.M * p.N; i++) written.add(p.offC + b * p.strideC + i);
    const idx = [...written].sort((x, y) => x - y);
    expectClose(
      `matmul[${v.name}] ${JSON.stringify(args)}`,
      idx.map((i) => got[i]),
      idx.map((i) => want[i]),
      tol(p.K),
    );
    for (let i = 0; i < got.length; i++) {
      if (!written.has(i) && !Object.is(got[i], Math.fround(C0[i]))) throw new Error(`matmul[${v.name}] wrote outside C at ${i}`);
    }
    outputs.push(got);
    cb.destroy();
  }
  ab.destroy();
  bb.destroy();
  db.destroy();
  return outputs;
}

describe('matmul kernels vs float64 reference', () => {
  const shapes: [number, number, number, number][] = [
    [1, 1, 1, 1],
    [1, 6, 20, 32],
    [2, 33, 6, 20],
    [3, 20, 33, 1],
    [1, 32, 32, 33],
    [2, 100, 6, 100],
    [1, 6, 100, 2],
  ];
  for (const [batch, M, N, K] of shapes) {
    for (const transA of [0, 1]) {
      for (const transB of [0, 1]) {
        it(`batch=${batch} M=${M} N=${N} K=${K} transA=${transA} transB=${transB}`, async () => {
          await check({ batch, M, N, K, transA, transB }, 17 + M * 7 + N * 3 + K + transA * 2 + transB);
        });
      }
    }
  }

  for (const diagMode of [1, 2] as const) {
    for (const diagRelu of [0, 1]) {
      it(`diagMode=${diagMode} diagRelu=${diagRelu} (compose / dV shapes)`, async () => {
        await check({ batch: 2, M: 20, N: 20, K: 20, transA: 0, transB: 1, diagMode, diagRelu }, 300 + diagMode * 2 + diagRelu);
        await check({ batch: 3, M: 33, N: 6, K: 32, transA: 1, transB: 0, diagMode, diagRelu, alpha: -0.5 }, 310 + diagMode);
      });
    }
  }

  it('offsets, strides and stride-0 broadcast (shared B, shared diagonal)', async () => {
    await check({ batch: 3, M: 6, N: 20, K: 10, offA: 5, strideA: 70, offB: 3, strideB: 0, offC: 7, strideC: 130 }, 401);
    await check(
      { batch: 2, M: 20, N: 2, K: 33, transA: 1, offA: 1, offB: 2, strideB: 66, offC: 3, strideC: 41, diagMode: 1, offD: 1, strideD: 0 },
      402,
    );
    await check({ batch: 3, M: 9, N: 33, K: 6, transB: 1, strideA: 0, diagMode: 2, diagRelu: 1, offD: 2, strideD: 40 }, 403);
  });

  it('alpha and beta: beta = 0 overwrites NaN, beta = 1 and -0.5 accumulate', async () => {
    await check({ batch: 2, M: 20, N: 33, K: 32, alpha: 2.5, beta: 0 }, 501);
    await check({ batch: 2, M: 20, N: 33, K: 32, alpha: -1, beta: 1 }, 502);
    await check({ batch: 1, M: 33, N: 20, K: 6, transA: 1, transB: 1, alpha: 0.25, beta: -0.5 }, 503);
  });

  it('narrow products take the one-column software blocking, and it matches the reference', async () => {
    expect(softwareConstants({ M: 6000, N: 9 })).toMatchObject({ WG_X: 1, WG_Y: 64, ROWS: 8, COLS4: 3 });
    expect(softwareConstants({ M: 600, N: 16 })).toMatchObject({ WG_X: 1, WG_Y: 16, COLS4: 2 });
    expect(softwareConstants({ M: 6000, N: 1 })).toMatchObject({ WG_X: 1, COLS4: 1 });
    expect(softwareConstants({ M: 6000, N: 8 })).toMatchObject({ WG_X: 1, COLS4: 2 });
    expect(softwareConstants({ M: 6000, N: 17 })).toBe(MATMUL_SOFTWARE);
    expect(softwareConstants({ M: 128, N: 10 })).toMatchObject({ WG_X: 1, WG_Y: 8, COLS4: 3 });
    expect(softwareConstants({ M: 128, N: 17 })).toBe(MATMUL_SOFTWARE);
    // dW_out's shape: fewer than 16 rows in even blocks
    expect(softwareConstants({ M: 9, N: 128 })).toEqual({ ...MATMUL_SOFTWARE, ROWS: 5 });
    expect(softwareConstants({ M: 1, N: 128 })).toEqual({ ...MATMUL_SOFTWARE, ROWS: 1 });
    expect(softwareConstants({ M: 15, N: 128 })).toEqual({ ...MATMUL_SOFTWARE, ROWS: 8 });
    expect(softwareConstants({ M: 16, N: 128 })).toBe(MATMUL_SOFTWARE);
    const picked = (args: MatmulArgs) => [{ name: 'software (by shape)', naive: false, constants: softwareConstants(matmulParams(args)) }];
    // the readout's shape at a small K, both blockings of the rule, partial row and column blocks
    for (const [M, N, transB, seed] of [
      [4100, 9, 1, 701],
      [601, 13, 0, 702],
      [517, 16, 1, 703],
      [530, 12, 1, 706],
      [530, 3, 0, 707],
    ]) {
      const args = { batch: 2, M, N, K: 5, transB, offA: 3, strideA: M * 5 + 7 };
      await check(args, seed, picked(args));
    }
    // dW_in's shape (A^T B, M = n < 512 rows, N = the inputs): workgroups of 8 invocations in one column, partial
    // row and column blocks, a second batch item, K past several loop passes
    for (const [M, N, seed] of [
      [130, 10, 704],
      [20, 3, 705],
    ]) {
      const args = { batch: 2, M, N, K: 301, transA: 1, offB: 2, strideB: N * 301 + 5 };
      expect(softwareConstants(matmulParams(args))).toMatchObject({ WG_X: 1, WG_Y: 8 });
      await check(args, seed, picked(args));
    }
    // dW_out's shape (A^T B, M = the outputs < 16, N = n): rows in even blocks, partial column blocks
    for (const [M, N, seed] of [
      [9, 130, 708],
      [3, 20, 709],
      [13, 17, 710],
    ]) {
      const args = { batch: 2, M, N, K: 301, transA: 1, offA: 1, strideA: M * 301 + 3 };
      expect(softwareConstants(matmulParams(args)).ROWS).toBe(Math.ceil(M / Math.ceil(M / 8)));
      await check(args, seed, picked(args));
    }
  });

  it('A^T B with vec4 loads (matmulAtB4, picked where the layout allows): the dW products, offsets, strides, diagonal of mode 2, beta', async () => {
    expect(atB4Eligible(matmulParams({ M: 128, N: 128, K: 6000, transA: 1, strideB: 6050 * 128 }))).toBe(true);
    expect(atB4Eligible(matmulParams({ M: 9, N: 128, K: 60, transA: 1 }))).toBe(false);
    expect(atB4Eligible(matmulParams({ M: 128, N: 10, K: 60, transA: 1 }))).toBe(false);
    expect(atB4Eligible(matmulParams({ M: 8, N: 8, K: 6, transA: 1, offB: 2 }))).toBe(false);
    expect(atB4Eligible(matmulParams({ M: 8, N: 8, K: 6, transA: 1, transB: 1 }))).toBe(false);
    expect(atB4Eligible(matmulParams({ M: 8, N: 8, K: 6, transA: 1, diagMode: 1 }))).toBe(false);
    const picked = [{ name: 'software (picked: matmulAtB4)', naive: false }];
    const cases: MatmulArgs[] = [
      { M: 4, N: 4, K: 1, transA: 1 },
      { M: 20, N: 36, K: 33, transA: 1 },
      { batch: 3, M: 12, N: 8, K: 7, transA: 1, offA: 4, strideA: 96, offB: 8, strideB: 0, offC: 3, strideC: 101 },
      { M: 12, N: 20, K: 1500, transA: 1, beta: 1, alpha: -0.5 },
      { batch: 2, M: 16, N: 12, K: 9, transA: 1, diagMode: 2, diagRelu: 1, offD: 1, strideD: 13 },
      // the readout's narrow blocking (N <= 16, M >= 512) with vec4 loads
      { M: 520, N: 8, K: 3, transA: 1 },
      // 8 x 8 blocks, k 4 at a time: M and N past the last full block (500 = 62 * 8 + 4), K % 4 =
      // 1, 3 and 2 (the k-by-k tail after the 4-k passes), batches with offsets and strides, beta, diagonal
      { M: 500, N: 500, K: 13, transA: 1 },
      {
        batch: 2,
        M: 36,
        N: 44,
        K: 1003,
        transA: 1,
        offA: 8,
        strideA: 36 * 1003 + 12,
        offB: 4,
        strideB: 44 * 1003 + 8,
        offC: 1,
        strideC: 36 * 44 + 3,
        alpha: 0.5,
        beta: 1,
      },
      { batch: 3, M: 132, N: 28, K: 6, transA: 1, diagMode: 2, offD: 2, strideD: 29, strideB: 0 },
    ];
    for (const [i, args] of cases.entries()) {
      expect(atB4Eligible(matmulParams(args)), JSON.stringify(args)).toBe(true);
      await check(args, 801 + i, picked);
    }
  });

  it('A^T B shared by quad swaps (matmulAtBQuad, picked where quads are offered): bit for bit matmulAtB4, partial tiles, offsets, strides, diagonal of mode 2, beta', async () => {
    // this machine's SwiftShader offers subgroups of 4 lanes: the kernel under test is the one the lab runs here
    expect(gpu.quadSwaps).toBe(true);
    expect(atBQuadEligible(matmulParams({ M: 128, N: 128, K: 6000, transA: 1 }))).toBe(true);
    expect(atBQuadEligible(matmulParams({ M: 12, N: 128, K: 60, transA: 1 }))).toBe(false);
    expect(atBQuadEligible(matmulParams({ M: 520, N: 8, K: 3, transA: 1 }))).toBe(false);
    expect(atBQuadEligible(matmulParams({ M: 20, N: 20, K: 6, transA: 1, offB: 2 }))).toBe(false);
    const fp = matmulFootprint(
      { software: true, quads: true, maxComputeWorkgroupsPerDimension: 65535 },
      { M: 500, N: 132, K: 9, transA: 1, batch: 2 },
    );
    expect(fp.dispatches.map((d) => [d.kernel, d.workgroups])).toEqual([['matmulAtBQuad', [5, 16, 2]]]);
    const wide = matmulFootprint(
      { software: true, quads: true, maxComputeWorkgroupsPerDimension: 65535 },
      { M: 100, N: 132, K: 9, transA: 1 },
    );
    expect(wide.dispatches.map((d) => [d.kernel, d.workgroups])).toEqual([['matmulAtBQuad', [5, 4, 1]]]);
    const picked = [{ name: 'software (picked: matmulAtBQuad)', naive: false }];
    const cases: MatmulArgs[] = [
      { M: 16, N: 16, K: 1, transA: 1 },
      // 500 = 15 * 32 + 20 rows (a partial workgroup and a partial quad tile), K % 4 = 1: the k-by-k tail
      { M: 500, N: 500, K: 13, transA: 1 },
      { M: 20, N: 36, K: 33, transA: 1 },
      { M: 132, N: 136, K: 999, transA: 1 },
      { M: 16, N: 20, K: 1500, transA: 1, beta: 1, alpha: -0.5 },
      { batch: 2, M: 16, N: 24, K: 9, transA: 1, diagMode: 2, diagRelu: 1, offD: 1, strideD: 25 },
      {
        batch: 2,
        M: 36,
        N: 44,
        K: 1003,
        transA: 1,
        offA: 8,
        strideA: 36 * 1003 + 12,
        offB: 4,
        strideB: 44 * 1003 + 8,
        offC: 1,
        strideC: 36 * 44 + 3,
        alpha: 0.5,
        beta: 1,
      },
      { batch: 3, M: 132, N: 28, K: 6, transA: 1, diagMode: 2, offD: 2, strideD: 29, strideB: 0 },
    ];
    for (const [i, args] of cases.entries()) {
      expect(atBQuadEligible(matmulParams(args)), JSON.stringify(args)).toBe(true);
      const [quad] = await check(args, 901 + i, picked, quadCtx);
      const [atB4] = await check(args, 901 + i, [{ name: 'software (picked: matmulAtB4)', naive: false }], ctx);
      const differ = quad.findIndex((v, j) => !Object.is(v, atB4[j]));
      expect(differ, `${JSON.stringify(args)}: first entry where matmulAtBQuad and matmulAtB4 differ`).toBe(-1);
    }
  });

  it('every other product shared by quad swaps (matmulQuad, picked where quads are offered and M, N, K >= 16): both transposes, diagonals of modes 1 and 2, beta, offsets, strides, partial tiles', async () => {
    expect(gpu.quadSwaps).toBe(true);
    expect(quadEligible(matmulParams({ M: 500, N: 500, K: 500 }))).toBe(true);
    expect(quadEligible(matmulParams({ M: 6000, N: 128, K: 10, transB: 1 }))).toBe(false);
    expect(quadEligible(matmulParams({ M: 6000, N: 9, K: 128, transB: 1 }))).toBe(false);
    expect(quadEligible(matmulParams({ M: 9, N: 128, K: 6000, transA: 1 }))).toBe(false);
    const fp = matmulFootprint(
      { software: true, quads: true, maxComputeWorkgroupsPerDimension: 65535 },
      { M: 500, N: 130, K: 17, transB: 1, batch: 3 },
    );
    expect(fp.dispatches.map((d) => [d.kernel, d.workgroups])).toEqual([['matmulQuad', [5, 16, 3]]]);
    // an A^T B product of vec4 layout stays on matmulAtBQuad
    expect(
      matmulFootprint({ software: true, quads: true, maxComputeWorkgroupsPerDimension: 65535 }, { M: 32, N: 32, K: 16, transA: 1 })
        .dispatches[0].kernel,
    ).toBe('matmulAtBQuad');
    const picked = [{ name: 'software (picked: matmulQuad)', naive: false }];
    const cases: MatmulArgs[] = [
      { M: 16, N: 16, K: 16 },
      // 500 = 15 * 32 + 20: partial workgroups and quad tiles; K % 4 = 1 (the k-by-k tail)
      { M: 500, N: 500, K: 17 },
      { M: 37, N: 21, K: 19, transA: 1 },
      { M: 17, N: 33, K: 22, transB: 1 },
      { M: 40, N: 18, K: 301, transA: 1, transB: 1, alpha: -0.5, beta: 1 },
      { batch: 2, M: 20, N: 24, K: 31, diagMode: 1, diagRelu: 1, offD: 1, strideD: 33, offA: 3, strideA: 20 * 31 + 5 },
      { batch: 3, M: 130, N: 28, K: 16, transB: 1, diagMode: 2, offD: 2, strideD: 29, strideB: 0, offC: 1, strideC: 130 * 28 + 3 },
      { batch: 2, M: 18, N: 66, K: 1003, transA: 1, offA: 2, strideA: 18 * 1003 + 1, offB: 1, strideB: 66 * 1003 + 7, beta: 1 },
    ];
    for (const [i, args] of cases.entries()) {
      expect(quadEligible(matmulParams(args)) && !atBQuadEligible(matmulParams(args)), JSON.stringify(args)).toBe(true);
      await check(args, 951 + i, picked, quadCtx);
    }
  });

  it('long K (dW = da^T h over many rows)', async () => {
    await check({ M: 20, N: 33, K: 1500, transA: 1 }, 601);
  });
});
