/**
 * The singular values of R matrices [rows][n] on the GPU (shaders/singularValues.wgsl: one-sided Jacobi on a
 * scaled copy of the columns), for the live spectrum of plain RNNs (W, rows = n) and LSTMs (the stacked gate
 * matrix, rows = 4n). Prepared once; the dispatches run on tracking iterations only:
 *   load (and the QR preconditioning, see singularValuesPrecondition), then maxSweeps times (the 2G - 1 block
 *   rounds of a sweep, then its end), then finish.
 * A matrix that has converged returns at once from the dispatches left, so a sweep the matrix did not need
 * costs an empty dispatch (~20 us on SwiftShader, a few us on a GPU). What the trainer reads back is `sv`
 * [R][n] (descending) and `info` [R][4] (sweeps, converged, largest cosine of the last sweep, status).
 *
 * Blocking (override constants WG, TEAM, PB; G in the params): SwiftShader runs a workgroup on one CPU
 * thread in SIMD groups of 4 lanes, where loops of equal length in every lane and vec4 arithmetic pay: one
 * workgroup per matrix (G = 1) of one team of 4 lanes sharing each pair's rows in quads (TEAM = WG = 4),
 * PB = all pairs of an inner round between barriers. A GPU wants many more invocations: WG / TEAM teams of
 * TEAM lanes (coalesced reads of one column), and G workgroups per matrix (blocks of b = ceil(n / 2G) >=
 * WG / TEAM columns) so that large n spread over the GPU. G changes the order in which pairs are visited,
 * not the result (to rounding).
 */
import { storageBuffer } from '../buffers.ts';
import { ceilDiv, type Dispatch } from '../kernel.ts';
import type { OpContext } from './context.ts';
import { dispatch, type Footprint, type FootprintContext, uniforms } from './footprint.ts';

/** MAX_N of shaders/singularValues.wgsl (its workgroup array of column norms). */
export const SINGULAR_VALUES_MAX_N = 1024;
/** Sweeps before a matrix counts as not converged (f32 Jacobi needed 1 to ~25 at n <= 202 in the tests). */
export const SINGULAR_VALUES_MAX_SWEEPS = 40;
/** u32 slots of state per matrix (shaders/singularValues.wgsl). */
export const SINGULAR_VALUES_STATE = 8;
/** f32 slots of info per matrix: sweeps, converged (1/0), largest cosine of the last sweep, status. */
export const SINGULAR_VALUES_INFO = 4;
/** info status: 0 computed, 1 the matrix had a NaN or infinite entry, 2 skipped (a factorised run). */
export const SingularValuesStatus = { computed: 0, nonFinite: 1, skipped: 2 } as const;

export interface SingularValuesDims {
  R: number;
  rows: number;
  n: number;
}

export interface SingularValuesBuffers {
  /** [R][16] the hyper table: matrices with FACTORISED = 1 are skipped */
  hyper: GPUBuffer;
  /** [R][rows][n], read only */
  A: GPUBuffer;
  /** scratch [R][n][ceil(rows / 64) * 64] (singularValuesScratchFloats) */
  cols: GPUBuffer;
  /** scratch [R][8] u32 */
  state: GPUBuffer;
  /** [R][n] out */
  sv: GPUBuffer;
  /** [R][4] out */
  info: GPUBuffer;
}

/**
 * Whether to precondition by QR (sweep the columns of R^T, n rows, instead of A's). On SwiftShader always:
 * R^T needed 8-11 sweeps where A needed up to 22 (f32, n = 128-202), and a tall LSTM matrix shrinks 4x; the
 * QR costs about one sweep of A. On a GPU the QR runs in the load dispatch, one workgroup per matrix (n
 * sequential steps), while the sweeps spread over G workgroups: so only for tall matrices, and only up to
 * n = 512, where the QR of [4n][n] is ~0.5 G multiply-adds in one dispatch (at n = 1024 it would be ~4 G, long
 * enough to risk a GPU watchdog on a small GPU; the sweeps on A's 4n rows take its place).
 */
