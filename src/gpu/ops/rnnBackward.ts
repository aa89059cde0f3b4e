/**
 * Recurrent backward op (BPTT), all R runs. Fused (default): ONE dispatch of shaders/rnnBackward.wgsl runs the
 * whole time loop for the training delta (channel 0), a second dispatch of the same kernel carries the
 * gradient-flow delta of Loss_last (channel 1; it returns at once unless setFlow(true, ...) was called), and
 * reduceRows sums the flow partials into flow[r][t]. Naive: the same with shaders/rnnBackwardStep.wgsl, one
 * dispatch per step t = L .. 0 and channel (the benchmark's reference path).
 * Also preparePreluSlopeGrad: the prelu slope gradient from dh and a (shaders/preluSlopeGrad.wgsl).
 */

import { storageBuffer } from '../buffers.ts';
import { ceilDiv, type Dispatch, type Kernel } from '../kernel.ts';
import type { OpContext } from './context.ts';
import { dispatch, type Footprint, type FootprintContext, scratchBuffer, uniforms } from './footprint.ts';
import { type RnnDims, rnnBlocking } from './rnnForward.ts';

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
  /** written when flow is tracked: [R][L+1] sum over b, i of (dLoss_last/dh_t)^2 */
  flow: GPUBuffer;
}

export interface RnnBackwardPlan {
  dispatches: Dispatch[];
  /** Turns the gradient-flow delta on or off; flowScale multiplies dhOut_L to give dLoss_last/dh_L. */
  setFlow(track: boolean, flowScale: number): void;
}

/** Kernel, blocking, workgroups along x, flow partials per run and step (P) and time windows of the backward. */
function rnnBackwardGeometry(software: boolean, dims: RnnDims, naive: boolean) {
  const { L, B, n } = dims;
  const blocking = rnnBlocking(software, B, n);
  const WG = naive ? 64 : blocking.WG;
  const groupsX = naive ? ceilDiv(B * n, WG) : ceilDiv(B, blocking.ROWS);
  // Flow partials: one per invocation (fused) or per element (naive), for each t = 0..L.
  const P = naive ? B * n : groupsX * WG;
  return { kernel: naive ? ('rnnBackwardStep' as const) : ('rnnBackward' as const), blocking, WG, groupsX, P, windows: naive ? L + 1 : 1 };
}

/** The flow delta's 2-slot da, the flow partials [R][P][L+1], two backward dispatches per window and the flow sum. */
export function rnnBackwardFootprint(fc: FootprintContext, dims: RnnDims, opts: { naive?: boolean } = {}): Footprint {
  const { R, L, B, n } = dims;
  const g = rnnBackwardGeometry(fc.software, dims, opts.naive ?? false);
  return {
    buffers: [
      scratchBuffer('rnnBackward.flowDa', R * 2 * B * n * 4, '[R][2][B][n]'),
      scratchBuffer('rnnBackward.flowPartials', R * g.P * (L + 1) * 4, `[R][${g.P}][L+1]`),
      uniforms(g.kernel, 2 * g.windows),
      uniforms('reduceRows', 1, 'rnnBackward.flowReduce.params'),
    ],
    dispatches: [
      dispatch(g.kernel, g.kernel, [g.groupsX, R, 1], 2 * g.windows),
      dispatch('rnnBackward flow sum', 'reduceRows', [ceilDiv(L + 1, 64), R, 1]),
    ],
  };
}

export async function prepareRnnBackward(
  ctx: OpContext,
  dims: RnnDims,
  bufs: RnnBackwardBuffers,
  opts: { naive?: boolean } = {},
): Promise<RnnBackwardPlan> {
  const { R, L, B, n } = dims;
  const naive = opts.naive ?? false;
  const { blocking, WG, groupsX, P } = rnnBackwardGeometry(ctx.software, dims, naive);
  const k = naive ? await ctx.kernels.get('rnnBackwardStep', { WG }) : await ctx.kernels.get('rnnBackward', { ...blocking });
  const flowDa = storageBuffer(ctx.device, R * 2 * B * n * 4, 'rnnBackward.flowDa');
  const partials = storageBuffer(ctx.device, R * P * (L + 1) * 4, 'rnnBackward.flowPartials');
  const steps: [number, number][] = naive ? Array.from({ length: L + 1 }, (_, s) => [L - s, L - s]) : [[0, L]];

  const flowParams: { buffer: GPUBuffer; values: Record<string, number> }[] = [];
  const dispatches: Dispatch[] = [];
  const record = (kernel: Kernel, channel: number, tLow: number, tHigh: number) => {
    const values = { R, L, B, n, tLow, tHigh, channel, trackFlow: 0, flowScale: 1, daSlots: channel === 0 ? L : 2, P };
    const params = kernel.makeParams(values, `${kernel.name}.params[ch${channel} t${tHigh}]`);
    if (channel === 1) flowParams.push({ buffer: params, values });
    const group =
      channel === 0
        ? kernel.bind([params, bufs.hyper, bufs.W, bufs.a, bufs.slope, bufs.dhOut, bufs.dh, bufs.da, bufs.dh0])
        : // the flow delta never writes dh; its da goes to a 2-slot scratch and its partial sums to `partials`
          kernel.bind([params, bufs.hyper, bufs.W, bufs.a, bufs.slope, bufs.dhOut, bufs.dh, flowDa, partials]);
    dispatches.push({ label: `${kernel.name} ch${channel} t=${tHigh}`, kernel, group, workgroups: [groupsX, R, 1] });
  };
  for (const channel of [0, 1]) for (const [tLow, tHigh] of steps) record(k, channel, tLow, tHigh);

  const reduce = await ctx.kernels.get('reduceRows', { WG: 64 });
  const reduceParams = reduce.makeParams({ batch: R, rows: P, cols: L + 1, beta: 0 }, 'rnnBackward.flowReduce.params');
  dispatches.push({
    label: 'rnnBackward flow sum',
    kernel: reduce,
    group: reduce.bind([reduceParams, partials, bufs.flow]),
    workgroups: [ceilDiv(L + 1, 64), R, 1],
  });

  let tracking = false;
  return {
    dispatches,
    setFlow(track: boolean, flowScale: number) {
      tracking = track;
      for (const p of flowParams) {
        p.values.trackFlow = tracking ? 1 : 0;
        p.values.flowScale = flowScale;
        ctx.device.queue.writeBuffer(p.buffer, 0, k.packParams(p.values));
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

export function preluSlopeGradFootprint(dims: RnnDims): Footprint {
  return { buffers: [uniforms('preluSlopeGrad', 1)], dispatches: [dispatch('preluSlopeGrad', 'preluSlopeGrad', [dims.R, 1, 1])] };
}

export async function preparePreluSlopeGrad(ctx: OpContext, dims: RnnDims, bufs: PreluSlopeGradBuffers): Promise<Dispatch[]> {
  const { R, L, B, n } = dims;
  const WG = ctx.software ? 32 : 256;
  const k = await ctx.kernels.get('preluSlopeGrad', { WG });
  const params = k.makeParams({ R, L, B, n });
  return [
    { label: 'preluSlopeGrad', kernel: k, group: k.bind([params, bufs.hyper, bufs.dh, bufs.a, bufs.slopeGrad]), workgroups: [R, 1, 1] },
  ];
}
