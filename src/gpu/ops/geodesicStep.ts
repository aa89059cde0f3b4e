/**
 * Geodesic (Cayley) step on orthogonal matrices (docs/SCIENCE.md section 5.1), in place on the GPU:
 *   A = G M^T - M G^T,   M <- (I + tau/2 A)^{-1} (I - tau/2 A) M = M - tau (I + tau/2 A)^{-1} A M,
 * for `systems` matrices M of n x n stored back to back (UV [R][2][n][n] is 2R systems, 2 per run; a plain W
 * [R][n][n] is R systems, 1 per run). tau of system s is hyper[(s / systemsPerRun) * 16 + TAU].
 * Four dispatches: P = G M^T (matmul), A and I + tau/2 A (cayleySkew), Z = A M (matmul, into P's scratch),
 * Gauss-Jordan solve and M -= tau Z (cayleySolve, one workgroup per system, vec4 scratch rows).
 */

import { storageBuffer } from '../buffers.ts';
import { ceilDiv, type Dispatch } from '../kernel.ts';
import type { OpContext } from './context.ts';
import { prepareMatmul } from './matmul.ts';

export interface GeodesicStepArgs {
  /** number of n x n matrices updated by one step */
  systems: number;
  n: number;
  /** matrices per run in the hyper table (2 for U and V, 1 for a plain W) */
  systemsPerRun: number;
}

/**
 * Invocations per workgroup of the solve. SwiftShader runs a workgroup on one CPU thread, 4 invocations per SIMD
 * group, and switches between groups at every barrier: one group (4) was fastest there. A GPU wants a full workgroup.
 */
/** MAX_N of shaders/cayleySolve.wgsl (its workgroup array of multipliers). */
export const CAYLEY_MAX_N = 1024;
export const CAYLEY_SOLVE_SOFTWARE = { WG: 4 };
export const CAYLEY_SOLVE_HARDWARE = { WG: 256 };

export async function prepareGeodesicStep(
  ctx: OpContext,
  args: GeodesicStepArgs,
  bufs: { G: GPUBuffer; M: GPUBuffer; hyper: GPUBuffer },
  opts: { label?: string } = {},
): Promise<Dispatch[]> {
  const { systems, n, systemsPerRun } = args;
  const label = opts.label ?? 'geodesicStep';
  if (systems < 1 || n < 1 || systemsPerRun < 1 || systems % systemsPerRun !== 0) {
    throw new Error(`${label}: need systems >= 1, n >= 1 and systems a multiple of systemsPerRun (got ${systems}, ${n}, ${systemsPerRun})`);
  }
  const size = systems * n * n;
  for (const [name, buf] of [
    ['G', bufs.G],
    ['M', bufs.M],
  ] as const) {
    if (buf.size < size * 4) throw new Error(`${label}: ${name} needs ${size} floats but its buffer holds ${buf.size / 4}`);
  }
  const runs = systems / systemsPerRun;
  if (bufs.hyper.size < runs * 16 * 4) throw new Error(`${label}: hyper needs ${runs} runs x 16 floats`);

  if (n > CAYLEY_MAX_N) throw new Error(`${label}: n = ${n} is above the solve's limit of ${CAYLEY_MAX_N}`);
  // scratch: P = G M^T, later reused for Z = A M; A; the system matrix I + tau/2 A; the solve's [S | Z] rows
  const PZ = storageBuffer(ctx.device, size * 4, `${label}.PZ`);
  const A = storageBuffer(ctx.device, size * 4, `${label}.A`);
  const S = storageBuffer(ctx.device, size * 4, `${label}.S`);
  const X = storageBuffer(ctx.device, systems * n * 2 * Math.ceil(n / 4) * 16, `${label}.X`);

  const skew = await ctx.kernels.get('cayleySkew', { WG_X: 8, WG_Y: 8 });
  const solve = await ctx.kernels.get('cayleySolve', ctx.software ? CAYLEY_SOLVE_SOFTWARE : CAYLEY_SOLVE_HARDWARE);
  const sizes = { systems, n, systemsPerRun };
  const skewParams = skew.makeParams(sizes, `${label}.skew.params`);
  const solveParams = solve.makeParams(sizes, `${label}.solve.params`);

  const gmT = await prepareMatmul(
    ctx,
    { batch: systems, M: n, N: n, K: n, transB: 1 },
    { A: bufs.G, B: bufs.M, C: PZ },
    { label: `${label}.GMt` },
  );
  const am = await prepareMatmul(ctx, { batch: systems, M: n, N: n, K: n }, { A, B: bufs.M, C: PZ }, { label: `${label}.AM` });
  return [
    ...gmT,
    {
      label: `${label}.skew`,
      kernel: skew,
      group: skew.bind([skewParams, PZ, bufs.hyper, A, S]),
      workgroups: [ceilDiv(n, 8), ceilDiv(n, 8), systems],
    },
    ...am,
    { label: `${label}.solve`, kernel: solve, group: solve.bind([solveParams, bufs.hyper, S, PZ, bufs.M, X]), workgroups: [systems, 1, 1] },
  ];
}
