/**
 * Recurrent forward op: a_t = W h_{t-1} + xproj_t + b, h_t = f(g a_t) for t = 1..L, all R runs.
 * Fused (default): ONE dispatch of shaders/rnnForward.wgsl runs the whole time loop. Naive: L dispatches of
 * shaders/rnnForwardStep.wgsl (one per step, one output element per invocation), the benchmark's reference path.
 * With recomputation (docs/ENGINE.md, "Recomputation") the op runs one segment of the sequence (`segment`) in
 * activation buffers of segment size: one dispatch (fused) or one per step of the segment (naive).
 */
import { ceilDiv, type Dispatch } from '../kernel.ts';
import type { OpContext } from './context.ts';
import { dispatch, type Footprint, type FootprintContext, uniforms } from './footprint.ts';

export interface RnnDims {
  R: number;
  L: number;
  B: number;
  n: number;
}

/**
 * The steps a recurrent op covers and where they are stored: steps start+1 .. start+steps of the sequence, in
 * activation buffers holding `slots` steps whose slot 0 is the state after step `start`. Full storage is one
 * segment {start: 0, steps: L, slots: L}; recomputation with segment length k has segments start = 0, k, 2k, ...
 * of k steps (the last one shorter when k does not divide L), all with slots = k.
 */
export interface Segment {
  start: number;
  steps: number;
  slots: number;
}

/** The whole sequence in buffers of L steps (full storage). */
export function fullSegment(L: number): Segment {
  return { start: 0, steps: L, slots: L };
}

export interface RnnForwardBuffers {
  hyper: GPUBuffer;
  W: GPUBuffer;
  xproj: GPUBuffer;
  b: GPUBuffer;
  h0: GPUBuffer;
  slope: GPUBuffer;
  a: GPUBuffer;
  h: GPUBuffer;
}

export interface RnnBlocking {
  /** invocations per workgroup */
  WG: number;
  /** batch rows per workgroup (<= 32, the shaders' MAX_ROWS) */
  ROWS: number;
}

/**
 * Blocking of the fused recurrent kernels (forward and backward). Each invocation owns blocks of 4 units x ROWS
 * batch rows. SwiftShader runs a workgroup on one CPU thread with invocations as SIMD lanes: few invocations
 * (32), many rows per invocation (up to 25) and at least two workgroups for two cores (B = 50 -> 2 x 25).
 * A GPU wants every unit block covered by its own invocation (WG up to 256) and more, smaller row slices.
 */
export function rnnBlocking(software: boolean, B: number, n: number): RnnBlocking {
  const maxRows = software ? 25 : 8;
  const ROWS = ceilDiv(B, ceilDiv(B, maxRows));
  const WG = software ? 32 : Math.min(256, Math.max(32, ceilDiv(ceilDiv(n, 4), 32) * 32));
  return { WG, ROWS };
}

/**
 * Rows per register chunk of the fused forward (shaders/rnnForward.wgsl CHUNK, 1..8) for ROWS rows per
 * workgroup: the chunk size with the least work per step, counting per unit block and input unit 4 loads of W
 * per chunk and, per row computed, one load of h and one vec4 multiply-add. 25 rows: 5 chunks of 5 (70),
 * where chunks of 8 (80) computed 32 rows for 25; 8 rows (a GPU's blocking): one chunk of 8. `max`: the most
 * registers the kernel has (the vec4 backward has 16: 25 rows as 13 + 12, cost 60; src/gpu/ops/rnnBackward.ts).
 */
export function forwardChunk(rows: number, max = 8): number {
  let best = max;
  let bestCost = Infinity;
  for (let c = max; c >= 1; c--) {
    const chunks = ceilDiv(rows, c);
    const cost = chunks * (4 + 2 * c);
    if (cost < bestCost) {
      best = c;
      bestCost = cost;
    }
  }
  return best;
}

