/**
 * Free optimisers (docs/SCIENCE.md section 5.2) for any parameter stored [R][size], with the learning rate read per run from
 * the hyper table column lrIndex (e.g. Hyper.LR_FREE, LR_W, LR_S, LR_P, LR_SLOPE). lr = 0 leaves the parameter
 * unchanged. Kernels: shaders/rmsprop.wgsl, shaders/sgd.wgsl.
 */

import { storageBuffer } from '../buffers.ts';
import { ceilDiv, type Dispatch } from '../kernel.ts';
import type { OpContext } from './context.ts';

export interface OptimizerDims {
  R: number;
  size: number;
  /** Hyper-table column holding the learning rate. */
  lrIndex: number;
}

/** Workgroup size and x count for a grid-stride elementwise kernel over [R][size]. */
function elementwiseGrid(ctx: OpContext, size: number): { wg: number; x: number } {
  const wg = ctx.software ? 64 : 256;
  const x = Math.max(1, Math.min(ceilDiv(size, wg), ctx.device.limits.maxComputeWorkgroupsPerDimension));
  return { wg, x };
}

/** RMSprop (Lasagne): ms <- rho ms + (1-rho) g^2; param -= lr g / sqrt(ms + eps). state = ms [R][size], zeroed at start. */
export async function prepareRmsprop(
  ctx: OpContext,
  dims: OptimizerDims & { rho?: number; eps?: number },
  bufs: { hyper: GPUBuffer; param: GPUBuffer; grad: GPUBuffer; state: GPUBuffer },
): Promise<Dispatch[]> {
  const { wg, x } = elementwiseGrid(ctx, dims.size);
  const kernel = await ctx.kernels.get('rmsprop', { WG: wg });
  const params = kernel.makeParams({ R: dims.R, size: dims.size, rho: dims.rho ?? 0.9, eps: dims.eps ?? 1e-6, lrIndex: dims.lrIndex });
  const group = kernel.bind([params, bufs.hyper, bufs.param, bufs.grad, bufs.state]);
  return [{ label: 'rmsprop', kernel, group, workgroups: [x, dims.R, 1] }];
}

/**
 * SGD: plain (momentum 0), classical momentum, or Lasagne's Nesterov momentum (the release's 'SGD' is
 * { momentum: 0.9, nesterov: true }). state = the velocity [R][size] (zeroed at start), needed when
 * momentum > 0; without it a small placeholder is bound. Same buffer names as prepareRmsprop.
 */
export async function prepareSgd(
  ctx: OpContext,
  dims: OptimizerDims & { momentum: number; nesterov: boolean },
  bufs: { hyper: GPUBuffer; param: GPUBuffer; grad: GPUBuffer; state?: GPUBuffer },
): Promise<Dispatch[]> {
  if (dims.momentum !== 0 && !bufs.state) throw new Error('prepareSgd: momentum > 0 needs a velocity buffer (state) [R][size]');
  const { wg, x } = elementwiseGrid(ctx, dims.size);
  const kernel = await ctx.kernels.get('sgd', { WG: wg });
  const params = kernel.makeParams({
    R: dims.R,
    size: dims.size,
    momentum: dims.momentum,
    nesterov: dims.nesterov ? 1 : 0,
    lrIndex: dims.lrIndex,
  });
  const velocity = bufs.state ?? storageBuffer(ctx.device, 16, 'sgd.velocityPlaceholder');
  const group = kernel.bind([params, bufs.hyper, bufs.param, bufs.grad, velocity]);
  return [{ label: 'sgd', kernel, group, workgroups: [x, dims.R, 1] }];
}
