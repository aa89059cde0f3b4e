/**
 * Recurrent backward op (BPTT), all R runs. Fused (default): ONE dispatch of shaders/rnnBackward.wgsl runs the
 * whole time loop for the training delta (channel 0), a second dispatch of the same kernel carries the
 * gradient-flow delta of Loss_last (channel 1; it returns at once unless setFlow(true, ...) was called), and
 * reduceRows sums the flow partials into flow[r][k], aligned on each row's last scored step (setFlow's rows,
 * src/engine/flowRows.ts; their table sits after the partials in the same scratch). The fused kernel is
 * shaders/rnnBackwardVec4.wgsl where n is a multiple of 4, else shaders/rnnBackward.wgsl (backwardKernel), with
 * the forward's blocking (rnnBlocking, backwardVec4Constants) and register chunks of the forward's cost model
 * (backwardChunk), one pipeline per delta (the kernels' CHANNEL constant, so that each is compiled without the
 * other's code); on a CPU adapter with quad swaps (OpContext.quads) from n = 256 shaders/rnnBackwardQuad.wgsl,
 * bit for bit the vec4 kernel's dh, da and dh0 (QUAD_BACKWARD_MIN_N, backwardQuadConstants). Naive: the same with
 * shaders/rnnBackwardStep.wgsl, one dispatch per step t = L .. 0 and channel (the benchmark's reference path).
 * With recomputation (docs/ENGINE.md, "Recomputation") the op covers the sequence in segments, last to first,
 * each in activation buffers of segment size: per segment one dispatch per delta (naive: one per step t =
 * start+steps .. start and delta); the training delta hands W^T da of a segment's first step to the earlier
 * segment through dh0 (the carry), the flow delta through its da ring; the flow sum runs once, after segment 0.
 * Also preparePreluSlopeGrad: the prelu slope gradient from dh and a (shaders/preluSlopeGrad.wgsl).
 */

import { type FlowRowsInput, flowRowTables } from '../../engine/flowRows.ts';
import { storageBuffer } from '../buffers.ts';
import { ceilDiv, type Dispatch, type Kernel } from '../kernel.ts';
import type { OpContext } from './context.ts';
import { dispatch, type Footprint, type FootprintContext, scratchBuffer, uniforms } from './footprint.ts';
import {
  forwardChunk,
  forwardQuadConstants,
  forwardVec4Constants,
  fullSegment,
  type RnnDims,
  rnnBlocking,
  type Segment,
} from './rnnForward.ts';

export interface RnnBackwardBuffers {
  hyper: GPUBuffer;
  W: GPUBuffer;
  a: GPUBuffer;
  slope: GPUBuffer;
  dhOut: GPUBuffer;
  /** written: total dLoss/dh_t [R][L][B][n] */
  dh: GPUBuffer;
  /** written: dLoss/da_t after the clip [R][L][B][n] */
  da: GPUBuffer;
  /** written: W^T da_1 per batch row [R][B][n] (the trainer sums over B) */
  dh0: GPUBuffer;
  /** written when flow is tracked: [R][L+1] sum over b, i of (dLoss_last/dh_t)^2 at aligned index k = t + L - t_b */
  flow: GPUBuffer;
}

export interface BackwardOptions {
  naive?: boolean;
  /** the segments of the sequence, first to last (default: one, full storage) */
  segments?: Segment[];
  /** steps 1..unscored have no readout gradient: dhOut is not read there (default 0: read at every step) */
  unscored?: number;
  /**
   * the steps the pass computes, top = L' <= L (default L): a shorter text batch's length (docs/ENGINE.md,
   * "Shorter batches"); the segments then cover steps 1..top, the buffers keep their layout for L
   */
  top?: number;
  /**
   * one row table per run (a block with one batch per run, a group over several data streams): setFlow takes
   * each run's rows, the kernel reads run r's table at r * 2B (its ROWSTRIDE constant); default one for all
   */
  perRunRows?: boolean;
  /**
   * the fused kernel to run instead of backwardKernel's pick (tests and benchmarks: the quad kernel at any n on
   * an adapter with quad swaps, the vec4 one beside it); n must be a multiple of 4, and the quad kernel needs
   * a CPU adapter with quad swaps
   */
  kernel?: 'rnnBackwardVec4' | 'rnnBackwardQuad';
}

