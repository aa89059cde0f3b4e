/**
 * Batched matmul op: C = alpha * op(A) [diag(d)] op(B) + beta * C (shaders/matmul.wgsl, semantics in its header
 * and in src/reference/matmul.ts; Params and operand extents in matmulGeometry.ts, which both import). Picks
 * the blocking for the adapter: on a CPU adapter (SwiftShader) each invocation reads its operands straight
 * from storage into a register block (no workgroup memory, no barriers); on a GPU the workgroup stages
 * TILE_K-deep slices in workgroup memory.
 */

import { ceilDiv, type Dispatch, type OverrideConstants } from '../kernel.ts';
import type { OpContext } from './context.ts';
import { dispatch, type Footprint, type FootprintContext, footprintContext, uniforms } from './footprint.ts';
import { type MatmulParams, matmulExtents } from './matmulGeometry.ts';

/** The Params fields; only the sizes are required. Defaults: batch 1, offsets 0, packed strides, no diagonal, alpha 1, beta 0. */
export interface MatmulArgs {
  batch?: number;
  M: number;
  N: number;
  K: number;
  /** false/0: A stored [M][K]; true/1: A stored [K][M] (op(A) = A^T) */
  transA?: boolean | number;
  /** false/0: B stored [K][N]; true/1: B stored [N][K] (op(B) = B^T) */
  transB?: boolean | number;
  offA?: number;
  offB?: number;
  offC?: number;
  offD?: number;
  /** element stride between batch items (default: packed, M*K); 0 broadcasts one matrix */
  strideA?: number;
  /** default K*N */
  strideB?: number;
  /** default M*N */
  strideC?: number;
  /** default K (diagMode 1), N (diagMode 2) */
  strideD?: number;
  /** 0: none; 1: op(A) diag(d) op(B), d has K entries; 2: (op(A) op(B)) diag(d), d has N entries */
  diagMode?: 0 | 1 | 2;
  /** use max(d, 0) */
  diagRelu?: boolean | number;
  alpha?: number;
  /** 0 overwrites C without reading it; 1 accumulates */
  beta?: number;
}

export function matmulParams(args: MatmulArgs): MatmulParams {
  const { M, N, K } = args;
  const diagMode = args.diagMode ?? 0;
  return {
    batch: args.batch ?? 1,
    M,
    N,
    K,
    transA: Number(args.transA ?? 0),
    transB: Number(args.transB ?? 0),
    offA: args.offA ?? 0,
    offB: args.offB ?? 0,
    offC: args.offC ?? 0,
    offD: args.offD ?? 0,
    strideA: args.strideA ?? M * K,
    strideB: args.strideB ?? K * N,
    strideC: args.strideC ?? M * N,
    strideD: args.strideD ?? (diagMode === 1 ? K : diagMode === 2 ? N : 0),
    diagMode,
    diagRelu: Number(args.diagRelu ?? 0),
    alpha: args.alpha ?? 1,
    beta: args.beta ?? 0,
  };
}

/**
 * Blocking constants. Software (SwiftShader, measured on 2 cores, see the report in the commit): 8 x 8 outputs
 * per invocation, 4 x 4 invocations per workgroup, no workgroup memory (narrow products: softwareConstants). Hardware: 64 x 64 output tiles, 16 x 16
 * invocations with 4 x 4 outputs each, K staged 16 deep in workgroup memory (8 KiB).
 */
export const MATMUL_SOFTWARE: OverrideConstants = { WG_X: 4, WG_Y: 4, ROWS: 8, COLS4: 2, TILED: 0, TILE_K: 1 };
export const MATMUL_HARDWARE: OverrideConstants = { WG_X: 16, WG_Y: 16, ROWS: 4, COLS4: 1, TILED: 1, TILE_K: 16 };
export const MATMUL_NAIVE: OverrideConstants = { WG_X: 8, WG_Y: 8 };

/**
 * The software blocking for a product's shape. A narrow, tall product (N <= 16 columns, M >= 512 rows: the
 * readout's logits, N = the task's outputs) gets one invocation column (WG_X = 1): SwiftShader runs four
 * consecutive invocations of a workgroup as one SIMD group, and with WG_X = 4 the group's lanes past the
 * first 8 or 16 columns would do nothing (at N = 9, 9 of 32 lanes' columns were used); with WG_X = 1 the four
 * lanes of a group take four row blocks of the same columns. The readout at copy T = 100, batch 50, n = 128
 * (M = 6000, N = 9, K = 128) took 124-170 ms with MATMUL_SOFTWARE and 48-79 ms so (Dawn/SwiftShader, 2 busy
 * cores, min of 3 runs each). A narrow product of fewer rows (the input weights' gradient dW_in, M = n, N = the
 * task's inputs, K = L * batch) takes one invocation column too, in workgroups of 8 (M = 128: 2 row
 * workgroups per column block): dW_in at M = 128 and 500, N = 10, K = 6000 took 19.1 and 73.1 ms with
 * MATMUL_SOFTWARE, 9.7 and 38.8 so (alone, min of 7, interleaved, 2 cores at load ~3). Narrow products hold
 * their columns in as few vec4 groups as fit (narrowCols4), and a product of fewer than 16 rows and more
 * columns (dW_out) its rows in even blocks (narrowRows). Every other shape keeps MATMUL_SOFTWARE.
 */
