/**
 * shaders/singularValues.wgsl (one-sided Jacobi in f32) against the float64 reference of the same name and
 * against known spectra: n = 6, 20, 128, 202 square (a plain RNN's W) and tall [4n][n] (an LSTM's stacked
 * W) for a few n, several matrices per dispatch, seeded U diag(s) V^T with Haar U, V and s all ones (an
 * orthogonal W), repeated, tiny (1e-6 of the largest), exactly zero (rank deficient), six decades wide,
 * and plain Glorot matrices; the blocking of a GPU (several teams, several workgroups per matrix) as well
 * as SwiftShader's; factorised runs skipped, non-finite matrices marked, extreme scales.
 */
import { describe, expect, it } from 'vitest';
import { HYPER_STRIDE, Hyper } from '../../src/engine/hyper.ts';
import { readF32, uploadF32 } from '../../src/gpu/buffers.ts';
import type { OpContext } from '../../src/gpu/ops/context.ts';
import {
  allocateSingularValuesBuffers,
  prepareSingularValues,
  SINGULAR_VALUES_INFO,
  type SingularValuesBlocking,
  SingularValuesStatus,
  singularValuesBlocking,
  singularValuesPrecondition,
} from '../../src/gpu/ops/singularValues.ts';
import { Rng } from '../../src/random/rng.ts';
import { singularValues } from '../../src/reference/singularValues.ts';
import { expectClose } from '../helpers/compare.ts';
import { device, gpu, kernels, submit } from '../helpers/gpu.ts';
import { type SpectrumKind, spectrumOf, withSpectrum } from '../helpers/knownSpectrum.ts';

const ctx: OpContext = { device, kernels, software: gpu.adapterInfo.isSoftware, quads: gpu.quadSwaps };

// f32 Jacobi: a rotation in Rutishauser's form perturbs the two columns by rounding errors of about 2^-24 of
// s times their norms; over the ~n rotations per sweep and 1-25 sweeps they stay within a few 1e-7 of the
// largest singular value (measured: worst 2.7e-7 of it, at n = 202 with repeated values; no growth with n
// from 6 to 202). Tiny and zero singular values are columns reduced to that noise: the same absolute error.
// So: |got - want| <= ATOL_REL * max(s) + RTOL * |s|, about 7x the worst seen.
const ATOL_REL = 2e-6;
const RTOL = 1e-6;

type Kind = SpectrumKind | 'glorot';

interface Case {
  n: number;
  rows: number;
  kinds: Kind[];
  blocking?: Partial<SingularValuesBlocking>;
  /** QR preconditioning on or off (default: as the op chooses for this adapter) */
  qr?: boolean;
  /** the blocking and preconditioning the op picks for a GPU (WG 256, TEAM 8 or 16, G = floor(n / 64)) */
  gpu?: boolean;
}

/** A matrix of the given kind and its exact spectrum (null for Glorot: the reference decides). */
function matrix(kind: Kind, rows: number, n: number, rng: Rng): { a: Float32Array; s: Float64Array | null } {
  if (kind === 'glorot') return { a: Float32Array.from(rng.normalArray(rows * n, 1 / Math.sqrt(n))), s: null };
  const s = spectrumOf(kind, n, rng, rng.range(0.5, 3));
  return { a: Float32Array.from(withSpectrum(rng, rows, s)), s: Float64Array.from(s).sort((x, y) => y - x) };
}

async function run(
  c: { n: number; rows: number; blocking?: Partial<SingularValuesBlocking>; qr?: boolean },
  a: Float32Array,
  hyper: Float32Array,
  svInit?: Float32Array,
) {
  const R = hyper.length / HYPER_STRIDE;
  const d = { R, rows: c.rows, n: c.n };
  const bufs = { hyper: uploadF32(device, hyper), A: uploadF32(device, a), ...allocateSingularValuesBuffers(device, d, 'test') };
  if (svInit) device.queue.writeBuffer(bufs.sv, 0, svInit);
  const dispatches = await prepareSingularValues(ctx, d, bufs, { blocking: c.blocking, qr: c.qr });
  device.pushErrorScope('validation');
  submit(dispatches);
  const sv = await readF32(device, bufs.sv, R * c.n);
  const info = await readF32(device, bufs.info, R * SINGULAR_VALUES_INFO);
  expect(await device.popErrorScope()).toBeNull();
  const unchanged = await readF32(device, bufs.A, R * c.rows * c.n);
  expect(unchanged, 'the matrices are read, never written').toEqual(a);
  return { sv, info };
}