/** The scratch of a backward op, created once per block and shared by the ops of its other lengths. */
export interface RnnBackwardScratch {
  flowDa: GPUBuffer;
  partials: GPUBuffer;
}

export interface RnnBackwardPlan {
  /** every dispatch in order: the segments last to first, then the flow sum */
  dispatches: Dispatch[];
  /** per segment (indexed as opts.segments), its dispatches; the flow sum is the tail of segment 0's */
  segments: Dispatch[][];
  /**
   * Turns the gradient-flow delta on or off. rows: each row's last scored step t_b and the scale that turns its
   * dhOut_{t_b} into dLoss_last/dh_{t_b} (a number: every row at L with that scale).
   */
  setFlow(track: boolean, rows: FlowRowsInput): void;
  /** whether the flow delta is on now (the last setFlow) */
  readonly tracking: boolean;
  /** its scratch (pass it as `scratch` to the op of another length of the same block) */
  scratch: RnnBackwardScratch;
}

/**
 * The fused backward's kernel: rnnBackwardVec4.wgsl (W, da, a, dhOut and dh as vec4s, 4 inputs a load) where n is
 * a multiple of 4, else rnnBackward.wgsl. Same bindings, blocking, flow alignment and results (to f32 rounding).
 * `quads` (a CPU adapter with quad swaps: OpContext.quads && software): rnnBackwardQuad.wgsl from
 * QUAD_BACKWARD_MIN_N (bit for bit rnnBackwardVec4's dh, da and dh0; the flow to f32 rounding).
 */
export function backwardKernel(n: number, quads = false): 'rnnBackward' | 'rnnBackwardVec4' | 'rnnBackwardQuad' {
  if (quads && n % 4 === 0 && n >= QUAD_BACKWARD_MIN_N) return 'rnnBackwardQuad';
  return n % 4 === 0 ? 'rnnBackwardVec4' : 'rnnBackward';
}

/**
 * The smallest n at which a CPU adapter with quad swaps (OpContext.quads) runs rnnBackwardQuad.wgsl instead of
 * rnnBackwardVec4.wgsl (as the forward's QUAD_FORWARD_MIN_N). The recurrent backward alone (copy T = 100: L = 120,
 * batch 50, 1 run, flow off), Dawn/SwiftShader on 2 cores (load ~1.8, this process), wall clock, medians of 9 (7 at
 * n = 500), interleaved: n = 64 14.1 / 19.6 ms (vec4 / quad), n = 128 42.6 / 49.3, n = 256 132 / 122, n = 500
 * 449 / 371. Its tiles of 28 rows compute 28 for ROWS = 25 (tiles of 16 rows, 32 for 25: n = 500 418 ms, n = 256
 * 138), and a swap costs about 60% of a load, so it pays only where W's loads dominate.
 */
export const QUAD_BACKWARD_MIN_N = 256;

/**
 * The quad backward's constants (shaders/rnnBackwardQuad.wgsl): the quad forward's (forwardQuadConstants):
 * rnnBlocking's ROWS, one quad per tile of 4 unit blocks up to 8 quads (WG 32).
 */
export function backwardQuadConstants(B: number, n: number): { WG: number; ROWS: number } {
  return forwardQuadConstants(B, n);
}

/**
 * Rows per register chunk of the fused backward (CHUNK) on a GPU and in the scalar kernel: the forward's cost
 * model (forwardChunk) over the kernel's registers, 16 in rnnBackwardVec4.wgsl, 8 in rnnBackward.wgsl. 8 rows (a
 * GPU's blocking): one chunk of 8; 25 rows (software, B = 50) in the scalar kernel: 5 of 5. The vec4 kernel in
 * software takes backwardVec4Constants' chunks.
 */