export function softwareConstants(p: Pick<MatmulParams, 'M' | 'N'>): OverrideConstants {
  if (p.N > 16) return p.M < 16 ? { ...MATMUL_SOFTWARE, ROWS: narrowRows(p.M) } : MATMUL_SOFTWARE;
  const COLS4 = narrowCols4(p.N);
  if (p.M < 512) return { ...MATMUL_SOFTWARE, WG_X: 1, WG_Y: 8, COLS4 };
  return { ...MATMUL_SOFTWARE, WG_X: 1, WG_Y: ceilDiv(p.M, 8 * 64) >= 8 ? 64 : 16, COLS4 };
}

/**
 * Vec4 column groups per invocation for a narrow product (N <= 16): its columns in one block where they fit
 * in three groups (N <= 4: one, <= 8: two, <= 12: three), two blocks of two otherwise. The readout at N = 9
 * had used two blocks of 8 columns, the second 1/8 used: with one block of 12 the readout 6000 x 9 x 128
 * took 5.75 ms against 7.95 (medians of 11, interleaved, Dawn/SwiftShader, 2 idle cores), dW_in
 * 128 x 9 x 6000 4.72 against 6.94, the adding task's readout 6000 x 1 x 128 with one group 3.46 against 4.56.
 */
function narrowCols4(N: number): number {
  return N <= 4 ? 1 : N <= 8 ? 2 : N <= 12 ? 3 : 2;
}

/**
 * Rows per invocation for a product of fewer than 16 rows (dW_out = dlogits^T h, M = the outputs): its rows
 * in as few blocks of up to 8 as the 8-row blocking needs, evenly (M = 9: two blocks of 5, not 8 + 1 of 16).
 * dW_out 9 x 128 x 6000 took 5.92 ms against 7.00 (medians of 11, as narrowCols4).
 */
function narrowRows(M: number): number {
  return Math.ceil(M / Math.ceil(M / 8));
}

/**
 * Workgroup counts for a constants set of matmul.wgsl or matmulNaive.wgsl, or of a quad kernel (QX, QY quads of
 * 16 rows x quadCols columns: matmulQuad.wgsl 16, matmulAtBQuad.wgsl 32).
 */
export function matmulWorkgroups(p: MatmulParams, c: OverrideConstants, naive: boolean, quadCols = 16): [number, number, number] {
  if (c.QX !== undefined) return [ceilDiv(p.N, quadCols * c.QX), ceilDiv(p.M, 16 * c.QY), p.batch];
  const perX = naive ? c.WG_X : c.WG_X * 4 * c.COLS4;
  const perY = naive ? c.WG_Y : c.WG_Y * c.ROWS;
  return [ceilDiv(p.N, perX), ceilDiv(p.M, perY), p.batch];
}

function checkArgs(p: MatmulParams, bufs: { A: GPUBuffer; B: GPUBuffer; C: GPUBuffer; D?: GPUBuffer }, label: string): void {
  if (p.M < 1 || p.N < 1 || p.batch < 1) throw new Error(`${label}: M, N and batch must be at least 1 (got ${p.M}, ${p.N}, ${p.batch})`);
  if (p.diagMode !== 0 && !bufs.D) throw new Error(`${label}: diagMode ${p.diagMode} needs a D buffer`);
  const ext = matmulExtents(p);
  for (const name of ['A', 'B', 'C', 'D'] as const) {
    const buf = bufs[name];
    if (buf && ext[name] * 4 > buf.size) {
      throw new Error(`${label}: ${name} needs ${ext[name]} floats but its buffer holds ${buf.size / 4}`);
    }
  }
}

export interface MatmulOptions {
  naive?: boolean;
  label?: string;
  constants?: OverrideConstants;
}

/**
 * Whether a product may run on matmulAtB4.wgsl (A^T B with A and B read as vec4s): transA = 1, transB = 0,
 * no diagonal of mode 1, M and N multiples of 4 and A's and B's offsets and strides multiples of 4 floats.
 * The parameter gradients dW = da^T h (M = N = n) are such products.
 */
export function atB4Eligible(p: MatmulParams): boolean {
  return (
    p.transA === 1 &&
    p.transB === 0 &&
    p.diagMode !== 1 &&
    p.M % 4 === 0 &&
    p.N % 4 === 0 &&
    [p.offA, p.strideA, p.offB, p.strideB].every((v) => v % 4 === 0)
  );
}

