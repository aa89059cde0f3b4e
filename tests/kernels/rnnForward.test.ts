import { describe, expect, it } from 'vitest';
import { readF32, storageBuffer, uploadF32 } from '../../src/gpu/buffers.ts';
import { ceilDiv } from '../../src/gpu/kernel.ts';
import type { OpContext } from '../../src/gpu/ops/context.ts';
import {
  forwardChunk,
  forwardKernel,
  forwardQuadConstants,
  forwardVec4Constants,
  prepareRnnForward,
  rnnBlocking,
} from '../../src/gpu/ops/rnnForward.ts';
import { Rng } from '../../src/random/rng.ts';
import { rnnForward } from '../../src/reference/rnnForward.ts';
import { expectClose } from '../helpers/compare.ts';
import { device, gpu, kernels, submit } from '../helpers/gpu.ts';
import { type RecurrentRun, recurrentCases, recurrentHyper } from '../helpers/recurrentRuns.ts';

// f32 dot products of <= 32 terms of size ~1, carried through <= 17 steps of a W with spectral radius ~1:
// rounding stays near 1e-6 per step and grows at most linearly with L; atol 1e-4 + rtol 1e-3 leaves 10x margin
// while any indexing or nonlinearity mistake gives O(0.1) errors.
const TOL = { atol: 1e-4, rtol: 1e-3 };

const RUN_SETS: RecurrentRun[][] = [
  [
    { nonlin: 'tanh', gain: 1.05, clip: 0, slope: 0 },
    { nonlin: 'relu', gain: 1, clip: 0.05, slope: 0 },
    { nonlin: 'oplu', gain: 0.9, clip: 0, slope: 0 },
  ],
  [
    { nonlin: 'linear', gain: 1, clip: 0.02, slope: 0 },
    { nonlin: 'leaky', gain: 1.1, clip: 0, slope: 0.2 },
    { nonlin: 'prelu', gain: 1, clip: 0, slope: 0.7 },
  ],
];

/** Seeded inputs of the forward pass: W ~ N(0, 1/n) (spectral radius ~1), small inputs. */
function forwardInputs(rng: Rng, R: number, L: number, B: number, n: number) {
  return {
    W: rng.normalArray(R * n * n, 1 / Math.sqrt(n)),
    xproj: rng.uniformArray(R * L * B * n, -0.5, 0.5),
    b: rng.uniformArray(R * n, -0.1, 0.1),
    h0: rng.uniformArray(R * n, -0.5, 0.5),
  };
}

const ctx: OpContext = { device, kernels, software: gpu.adapterInfo.isSoftware, quads: gpu.quadSwaps };