export function singularValuesPrecondition(software: boolean, d: SingularValuesDims): boolean {
  return software || (d.rows > d.n && d.n <= 512);
}

export interface SingularValuesBlocking {
  /** invocations per workgroup (a power of two up to 256) */
  WG: number;
  /** invocations per pair of columns (a power of two dividing WG, at most 16: columns are padded to 64 rows = 16 quads) */
  TEAM: number;
  /** pairs a team handles between two barriers (workgroup memory: 24 WG PB bytes) */
  PB: number;
  /** workgroups per matrix in a block round (2G blocks of columns) */
  G: number;
}

/** Floats of the column scratch for these dimensions (a copy of the matrices, column by column, rows padded to a multiple of 64). */
export function singularValuesScratchFloats(d: SingularValuesDims): number {
  return d.R * d.n * Math.ceil(d.rows / 64) * 64;
}

/** Workgroup memory the partial sums may take (the kernel's other arrays take ~4 KiB + 8 WG bytes). */
const PARTIAL_BYTES = 8192;

/**
 * The rotation threshold: a pair counts as orthogonal when its cosine is at most sqrt(rows) * 2^-23, the
 * noise level of an f32 dot product of `rows` terms relative to the norms (LAPACK's sgesvj uses the same).
 */
export function singularValuesTolerance(rows: number): number {
  return Math.sqrt(Math.max(rows, 16)) * 2 ** -23;
}

export function singularValuesBlocking(software: boolean, d: SingularValuesDims): Omit<SingularValuesBlocking, 'PB'> {
  if (software) return { WG: 4, TEAM: 4, G: 1 };
  const TEAM = d.rows >= 1024 ? 16 : 8;
  const WG = 256;
  return { WG, TEAM, G: Math.max(1, Math.floor(d.n / (2 * (WG / TEAM)))) };
}

/**
 * What prepareSingularValues creates and dispatches (its scratch and outputs are the block's `spectrum.*`
 * buffers, groupBuffers.ts): one Params uniform per distinct dispatch (load, the 2G - 1 block rounds, the end
 * of a sweep, finish) and their grids. The rounds and the sweep's end are encoded maxSweeps times each; they
 * are listed once here, as the memory plan counts distinct dispatches.
 */
export function singularValuesFootprint(fc: FootprintContext, d: SingularValuesDims, label = 'singularValues'): Footprint {
  const blocking = singularValuesBlocking(fc.software, d);
  const G = Math.max(1, Math.min(blocking.G, Math.floor(d.n / 2)));
  const rounds = Array.from({ length: 2 * G - 1 }, (_, k) => dispatch(`${label}.round${k}`, 'singularValues', [G, d.R, 1]));
  return {
    buffers: [uniforms('singularValues', 2 * G + 2)],
    dispatches: [
      dispatch(`${label}.load`, 'singularValues', [1, d.R, 1]),
      ...rounds,
      dispatch(`${label}.endSweep`, 'singularValues', [1, d.R, 1]),
      dispatch(`${label}.finish`, 'singularValues', [1, d.R, 1]),
    ],
  };
}