const CASES: Case[] = [
  // as the lab runs them here (on SwiftShader: QR preconditioning, then Jacobi on R^T)
  { n: 6, rows: 6, kinds: ['glorot', 'ones', 'tiny', 'rankDeficient'] },
  { n: 6, rows: 24, kinds: ['glorot', 'repeated', 'rankDeficient'] },
  { n: 20, rows: 20, kinds: ['glorot', 'ones', 'repeated', 'tiny', 'rankDeficient', 'wide'] },
  { n: 20, rows: 80, kinds: ['glorot', 'tiny', 'wide'] },
  // n not a multiple of 4 with several 4 x 4 tiles per lane in the transpose after the QR (n = 10, 66)
  { n: 10, rows: 10, kinds: ['glorot', 'tiny', 'repeated'] },
  { n: 10, rows: 40, kinds: ['glorot', 'rankDeficient'] },
  { n: 66, rows: 66, kinds: ['glorot', 'wide'] },
  { n: 128, rows: 128, kinds: ['glorot', 'ones', 'tiny', 'rankDeficient', 'wide'] },
  { n: 128, rows: 512, kinds: ['glorot', 'rankDeficient', 'ones'] },
  { n: 202, rows: 202, kinds: ['glorot', 'repeated', 'wide'] },
  // Jacobi on A's own columns (a GPU's path for square matrices)
  { n: 20, rows: 20, kinds: ['glorot', 'ones', 'tiny', 'rankDeficient', 'wide'], qr: false },
  { n: 20, rows: 80, kinds: ['glorot', 'repeated'], qr: false },
  { n: 128, rows: 128, kinds: ['glorot', 'repeated', 'tiny'], qr: false },
  // the shapes a GPU gets: several teams per workgroup, several workgroups per matrix, odd n, blocks of one column
  { n: 37, rows: 37, kinds: ['glorot', 'tiny', 'ones'], blocking: { WG: 32, TEAM: 4, G: 3 }, qr: false },
  { n: 20, rows: 80, kinds: ['glorot', 'rankDeficient'], blocking: { WG: 64, TEAM: 8, G: 2, PB: 1 }, qr: true },
  { n: 6, rows: 6, kinds: ['glorot', 'wide'], blocking: { WG: 8, TEAM: 2, G: 3 }, qr: false },
  { n: 7, rows: 28, kinds: ['glorot', 'tiny'], blocking: { WG: 16, TEAM: 4, G: 2 }, qr: true },
  // exactly what a GPU adapter gets (here run on SwiftShader): n = 130 has G = 2 blocks of 33 pairs for 32 teams
  { n: 130, rows: 130, kinds: ['glorot', 'tiny'], gpu: true },
  { n: 40, rows: 160, kinds: ['glorot', 'rankDeficient'], gpu: true },
];