describe('rnnForward kernels vs float64 reference', () => {
  for (const { n, B, L, setIndex, runs, naive, software, name } of recurrentCases(RUN_SETS, ctx.software)) {
    it(name, async () => {
      const R = runs.length;
      const rng = new Rng(7000 + 100 * n + 10 * B + L + setIndex);
      const hyper = recurrentHyper(runs);
      const slope = Float64Array.from(runs.map((s) => s.slope));
      const x = forwardInputs(rng, R, L, B, n);
      const bufs = {
        hyper: uploadF32(device, hyper),
        W: uploadF32(device, x.W),
        xproj: uploadF32(device, x.xproj),
        b: uploadF32(device, x.b),
        h0: uploadF32(device, x.h0),
        slope: uploadF32(device, slope),
        a: storageBuffer(device, R * L * B * n * 4),
        h: storageBuffer(device, R * (L + 1) * B * n * 4),
      };
      submit(await prepareRnnForward({ ...ctx, software }, { R, L, B, n }, bufs, { naive }));
      const a = new Float64Array(R * L * B * n);
      const h = new Float64Array(R * (L + 1) * B * n);
      rnnForward(a, h, hyper, x.W, x.xproj, x.b, x.h0, slope, R, L, B, n);
      expectClose('a', await readF32(device, bufs.a, a.length), a, TOL);
      expectClose('h', await readF32(device, bufs.h, h.length), h, TOL);
    });
  }

  // The paper's batch of 50 in software: 2 slices of 25 rows, each in 5 register chunks of 5 (CHUNK)
  it('fused kernel at B = 50 (25-row slices in chunks of 5) in both blockings', async () => {
    expect(forwardChunk(25)).toBe(5);
    expect(forwardChunk(8)).toBe(8);
    // n = 12: the vec4 kernel (the size cases above run it at n = 20 and 32, the scalar one at n = 6 and 202)
    expect(forwardKernel(12)).toBe('rnnForwardVec4');
    expect(forwardKernel(202)).toBe('rnnForward');
    const [L, B, n] = [3, 50, 12];
    const runs = RUN_SETS[1];
    const R = runs.length;
    const rng = new Rng(4343);
    const hyper = recurrentHyper(runs);
    const slope = Float64Array.from(runs.map((s) => s.slope));
    const x = forwardInputs(rng, R, L, B, n);
    const a = new Float64Array(R * L * B * n);
    const h = new Float64Array(R * (L + 1) * B * n);
    rnnForward(a, h, hyper, x.W, x.xproj, x.b, x.h0, slope, R, L, B, n);
    for (const software of [true, false]) {
      const bufs = {
        hyper: uploadF32(device, hyper),
        W: uploadF32(device, x.W),
        xproj: uploadF32(device, x.xproj),
        b: uploadF32(device, x.b),
        h0: uploadF32(device, x.h0),
        slope: uploadF32(device, slope),
        a: storageBuffer(device, R * L * B * n * 4),
        h: storageBuffer(device, R * (L + 1) * B * n * 4),
      };
      submit(await prepareRnnForward({ ...ctx, software }, { R, L, B, n }, bufs));
      expectClose(`a (${software ? 'software' : 'hardware'})`, await readF32(device, bufs.a, a.length), a, TOL);
      expectClose(`h (${software ? 'software' : 'hardware'})`, await readF32(device, bufs.h, h.length), h, TOL);
    }
  });

  // Software blocking of the vec4 kernel: UNITS unit blocks per invocation (one load of h serves them all), chunks
  // of up to 13 rows (the picked ones: 2 blocks, 25 rows as 9 + 9 + 7; n = 500: 63 pairs of blocks over 32
  // invocations, twice round, the last pair's second block past n/4). Ragged shapes: n/4 not a multiple of UNITS (blocks past n/4 clamped, not stored), rows not a
  // multiple of CHUNK or of ROWS, several runs in one group, steps split across dispatches (tStart > 0).
  it('vec4 forward with several unit blocks per invocation (UNITS 1-4, CHUNK up to 13): ragged n, rows and runs, the picked constants', async () => {
    expect(forwardVec4Constants(true, 50, 500)).toEqual({ WG: 32, ROWS: 25, CHUNK: 9, UNITS: 2 });
    expect(forwardVec4Constants(true, 50, 128)).toEqual({ WG: 16, ROWS: 25, CHUNK: 9, UNITS: 2 });
    expect(forwardVec4Constants(true, 50, 20)).toEqual({ WG: 8, ROWS: 25, CHUNK: 9, UNITS: 1 });
    expect(forwardVec4Constants(false, 50, 128)).toEqual({ ...rnnBlocking(false, 50, 128), CHUNK: 8, UNITS: 1 });
    const picked = (n: number) => forwardVec4Constants(true, 50, n);
    const cases: {
      n: number;
      B: number;
      L: number;
      R: number;
      c: { WG: number; ROWS: number; CHUNK: number; UNITS: number };
      split?: number;
    }[] = [
      { n: 500, B: 50, L: 2, R: 1, c: picked(500) },
      { n: 128, B: 50, L: 3, R: 2, c: picked(128) },
      { n: 20, B: 50, L: 3, R: 3, c: { WG: 4, ROWS: 25, CHUNK: 13, UNITS: 4 } },
      { n: 44, B: 7, L: 4, R: 2, c: { WG: 4, ROWS: 7, CHUNK: 3, UNITS: 2 }, split: 1 },
      { n: 44, B: 30, L: 3, R: 3, c: { WG: 8, ROWS: 15, CHUNK: 11, UNITS: 3 } },
      { n: 36, B: 9, L: 5, R: 3, c: { WG: 4, ROWS: 9, CHUNK: 13, UNITS: 4 }, split: 2 },
    ];
    for (const [i, { n, B, L, R, c, split }] of cases.entries()) {
      const runs = RUN_SETS[i % 2].slice(0, R);
      const rng = new Rng(5100 + i);
      const hyper = recurrentHyper(runs);
      const slope = Float64Array.from(runs.map((s) => s.slope));
      const x = forwardInputs(rng, R, L, B, n);
      const k = await kernels.get('rnnForwardVec4', c);
      const ins = [hyper, x.W, x.xproj, x.b, x.h0, slope].map((v) => uploadF32(device, v));
      const aBuf = storageBuffer(device, R * L * B * n * 4);
      const hBuf = storageBuffer(device, R * (L + 1) * B * n * 4);
      const parts = split
        ? [
            [0, split],
            [split, L],
          ]
        : [[0, L]];
      submit((pass) => {
        for (const [tStart, tEnd] of parts) {
          const p = k.makeParams({ R, L, B, n, tStart, tEnd, T0: 0, slots: L });
          k.dispatch(pass, k.bind([p, ...ins, aBuf, hBuf]), ceilDiv(B, c.ROWS), R);
        }
      });
      const a = new Float64Array(R * L * B * n);
      const h = new Float64Array(R * (L + 1) * B * n);
      rnnForward(a, h, hyper, x.W, x.xproj, x.b, x.h0, slope, R, L, B, n);
      const label = `n=${n} B=${B} L=${L} R=${R} ${JSON.stringify(c)}`;
      expectClose(`a ${label}`, await readF32(device, aBuf, a.length), a, TOL);
      expectClose(`h ${label}`, await readF32(device, hBuf, h.length), h, TOL);
      for (const b of [...ins, aBuf, hBuf]) b.destroy();
    }
  });

  // The quad kernel (a CPU adapter whose subgroups are quads: SwiftShader here) computes every output's sum in
  // rnnForwardVec4's order: bit for bit its results, and the float64 reference's to TOL. Picked from n = 256;
  // smaller n run here too (its tiles of 4 blocks x 16 rows: n/4 not a multiple of 4, rows not a multiple of
  // 16 or of ROWS, several runs, steps split across dispatches).
  it('quad forward (rnnForwardQuad): bit for bit rnnForwardVec4, ragged n, rows and runs, split steps, the picked constants', async () => {
    expect(gpu.quadSwaps).toBe(true);
    expect(forwardKernel(500, true)).toBe('rnnForwardQuad');
    expect(forwardKernel(256, true)).toBe('rnnForwardQuad');
    expect(forwardKernel(128, true)).toBe('rnnForwardVec4');
    expect(forwardKernel(500, false)).toBe('rnnForwardVec4');
    expect(forwardKernel(502, true)).toBe('rnnForward');
    expect(forwardQuadConstants(50, 500)).toEqual({ WG: 32, ROWS: 25 });
    expect(forwardQuadConstants(50, 20)).toEqual({ WG: 8, ROWS: 25 });
    const cases: { n: number; B: number; L: number; R: number; split?: number }[] = [
      { n: 500, B: 50, L: 2, R: 1 },
      { n: 256, B: 50, L: 3, R: 2 },
      { n: 260, B: 7, L: 3, R: 1, split: 1 },
      { n: 20, B: 50, L: 3, R: 3 },
      { n: 44, B: 30, L: 4, R: 2, split: 2 },
      { n: 16, B: 9, L: 5, R: 3 },
      // slices of 20 and 13 rows (part B of the 28-row tile partly used, and compiled out), three slices of 20
      { n: 36, B: 40, L: 3, R: 1 },
      { n: 28, B: 13, L: 2, R: 2 },
      { n: 24, B: 58, L: 2, R: 1 },
    ];
    for (const [i, { n, B, L, R, split }] of cases.entries()) {
      const runs = RUN_SETS[i % 2].slice(0, R);
      const rng = new Rng(5200 + i);
      const hyper = recurrentHyper(runs);
      const slope = Float64Array.from(runs.map((s) => s.slope));
      const x = forwardInputs(rng, R, L, B, n);
      const ins = [hyper, x.W, x.xproj, x.b, x.h0, slope].map((v) => uploadF32(device, v));
      const parts = split
        ? [
            [0, split],
            [split, L],
          ]
        : [[0, L]];
      const outputs: Float32Array[][] = [];
      for (const [kernel, c] of [
        ['rnnForwardQuad', forwardQuadConstants(B, n)],
        ['rnnForwardVec4', forwardVec4Constants(true, B, n)],
      ] as const) {
        const k = await kernels.get(kernel, c);
        const aBuf = storageBuffer(device, R * L * B * n * 4);
        const hBuf = storageBuffer(device, R * (L + 1) * B * n * 4);
        submit((pass) => {
          for (const [tStart, tEnd] of parts) {
            const p = k.makeParams({ R, L, B, n, tStart, tEnd, T0: 0, slots: L });
            k.dispatch(pass, k.bind([p, ...ins, aBuf, hBuf]), ceilDiv(B, c.ROWS), R);
          }
        });
        outputs.push([await readF32(device, aBuf, R * L * B * n), await readF32(device, hBuf, R * (L + 1) * B * n)]);
        aBuf.destroy();
        hBuf.destroy();
      }
      const a = new Float64Array(R * L * B * n);
      const h = new Float64Array(R * (L + 1) * B * n);
      rnnForward(a, h, hyper, x.W, x.xproj, x.b, x.h0, slope, R, L, B, n);
      const label = `n=${n} B=${B} L=${L} R=${R}`;
      expectClose(`a ${label}`, outputs[0][0], a, TOL);
      expectClose(`h ${label}`, outputs[0][1], h, TOL);
      for (const j of [0, 1]) {
        const differ = outputs[0][j].findIndex((v, q) => !Object.is(v, outputs[1][j][q]));
        expect(differ, `${label}: first ${j ? 'h' : 'a'} entry where rnnForwardQuad and rnnForwardVec4 differ`).toBe(-1);
      }
      for (const b of ins) b.destroy();
    }
  });

  for (const kernel of ['rnnForward', 'rnnForwardVec4'] as const)
    it(`fused kernel (${kernel}) in two chunks of steps (tStart > 0) matches one pass`, async () => {
      const [R, L, B, n] = [3, 9, 4, 20];
      const runs = RUN_SETS[0];
      const rng = new Rng(4242);
      const hyper = recurrentHyper(runs);
      const slope = new Float64Array(R);
      const x = forwardInputs(rng, R, L, B, n);
      const blocking = rnnBlocking(ctx.software, B, n);
      const k = await kernels.get(kernel, { ...blocking, CHUNK: 3 });
      const ins = [hyper, x.W, x.xproj, x.b, x.h0, slope].map((v) => uploadF32(device, v));
      const aBuf = storageBuffer(device, R * L * B * n * 4);
      const hBuf = storageBuffer(device, R * (L + 1) * B * n * 4);
      submit((pass) => {
        for (const [tStart, tEnd] of [
          [0, 4],
          [4, L],
        ]) {
          const p = k.makeParams({ R, L, B, n, tStart, tEnd, T0: 0, slots: L });
          k.dispatch(pass, k.bind([p, ...ins, aBuf, hBuf]), ceilDiv(B, blocking.ROWS), R);
        }
      });
      const a = new Float64Array(R * L * B * n);
      const h = new Float64Array(R * (L + 1) * B * n);
      rnnForward(a, h, hyper, x.W, x.xproj, x.b, x.h0, slope, R, L, B, n);
      expectClose('h (chunked)', await readF32(device, hBuf, h.length), h, TOL);
    });

  // Recomputation's segments (docs/ENGINE.md, "Recomputation"): steps T0+1 .. T0+k in buffers of k slots whose
  // slot 0 holds h_T0 (written here from the reference, as the trainer restores it from a checkpoint); the
  // last segment is shorter (L = 9, k = 4). Fused and naive kernels.
  for (const naive of [false, true]) {
    it(`${naive ? 'naive' : 'fused'} kernel over segments of 4 steps in segment-sized buffers (T0, slots)`, async () => {
      const [R, L, B, n, K] = [3, 9, 4, 20, 4];
      const runs = RUN_SETS[0];
      const rng = new Rng(4243);
      const hyper = recurrentHyper(runs);
      const slope = new Float64Array(R);
      const x = forwardInputs(rng, R, L, B, n);
      const a = new Float64Array(R * L * B * n);
      const h = new Float64Array(R * (L + 1) * B * n);
      rnnForward(a, h, hyper, x.W, x.xproj, x.b, x.h0, slope, R, L, B, n);
      const slot = B * n;
      const hyperW = [hyper, x.W].map((v) => uploadF32(device, v));
      const rest = [x.b, x.h0, slope].map((v) => uploadF32(device, v));
      for (let T0 = 0; T0 < L; T0 += K) {
        const steps = Math.min(K, L - T0);
        // xproj of the segment, and h slot 0 = h_T0, per run
        const xs = new Float32Array(R * K * slot);
        const hs = new Float32Array(R * (K + 1) * slot).fill(Number.NaN);
        for (let r = 0; r < R; r++) {
          xs.set(x.xproj.subarray((r * L + T0) * slot, (r * L + T0 + steps) * slot), r * K * slot);
          hs.set(h.subarray((r * (L + 1) + T0) * slot, (r * (L + 1) + T0 + 1) * slot), r * (K + 1) * slot);
        }
        const aBuf = storageBuffer(device, R * K * slot * 4);
        const hBuf = uploadF32(device, hs);
        const plan = await prepareRnnForward(
          ctx,
          { R, L, B, n },
          { hyper: hyperW[0], W: hyperW[1], xproj: uploadF32(device, xs), b: rest[0], h0: rest[1], slope: rest[2], a: aBuf, h: hBuf },
          { naive, segment: { start: T0, steps, slots: K } },
        );
        submit(plan);
        const gotA = await readF32(device, aBuf, R * K * slot);
        const gotH = await readF32(device, hBuf, R * (K + 1) * slot);
        for (let r = 0; r < R; r++) {
          const what = `segment t=${T0 + 1}..${T0 + steps} run ${r}`;
          expectClose(
            `${what} a`,
            gotA.subarray(r * K * slot, (r * K + steps) * slot),
            a.subarray((r * L + T0) * slot, (r * L + T0 + steps) * slot),
            TOL,
          );
          expectClose(
            `${what} h`,
            gotH.subarray((r * (K + 1) + 1) * slot, (r * (K + 1) + 1 + steps) * slot),
            h.subarray((r * (L + 1) + T0 + 1) * slot, (r * (L + 1) + T0 + 1 + steps) * slot),
            TOL,
          );
        }
      }
    });
  }
});
