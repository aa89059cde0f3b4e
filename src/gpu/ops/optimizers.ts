/**
 * Free optimisers (docs/SCIENCE.md section 5.2) for any parameter stored [R][size], with the learning rate read per run from
 * the hyper table column lrIndex (e.g. Hyper.LR_FREE, LR_W, LR_S, LR_P, LR_SLOPE). lr = 0 leaves the parameter
 * unchanged. A run frozen by the run guard (health [R][4] u32, src/engine/runHealth.ts) is not touched at all.
 * Kernels: shaders/rmsprop.wgsl, shaders/sgd.wgsl.
 */

import { storageBuffer } from '../buffers.ts';
import type { Dispatch } from '../kernel.ts';
import type { OpContext } from './context.ts';
import {
  dispatch,
  elementwiseGrid,
  type Footprint,
  type FootprintContext,
  footprintContext,
  scratchBuffer,
  uniforms,
} from './footprint.ts';

export interface OptimizerDims {
  R: number;
  size: number;
  /** Hyper-table column holding the learning rate. */
  lrIndex: number;
}

/** One uniform and one grid-stride dispatch over [R][size]; SGD without a velocity binds a 16-byte placeholder. */
export function optimizerFootprint(
  fc: FootprintContext,
  kernel: 'rmsprop' | 'sgd',
  dims: Pick<OptimizerDims, 'R' | 'size'>,
  withState = true,
): Footprint {
  const { x } = elementwiseGrid(fc, dims.size);
  return {
    buffers: [uniforms(kernel, 1), ...(withState ? [] : [scratchBuffer('sgd.velocityPlaceholder', 16)])],
    dispatches: [dispatch(kernel, kernel, [x, dims.R, 1])],
  };
}

/** RMSprop (Lasagne): ms <- rho ms + (1-rho) g^2; param -= lr g / sqrt(ms + eps). state = ms [R][size], zeroed at start. */
export async function prepareRmsprop(
  ctx: OpContext,
  dims: OptimizerDims & { rho?: number; eps?: number },
  bufs: { hyper: GPUBuffer; param: GPUBuffer; grad: GPUBuffer; state: GPUBuffer; health: GPUBuffer },
): Promise<Dispatch[]> {
  const { wg, x } = elementwiseGrid(footprintContext(ctx), dims.size);
  const kernel = await ctx.kernels.get('rmsprop', { WG: wg });
  const params = kernel.makeParams({ R: dims.R, size: dims.size, rho: dims.rho ?? 0.9, eps: dims.eps ?? 1e-6, lrIndex: dims.lrIndex });
  const group = kernel.bind([params, bufs.hyper, bufs.param, bufs.grad, bufs.state, bufs.health]);
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
  bufs: { hyper: GPUBuffer; param: GPUBuffer; grad: GPUBuffer; state?: GPUBuffer; health: GPUBuffer },
): Promise<Dispatch[]> {
  if (dims.momentum !== 0 && !bufs.state) throw new Error('prepareSgd: momentum > 0 needs a velocity buffer (state) [R][size]');
  const { wg, x } = elementwiseGrid(footprintContext(ctx), dims.size);
  const kernel = await ctx.kernels.get('sgd', { WG: wg });
  const params = kernel.makeParams({
    R: dims.R,
    size: dims.size,
    momentum: dims.momentum,
    nesterov: dims.nesterov ? 1 : 0,
    lrIndex: dims.lrIndex,
  });
  const velocity = bufs.state ?? storageBuffer(ctx.device, 16, 'sgd.velocityPlaceholder');
  const group = kernel.bind([params, bufs.hyper, bufs.param, bufs.grad, velocity, bufs.health]);
  return [{ label: 'sgd', kernel, group, workgroups: [x, dims.R, 1] }];
}
