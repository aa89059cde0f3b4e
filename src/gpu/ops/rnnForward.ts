/**
 * Recurrent forward op: a_t = W h_{t-1} + xproj_t + b, h_t = f(g a_t) for t = 1..L, all R runs.
 * Fused (default): ONE dispatch of shaders/rnnForward.wgsl runs the whole time loop. Naive: L dispatches of
 * shaders/rnnForwardStep.wgsl (one per step, one output element per invocation), the benchmark's reference path.
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

/** One uniform and one dispatch (fused), or L of each (naive, one per step). */
export function rnnForwardFootprint(fc: FootprintContext, dims: RnnDims, opts: { naive?: boolean } = {}): Footprint {
  const { R, L, B, n } = dims;
  if (opts.naive)
    return {
      buffers: [uniforms('rnnForwardStep', L)],
      dispatches: [dispatch('rnnForwardStep', 'rnnForwardStep', [ceilDiv(B * n, 64), R, 1], L)],
    };
  const { ROWS } = rnnBlocking(fc.software, B, n);
  return { buffers: [uniforms('rnnForward', 1)], dispatches: [dispatch('rnnForward', 'rnnForward', [ceilDiv(B, ROWS), R, 1])] };
}

export async function prepareRnnForward(
  ctx: OpContext,
  dims: RnnDims,
  bufs: RnnForwardBuffers,
  opts: { naive?: boolean } = {},
): Promise<Dispatch[]> {
  const { R, L, B, n } = dims;
  const bindings = (params: GPUBuffer) => [params, bufs.hyper, bufs.W, bufs.xproj, bufs.b, bufs.h0, bufs.slope, bufs.a, bufs.h];
  if (opts.naive) {
    const WG = 64;
    const k = await ctx.kernels.get('rnnForwardStep', { WG });
    const out: Dispatch[] = [];
    for (let t = 0; t < L; t++) {
      const params = k.makeParams({ R, L, B, n, tStart: t, tEnd: t + 1 }, `rnnForwardStep.params[${t}]`);
      out.push({ label: `rnnForwardStep t=${t + 1}`, kernel: k, group: k.bind(bindings(params)), workgroups: [ceilDiv(B * n, WG), R, 1] });
    }
    return out;
  }
  const blocking = rnnBlocking(ctx.software, B, n);
  const k = await ctx.kernels.get('rnnForward', { ...blocking });
  const params = k.makeParams({ R, L, B, n, tStart: 0, tEnd: L });
  return [{ label: 'rnnForward', kernel: k, group: k.bind(bindings(params)), workgroups: [ceilDiv(B, blocking.ROWS), R, 1] }];
}
