/**
 * LSTM recurrent ops (docs/ENGINE.md, "The LSTM cell"), all R runs of a block of LSTM runs.
 * Forward: ONE dispatch of shaders/lstmForward.wgsl runs the whole time loop (gates, c, h). Backward: ONE
 * dispatch of shaders/lstmBackwardVec4.wgsl (n a multiple of 4; else shaders/lstmBackward.wgsl,
 * lstmBackwardKernel) for the training delta (channel 0: dz, dh0, dc0, peephole partials), a
 * second for the gradient-flow delta of Loss_last (channel 1; it returns at once unless setFlow(true, ...) was
 * called), then reduceRows sums the flow partials into flow[r][t] and the peephole partials into peepGrad.
 * Naive (the benchmark's one-dispatch-per-step reference path): the same kernels with the same blocking,
 * dispatched once per step (forward k = 0..L-1; backward t = L..0 per channel). The kernels carry their state
 * across dispatches (h, c; dz, the dc scratch, the peephole partials), so both paths give the same numbers.
 * Measured on SwiftShader (2 cores; L = 120, B = 50, n = 128, one run): forward ~0.39 s fused vs ~0.47 s naive,
 * backward (flow off) ~0.54 s either way: the naive path differs only by its dispatches, not its arithmetic.
 * With recomputation (docs/ENGINE.md, "Recomputation") the forward runs one segment in activation buffers of
 * segment size, and the backward covers the segments last to first (one window per segment and delta, naive: one
 * per step); the training delta hands W^T dz of a segment's first step to the earlier segment through dh0 (the
 * carry), dc_next and the peephole partials carry in the scratch as between naive windows, the flow delta's
 * dz ring is indexed by the global step; the two sums run once, after segment 0.
 * When flow is not tracked the flow sum still runs and flow[] holds whatever the partials held (as for the RNN):
 * read it only after an iteration with setFlow(true, ...).
 */

import { type FlowRowsInput, flowRowTables } from '../../engine/flowRows.ts';
import { storageBuffer } from '../buffers.ts';
import { ceilDiv, type Dispatch, type Kernel } from '../kernel.ts';
import type { OpContext } from './context.ts';
import { dispatch, type Footprint, type FootprintContext, scratchBuffer, uniforms } from './footprint.ts';
import { type BackwardOptions, backwardWindows } from './rnnBackward.ts';
import { forwardChunk, fullSegment, type RecurrentOptions, rnnBlocking, type Segment } from './rnnForward.ts';

export interface LstmDims {
  R: number;
  L: number;
  B: number;
  n: number;
}

export interface LstmForwardBuffers {
  /** not read (the forward has no per-run setting); accepted so callers can pass the RNN-style set */
  hyper?: GPUBuffer;
  /** [R][4n][n], gate blocks i, f, g, o of n rows each */
  W: GPUBuffer;
  /** [R][L][B][4n] W_in x_t WITHOUT the bias (the kernel adds b) */
  xproj: GPUBuffer;
  /** [R][4n] */
  b: GPUBuffer;
  /** [R][3][n] p_i, p_f, p_o */
  peep: GPUBuffer;
  /** [R][n] */
  h0: GPUBuffer;
  /** [R][n] */
  c0: GPUBuffer;
  /** written: [R][L][B][4n] activations i, f, g, o */
  gates: GPUBuffer;
  /** written: [R][L+1][B][n], slot 0 = c0 */
  c: GPUBuffer;
  /** written: [R][L+1][B][n], slot 0 = h0 */
  h: GPUBuffer;
}

export interface LstmBlocking {
  /** invocations per workgroup */
  WG: number;
  /** batch rows per workgroup (the forward computes them in register chunks of 4 rows) */
  ROWS: number;
  /** rows per register chunk of the scalar backward (lstmBackward.wgsl): 16 or 8; the vec4 one: lstmBackwardChunk */
  CHUNK: number;
}

/**
 * Blocking of the fused LSTM kernels (forward and backward use the same WG and ROWS; the backward's flow and
 * peephole partials are laid out by its WG and slice count, which the op accounts for). A workgroup owns all n units of ROWS batch rows; an invocation owns blocks of 4
 * units. SwiftShader runs a workgroup on one CPU thread with the invocations as SIMD lanes: few invocations
 * (32), many rows per invocation (up to 25) and at least two workgroups for two cores (B = 50 -> 2 x 25); the
 * backward reads W once per chunk of 16 rows (measured at B = 50, n = 128: 16-row chunks ~20% faster than 8-row
 * ones despite computing 32 rows for 25, 2 x 25 rows ~25% faster than 3 x 17 in both kernels). A GPU wants every
 * unit block covered by its own invocation (WG up to 256) and more, smaller row slices (8 rows, backward chunks
 * of 8).
 */
