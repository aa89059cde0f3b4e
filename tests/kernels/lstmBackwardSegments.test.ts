/**
 * The fused LSTM backward (both kernels: lstmBackwardVec4.wgsl where n is a multiple of 4, lstmBackward.wgsl
 * else; src/gpu/ops/lstm.ts lstmBackwardKernel) against the float64 reference in everything the trainer asks of
 * it beyond lstmBackward.test.ts's full-storage passes, as rnnBackwardSegments.test.ts does for the RNN: rows
 * with their own last scored step t_b (some short, every 4th scoring nothing: the flow aligned at
 * k = t + L - t_b, docs/SCIENCE.md 7.1), a pass shorter than the buffers' L (top < L, docs/ENGINE.md "Shorter
 * batches"), recomputation segments handing the carry down through dh0 (a last segment shorter than the
 * others; dc_next and the peephole partials carried in the op's scratch), unscored steps whose dhOut must not
 * be read, flow on and off, with both adapter classes' blocking (B = 13: software one slice of 13 rows, one vec4
 * register chunk of 13 or a scalar chunk of 16; hardware 2 slices of 7 and 6; B = 50: software 2 slices of 25 in
 * vec4 chunks of 13 + 12; B = 1; L = 1).
 * What the kernels must not read is NaN here (dhOut at unscored steps is 1e3): steps past top, slots past a
 * short last segment, dz before the pass writes it, dh0 before the carry.
 */
import { describe, expect, it } from 'vitest';
import type { FlowRows } from '../../src/engine/flowRows.ts';
import { type Storage, segmentsOver } from '../../src/engine/recompute.ts';
import { readF32, storageBuffer, uploadF32 } from '../../src/gpu/buffers.ts';
import type { OpContext } from '../../src/gpu/ops/context.ts';
import { lstmBackwardChunk, lstmBackwardKernel, lstmBlocking, prepareLstmBackward } from '../../src/gpu/ops/lstm.ts';
import { Rng } from '../../src/random/rng.ts';
import { lstmBackward } from '../../src/reference/lstmBackward.ts';
import { lstmForward } from '../../src/reference/lstmForward.ts';
import { expectClose } from '../helpers/compare.ts';
import { device, gpu, kernels, submit } from '../helpers/gpu.ts';
import { type RecurrentRun, recurrentHyper } from '../helpers/recurrentRuns.ts';

// As lstmBackward.test.ts (f32 sums of <= 4*132 terms over <= 7 steps; its worst measured error was below 1e-6):
// a gate, peephole, clip, reset, carry, alignment or row-index mistake gives O(0.01..1) errors.
const TOL = { atol: 1e-5, rtol: 1e-4 };

// Clips 0.05 and 0.01 bind on part of dz; run 0 has no clip.
const RUNS: RecurrentRun[] = [0, 0.05, 0.01].map((clip) => ({ nonlin: 'tanh', gain: 1, clip, slope: 0 }));

const ctx: OpContext = { device, kernels, software: gpu.adapterInfo.isSoftware, quads: gpu.quadSwaps };

