/** The largest f32: what orthDrift reports for a matrix with NaN or infinite entries. */
export const F32_MAX = 3.4028234663852886e38;

/** float64 reference of shaders/orthDrift.wgsl: drift[s] = max_ij |C[s][i][j] - delta_ij| (F32_MAX if any entry is NaN or infinite). */
export function orthDrift(drift: Float64Array, C: ArrayLike<number>, S: number, n: number): void {
  for (let s = 0; s < S; s++) {
    let m = 0;
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        const v = Math.abs(C[(s * n + i) * n + j] - (i === j ? 1 : 0));
        m = Math.max(m, Number.isFinite(v) ? v : F32_MAX);
      }
    drift[s] = m;
  }
}