export function lstmBlocking(software: boolean, B: number, n: number): LstmBlocking {
  // the same workgroup shape as the RNN kernels (a workgroup owns all units of a slice of rows)
  const { WG, ROWS } = rnnBlocking(software, B, n);
  const CHUNK = software && ROWS > 8 ? 16 : 8;
  return { WG, ROWS, CHUNK };
}

/**
 * The fused LSTM backward's kernel: lstmBackwardVec4.wgsl (W and dz as vec4s, 4 inputs a load) where n is a
 * multiple of 4, else lstmBackward.wgsl. Same bindings, blocking, flow alignment and results (to f32 rounding).
 */
export function lstmBackwardKernel(n: number): 'lstmBackward' | 'lstmBackwardVec4' {
  return n % 4 === 0 ? 'lstmBackwardVec4' : 'lstmBackward';
}

/**
 * Rows per register chunk of the fused LSTM backward (CHUNK): the scalar kernel's lstmBlocking CHUNK (16 or 8);
 * the vec4 kernel's any 1..16 rows by the forward's cost model (forwardChunk, as rnnBackward.ts backwardChunk):
 * 25 rows (software, B = 50) as 13 + 12, 8 rows (a GPU's blocking) as one chunk of 8.
 */
export function lstmBackwardChunk(kernel: 'lstmBackward' | 'lstmBackwardVec4', blocking: LstmBlocking): number {
  return kernel === 'lstmBackwardVec4' ? forwardChunk(blocking.ROWS, 16) : blocking.CHUNK;
}

/** One uniform and one dispatch per window of steps (the segment, or one step at a time when naive). */
export function lstmForwardFootprint(fc: FootprintContext, dims: LstmDims, opts: RecurrentOptions = {}): Footprint {
  const { R, L, B, n } = dims;
  const windows = opts.naive ? (opts.segment ?? fullSegment(L)).steps : 1;
  const groups: [number, number, number] = [ceilDiv(B, lstmBlocking(fc.software, B, n).ROWS), R, 1];
  return { buffers: [uniforms('lstmForward', windows)], dispatches: [dispatch('lstmForward', 'lstmForward', groups, windows)] };
}

export async function prepareLstmForward(
  ctx: OpContext,
  dims: LstmDims,
  bufs: LstmForwardBuffers,
  opts: RecurrentOptions = {},
): Promise<Dispatch[]> {
  const { R, L, B, n } = dims;
  const seg = opts.segment ?? fullSegment(L);
  const blocking = lstmBlocking(ctx.software, B, n);
  const k = await ctx.kernels.get('lstmForward', { WG: blocking.WG, ROWS: blocking.ROWS });
  const groups: [number, number, number] = [ceilDiv(B, blocking.ROWS), R, 1];
  const end = seg.start + seg.steps;
  const windows: [number, number][] = opts.naive
    ? Array.from({ length: seg.steps }, (_, t) => [seg.start + t, seg.start + t + 1])
    : [[seg.start, end]];
  const full = seg.start === 0 && seg.steps === L;
  return windows.map(([tStart, tEnd]) => {
    const params = k.makeParams({ R, L, B, n, tStart, tEnd, T0: seg.start, slots: seg.slots }, `lstmForward.params[${tStart}..${tEnd}]`);
    const group = k.bind([params, bufs.W, bufs.xproj, bufs.b, bufs.peep, bufs.h0, bufs.c0, bufs.gates, bufs.c, bufs.h]);
    const label = opts.naive ? `lstmForward t=${tEnd}` : full ? 'lstmForward' : `lstmForward t=${tStart + 1}..${tEnd}`;
    return { label, kernel: k, group, workgroups: groups };
  });
}

export interface LstmBackwardBuffers {
  /** [R][16]; the kernel reads CLIP */
  hyper: GPUBuffer;
  W: GPUBuffer;
  peep: GPUBuffer;
  /** from the forward: [R][L][B][4n] */
  gates: GPUBuffer;
  /** from the forward: [R][L+1][B][n] */
  c: GPUBuffer;
  /** dLoss/dh_t from the readout [R][L][B][n] (zero where not scored) */
  dhOut: GPUBuffer;
  /** written: dLoss/dz_t after the clip [R][L][B][4n] (feeds dW, dW_in, db) */
  dz: GPUBuffer;
  /** written: W^T dz_1 per batch row [R][B][n] (the trainer sums over B) */
  dh0: GPUBuffer;
  /** written: dc_prev of step 1 per batch row [R][B][n] (the trainer sums over B) */
  dc0: GPUBuffer;
  /** written (overwritten): [R][3][n] dLoss/dp_i, dp_f, dp_o */
  peepGrad: GPUBuffer;
  /** written when flow is tracked: [R][L+1] sum over b, u of (dLoss_last/dh_t)^2 */
  flow: GPUBuffer;
}

