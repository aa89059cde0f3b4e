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
import {
  backwardChunk,
  backwardKernel,
  backwardQuadConstants,
  backwardVec4Constants,
  prepareRnnBackward,
  QUAD_BACKWARD_MIN_N,
  rnnBackwardFootprint,
} from '../../src/gpu/ops/rnnBackward.ts';
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

interface BackwardCase {
  n: number;
  B: number;
  L: number;
  Rn: number;
  software: boolean;
  top: number;
  storage: Storage;
  /** the fused kernel to force (BackwardOptions.kernel; default the op's pick) */
  kernel?: 'rnnBackwardVec4' | 'rnnBackwardQuad';
}

/**
 * One backward pass of the op on seeded inputs (the seed from the sizes: the same inputs for any kernel) with
 * flow on, then again with flow off; the float64 reference's dh, da, dh0 and flow (in the buffers' layout for L).
 */
async function backwardCase({ n, B, L, Rn, software, top, storage, kernel }: BackwardCase) {
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
  const plan = await prepareRnnBackward({ ...ctx, software }, { R, L, B, n }, bufs, { segments: segs, unscored, top, kernel });
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
  const flowGot = await readF32(device, bufs.flow, flow.length);
  const off = await pass(false);
  for (const b of Object.values(bufs)) b.destroy();
  return { on, off, flow: flowGot, want: { dh, da, dh0, flow } };
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

  // The quad kernel (a CPU adapter whose subgroups are quads: SwiftShader here) computes every output's sum in
  // rnnBackwardVec4's order: bit for bit its dh, da and dh0 (both deltas: flow on, then off), the flow (a sum of
  // per-invocation partials, which own other cells in the two kernels) to f32 rounding, and both the float64
  // reference's to TOL. Picked from n = 256; the smaller n here force it (BackwardOptions.kernel): its tiles of
  // 4 unit blocks x 28 rows (16 + 12, the 12 compiled out for ROWS <= 16) with n/4 not a multiple of 4 (65, 5, 11,
  // 9 blocks), slices of 25, 20 (part of the 12), 15, 13 and 7 rows, several runs, top < L, segments with T0 > 0
  // and the carry.
  it('quad backward (rnnBackwardQuad): picked from n = 256 on a CPU adapter with quads, its footprint the same kernel and grid', async () => {
    expect(QUAD_BACKWARD_MIN_N).toBe(256);
    expect([500, 256, 252, 128, 502].map((n) => backwardKernel(n, true))).toEqual([
      'rnnBackwardQuad',
      'rnnBackwardQuad',
      'rnnBackwardVec4',
      'rnnBackwardVec4',
      'rnnBackward',
    ]);
    expect(backwardKernel(500, false)).toBe('rnnBackwardVec4');
    expect(backwardQuadConstants(50, 500)).toEqual({ WG: 32, ROWS: 25 });
    expect(backwardQuadConstants(50, 20)).toEqual({ WG: 8, ROWS: 25 });
    const fc = { maxComputeWorkgroupsPerDimension: 65535 };
    const dims = { R: 2, L: 4, B: 50, n: 500 };
    const kernelOf = (software: boolean, quads: boolean, n = 500) =>
      rnnBackwardFootprint({ ...fc, software, quads }, { ...dims, n }).dispatches[0].kernel;
    expect([kernelOf(true, true), kernelOf(true, false), kernelOf(false, true), kernelOf(true, true, 128)]).toEqual([
      'rnnBackwardQuad',
      'rnnBackwardVec4',
      'rnnBackwardVec4',
      'rnnBackwardVec4',
    ]);
    // a forced kernel (BackwardOptions.kernel): the quad one only on a CPU adapter with quads, both only for n % 4 = 0
    expect(
      rnnBackwardFootprint({ ...fc, software: true, quads: true }, { ...dims, n: 20 }, { kernel: 'rnnBackwardQuad' }).dispatches[0].kernel,
    ).toBe('rnnBackwardQuad');
    expect(() => rnnBackwardFootprint({ ...fc, software: false, quads: false }, dims, { kernel: 'rnnBackwardQuad' })).toThrow(/quad swaps/);
    expect(() => rnnBackwardFootprint({ ...fc, software: true, quads: true }, { ...dims, n: 502 }, { kernel: 'rnnBackwardVec4' })).toThrow(
      /multiple of 4/,
    );
    if (!ctx.quads) return;
    // the op and its footprint: the same kernel, grid and flow partials (P = 2 slices x WG 32)
    const bufs = Object.fromEntries(
      ['hyper', 'W', 'a', 'slope', 'dhOut', 'dh', 'da', 'dh0', 'flow'].map((k) => [k, storageBuffer(device, 16)]),
    ) as unknown as Parameters<typeof prepareRnnBackward>[2];
    const plan = await prepareRnnBackward(ctx, dims, bufs);
    const foot = rnnBackwardFootprint({ ...fc, software: true, quads: true }, dims);
    expect(plan.dispatches[0].kernel.name).toBe('rnnBackwardQuad');
    expect(plan.dispatches[0].workgroups).toEqual(foot.dispatches[0].workgroups);
    expect(foot.dispatches[0].workgroups).toEqual([2, 2, 1]);
    expect(foot.buffers.find((b) => b.name === 'rnnBackward.flowPartials')?.bytes).toBe(plan.scratch.partials.size);
    expect(plan.scratch.partials.size).toBe((2 * 64 * 5 + 2 * 50) * 4);
    for (const b of [...Object.values(bufs), plan.scratch.flowDa, plan.scratch.partials]) b.destroy();
  });

  const QUAD_CASES: Omit<BackwardCase, 'software'>[] = [
    { n: 500, B: 50, L: 3, Rn: 1, top: 3, storage: 'full' },
    { n: 500, B: 50, L: 4, Rn: 2, top: 4, storage: { recompute: 2 } },
    { n: 260, B: 7, L: 5, Rn: 2, top: 4, storage: { recompute: 2 } },
    { n: 20, B: 50, L: 4, Rn: 3, top: 4, storage: { recompute: 3 } },
    { n: 44, B: 30, L: 5, Rn: 2, top: 3, storage: 'full' },
    { n: 36, B: 40, L: 3, Rn: 2, top: 3, storage: 'full' },
    { n: 16, B: 13, L: 5, Rn: 6, top: 5, storage: { recompute: 2 } },
  ];
  for (const c of QUAD_CASES)
    it(`quad backward (rnnBackwardQuad) n=${c.n} B=${c.B} L=${c.L} R=${c.Rn} top=${c.top} ${c.storage === 'full' ? 'full storage' : `segments of ${c.storage.recompute}`}: bit for bit rnnBackwardVec4, the float64 reference`, async () => {
      if (!ctx.quads) return;
      const quad = await backwardCase({ ...c, software: true, kernel: 'rnnBackwardQuad' });
      const vec4 = await backwardCase({ ...c, software: true, kernel: 'rnnBackwardVec4' });
      const { want } = quad;
      expectClose('dh', quad.on.gotDh, want.dh, TOL);
      expectClose('da', quad.on.gotDa, want.da, TOL);
      expectClose('dh0', quad.on.gotDh0, want.dh0, TOL);
      expectClose('flow', quad.flow, want.flow, TOL);
      expectClose('flow (vec4)', vec4.flow, want.flow, TOL);
      // the flow: the same squares summed in other groupings (f32 rounding of sums of <= B n terms)
      expectClose('flow against rnnBackwardVec4', quad.flow, vec4.flow, { atol: 1e-6, rtol: 1e-5 });
      const pairs = [
        ['dh', quad.on.gotDh, vec4.on.gotDh],
        ['da', quad.on.gotDa, vec4.on.gotDa],
        ['dh0', quad.on.gotDh0, vec4.on.gotDh0],
        ['da (flow off)', quad.off.gotDa, vec4.off.gotDa],
        ['dh0 (flow off)', quad.off.gotDh0, vec4.off.gotDh0],
      ] as const;
      for (const [what, got, ref] of pairs) {
        expect(got.length).toBe(ref.length);
        const differ = got.findIndex((v, q) => !Object.is(v, ref[q]));
        expect(differ, `${what}: first entry where rnnBackwardQuad and rnnBackwardVec4 differ`).toBe(-1);
      }
    });

  for (const { n, B, L, runs: Rn } of SIZES)
    for (const software of [ctx.software, !ctx.software])
      for (const top of [...new Set([L, Math.max(1, L - 2)])])
        for (const storage of [...new Set<Storage>(['full', { recompute: Math.min(3, L) }])]) {
          const what = `${backwardKernel(n, software && ctx.quads)} n=${n} B=${B} L=${L} top=${top} ${storage === 'full' ? 'full storage' : `segments of ${storage.recompute}`} (${software ? 'software' : 'hardware'} blocking, ${rnnBlocking(software, B, n).ROWS} rows a slice)`;
          it(what, async () => {
            const { on, off, flow, want } = await backwardCase({ n, B, L, Rn, software, top, storage });
            expectClose('dh', on.gotDh, want.dh, TOL);
            expectClose('da', on.gotDa, want.da, TOL);
            expectClose('dh0', on.gotDh0, want.dh0, TOL);
            expectClose('flow', flow, want.flow, TOL);
            // flow off: the flow delta does nothing, the training gradients are the same
            expectClose('da (flow off)', off.gotDa, want.da, TOL);
            expectClose('dh0 (flow off)', off.gotDh0, want.dh0, TOL);
          });
        }
});