export function backwardChunk(kernel: 'rnnBackward' | 'rnnBackwardVec4', rows: number): number {
  return forwardChunk(rows, kernel === 'rnnBackwardVec4' ? 16 : 8);
}

/**
 * The vec4 backward's constants (shaders/rnnBackwardVec4.wgsl). On a GPU rnnBlocking's WG and ROWS, one unit
 * block per invocation, chunks of backwardChunk. In software the forward's (forwardVec4Constants): each
 * invocation owns UNITS blocks of 4 units, so that one load of da serves UNITS blocks (2 from n = 64, else 1),
 * WG the invocations that have blocks (a multiple of 4, at most 32; the flow partials P count them), in chunks
 * of up to 9 rows (25 rows as 9 + 9 + 7). The recurrent backward alone (copy T = 100: L = 120, batch 50, 1 run,
 * flow off) on SwiftShader, wall clock, interleaved in one process, 2 shared cores
 * (docs/bench/2026-12-04-recurrent-blocks.md): n = 128 (load ~0.5) 52-53 ms with 1 block in chunks of 13 (as
 * before), 43 ms with 2 blocks in chunks of 9 and the kernel's epilogue per step case; 2 blocks in chunks of 13
 * were slower than 1 (64 ms: a register block past ~18 vec4s is kept in memory); n = 500 (load ~2-4, noisy:
 * the fastest of 5) 649 ms with 4 blocks in chunks of 13 (as before), 460 with 2 in chunks of 9.
 */
export function backwardVec4Constants(software: boolean, B: number, n: number): { WG: number; ROWS: number; CHUNK: number; UNITS: number } {
  if (!software) {
    const blocking = rnnBlocking(software, B, n);
    return { ...blocking, CHUNK: backwardChunk('rnnBackwardVec4', blocking.ROWS), UNITS: 1 };
  }
  return forwardVec4Constants(software, B, n);
}

/** Kernel, blocking, workgroups along x, flow partials per run and step (P) and time windows of the backward. */
function rnnBackwardGeometry(software: boolean, quads: boolean, dims: RnnDims, naive: boolean, forced?: BackwardOptions['kernel']) {
  const { B, n } = dims;
  if (forced && (n % 4 !== 0 || (forced === 'rnnBackwardQuad' && !(software && quads))))
    throw new Error(
      `rnnBackward: ${forced} needs n a multiple of 4${forced === 'rnnBackwardQuad' ? ' and a CPU adapter with quad swaps' : ''}`,
    );
  const kernel = naive ? ('rnnBackwardStep' as const) : (forced ?? backwardKernel(n, software && quads));
  const blocking = rnnBlocking(software, B, n);
  // the fused kernel's constants (without CHANNEL): WG, ROWS, CHUNK (and UNITS in the vec4 kernel; the quad
  // kernel has WG and ROWS)
  const constants: Record<string, number> =
    kernel === 'rnnBackwardQuad'
      ? backwardQuadConstants(B, n)
      : kernel === 'rnnBackwardVec4'
        ? backwardVec4Constants(software, B, n)
        : { ...blocking, CHUNK: backwardChunk('rnnBackward', blocking.ROWS) };
  const WG = naive ? 64 : constants.WG;
  const groupsX = naive ? ceilDiv(B * n, WG) : ceilDiv(B, blocking.ROWS);
  // Flow partials: one per invocation (fused) or per element (naive), for each t = 0..L.
  const P = naive ? B * n : groupsX * WG;
  return { kernel, constants, WG, groupsX, P };
}

/** The (tLow, tHigh) windows of one segment, top first: the whole segment, or one step at a time (naive). */
export function backwardWindows(seg: Segment, naive: boolean): [number, number][] {
  const top = seg.start + seg.steps;
  return naive ? Array.from({ length: seg.steps + 1 }, (_, s) => [top - s, top - s]) : [[seg.start, top]];
}