export interface LstmBackwardPlan {
  /** every dispatch in order: the segments last to first, then the two sums */
  dispatches: Dispatch[];
  /** per segment (indexed as opts.segments), its dispatches; the sums are the tail of segment 0's */
  segments: Dispatch[][];
  /**
   * Turns the gradient-flow delta on or off. rows: each row's last scored step t_b and the scale that turns its
   * dhOut_{t_b} into dLoss_last/dh_{t_b} (a number: every row at L with that scale; src/engine/flowRows.ts).
   */
  setFlow(track: boolean, rows: FlowRowsInput): void;
  /** whether the flow delta is on now (the last setFlow) */
  readonly tracking: boolean;
  /** its scratch (pass it as `scratch` to the op of another length of the same block) */
  scratch: LstmBackwardScratch;
}

/** The scratch of an LSTM backward op, created once per block and shared by the ops of its other lengths. */
export interface LstmBackwardScratch {
  aux: GPUBuffer[];
  flowDz: GPUBuffer;
}

/** Sizes (in floats) of the backward's scratch: its partial sums and dc scratch per channel, the flow delta's dz. */
function lstmBackwardGeometry(software: boolean, dims: LstmDims) {
  const { R, L, B, n } = dims;
  const blocking = lstmBlocking(software, B, n);
  const S = ceilDiv(B, blocking.ROWS);
  // flow partials: one per invocation for each t = 0..L
  const P = S * blocking.WG;
  const peepLen = R * S * 3 * n;
  const flowLen = R * P * (L + 1);
  const dcLen = R * B * n;
  const kernel = lstmBackwardKernel(n);
  return { kernel, blocking, S, P, peepLen, flowLen, dcLen, flowDzLen: R * 2 * B * 4 * n };
}

/** Two scratch buffers of partial sums, the flow delta's dz, two backward dispatches per window, two reductions. */
export function lstmBackwardFootprint(fc: FootprintContext, dims: LstmDims, opts: BackwardOptions & { scratch?: boolean } = {}): Footprint {
  const { R, L, n } = dims;
  const g = lstmBackwardGeometry(fc.software, dims);
  const windows = (opts.segments ?? [fullSegment(L)]).reduce((a, seg) => a + backwardWindows(seg, opts.naive ?? false).length, 0);
  // scratch: false for the op of a further length, which shares the first one's
  const scratch =
    opts.scratch === false
      ? []
      : [
          scratchBuffer('lstmBackward.aux[training]', (g.peepLen + g.dcLen) * 4, '[R][S][3][n] + [R][B][n]'),
          scratchBuffer(
            'lstmBackward.aux[flow]',
            (g.flowLen + g.dcLen + 2 * dims.B * (opts.perRunRows ? R : 1)) * 4,
            `[R][S*WG][L+1] + [R][B][n] + ${opts.perRunRows ? '[R]' : ''}[B][2]`,
          ),
          scratchBuffer('lstmBackward.flowDz', g.flowDzLen * 4, '[R][2][B][4n]'),
        ];
  return {
    buffers: [...scratch, uniforms(g.kernel, 2 * windows), uniforms('reduceRows', 2, 'lstmBackward.reduce.params')],
    dispatches: [
      dispatch(g.kernel, g.kernel, [g.S, R, 1], 2 * windows),
      dispatch('lstmBackward flow sum', 'reduceRows', [ceilDiv(L + 1, 64), R, 1]),
      dispatch('lstmBackward peephole sum', 'reduceRows', [ceilDiv(3 * n, 64), R, 1]),
    ],
  };
}