/**
 * The fused forward's kernel: rnnForwardVec4.wgsl (W, xproj, a and h as vec4s, 4 inputs a load) where n is a
 * multiple of 4, else rnnForward.wgsl. Same bindings, blocking and results (to f32 rounding). The forward at
 * copy T = 100, batch 50, n = 128 on SwiftShader: 1410 -> 1076 ms median (min 1006 -> 834) with the machine
 * at load ~37 on 2 cores, interleaved in one process.
 */
export function forwardKernel(n: number, quads = false): 'rnnForward' | 'rnnForwardVec4' | 'rnnForwardQuad' {
  if (quads && n % 4 === 0 && n >= QUAD_FORWARD_MIN_N) return 'rnnForwardQuad';
  return n % 4 === 0 ? 'rnnForwardVec4' : 'rnnForward';
}

/**
 * The smallest n at which a CPU adapter with quad swaps (OpContext.quads) runs rnnForwardQuad.wgsl instead of
 * rnnForwardVec4.wgsl. The recurrent forward alone (copy T = 100: L = 120, batch 50, 1 run), Dawn/SwiftShader
 * on 2 idle cores, wall clock, medians of 9 (5 at n = 256, 3 at n = 500), interleaved, vec4 / quad with tiles of
 * 28 rows: n = 64 11.2 / 10.9 ms, n = 128 34.7 / 34.7, n = 256 114 / 94, n = 500 395 / 296 (with tiles of 16
 * rows, which compute 32 rows for 25: n = 64 11.9, n = 256 105, n = 500 351). A quad swap costs about 60% of a
 * storage load here (without its swaps the 16-row kernel took 28 ms at n = 128, without loads and swaps 18), so
 * it pays only where W's loads dominate; the backward's threshold is the same (rnnBackward.ts).
 */
export const QUAD_FORWARD_MIN_N = 256;

/**
 * The quad forward's constants (shaders/rnnForwardQuad.wgsl, a CPU adapter with quad swaps: OpContext.quads):
 * rnnBlocking's ROWS, and one quad per tile of 4 unit blocks up to 8 quads (WG 32, as rnnForwardVec4's most).
 * n = 128: 8 tiles, one each; n = 500: 32 tiles, 4 per quad.
 */
export function forwardQuadConstants(B: number, n: number): { WG: number; ROWS: number } {
  const tiles = ceilDiv(ceilDiv(n, 4), 4);
  return { WG: 4 * Math.min(8, tiles), ROWS: rnnBlocking(true, B, n).ROWS };
}

/**
 * The vec4 forward's constants (shaders/rnnForwardVec4.wgsl): rnnBlocking's ROWS; on a GPU its WG, one unit
 * block per invocation and chunks of forwardChunk(ROWS) rows, as before. In software each invocation owns
 * UNITS blocks of 4 units, so that one load of h serves UNITS blocks: 2 from n = 64, else 1 (n = 128: 16
 * invocations of 2 blocks; n = 500: 63 pairs of blocks, twice round 32 invocations), in chunks of up to 9 rows
 * (forwardChunk(ROWS, 9): 25 rows as 9 + 9 + 7); WG the invocations that have blocks (a multiple of 4, the SIMD
 * width, at most 32). Fewer accumulators than the loads alone would pick (4 blocks in chunks of 13 cut the loads
 * per multiply-add further) run faster on SwiftShader: a register block of UNITS x CHUNK vec4s past ~18 is
 * slower (kept in memory, not registers). The recurrent forward alone (copy T = 100: L = 120, batch 50, 1 run)
 * on SwiftShader, wall clock, interleaved in one process, 2 shared cores: n = 128 (load ~0.5-3) 2 x 13 rows
 * 42-44 ms, 2 x 9 rows 36-37 ms, and without the separate h0 product of step 1 (h_0 is in h's slot 0) 34 ms;
 * n = 500 (load ~2-4, noisy: the fastest of 5) 4 x 13 rows 517 ms, 2 x 9 rows 417 ms
 * (docs/bench/2026-12-04-recurrent-blocks.md). Earlier (4 blocks from n = 256, chunks of 13) against one block
 * per invocation in chunks of 5: n = 500 1847 -> 1123 ms, n = 128 126 -> 105 ms (GPU timestamps, at load ~4-5,
 * docs/bench/2026-12-03-n500-swiftshader.md).
 */