/** n: 12 and 8 the vec4 kernel, 10 the scalar one, 132 the vec4 one with 33 unit blocks (2 per invocation in software). */
const SIZES: { n: number; B: number; L: number }[] = [
  { n: 12, B: 13, L: 7 },
  { n: 12, B: 50, L: 3 },
  { n: 10, B: 13, L: 7 },
  { n: 132, B: 5, L: 4 },
  { n: 8, B: 1, L: 1 },
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

/** Slots t0 .. t0+count-1 of every run of x [R][from][slot] into [R][to][slot] (the rest of each run NaN). */
function steps(x: Float32Array, R: number, from: number, to: number, t0: number, count: number, slot: number): Float32Array {
  const out = new Float32Array(R * to * slot).fill(Number.NaN);
  for (let r = 0; r < R; r++) out.set(x.subarray((r * from + t0) * slot, (r * from + t0 + count) * slot), r * to * slot);
  return out;
}

/** Seeded f32 inputs as lstmBackward.test.ts: gates and c from the float64 forward on random weights, dhOut ~ U(-1, 1). */
function inputs(rng: Rng, R: number, L: number, B: number, n: number) {
  const W = Float32Array.from(rng.normalArray(R * 4 * n * n, 1 / Math.sqrt(n)));
  const xproj = rng.uniformArray(R * L * B * 4 * n, -1, 1);
  const b = rng.uniformArray(R * 4 * n, -0.5, 0.5);
  for (let r = 0; r < R; r++) for (let u = 0; u < n; u++) b[r * 4 * n + n + u] += 1;
  const peep = Float32Array.from(rng.uniformArray(R * 3 * n, -0.5, 0.5));
  const h0 = rng.uniformArray(R * n, -0.5, 0.5);
  const c0 = rng.uniformArray(R * n, -0.5, 0.5);
  const gates = new Float64Array(R * L * B * 4 * n);
  const c = new Float64Array(R * (L + 1) * B * n);
  lstmForward(gates, c, new Float64Array(R * (L + 1) * B * n), W, xproj, b, peep, h0, c0, R, L, B, n);
  const dhOut = Float32Array.from(rng.uniformArray(R * L * B * n, -1, 1));
  return { W, peep, gates: Float32Array.from(gates), c: Float32Array.from(c), dhOut };
}

describe('fused lstmBackward kernels: row-aligned flow, top < L, recomputation segments, unscored steps', () => {
  it('picks the vec4 kernel exactly where n is a multiple of 4', () => {
    expect(SIZES.map((s) => lstmBackwardKernel(s.n))).toEqual([
      'lstmBackwardVec4',
      'lstmBackwardVec4',
      'lstmBackward',
      'lstmBackwardVec4',
      'lstmBackwardVec4',
    ]);
  });

  it('register chunks: 25 rows as 13 + 12 in the vec4 kernel, the scalar one keeps 16 (software) or 8', () => {
    expect(lstmBackwardChunk('lstmBackwardVec4', lstmBlocking(true, 50, 128))).toBe(13);
    expect(lstmBackwardChunk('lstmBackward', lstmBlocking(true, 50, 130))).toBe(16);
    expect(lstmBackwardChunk('lstmBackwardVec4', lstmBlocking(false, 50, 128))).toBe(8);
    expect(lstmBackwardChunk('lstmBackward', lstmBlocking(false, 50, 130))).toBe(8);
  });

  for (const { n, B, L } of SIZES)
    for (const software of [ctx.software, !ctx.software])
      for (const top of [...new Set([L, Math.max(1, L - 2)])])
        for (const storage of [...new Set<Storage>(['full', { recompute: Math.min(3, L) }])]) {
          const blocking = lstmBlocking(software, B, n);
          const what = `${lstmBackwardKernel(n)} n=${n} B=${B} L=${L} top=${top} ${storage === 'full' ? 'full storage' : `segments of ${storage.recompute}`} (${software ? 'software' : 'hardware'} blocking, ${blocking.ROWS} rows a slice)`;
          it(what, async () => {
            const R = RUNS.length;
            const slot = B * n;
            const slot4 = 4 * slot;
            const rng = new Rng(8100 + n + 10 * B + L + top);
            const hyper = recurrentHyper(RUNS);
            const x = inputs(rng, R, L, B, n);
            const unscored = top >= 3 ? 1 : 0;
            const rows = rowsOf(B, top, unscored);
            // what the GPU gets: dhOut 1e3 at the unscored steps (not to be read), gates, c and dhOut NaN past top
            const gatesGpu = x.gates.slice();
            const cGpu = x.c.slice();
            const dhOutGpu = x.dhOut.slice();
            for (let r = 0; r < R; r++) {
              dhOutGpu.fill(1e3, r * L * slot, (r * L + unscored) * slot);
              gatesGpu.fill(Number.NaN, (r * L + top) * slot4, (r + 1) * L * slot4);
              cGpu.fill(Number.NaN, (r * (L + 1) + top + 1) * slot, (r + 1) * (L + 1) * slot);
              dhOutGpu.fill(Number.NaN, (r * L + top) * slot, (r + 1) * L * slot);
            }
            // the reference over the top steps, dhOut 0 at the unscored ones
            const gatesRef = steps(x.gates, R, L, top, 0, top, slot4);
            const cRef = steps(x.c, R, L + 1, top + 1, 0, top + 1, slot);
            const dhOutRef = steps(x.dhOut, R, L, top, 0, top, slot);
            for (let r = 0; r < R; r++) dhOutRef.fill(0, r * top * slot, (r * top + unscored) * slot);
            const want = {
              dz: new Float64Array(R * top * slot4),
              dh0: new Float64Array(R * slot),
              dc0: new Float64Array(R * slot),
              peepGrad: new Float64Array(R * 3 * n),
            };
            const flowTop = new Float64Array(R * (top + 1));
            lstmBackward(
              want.dz,
              want.dh0,
              want.dc0,
              want.peepGrad,
              flowTop,
              hyper,
              x.W,
              x.peep,
              gatesRef,
              cRef,
              dhOutRef,
              R,
              top,
              B,
              n,
              rows,
            );
            // in the buffers' layout for L: index k = t + L - t_b, nothing below L - top
            const flow = new Float64Array(R * (L + 1));
            for (let r = 0; r < R; r++) flow.set(flowTop.subarray(r * (top + 1), (r + 1) * (top + 1)), r * (L + 1) + L - top);

            const segs = segmentsOver(L, top, storage);
            const slots = segs[0].slots;
            const bufs = {
              hyper: uploadF32(device, hyper),
              W: uploadF32(device, x.W),
              peep: uploadF32(device, x.peep),
              gates: storageBuffer(device, R * slots * slot4 * 4),
              c: storageBuffer(device, R * (slots + 1) * slot * 4),
              dhOut: storageBuffer(device, R * slots * slot * 4),
              dz: uploadF32(device, new Float32Array(R * slots * slot4).fill(Number.NaN)),
              dh0: uploadF32(device, new Float32Array(R * slot).fill(Number.NaN)),
              dc0: uploadF32(device, new Float32Array(R * slot).fill(Number.NaN)),
              peepGrad: storageBuffer(device, R * 3 * n * 4),
              flow: storageBuffer(device, R * (L + 1) * 4),
            };
            const plan = await prepareLstmBackward({ ...ctx, software }, { R, L, B, n }, bufs, { segments: segs, unscored, top });
            const pass = async (track: boolean) => {
              plan.setFlow(track, rows);
              const dz = new Float64Array(R * top * slot4);
              for (let s = segs.length - 1; s >= 0; s--) {
                const seg = segs[s];
                device.queue.writeBuffer(bufs.gates, 0, steps(gatesGpu, R, L, slots, seg.start, seg.steps, slot4));
                device.queue.writeBuffer(bufs.c, 0, steps(cGpu, R, L + 1, slots + 1, seg.start, seg.steps + 1, slot));
                device.queue.writeBuffer(bufs.dhOut, 0, steps(dhOutGpu, R, L, slots, seg.start, seg.steps, slot));
                submit(plan.segments[s]);
                const got = await readF32(device, bufs.dz, R * slots * slot4);
                for (let r = 0; r < R; r++)
                  dz.set(got.subarray(r * slots * slot4, (r * slots + seg.steps) * slot4), (r * top + seg.start) * slot4);
              }
              return {
                dz,
                dh0: await readF32(device, bufs.dh0, R * slot),
                dc0: await readF32(device, bufs.dc0, R * slot),
                peepGrad: await readF32(device, bufs.peepGrad, R * 3 * n),
                flow: await readF32(device, bufs.flow, R * (L + 1)),
              };
            };
            const on = await pass(true);
            for (const k of ['dz', 'dh0', 'dc0', 'peepGrad'] as const) expectClose(k, on[k], want[k], TOL);
            expectClose('flow', on.flow, flow, TOL);
            // the clips bind somewhere (run 2, clip 0.01) and the flow is not all zero
            const run2 = on.dz.subarray(2 * top * slot4);
            expect(
              run2.some((v) => Math.abs(v) === Math.fround(0.01)),
              'clip 0.01 binds',
            ).toBe(true);
            expect(flow.some((v) => v > 0)).toBe(true);
            // flow off: the flow delta does nothing, the training gradients are the same
            const off = await pass(false);
            for (const k of ['dz', 'dh0', 'dc0', 'peepGrad'] as const) expectClose(`${k} (flow off)`, off[k], want[k], TOL);
            for (const buf of Object.values(bufs)) buf.destroy();
          });
        }
});