/** The flow delta's 2-slot da, the flow partials [R][P][L+1] + row table, two backward dispatches per window and the flow sum. */
export function rnnBackwardFootprint(fc: FootprintContext, dims: RnnDims, opts: BackwardOptions & { scratch?: boolean } = {}): Footprint {
  const { R, L, B, n } = dims;
  const naive = opts.naive ?? false;
  const g = rnnBackwardGeometry(fc.software, fc.quads, dims, naive, opts.kernel);
  const windows = (opts.segments ?? [fullSegment(L)]).reduce((a, seg) => a + backwardWindows(seg, naive).length, 0);
  // scratch: false for the op of a further length, which shares the first one's
  const scratch =
    opts.scratch === false
      ? []
      : [
          scratchBuffer('rnnBackward.flowDa', R * 2 * B * n * 4, '[R][2][B][n]'),
          scratchBuffer(
            'rnnBackward.flowPartials',
            (R * g.P * (L + 1) + 2 * B * (opts.perRunRows ? R : 1)) * 4,
            `[R][${g.P}][L+1] + ${opts.perRunRows ? '[R]' : ''}[B][2]`,
          ),
        ];
  return {
    buffers: [...scratch, uniforms(g.kernel, 2 * windows), uniforms('reduceRows', 1, 'rnnBackward.flowReduce.params')],
    dispatches: [
      dispatch(g.kernel, g.kernel, [g.groupsX, R, 1], 2 * windows),
      dispatch('rnnBackward flow sum', 'reduceRows', [ceilDiv(L + 1, 64), R, 1]),
    ],
  };
}