export async function prepareLstmBackward(
  ctx: OpContext,
  dims: LstmDims,
  bufs: LstmBackwardBuffers,
  opts: BackwardOptions & { scratch?: LstmBackwardScratch } = {},
): Promise<LstmBackwardPlan> {
  const { R, L, B, n } = dims;
  const segs = opts.segments ?? [fullSegment(L)];
  const top = opts.top ?? L;
  const { kernel, blocking, S, P, peepLen, flowLen, dcLen, flowDzLen } = lstmBackwardGeometry(ctx.software, dims);
  // one row table per run (a block with one batch per run): the kernel reads run r's at r * 2B
  const rowTables = opts.perRunRows ? R : 1;
  const rowStride: Record<string, number> = opts.perRunRows ? { ROWSTRIDE: 2 * B } : {};
  const k = await ctx.kernels.get(kernel, { ...blocking, CHUNK: lstmBackwardChunk(kernel, blocking), ...rowStride });
  // Scratch of each channel: its partial sums at element 0 (reduceRows reads them from there), then its dc
  // scratch; the flow channel's then holds the row table [B][2] (t_b, scale_b) the host writes per batch.
  const aux = opts.scratch?.aux ?? [
    storageBuffer(ctx.device, (peepLen + dcLen) * 4, 'lstmBackward.aux[training]'),
    storageBuffer(ctx.device, (flowLen + dcLen + 2 * B * rowTables) * 4, 'lstmBackward.aux[flow]'),
  ];
  const dcOff = [peepLen, flowLen];
  const flowDz = opts.scratch?.flowDz ?? storageBuffer(ctx.device, flowDzLen * 4, 'lstmBackward.flowDz');

  const flowParams: { buffer: GPUBuffer; values: Record<string, number> }[] = [];
  const record = (out: Dispatch[], kernel: Kernel, seg: Segment, channel: number, tLow: number, tHigh: number) => {
    // the training delta's top step of a segment before the last takes its W^T dz_{t+1} from the carry (dh0)
    const carryIn = channel === 0 && tHigh === seg.start + seg.steps && tHigh < top ? 1 : 0;
    const values = {
      R,
      L,
      B,
      n,
      tLow,
      tHigh,
      channel,
      trackFlow: 0,
      dzSlots: channel === 0 ? seg.slots : 2,
      P,
      S,
      dcOff: dcOff[channel],
      T0: seg.start,
      slots: seg.slots,
      carryIn,
      unscored: opts.unscored ?? 0,
      top,
    };
    const params = kernel.makeParams(values, `lstmBackward.params[ch${channel} t${tHigh}..${tLow}]`);
    if (channel === 1) flowParams.push({ buffer: params, values });
    // the flow delta's dz goes to a 2-slot scratch; it binds dh0 and dc0 but never writes them
    const dz = channel === 0 ? bufs.dz : flowDz;
    const group = kernel.bind([
      params,
      bufs.hyper,
      bufs.W,
      bufs.peep,
      bufs.gates,
      bufs.c,
      bufs.dhOut,
      dz,
      bufs.dh0,
      bufs.dc0,
      aux[channel],
    ]);
    const label = `lstmBackward ch${channel} ${opts.naive ? `t=${tHigh}` : `t=${tHigh}..${tLow}`}`;
    out.push({ label, kernel, group, workgroups: [S, R, 1] });
  };
  const segments = segs.map((seg) => {
    const out: Dispatch[] = [];
    for (const channel of [0, 1])
      for (const [tLow, tHigh] of backwardWindows(seg, opts.naive ?? false)) record(out, k, seg, channel, tLow, tHigh);
    return out;
  });

  const reduce = await ctx.kernels.get('reduceRows', { WG: 64 });
  const flowSum = reduce.makeParams({ batch: R, rows: P, cols: L + 1, beta: 0, stride: P * (L + 1) }, 'lstmBackward.flowReduce.params');
  segments[0].push({
    label: 'lstmBackward flow sum',
    kernel: reduce,
    group: reduce.bind([flowSum, { buffer: aux[1], offset: 0, size: flowLen * 4 }, bufs.flow]),
    workgroups: [ceilDiv(L + 1, 64), R, 1],
  });
  const peepSum = reduce.makeParams({ batch: R, rows: S, cols: 3 * n, beta: 0, stride: S * 3 * n }, 'lstmBackward.peepReduce.params');
  segments[0].push({
    label: 'lstmBackward peephole sum',
    kernel: reduce,
    group: reduce.bind([peepSum, { buffer: aux[0], offset: 0, size: peepLen * 4 }, bufs.peepGrad]),
    workgroups: [ceilDiv(3 * n, 64), R, 1],
  });

  let tracking = false;
  return {
    dispatches: [...segments].reverse().flat(),
    segments,
    scratch: { aux, flowDz },
    get tracking() {
      return tracking;
    },
    setFlow(track: boolean, rows: FlowRowsInput) {
      tracking = track;
      const table = flowRowTables(L, B, rows, opts.perRunRows ? R : null, 'lstmBackward');
      ctx.device.queue.writeBuffer(aux[1], (flowLen + dcLen) * 4, table);
      for (const p of flowParams) {
        p.values.trackFlow = track ? 1 : 0;
        ctx.device.queue.writeBuffer(p.buffer, 0, k.packParams(p.values));
      }
    },
  };
}