export function forwardVec4Constants(software: boolean, B: number, n: number): { WG: number; ROWS: number; CHUNK: number; UNITS: number } {
  const blocking = rnnBlocking(software, B, n);
  if (!software) return { ...blocking, CHUNK: forwardChunk(blocking.ROWS), UNITS: 1 };
  const nb = ceilDiv(n, 4);
  const UNITS = n >= 64 ? 2 : 1;
  const WG = Math.min(32, 4 * ceilDiv(ceilDiv(nb, UNITS), 4));
  return { WG, ROWS: blocking.ROWS, CHUNK: forwardChunk(blocking.ROWS, 9), UNITS };
}

export interface RecurrentOptions {
  naive?: boolean;
  /** the part of the sequence this op covers (default: all of it, full storage) */
  segment?: Segment;
}

/** One uniform and one dispatch (fused), or one of each per step of the segment (naive). */
export function rnnForwardFootprint(fc: FootprintContext, dims: RnnDims, opts: RecurrentOptions = {}): Footprint {
  const { R, L, B, n } = dims;
  const steps = (opts.segment ?? fullSegment(L)).steps;
  if (opts.naive)
    return {
      buffers: [uniforms('rnnForwardStep', steps)],
      dispatches: [dispatch('rnnForwardStep', 'rnnForwardStep', [ceilDiv(B * n, 64), R, 1], steps)],
    };
  const { ROWS } = rnnBlocking(fc.software, B, n);
  const kernel = forwardKernel(n, fc.software && fc.quads);
  return { buffers: [uniforms(kernel, 1)], dispatches: [dispatch('rnnForward', kernel, [ceilDiv(B, ROWS), R, 1])] };
}

export async function prepareRnnForward(
  ctx: OpContext,
  dims: RnnDims,
  bufs: RnnForwardBuffers,
  opts: RecurrentOptions = {},
): Promise<Dispatch[]> {
  const { R, L, B, n } = dims;
  const seg = opts.segment ?? fullSegment(L);
  const window = { T0: seg.start, slots: seg.slots };
  const bindings = (params: GPUBuffer) => [params, bufs.hyper, bufs.W, bufs.xproj, bufs.b, bufs.h0, bufs.slope, bufs.a, bufs.h];
  if (opts.naive) {
    const WG = 64;
    const k = await ctx.kernels.get('rnnForwardStep', { WG });
    const out: Dispatch[] = [];
    for (let t = seg.start; t < seg.start + seg.steps; t++) {
      const params = k.makeParams({ R, L, B, n, tStart: t, tEnd: t + 1, ...window }, `rnnForwardStep.params[${t}]`);
      out.push({ label: `rnnForwardStep t=${t + 1}`, kernel: k, group: k.bind(bindings(params)), workgroups: [ceilDiv(B * n, WG), R, 1] });
    }
    return out;
  }
  const blocking = rnnBlocking(ctx.software, B, n);
  const kernel = forwardKernel(n, ctx.software && ctx.quads);
  const k = await ctx.kernels.get(
    kernel,
    kernel === 'rnnForwardQuad'
      ? forwardQuadConstants(B, n)
      : kernel === 'rnnForwardVec4'
        ? forwardVec4Constants(ctx.software, B, n)
        : { ...blocking, CHUNK: forwardChunk(blocking.ROWS) },
  );
  const full = seg.start === 0 && seg.steps === L;
  const params = k.makeParams({ R, L, B, n, tStart: seg.start, tEnd: seg.start + seg.steps, ...window });
  const label = full ? 'rnnForward' : `rnnForward t=${seg.start + 1}..${seg.start + seg.steps}`;
  return [{ label, kernel: k, group: k.bind(bindings(params)), workgroups: [ceilDiv(B, blocking.ROWS), R, 1] }];
}
