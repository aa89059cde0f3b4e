/**
 * The float64 singular value reference (src/reference/singularValues.ts) checked on its own before it judges
 * the kernel: its sweep order visits every pair of columns exactly once per sweep, for every blocking; it
 * returns known spectra (diagonal matrices, U diag(s) V^T with Haar U, V, tall and square, repeated, tiny
 * and exactly zero values) and agrees with the trusted SVD of linalg.ts; it skips factorised runs and marks
 * non-finite matrices.
 */
import { describe, expect, it } from 'vitest';
import { HYPER_STRIDE, Hyper } from '../../src/engine/hyper.ts';
import { svd } from '../../src/engine/linalg.ts';
import { Rng } from '../../src/random/rng.ts';
import { householderRTransposed, singularValues, sweepSchedule } from '../../src/reference/singularValues.ts';
import { expectClose } from '../helpers/compare.ts';
import { type SpectrumKind, spectrumOf, withSpectrum } from '../helpers/knownSpectrum.ts';

// float64 Jacobi: each rotation is backward stable, so the values carry a few hundred ulps of the largest.
const TOL = { atol: 1e-13, rtol: 1e-12 };

const sorted = (s: ArrayLike<number>) => Float64Array.from(s).sort((a, b) => b - a);

function plainHyper(R: number): Float64Array {
  return new Float64Array(R * HYPER_STRIDE);
}

describe('singular value reference', () => {
  for (const [n, G] of [
    [2, 1],
    [6, 1],
    [7, 1],
    [6, 3],
    [20, 2],
    [21, 4],
    [33, 5],
    [64, 8],
  ]) {
    it(`its sweep visits every pair of columns once (n=${n}, ${G} block pairs), disjoint pairs in each inner round`, () => {
      const seen = new Map<string, number>();
      for (const block of sweepSchedule(n, G)) {
        for (const pairs of block) {
          const cols = pairs.flat();
          expect(new Set(cols).size, 'a column twice in one inner round').toBe(cols.length);
          for (const [p, q] of pairs) {
            const key = `${Math.min(p, q)},${Math.max(p, q)}`;
            seen.set(key, (seen.get(key) ?? 0) + 1);
          }
        }
      }
      expect(seen.size).toBe((n * (n - 1)) / 2);
      expect([...seen.values()].every((c) => c === 1)).toBe(true);
    });
  }

  it('returns |d| sorted for a diagonal matrix (square and tall), zeros included', () => {
    const d = [3, -0.5, 0, 2, 1e-9, -7];
    const n = d.length;
    for (const rows of [n, 4 * n]) {
      const a = new Float64Array(rows * n);
      d.forEach((v, i) => {
        a[(rows - n + i) * n + i] = v; // the nonzero block at the bottom for tall matrices
      });
      const out = new Float64Array(n);
      const [info] = singularValues(out, plainHyper(1), a, 1, rows, n);
      expect(info.converged).toBe(true);
      expect(info.sweeps).toBe(1);
      expectClose(`diagonal rows=${rows}`, out, sorted(d.map(Math.abs)), { atol: 0, rtol: 0 });
    }
  });

  for (const kind of ['ones', 'repeated', 'tiny', 'rankDeficient', 'wide', 'graded'] as SpectrumKind[]) {
    for (const [rows, n] of [
      [20, 20],
      [80, 20],
      [33, 33],
    ]) {
      it(`recovers the spectrum of U diag(s) V^T (${kind}, ${rows} x ${n}), with blocks and with the QR preconditioning`, () => {
        const rng = new Rng(n * 31 + rows);
        const s = spectrumOf(kind, n, rng, 2.5);
        const a = withSpectrum(rng, rows, s);
        for (const [groups, qr] of [
          [1, false],
          [3, false],
          [1, true],
          [3, true],
        ] as const) {
          const out = new Float64Array(n);
          const [info] = singularValues(out, plainHyper(1), a, 1, rows, n, { groups, qr });
          expect(info.converged).toBe(true);
          // rounding in forming U diag(s) V^T (~1e-15 of the largest) bounds what any method can recover
          expectClose(`${kind} groups=${groups} qr=${qr}`, out, sorted(s), { atol: 1e-13, rtol: 1e-12 });
        }
      });
    }
  }

  it('its QR preconditioning gives an R^T with the same Gram matrix up to an orthogonal change (R^T R = A^T A)', () => {
    const rng = new Rng(9);
    for (const [rows, n] of [
      [7, 7],
      [28, 7],
      [40, 13],
    ]) {
      const a = rng.normalArray(rows * n);
      const cols = Array.from({ length: n }, (_, j) => Float64Array.from({ length: rows }, (_, i) => a[i * n + j]));
      const rt = householderRTransposed(cols, rows);
      // rt[c] is row c of R: R upper triangular, and (R^T R)_ij = sum_c R[c][i] R[c][j] = (A^T A)_ij
      for (let c = 0; c < n; c++) for (let i = 0; i < c; i++) expect(rt[c][i]).toBe(0);
      for (let i = 0; i < n; i++)
        for (let j = 0; j < n; j++) {
          let rr = 0;
          let aa = 0;
          for (let c = 0; c < n; c++) rr += rt[c][i] * rt[c][j];
          for (let k = 0; k < rows; k++) aa += cols[i][k] * cols[j][k];
          expect(Math.abs(rr - aa)).toBeLessThan(1e-12 * rows);
        }
    }
  });

  it('agrees with the one-sided Jacobi SVD of linalg.ts on Glorot matrices, several runs at once', () => {
    const rng = new Rng(4);
    const n = 24;
    const R = 3;
    const a = rng.normalArray(R * n * n, 1 / Math.sqrt(n));
    const out = new Float64Array(R * n);
    const infos = singularValues(out, plainHyper(R), a, R, n, n);
    for (let r = 0; r < R; r++) {
      expect(infos[r].converged).toBe(true);
      expectClose(`run ${r}`, out.subarray(r * n, (r + 1) * n), svd(a.subarray(r * n * n, (r + 1) * n * n), n).s, TOL);
    }
  });

  it('skips factorised runs (out kept), gives NaN for a non-finite matrix, zeros for a zero matrix', () => {
    const n = 5;
    const R = 3;
    const hyper = plainHyper(R);
    hyper[0 * HYPER_STRIDE + Hyper.FACTORISED] = 1;
    const a = new Rng(1).normalArray(R * n * n);
    a[1 * n * n + 7] = Number.POSITIVE_INFINITY;
    a.fill(0, 2 * n * n, 3 * n * n);
    const out = new Float64Array(R * n).fill(-1);
    const infos = singularValues(out, hyper, a, R, n, n);
    expect(infos.map((i) => [i.computed, i.finite, i.converged])).toEqual([
      [false, true, false],
      [true, false, false],
      [true, true, true],
    ]);
    expect(Array.from(out.subarray(0, n))).toEqual([-1, -1, -1, -1, -1]);
    expect(out.subarray(n, 2 * n).every(Number.isNaN)).toBe(true);
    expect(Array.from(out.subarray(2 * n))).toEqual([0, 0, 0, 0, 0]);
  });
});
