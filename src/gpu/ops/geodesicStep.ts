/**
 * Geodesic (Cayley) step on orthogonal matrices (docs/SCIENCE.md section 5.1), in place on the GPU:
 *   A = G M^T - M G^T,   M <- (I + tau/2 A)^{-1} (I - tau/2 A) M = M - tau (I + tau/2 A)^{-1} A M,
 * for `systems` matrices M of n x n stored back to back (UV [R][2][n][n] is 2R systems, 2 per run; a plain W
 * [R][n][n] is R systems, 1 per run). tau of system s is hyper[(s / systemsPerRun) * 16 + TAU].
 * Four dispatches: P = G M^T (matmul), A and I + tau/2 A (cayleySkew), Z = A M (matmul, into P's scratch),
 * Gauss-Jordan solve with partial pivoting and M -= tau Z (cayleySolve, one workgroup per system, vec4 scratch rows). The matrices of a
 * run frozen by the run guard (health [runs][4] u32, src/engine/runHealth.ts) stay exactly as they are.
 */

import { storageBuffer } from '../buffers.ts';
import { ceilDiv, type Dispatch } from '../kernel.ts';
import type { OpContext } from './context.ts';
import { combine, dispatch, type Footprint, type FootprintContext, scratchBuffer, uniforms } from './footprint.ts';
import { matmulFootprint, prepareMatmul } from './matmul.ts';

export interface GeodesicStepArgs {
  /** number of n x n matrices updated by one step */
  systems: number;
  n: number;
  /** matrices per run in the hyper table (2 for U and V, 1 for a plain W) */
  systemsPerRun: number;
}

/** MAX_N of shaders/lib/cayleySolveCommon.wgsl (its workgroup tables of pivot rows). */
export const CAYLEY_MAX_N = 1024;
/**
 * The solve's kernel and invocations per workgroup. SwiftShader runs a workgroup on one CPU thread, 4 invocations
 * per SIMD group, and switches between groups at every barrier: one group (4) was fastest there; its storage
 * loads and stores set the pace, so a CPU adapter runs the blocked solve (four pivot steps per pass over the rows,
 * the same bits; the solve 2.0x faster at n = 128 and 2.4x at n = 500, the whole step 1.55x and 1.7x: src/cli/benchCayley.ts,
 * docs/bench/2026-12-04-cayley-blocked.md). A GPU wants a full
 * workgroup, and the blocked solve's panel (one invocation working alone) would leave it idle: it runs the
 * step-at-a-time solve.
 */
export function cayleySolveKernel(software: boolean): { kernel: 'cayleySolve' | 'cayleySolveBlocked'; constants: { WG: number } } {
  return software ? { kernel: 'cayleySolveBlocked', constants: { WG: 4 } } : { kernel: 'cayleySolve', constants: { WG: 256 } };
}

/** Bytes of the scratch buffers: P = G M^T (reused for Z = A M), A and I + tau/2 A, and the solve's vec4 [S | Z] rows. */
function geodesicScratch(args: GeodesicStepArgs): { PZ: number; A: number; S: number; X: number } {
  const { systems, n } = args;
  const size = systems * n * n * 4;
  return { PZ: size, A: size, S: size, X: systems * n * 2 * Math.ceil(n / 4) * 16 };
}

export function geodesicStepFootprint(fc: FootprintContext, args: GeodesicStepArgs, opts: { label?: string } = {}): Footprint {
  const { systems, n } = args;
  const label = opts.label ?? 'geodesicStep';
  const bytes = geodesicScratch(args);
  const shape = `[${systems} systems][n][n]`;
  const own: Footprint = {
    buffers: [
      scratchBuffer(`${label}.PZ`, bytes.PZ, shape),
      scratchBuffer(`${label}.A`, bytes.A, shape),
      scratchBuffer(`${label}.S`, bytes.S, shape),
      scratchBuffer(`${label}.X`, bytes.X, `[${systems} systems][n][2 ceil(n/4)] vec4`),
      uniforms('cayleySkew', 1, `${label}.skew.params`),
      uniforms(cayleySolveKernel(fc.software).kernel, 1, `${label}.solve.params`),
    ],
    dispatches: [
      dispatch(`${label}.skew`, 'cayleySkew', [ceilDiv(n, 8), ceilDiv(n, 8), systems]),
      dispatch(`${label}.solve`, cayleySolveKernel(fc.software).kernel, [systems, 1, 1]),
    ],
  };
  return combine(
    matmulFootprint(fc, { batch: systems, M: n, N: n, K: n, transB: 1 }, { label: `${label}.GMt` }),
    matmulFootprint(fc, { batch: systems, M: n, N: n, K: n }, { label: `${label}.AM` }),
    own,
  );
}

export async function prepareGeodesicStep(
  ctx: OpContext,
  args: GeodesicStepArgs,
  bufs: { G: GPUBuffer; M: GPUBuffer; hyper: GPUBuffer; health: GPUBuffer },
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
  if (bufs.health.size < runs * 4 * 4) throw new Error(`${label}: health needs ${runs} runs x 4 words`);

  if (n > CAYLEY_MAX_N) throw new Error(`${label}: n = ${n} is above the solve's limit of ${CAYLEY_MAX_N}`);
  // scratch: P = G M^T, later reused for Z = A M; A; the system matrix I + tau/2 A; the solve's [S | Z] rows
  const bytes = geodesicScratch(args);
  const PZ = storageBuffer(ctx.device, bytes.PZ, `${label}.PZ`);
  const A = storageBuffer(ctx.device, bytes.A, `${label}.A`);
  const S = storageBuffer(ctx.device, bytes.S, `${label}.S`);
  const X = storageBuffer(ctx.device, bytes.X, `${label}.X`);

  const skew = await ctx.kernels.get('cayleySkew', { WG_X: 8, WG_Y: 8 });
  const solveKernel = cayleySolveKernel(ctx.software);
  const solve = await ctx.kernels.get(solveKernel.kernel, solveKernel.constants);
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
    {
      label: `${label}.solve`,
      kernel: solve,
      group: solve.bind([solveParams, bufs.hyper, S, PZ, bufs.M, X, bufs.health]),
      workgroups: [systems, 1, 1],
    },
  ];
}
