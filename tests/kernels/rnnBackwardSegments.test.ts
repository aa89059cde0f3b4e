/**
 * The fused recurrent backward (both kernels: rnnBackwardVec4.wgsl where n is a multiple of 4, rnnBackward.wgsl
 * else; src/gpu/ops/rnnBackward.ts backwardKernel) against the float64 reference in everything the trainer asks
 * of it beyond rnnBackward.test.ts's full-storage passes: rows with their own last scored step t_b (some short,
 * one scoring nothing: the flow aligned at k = t + L - t_b, docs/SCIENCE.md 7.1), a pass shorter than the
 * buffers' L (top < L, docs/ENGINE.md "Shorter batches"), recomputation segments handing the carry down through
 * dh0 (a last segment shorter than the others), unscored steps whose dhOut must not be read, flow on and off,
 * with both adapter classes' blocking (B = 13: software one slice of 13 rows, one vec4 register chunk of 13 or
 * scalar chunks of 7 and 6; hardware 2 slices of 7).
 * What the kernels must not read is NaN here (dhOut at unscored steps is 1e3): steps past top, slots past a
 * short last segment, da before the pass writes it, dh0 before the carry.
 */
import { describe, expect, it } from 'vitest';
import type { FlowRows } from '../../src/engine/flowRows.ts';
import { type Storage, segmentsOver } from '../../src/engine/recompute.ts';
import { readF32, storageBuffer, uploadF32 } from '../../src/gpu/buffers.ts';
import type { OpContext } from '../../src/gpu/ops/context.ts';
import { backwardChunk, backwardKernel, backwardVec4Constants, prepareRnnBackward } from '../../src/gpu/ops/rnnBackward.ts';
import { rnnBlocking } from '../../src/gpu/ops/rnnForward.ts';
import { Rng } from '../../src/random/rng.ts';
import { rnnBackward } from '../../src/reference/rnnBackward.ts';
import { expectClose } from '../helpers/compare.ts';
import { device, gpu, kernels, submit } from '../helpers/gpu.ts';
import { type RecurrentRun, recurrentHyper } from '../helpers/recurrentRuns.ts';

// as rnnBackward.test.ts: f32 rounding near 1e-6 per step over <= 7 steps; mistakes give O(0.01..1) errors
const TOL = { atol: 1e-4, rtol: 1e-3 };

// every nonlinearity; clips of 0.05 / 0.3 bind on part of the elements
const RUNS: RecurrentRun[] = [
  { nonlin: 'tanh', gain: 1.05, clip: 0, slope: 0 },
  { nonlin: 'relu', gain: 1, clip: 0.05, slope: 0 },
  { nonlin: 'oplu', gain: 0.9, clip: 0, slope: 0 },
  { nonlin: 'prelu', gain: 1, clip: 0.3, slope: 0.7 },
  { nonlin: 'leaky', gain: 1.1, clip: 0, slope: 0.2 },
  { nonlin: 'linear', gain: 1, clip: 0, slope: 0 },
];

const ctx: OpContext = { device, kernels, software: gpu.adapterInfo.isSoftware, quads: gpu.quadSwaps };

/**
 * n: 12 and 8 the vec4 kernel, 10 the scalar one, 132 the vec4 one with 33 unit blocks (2 per invocation in
 * software, the last pair's second block past n/4). B = 50: the paper's batch, in software 2 slices of 25 rows
 * in vec4 register chunks of 9, 9 and 7 (the last chunk two rows short), in hardware 7 slices of 8 (the last 2
 * rows). n = 260, 128 and 500: the vec4 kernel with 2 unit blocks per invocation in software
 * (backwardVec4Constants): 260 and 500 twice round the 32 invocations (65 and 125 blocks: the last pair's second
 * block past n/4), 128 the Table 5 size (16 invocations of 2 blocks), 500 its large size.
 */
const SIZES: { n: number; B: number; L: number; runs: number }[] = [
  { n: 12, B: 13, L: 7, runs: 6 },
  { n: 12, B: 50, L: 3, runs: 3 },
  { n: 10, B: 13, L: 7, runs: 6 },
  { n: 132, B: 5, L: 4, runs: 6 },
  { n: 8, B: 1, L: 1, runs: 3 },
  { n: 260, B: 50, L: 3, runs: 2 },
  { n: 128, B: 50, L: 4, runs: 2 },
  { n: 500, B: 50, L: 4, runs: 2 },
];

