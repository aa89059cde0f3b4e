/**
 * W[r] = FACTORISED[r] == 1 ? Wc[r] : W[r] over [R][size]: after composing U diag(relu(s)) V^T for every run
 * into the scratch Wc, factorised runs take their composite and plain runs keep their own W.
 * A run frozen by the run guard (health [R][4] u32, src/engine/runHealth.ts) keeps its W. Kernel: shaders/selectRuns.wgsl.
 */
import { ceilDiv, type Dispatch } from '../kernel.ts';
import type { OpContext } from './context.ts';

export async function prepareSelectRuns(
  ctx: OpContext,
  dims: { R: number; size: number },
  bufs: { hyper: GPUBuffer; W: GPUBuffer; Wc: GPUBuffer; health: GPUBuffer },
): Promise<Dispatch[]> {
  const wg = ctx.software ? 64 : 256;
  const x = Math.max(1, Math.min(ceilDiv(dims.size, wg), ctx.device.limits.maxComputeWorkgroupsPerDimension));
  const kernel = await ctx.kernels.get('selectRuns', { WG: wg });
  const params = kernel.makeParams({ R: dims.R, size: dims.size });
  const group = kernel.bind([params, bufs.hyper, bufs.W, bufs.Wc, bufs.health]);
  return [{ label: 'selectRuns', kernel, group, workgroups: [x, dims.R, 1] }];
}
