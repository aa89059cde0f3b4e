/**
 * Spectrum ops of the factorised transition W = U diag(relu(s)) V^T (docs/SCIENCE.md sections 2.2 and 4):
 * - prepareSpectrumForward: s from p under each run's margin (margin runs only).
 * - prepareSpectrumBackward: gs, gp, dU (into dUV[r][0]) and the prior's value from T1 = dW V.
 * - prepareSpectrumRemargin: p re-expressed under a new margin for the runs flagged in a mask.
 * Shapes and layouts: see the headers of shaders/spectrumForward.wgsl, spectrumBackward.wgsl, spectrumRemargin.wgsl.
 * The forward and the re-margin leave runs frozen by the run guard (health [R][4] u32) untouched.
 */

import { storageBuffer } from '../buffers.ts';
import { ceilDiv, type Dispatch } from '../kernel.ts';
import type { OpContext } from './context.ts';
import { dispatch, type Footprint, type FootprintContext, scratchBuffer, uniforms } from './footprint.ts';

export interface SpectrumDims {
  R: number;
  n: number;
}

export function spectrumForwardFootprint(fc: FootprintContext, dims: SpectrumDims): Footprint {
  const wg = fc.software ? 64 : 128;
  return {
    buffers: [uniforms('spectrumForward', 1)],
    dispatches: [dispatch('spectrumForward', 'spectrumForward', [ceilDiv(dims.n, wg), dims.R, 1])],
  };
}

/** s [R][n] = 1 + m tanh(p/2) for runs with FACTORISED = 1 and MARGIN_MODE = 1; other runs untouched. */
export async function prepareSpectrumForward(
  ctx: OpContext,
  dims: SpectrumDims,
  bufs: { hyper: GPUBuffer; p: GPUBuffer; s: GPUBuffer; health: GPUBuffer },
): Promise<Dispatch[]> {
  const wg = ctx.software ? 64 : 128;
  const kernel = await ctx.kernels.get('spectrumForward', { WG: wg });
  const params = kernel.makeParams({ R: dims.R, n: dims.n });
  const group = kernel.bind([params, bufs.hyper, bufs.p, bufs.s, bufs.health]);
  return [{ label: 'spectrumForward', kernel, group, workgroups: [ceilDiv(dims.n, wg), dims.R, 1] }];
}

export interface SpectrumBackwardDims extends SpectrumDims {
  /** The prior's value of run r goes to stats[r * statsStride + statsOffset] (defaults 1 and 0). */
  statsStride?: number;
  statsOffset?: number;
}

/** Bytes of the private slot the prior's value goes to when the caller passes no stats buffer. */
function priorScratchBytes(dims: SpectrumBackwardDims): number {
  return 4 * ((dims.R - 1) * (dims.statsStride ?? 1) + (dims.statsOffset ?? 0) + 1);
}

export function spectrumBackwardFootprint(dims: SpectrumBackwardDims, withStats: boolean): Footprint {
  return {
    buffers: [
      uniforms('spectrumBackward', 1),
      ...(withStats ? [] : [scratchBuffer('spectrumBackward.prior', priorScratchBytes(dims), '[R]')]),
    ],
    dispatches: [dispatch('spectrumBackward', 'spectrumBackward', [1, dims.R, 1])],
  };
}

/**
 * From T1 = dW V [R][n][n] and U = UV[r][0]: gs = ds [R][n], gp = ds * ds/dp [R][n] (0 for no-margin runs),
 * dU = T1 diag(relu(s)) into dUV[r][0] (overwritten), PRIOR * sum (s - 1)^2 into the stats slot.
 * Plain runs get zeros. One workgroup per run.
 */
export async function prepareSpectrumBackward(
  ctx: OpContext,
  dims: SpectrumBackwardDims,
  bufs: {
    hyper: GPUBuffer;
    T1: GPUBuffer;
    UV: GPUBuffer;
    s: GPUBuffer;
    p: GPUBuffer;
    gs: GPUBuffer;
    gp: GPUBuffer;
    dUV: GPUBuffer;
    /** Where the prior's value goes; without it the value lands in a private scratch buffer. */
    stats?: GPUBuffer;
  },
): Promise<Dispatch[]> {
  const wg = ctx.software ? 64 : 256;
  const kernel = await ctx.kernels.get('spectrumBackward', { WG: wg });
  const params = kernel.makeParams({
    R: dims.R,
    n: dims.n,
    statsStride: dims.statsStride ?? 1,
    statsOffset: dims.statsOffset ?? 0,
  });
  const stats = bufs.stats ?? storageBuffer(ctx.device, priorScratchBytes(dims), 'spectrumBackward.prior');
  const group = kernel.bind([params, bufs.hyper, bufs.T1, bufs.UV, bufs.s, bufs.p, bufs.gs, bufs.gp, bufs.dUV, stats]);
  return [{ label: 'spectrumBackward', kernel, group, workgroups: [1, dims.R, 1] }];
}

export interface SpectrumRemarginDims extends SpectrumDims {
  /** Clamp of the sigmoid's value away from 0 and 1 (default 1e-6: p stays within about +-13.8). */
  eps?: number;
}

export function spectrumRemarginFootprint(fc: FootprintContext, dims: SpectrumRemarginDims): Footprint {
  const wg = fc.software ? 64 : 128;
  return {
    buffers: [uniforms('spectrumRemargin', 1)],
    dispatches: [dispatch('spectrumRemargin', 'spectrumRemargin', [ceilDiv(dims.n, wg), dims.R, 1])],
  };
}

/**
 * For runs with mask[r] != 0 and MARGIN_MODE = 1: p = logit of s's position inside the new bounds (hyper MARGIN
 * already holds the new margin), clamped to [eps, 1 - eps]; p = 0 when the margin is 0. mask: [R], read as u32
 * bits, so a u32 1 and an f32 1.0 both flag a run. Run spectrumForward afterwards to get the clamped s.
 */
export async function prepareSpectrumRemargin(
  ctx: OpContext,
  dims: SpectrumRemarginDims,
  bufs: { hyper: GPUBuffer; mask: GPUBuffer; s: GPUBuffer; p: GPUBuffer; health: GPUBuffer },
): Promise<Dispatch[]> {
  const wg = ctx.software ? 64 : 128;
  const kernel = await ctx.kernels.get('spectrumRemargin', { WG: wg });
  const params = kernel.makeParams({ R: dims.R, n: dims.n, eps: dims.eps ?? 1e-6 });
  const group = kernel.bind([params, bufs.hyper, bufs.mask, bufs.s, bufs.p, bufs.health]);
  return [{ label: 'spectrumRemargin', kernel, group, workgroups: [ceilDiv(dims.n, wg), dims.R, 1] }];
}