/** Rows ending at top, top - 1, top - 2 in turn (never at or before the unscored steps), every 4th scoring nothing. */
function rowsOf(B: number, top: number, unscored: number): FlowRows {
  const last = new Uint32Array(B);
  const scale = new Float64Array(B);
  let scoring = 0;
  for (let b = 0; b < B; b++) {
    if (b % 4 === 3) continue;
    last[b] = Math.max(unscored + 1, top - (b % 3));
    scale[b] = 0.2 + 0.05 * b;
    scoring++;
  }
  return { last, scale, scoring };
}

/** Steps t0 .. t0+steps-1 of every run of x [R][from][slot] into [R][to][slot] (the rest of each run NaN). */
function steps(x: Float32Array, R: number, from: number, to: number, t0: number, count: number, slot: number): Float32Array {
  const out = new Float32Array(R * to * slot).fill(Number.NaN);
  for (let r = 0; r < R; r++) out.set(x.subarray((r * from + t0) * slot, (r * from + t0 + count) * slot), r * to * slot);
  return out;
}

describe('fused rnnBackward kernels: row-aligned flow, top < L, recomputation segments, unscored steps', () => {
  it('picks the vec4 kernel exactly where n is a multiple of 4', () => {
    expect(SIZES.map((s) => backwardKernel(s.n))).toEqual([
      'rnnBackwardVec4',
      'rnnBackwardVec4',
      'rnnBackward',
      'rnnBackwardVec4',
      'rnnBackwardVec4',
      'rnnBackwardVec4',
      'rnnBackwardVec4',
      'rnnBackwardVec4',
    ]);
    expect([12, 60, 64, 128, 132, 256, 260, 500].map((n) => backwardVec4Constants(true, 50, n).UNITS)).toEqual([1, 1, 2, 2, 2, 2, 2, 2]);
    expect(backwardVec4Constants(false, 50, 500).UNITS).toBe(1);
  });

  it('register chunks: on a GPU and in the scalar kernel the cost model (8 rows: one chunk; 25 rows: 5 x 5 in the scalar kernel), in software the vec4 kernel 25 rows as 9 + 9 + 7', () => {
    expect(backwardVec4Constants(true, 50, 128)).toEqual({ WG: 16, ROWS: 25, CHUNK: 9, UNITS: 2 });
    expect(backwardVec4Constants(true, 50, 500)).toEqual({ WG: 32, ROWS: 25, CHUNK: 9, UNITS: 2 });
    expect(backwardVec4Constants(false, 50, 500)).toEqual({ WG: 128, ROWS: 8, CHUNK: 8, UNITS: 1 });
    expect(backwardChunk('rnnBackwardVec4', 25)).toBe(13);
    expect(backwardChunk('rnnBackward', 25)).toBe(5);
    expect(backwardChunk('rnnBackwardVec4', 13)).toBe(13);
    expect(backwardChunk('rnnBackwardVec4', 8)).toBe(8);
    expect(backwardChunk('rnnBackward', 7)).toBe(7);
  });

  for (const { n, B, L, runs: Rn } of SIZES)
    for (const software of [ctx.software, !ctx.software])
      for (const top of [...new Set([L, Math.max(1, L - 2)])])
        for (const storage of [...new Set<Storage>(['full', { recompute: Math.min(3, L) }])]) {
          const what = `${backwardKernel(n)} n=${n} B=${B} L=${L} top=${top} ${storage === 'full' ? 'full storage' : `segments of ${storage.recompute}`} (${software ? 'software' : 'hardware'} blocking, ${rnnBlocking(software, B, n).ROWS} rows a slice)`;
          it(what, async () => {
            const runs = RUNS.slice(0, Rn);
            const R = runs.length;
            const slot = B * n;
            const rng = new Rng(7100 + n + 10 * B + L + top);
            const hyper = recurrentHyper(runs);
            const slope = Float32Array.from(runs.map((s) => s.slope));
            const W = Float32Array.from(rng.normalArray(R * n * n, 1 / Math.sqrt(n)));
            const a = Float32Array.from(rng.uniformArray(R * L * slot, -1.5, 1.5));
            const dhOut = Float32Array.from(rng.uniformArray(R * L * slot, -1, 1));
            const unscored = top >= 3 ? 1 : 0;
            const rows = rowsOf(B, top, unscored);
            // what the GPU gets: dhOut 1e3 at the unscored steps (not to be read), a and dhOut NaN past top
            const aGpu = a.slice();
            const dhOutGpu = dhOut.slice();
            for (let r = 0; r < R; r++) {
              dhOutGpu.fill(1e3, r * L * slot, (r * L + unscored) * slot);
              aGpu.fill(Number.NaN, (r * L + top) * slot, (r + 1) * L * slot);
              dhOutGpu.fill(Number.NaN, (r * L + top) * slot, (r + 1) * L * slot);
            }
            // the reference over the top steps, dhOut 0 at the unscored ones
            const aRef = steps(a, R, L, top, 0, top, slot);
            const dhOutRef = steps(dhOut, R, L, top, 0, top, slot);
            for (let r = 0; r < R; r++) dhOutRef.fill(0, r * top * slot, (r * top + unscored) * slot);
            const dh = new Float64Array(R * top * slot);
            const da = new Float64Array(R * top * slot);
            const dh0 = new Float64Array(R * slot);
            const flowTop = new Float64Array(R * (top + 1));
            rnnBackward(dh, da, dh0, flowTop, hyper, W, aRef, slope, dhOutRef, R, top, B, n, rows);
            // in the buffers' layout for L: index k = t + L - t_b, nothing below L - top
            const flow = new Float64Array(R * (L + 1));
            for (let r = 0; r < R; r++) flow.set(flowTop.subarray(r * (top + 1), (r + 1) * (top + 1)), r * (L + 1) + L - top);

            const segs = segmentsOver(L, top, storage);
            const slots = segs[0].slots;
            const bufs = {
              hyper: uploadF32(device, hyper),
              W: uploadF32(device, W),
              a: storageBuffer(device, R * slots * slot * 4),
              slope: uploadF32(device, slope),
              dhOut: storageBuffer(device, R * slots * slot * 4),
              dh: storageBuffer(device, R * slots * slot * 4),
              da: uploadF32(device, new Float32Array(R * slots * slot).fill(Number.NaN)),
              dh0: uploadF32(device, new Float32Array(R * slot).fill(Number.NaN)),
              flow: storageBuffer(device, R * (L + 1) * 4),
            };
            const plan = await prepareRnnBackward({ ...ctx, software }, { R, L, B, n }, bufs, { segments: segs, unscored, top });
            const pass = async (track: boolean) => {
              plan.setFlow(track, rows);
              const gotDh = new Float64Array(R * top * slot);
              const gotDa = new Float64Array(R * top * slot);
              for (let s = segs.length - 1; s >= 0; s--) {
                const seg = segs[s];
                device.queue.writeBuffer(bufs.a, 0, steps(aGpu, R, L, slots, seg.start, seg.steps, slot));
                device.queue.writeBuffer(bufs.dhOut, 0, steps(dhOutGpu, R, L, slots, seg.start, seg.steps, slot));
                submit(plan.segments[s]);
                const d1 = await readF32(device, bufs.dh, R * slots * slot);
                const d2 = await readF32(device, bufs.da, R * slots * slot);
                for (let r = 0; r < R; r++) {
                  const src = [r * slots * slot, (r * slots + seg.steps) * slot] as const;
                  gotDh.set(d1.subarray(...src), (r * top + seg.start) * slot);
                  gotDa.set(d2.subarray(...src), (r * top + seg.start) * slot);
                }
              }
              return { gotDh, gotDa, gotDh0: await readF32(device, bufs.dh0, R * slot) };
            };
            const on = await pass(true);
            expectClose('dh', on.gotDh, dh, TOL);
            expectClose('da', on.gotDa, da, TOL);
            expectClose('dh0', on.gotDh0, dh0, TOL);
            expectClose('flow', await readF32(device, bufs.flow, flow.length), flow, TOL);
            // flow off: the flow delta does nothing, the training gradients are the same
            const off = await pass(false);
            expectClose('da (flow off)', off.gotDa, da, TOL);
            expectClose('dh0 (flow off)', off.gotDh0, dh0, TOL);
          });
        }
});