describe('singularValues kernel vs float64 reference and known spectra', () => {
  for (const c of CASES) {
    const R = c.kinds.length + 1;
    if (c.gpu) {
      const d = { R, rows: c.rows, n: c.n };
      c.blocking = singularValuesBlocking(false, d);
      c.qr = singularValuesPrecondition(false, d);
    }
    const shape = `${c.gpu ? ' as on a GPU:' : ''}${c.blocking ? ` blocking ${JSON.stringify(c.blocking)}` : ''}${c.qr === undefined ? '' : c.qr ? ' with QR' : ' without QR'}`;
    it(`${c.rows} x ${c.n}, ${R} matrices (${c.kinds.join(', ')}, and a skipped factorised run)${shape}`, {
      timeout: 240_000,
    }, async () => {
      const rng = new Rng(c.n * 1000 + c.rows);
      const size = c.rows * c.n;
      const a = new Float32Array(R * size);
      const hyper = new Float32Array(R * HYPER_STRIDE);
      const exact: (Float64Array | null)[] = [];
      c.kinds.forEach((kind, r) => {
        const m = matrix(kind, c.rows, c.n, rng);
        a.set(m.a, r * size);
        exact.push(m.s);
      });
      // the last run is factorised: skipped, its slot of sv keeps what was there
      hyper[(R - 1) * HYPER_STRIDE + Hyper.FACTORISED] = 1;
      a.set(Float32Array.from(rng.normalArray(size)), (R - 1) * size);
      const svInit = new Float32Array(R * c.n).fill(-1);
      const { sv, info } = await run(c, a, hyper, svInit);
      const want = new Float64Array(R * c.n).fill(-1);
      const refInfo = singularValues(want, hyper, a, R, c.rows, c.n);
      c.kinds.forEach((kind, r) => {
        const got = sv.subarray(r * c.n, (r + 1) * c.n);
        const ref = want.subarray(r * c.n, (r + 1) * c.n);
        const [sweeps, converged, off, status] = info.subarray(r * SINGULAR_VALUES_INFO, (r + 1) * SINGULAR_VALUES_INFO);
        expect([converged, status], `${kind}: converged, status (sweeps ${sweeps}, last cosine ${off})`).toEqual([1, 0]);
        expect(sweeps).toBeGreaterThanOrEqual(1);
        const tol = { atol: ATOL_REL * ref[0], rtol: RTOL };
        expectClose(`${kind} (run ${r}) vs float64 reference (${sweeps} sweeps, ${refInfo[r].sweeps} in float64)`, got, ref, tol);
        const s = exact[r];
        if (s) expectClose(`${kind} (run ${r}) vs its exact spectrum`, got, s, tol);
        for (let i = 1; i < c.n; i++) expect(got[i - 1] >= got[i], `${kind}: descending at ${i}`).toBe(true);
      });
      expect(Array.from(sv.subarray((R - 1) * c.n)).every((v) => v === -1)).toBe(true);
      expect(Array.from(info.subarray((R - 1) * SINGULAR_VALUES_INFO))).toEqual([0, 0, 0, SingularValuesStatus.skipped]);
    });
  }

  it('marks a matrix with a NaN or an infinite entry (NaN values), computes zeros for a zero matrix', async () => {
    const n = 20;
    const size = n * n;
    const rng = new Rng(77);
    const a = Float32Array.from(rng.normalArray(4 * size));
    a[3] = Number.NaN;
    a[size + 150] = Number.NEGATIVE_INFINITY;
    a.fill(0, 2 * size, 3 * size);
    const { sv, info } = await run({ n, rows: n }, a, new Float32Array(4 * HYPER_STRIDE));
    for (const r of [0, 1]) {
      expect(sv.subarray(r * n, (r + 1) * n).every(Number.isNaN), `run ${r}: NaN`).toBe(true);
      expect(info[r * SINGULAR_VALUES_INFO + 3]).toBe(SingularValuesStatus.nonFinite);
    }
    expect(Array.from(sv.subarray(2 * n, 3 * n))).toEqual(new Array(n).fill(0));
    expect(Array.from(info.subarray(2 * SINGULAR_VALUES_INFO, 3 * SINGULAR_VALUES_INFO))).toEqual([1, 1, 0, 0]);
    expect(info[3 * SINGULAR_VALUES_INFO + 3]).toBe(SingularValuesStatus.computed);
  });

  it('keeps its accuracy at extreme scales (entries near 1e30 and 1e-30: the copy is scaled by a power of two)', async () => {
    const n = 20;
    const rng = new Rng(78);
    const s = spectrumOf('wide', n, rng);
    const base = withSpectrum(rng, n, s);
    const exact = Float64Array.from(s).sort((x, y) => y - x);
    for (const scale of [1e30, 1e-30]) {
      const a = Float32Array.from(base, (v) => v * scale);
      const { sv, info } = await run({ n, rows: n }, a, new Float32Array(HYPER_STRIDE));
      expect(info[1], `converged at scale ${scale}`).toBe(1);
      expectClose(
        `scale ${scale}`,
        Float64Array.from(sv, (v) => v / scale),
        exact,
        { atol: ATOL_REL * exact[0], rtol: RTOL },
      );
    }
  });

  it('stops after maxSweeps and says it did not converge', async () => {
    const n = 20;
    const a = Float32Array.from(new Rng(79).normalArray(n * n));
    const d = { R: 1, rows: n, n };
    const bufs = {
      hyper: uploadF32(device, new Float32Array(HYPER_STRIDE)),
      A: uploadF32(device, a),
      ...allocateSingularValuesBuffers(device, d, 't'),
    };
    submit(await prepareSingularValues(ctx, d, bufs, { maxSweeps: 2 }));
    const info = await readF32(device, bufs.info, SINGULAR_VALUES_INFO);
    expect(info[0]).toBe(2);
    expect(info[1]).toBe(0);
    expect(info[2]).toBeGreaterThan(1e-3);
  });

  it('refuses sizes it cannot do, with a message', async () => {
    const d = { R: 1, rows: 1025, n: 1025 };
    const b = uploadF32(device, new Float32Array(16));
    const bufs = { hyper: b, A: b, cols: b, state: b, sv: b, info: b };
    await expect(prepareSingularValues(ctx, d, bufs)).rejects.toThrow(/n = 1025 is above the kernel's maximum 1024/);
    await expect(prepareSingularValues(ctx, { R: 1, rows: 4, n: 8 }, bufs)).rejects.toThrow(/rows >= n/);
  });
});