export async function prepareSingularValues(
  ctx: OpContext,
  d: SingularValuesDims,
  bufs: SingularValuesBuffers,
  opts: { blocking?: Partial<SingularValuesBlocking>; maxSweeps?: number; tol?: number; qr?: boolean; label?: string } = {},
): Promise<Dispatch[]> {
  const { R, rows, n } = d;
  const label = opts.label ?? 'singularValues';
  if (!(R >= 1 && n >= 2 && rows >= n)) throw new Error(`${label}: need R >= 1, n >= 2 and rows >= n (got R=${R}, rows=${rows}, n=${n})`);
  if (n > SINGULAR_VALUES_MAX_N) throw new Error(`${label}: n = ${n} is above the kernel's maximum ${SINGULAR_VALUES_MAX_N}`);
  const blocking = { ...singularValuesBlocking(ctx.software, d), ...opts.blocking };
  const { WG, TEAM } = blocking;
  if (!(WG >= 1 && WG <= 256 && (WG & (WG - 1)) === 0 && TEAM >= 1 && TEAM <= 16 && WG % TEAM === 0 && (TEAM & (TEAM - 1)) === 0))
    throw new Error(
      `${label}: WG must be a power of two up to 256 and TEAM a power of two up to 16 dividing it (got WG=${WG}, TEAM=${TEAM})`,
    );
  const G = Math.max(1, Math.min(blocking.G, Math.floor(n / 2)));
  const b = ceilDiv(n, 2 * G);
  // the pairs a team gets per inner round, as few barriers as the workgroup memory allows
  const perTeam = ceilDiv(b, WG / TEAM);
  const PB = Math.max(1, Math.min(blocking.PB ?? perTeam, perTeam, Math.floor(PARTIAL_BYTES / (24 * WG))));
  const need: [string, GPUBuffer, number][] = [
    ['hyper', bufs.hyper, R * 16],
    ['A', bufs.A, R * rows * n],
    ['cols', bufs.cols, singularValuesScratchFloats(d)],
    ['state', bufs.state, R * SINGULAR_VALUES_STATE],
    ['sv', bufs.sv, R * n],
    ['info', bufs.info, R * SINGULAR_VALUES_INFO],
  ];
  for (const [name, buf, floats] of need)
    if (buf.size < floats * 4) throw new Error(`${label}: ${name} needs ${floats} values but its buffer holds ${buf.size / 4}`);
  const maxSweeps = opts.maxSweeps ?? SINGULAR_VALUES_MAX_SWEEPS;
  const qr = opts.qr ?? singularValuesPrecondition(ctx.software, d);
  // the sweeps run over R^T's n rows after a QR
  const tol = opts.tol ?? singularValuesTolerance(qr ? n : rows);
  const kernel = await ctx.kernels.get('singularValues', { WG, TEAM, PB });
  const buffers = [bufs.hyper, bufs.A, bufs.cols, bufs.state, bufs.sv, bufs.info];
  const phase = (name: string, p: number, blockRound: number, groups: number): Dispatch => {
    const params = kernel.makeParams({ R, rows, n, G, b, phase: p, blockRound, maxSweeps, tol, qr: qr ? 1 : 0 }, `${label}.${name}.params`);
    return { label: `${label}.${name}`, kernel, group: kernel.bind([params, ...buffers], `${label}.${name}`), workgroups: [groups, R, 1] };
  };
  const rounds = Array.from({ length: 2 * G - 1 }, (_, k) => phase(`round${k}`, 1, k, G));
  const endSweep = phase('endSweep', 2, 0, 1);
  const out = [phase('load', 0, 0, 1)];
  for (let s = 0; s < maxSweeps; s++) out.push(...rounds, endSweep);
  out.push(phase('finish', 3, 0, 1));
  return out;
}

/** Allocates the scratch and output buffers of prepareSingularValues for these dimensions. */
export function allocateSingularValuesBuffers(
  device: GPUDevice,
  d: SingularValuesDims,
  label: string,
): Pick<SingularValuesBuffers, 'cols' | 'state' | 'sv' | 'info'> {
  return {
    cols: storageBuffer(device, singularValuesScratchFloats(d) * 4, `${label}.cols`),
    state: storageBuffer(device, d.R * SINGULAR_VALUES_STATE * 4, `${label}.state`),
    sv: storageBuffer(device, d.R * d.n * 4, `${label}.sv`),
    info: storageBuffer(device, d.R * SINGULAR_VALUES_INFO * 4, `${label}.info`),
  };
}
