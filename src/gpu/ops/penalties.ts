/**
 * Penalties added to the training loss (docs/SCIENCE.md section 4), each adding its gradient into a gradient buffer and
 * writing its value per run into a stats buffer:
 * - prepareOrthPenalty: lambda ||W^T W - I||_F^2 and wd ||W||_F^2 on the recurrent W, given C = W^T W and
 *   Q = W C from the matmul kernel; dW += 4 lambda (Q - W) + 2 wd W.
 * - prepareWeightDecay: wd ||w||_F^2 on a free matrix (W_in, W_out); g += 2 wd w.
 * Two dispatches each (partial sums per workgroup, then one sum per run). Kernels: shaders/orthPenalty.wgsl,
 * shaders/weightDecay.wgsl.
 */

import { storageBuffer } from '../buffers.ts';
import { ceilDiv, type Dispatch, type Kernel } from '../kernel.ts';
import type { OpContext } from './context.ts';
import { dispatch, type Footprint, type FootprintContext, scratchBuffer, uniforms } from './footprint.ts';

interface PenaltyDims {
  R: number;
  /** Number of workgroups per run in the first pass (default chosen from the size and the adapter). */
  groups?: number;
  /** Values go to stats[r * statsStride + statsOffset + k]. */
  statsStride?: number;
  statsOffset?: number;
}

function choose(software: boolean, elements: number, groups?: number): { wg: number; groups: number } {
  const wg = software ? 64 : 256;
  const auto = software ? Math.min(4, ceilDiv(elements, wg * 16)) : Math.min(256, ceilDiv(elements, wg * 4));
  return { wg, groups: Math.max(1, groups ?? auto) };
}

/** The two-phase penalty dispatches: partial sums per workgroup, then (withSum) one sum per run. */
function twoPhaseFootprint(kernel: 'orthPenalty' | 'weightDecay', R: number, groups: number, withSum: boolean): Footprint['dispatches'] {
  return [dispatch(`${kernel}.apply`, kernel, [groups, R, 1]), ...(withSum ? [dispatch(`${kernel}.sum`, kernel, [1, R, 1])] : [])];
}

/** Partials [R][groups][2] and two uniforms (apply, sum). */
export function orthPenaltyFootprint(fc: FootprintContext, dims: PenaltyDims & { n: number }): Footprint {
  const { groups } = choose(fc.software, dims.n * dims.n, dims.groups);
  return {
    buffers: [scratchBuffer('orthPenalty.partials', dims.R * groups * 2 * 4, '[R][groups][2]'), uniforms('orthPenalty', 2)],
    dispatches: twoPhaseFootprint('orthPenalty', dims.R, groups, true),
  };
}

/** Partials [R][groups], a 16-byte placeholder when the value is not reported, one or two uniforms. */
export function weightDecayFootprint(fc: FootprintContext, dims: PenaltyDims & { size: number }, withStats: boolean): Footprint {
  const { groups } = choose(fc.software, dims.size, dims.groups);
  return {
    buffers: [
      scratchBuffer('weightDecay.partials', dims.R * groups * 4, '[R][groups]'),
      ...(withStats ? [] : [scratchBuffer('weightDecay.statsPlaceholder', 16)]),
      uniforms('weightDecay', withStats ? 2 : 1),
    ],
    dispatches: twoPhaseFootprint('weightDecay', dims.R, groups, withStats),
  };
}

function twoPhase(
  kernel: Kernel,
  label: string,
  R: number,
  groups: number,
  sizeField: Record<string, number>,
  stats: { statsStride: number; statsOffset: number },
  buffers: GPUBuffer[],
  withSum = true,
): Dispatch[] {
  return (withSum ? [0, 1] : [0]).map((phase) => {
    const params = kernel.makeParams({ R, groups, phase, ...sizeField, ...stats }, `${label}.params${phase}`);
    return {
      label: `${label}.${phase === 0 ? 'apply' : 'sum'}`,
      kernel,
      group: kernel.bind([params, ...buffers]),
      workgroups: [phase === 0 ? groups : 1, R, 1] as [number, number, number],
    };
  });
}

/**
 * Soft orthogonality (SOFT_ORTH) and weight decay (WEIGHT_DECAY) on W [R][n][n]: dW += 4 lambda (Q - W) + 2 wd W,
 * stats[r * statsStride + statsOffset + 0/1] = (lambda ||C - I||_F^2, wd ||W||_F^2); statsStride defaults to 2
 * (stats [R][2]).
 */
export async function prepareOrthPenalty(
  ctx: OpContext,
  dims: PenaltyDims & { n: number },
  bufs: { hyper: GPUBuffer; W: GPUBuffer; C: GPUBuffer; Q: GPUBuffer; dW: GPUBuffer; stats: GPUBuffer },
): Promise<Dispatch[]> {
  const { wg, groups } = choose(ctx.software, dims.n * dims.n, dims.groups);
  const kernel = await ctx.kernels.get('orthPenalty', { WG: wg });
  const partials = storageBuffer(ctx.device, dims.R * groups * 2 * 4, 'orthPenalty.partials');
  return twoPhase(
    kernel,
    'orthPenalty',
    dims.R,
    groups,
    { n: dims.n },
    { statsStride: dims.statsStride ?? 2, statsOffset: dims.statsOffset ?? 0 },
    [bufs.hyper, bufs.W, bufs.C, bufs.Q, bufs.dW, partials, bufs.stats],
  );
}

/**
 * Weight decay on w [R][size]: g += 2 wd w, stats[r * statsStride + statsOffset] = wd ||w||^2 (stride default 1).
 * Without stats only the first dispatch is returned (the value is not summed).
 */
export async function prepareWeightDecay(
  ctx: OpContext,
  dims: PenaltyDims & { size: number },
  bufs: { hyper: GPUBuffer; w: GPUBuffer; g: GPUBuffer; stats?: GPUBuffer },
): Promise<Dispatch[]> {
  const { wg, groups } = choose(ctx.software, dims.size, dims.groups);
  const kernel = await ctx.kernels.get('weightDecay', { WG: wg });
  const partials = storageBuffer(ctx.device, dims.R * groups * 4, 'weightDecay.partials');
  return twoPhase(
    kernel,
    'weightDecay',
    dims.R,
    groups,
    { size: dims.size },
    { statsStride: dims.statsStride ?? 1, statsOffset: dims.statsOffset ?? 0 },
    [bufs.hyper, bufs.w, bufs.g, partials, bufs.stats ?? storageBuffer(ctx.device, 16, 'weightDecay.statsPlaceholder')],
    bufs.stats !== undefined,
  );
}