/**
 * matmulQuad.wgsl's blocking: 2 x 2 quads of 16 x 16 per workgroup (32 x 32 of C). With the same tiles the A^T B
 * kernel's dW at n = 500, K = 6000 alone took 309 ms with 2 x 2 and 307 with 4 x 4; at 132 x 136, K = 999,
 * 5.5 against 7.7 ms (more workgroups for 2 cores).
 */
export const MATMUL_QUAD: OverrideConstants = { QX: 2, QY: 2, WG: 16 };

/**
 * matmulAtBQuad.wgsl's blocking: 1 x 2 quads of 16 x 32 per workgroup (32 x 32 of C). dW alone, 2 x 2 against
 * 1 x 2 quads: n = 500 261 / 261 ms, n = 128 15.9 / 15.9, 132 x 136 x 999 5.5 / 4.4.
 */
export const MATMUL_ATB_QUAD: OverrideConstants = { QX: 1, QY: 2, WG: 8 };

/**
 * Whether a product that is not atBQuadEligible runs on matmulQuad.wgsl where quad swaps are offered
 * (OpContext.quads): M, N and K at least 16. Alone on SwiftShader (2 idle cores, wall clock with 1 ms polls,
 * medians of 9, interleaved): n x n x n at n = 500, 52 -> 34 ms (U diag(s), compose W with transB = 1, both
 * 1.6x); the narrow products of copy T = 100, n = 128 ran about 1 ms slower on it (input projection
 * 6000 x 128 x 10: 7.7 -> 8.7; readout 6000 x 9 x 128: 6.6 -> 8.7; dW_out 9 x 128 x 6000, dh_out
 * 6000 x 128 x 9 and dW_in 128 x 10 x 6000: 5.6-6.5 -> 6.7-7.6), so they keep matmul.wgsl's blocking.
 */
export function quadEligible(p: MatmulParams): boolean {
  return p.M >= 16 && p.N >= 16 && p.K >= 16;
}

/**
 * Whether an atB4Eligible product runs on matmulAtBQuad.wgsl where quad swaps are offered (OpContext.quads): M
 * and N at least 16 (a quad's 16 x 16 tile; a narrower product keeps matmulAtB4's blocking, the readout's
 * WG_X = 1 among them).
 */
export function atBQuadEligible(p: MatmulParams): boolean {
  return atB4Eligible(p) && p.M >= 16 && p.N >= 16;
}

function matmulKernel(
  software: boolean,
  quads: boolean,
  opts: MatmulOptions,
  p: MatmulParams,
): { name: 'matmul' | 'matmulNaive' | 'matmulAtB4' | 'matmulAtBQuad' | 'matmulQuad'; constants: OverrideConstants } {
  const naive = opts.naive ?? false;
  if (software && quads && !naive && !opts.constants) {
    if (atBQuadEligible(p)) return { name: 'matmulAtBQuad', constants: MATMUL_ATB_QUAD };
    if (quadEligible(p)) return { name: 'matmulQuad', constants: MATMUL_QUAD };
  }
  // the software schedule's A^T B products with vec4 loads, where their layout allows (unless constants are forced)
  if (software && !naive && !opts.constants && atB4Eligible(p)) {
    const c = softwareConstants(p);
    return { name: 'matmulAtB4', constants: { WG_X: c.WG_X, WG_Y: c.WG_Y, ROWS: 8, COLS4: 2 } };
  }
  const constants = opts.constants ?? (naive ? MATMUL_NAIVE : software ? softwareConstants(p) : MATMUL_HARDWARE);
  return { name: naive ? 'matmulNaive' : 'matmul', constants };
}

/** One Params uniform and one dispatch. */
export function matmulFootprint(fc: FootprintContext, args: MatmulArgs, opts: MatmulOptions = {}): Footprint {
  const label = opts.label ?? 'matmul';
  const p = matmulParams(args);
  const { name, constants } = matmulKernel(fc.software, fc.quads, opts, p);
  return {
    buffers: [uniforms(name, 1, `${label}.params`)],
    dispatches: [dispatch(label, name, matmulWorkgroups(p, constants, opts.naive ?? false, name === 'matmulAtBQuad' ? 32 : 16))],
  };
}

export async function prepareMatmul(
  ctx: OpContext,
  args: MatmulArgs,
  bufs: { A: GPUBuffer; B: GPUBuffer; C: GPUBuffer; D?: GPUBuffer },
  opts: MatmulOptions = {},
): Promise<Dispatch[]> {
  const label = opts.label ?? 'matmul';
  const p = matmulParams(args);
  checkArgs(p, bufs, label);
  const { name, constants } = matmulKernel(ctx.software, ctx.quads, opts, p);
  const kernel = await ctx.kernels.get(name, constants);
  const params = kernel.makeParams({ ...p }, `${label}.params`);
  const group = kernel.bind([params, bufs.A, bufs.B, bufs.D ?? bufs.A, bufs.C], label);
  const [fp] = matmulFootprint(footprintContext(ctx), args, opts).dispatches;
  return [{ label, kernel, group, workgroups: fp.workgroups }];
}