export async function prepareRnnBackward(
  ctx: OpContext,
  dims: RnnDims,
  bufs: RnnBackwardBuffers,
  opts: BackwardOptions & { scratch?: RnnBackwardScratch } = {},
): Promise<RnnBackwardPlan> {
  const { R, L, B, n } = dims;
  const naive = opts.naive ?? false;
  const segs = opts.segments ?? [fullSegment(L)];
  const top = opts.top ?? L;
  const { kernel, constants, WG, groupsX, P } = rnnBackwardGeometry(ctx.software, ctx.quads, dims, naive, opts.kernel);
  const rowStride: Record<string, number> = opts.perRunRows ? { ROWSTRIDE: 2 * B } : {};
  // one pipeline per channel (the fused kernels' CHANNEL override; the naive step kernel reads params.channel)
  const ks = naive
    ? [await ctx.kernels.get('rnnBackwardStep', { WG, ...rowStride })]
    : await Promise.all([0, 1].map((CHANNEL) => ctx.kernels.get(kernel, { ...constants, CHANNEL, ...rowStride })));
  const kernelOf = (channel: number) => ks[naive ? 0 : channel];
  // dispatch labels name the op as the profile (src/engine/profile.ts) knows it, whichever fused kernel runs
  const opName = naive ? 'rnnBackwardStep' : 'rnnBackward';
  const flowDa = opts.scratch?.flowDa ?? storageBuffer(ctx.device, R * 2 * B * n * 4, 'rnnBackward.flowDa');
  // the flow partials [R][P][L+1], then the row table [B][2] (t_b, scale_b) the host writes per batch
  const flowLen = R * P * (L + 1);
  const partials =
    opts.scratch?.partials ?? storageBuffer(ctx.device, (flowLen + 2 * B * (opts.perRunRows ? R : 1)) * 4, 'rnnBackward.flowPartials');

  const flowParams: { buffer: GPUBuffer; values: Record<string, number> }[] = [];
  const record = (out: Dispatch[], kernel: Kernel, seg: Segment, channel: number, tLow: number, tHigh: number) => {
    // the training delta's top step of a segment before the last takes its W^T da_{t+1} from the carry (dh0)
    const carryIn = channel === 0 && tHigh === seg.start + seg.steps && tHigh < top ? 1 : 0;
    const window = { T0: seg.start, slots: seg.slots, carryIn, unscored: opts.unscored ?? 0, top };
    const values = { R, L, B, n, tLow, tHigh, channel, trackFlow: 0, daSlots: channel === 0 ? seg.slots : 2, P, ...window };
    const params = kernel.makeParams(values, `${opName}.params[ch${channel} t${tHigh}]`);
    if (channel === 1) flowParams.push({ buffer: params, values });
    const group =
      channel === 0
        ? kernel.bind([params, bufs.hyper, bufs.W, bufs.a, bufs.slope, bufs.dhOut, bufs.dh, bufs.da, bufs.dh0])
        : // the flow delta never writes dh; its da goes to a 2-slot scratch and its partial sums to `partials`
          kernel.bind([params, bufs.hyper, bufs.W, bufs.a, bufs.slope, bufs.dhOut, bufs.dh, flowDa, partials]);
    out.push({ label: `${opName} ch${channel} t=${tHigh}`, kernel, group, workgroups: [groupsX, R, 1] });
  };
  const segments = segs.map((seg) => {
    const out: Dispatch[] = [];
    for (const channel of [0, 1])
      for (const [tLow, tHigh] of backwardWindows(seg, naive)) record(out, kernelOf(channel), seg, channel, tLow, tHigh);
    return out;
  });

  const reduce = await ctx.kernels.get('reduceRows', { WG: 64 });
  const reduceParams = reduce.makeParams({ batch: R, rows: P, cols: L + 1, beta: 0, stride: P * (L + 1) }, 'rnnBackward.flowReduce.params');
  segments[0].push({
    label: 'rnnBackward flow sum',
    kernel: reduce,
    group: reduce.bind([reduceParams, { buffer: partials, offset: 0, size: flowLen * 4 }, bufs.flow]),
    workgroups: [ceilDiv(L + 1, 64), R, 1],
  });

  let tracking = false;
  return {
    dispatches: [...segments].reverse().flat(),
    segments,
    scratch: { flowDa, partials },
    get tracking() {
      return tracking;
    },
    setFlow(track: boolean, rows: FlowRowsInput) {
      tracking = track;
      const table = flowRowTables(L, B, rows, opts.perRunRows ? R : null, 'rnnBackward');
      ctx.device.queue.writeBuffer(partials, flowLen * 4, table);
      for (const p of flowParams) {
        p.values.trackFlow = tracking ? 1 : 0;
        ctx.device.queue.writeBuffer(p.buffer, 0, kernelOf(1).packParams(p.values));
      }
    },
  };
}

export interface PreluSlopeGradBuffers {
  hyper: GPUBuffer;
  dh: GPUBuffer;
  a: GPUBuffer;
  /** written: [R] dLoss/dalpha (overwritten) */
  slopeGrad: GPUBuffer;
}

export function preluSlopeGradFootprint(dims: Pick<RnnDims, 'R'>): Footprint {
  return { buffers: [uniforms('preluSlopeGrad', 1)], dispatches: [dispatch('preluSlopeGrad', 'preluSlopeGrad', [dims.R, 1, 1])] };
}

/**
 * dims.L: the steps summed (a segment's); slots: the steps the buffers hold per run (default L); beta 1 adds to
 * slopeGrad (the segments after the first of a recomputed pass).
 */
export async function preparePreluSlopeGrad(
  ctx: OpContext,
  dims: RnnDims & { slots?: number; beta?: number },
  bufs: PreluSlopeGradBuffers,
): Promise<Dispatch[]> {
  const { R, L, B, n } = dims;
  const WG = ctx.software ? 32 : 256;
  const k = await ctx.kernels.get('preluSlopeGrad', { WG });
  const params = k.makeParams({ R, L, B, n, slots: dims.slots ?? L, beta: dims.beta ?? 0 });
  return [
    { label: 'preluSlopeGrad', kernel: k, group: k.bind([params, bufs.hyper, bufs.dh, bufs.a, bufs.slopeGrad]), workgroups: [R, 1, 1] },
  ];
}
