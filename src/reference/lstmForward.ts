/**
 * float64 reference of shaders/lstmForward.wgsl, all R runs: the LSTM cell with diagonal peepholes (gates in
 * the order i, f, g, o; docs/ENGINE.md, "The LSTM cell"), for t = 1..L:
 *   z = W h_{t-1} + xproj_t + b
 *   i = sig(z_i + p_i c_{t-1}),  f = sig(z_f + p_f c_{t-1}),  g = tanh(z_g)
 *   c_t = f c_{t-1} + i g,       o = sig(z_o + p_o c_t),      h_t = o tanh(c_t)
 * with c[r][0][b] = c0[r] and h[r][0][b] = h0[r] for every row b. The kernel clamps the arguments of sig and
 * tanh to [-30, 30] and [-20, 20]; in float64 that changes nothing measurable, so the reference does not.
 * Layouts: gates and xproj [R][L][B][4n] (gate k of unit u at k*n+u), c and h [R][L+1][B][n], W [R][4n][n],
 * b [R][4n], peep [R][3][n] (p_i, p_f, p_o), h0 and c0 [R][n]. xproj is W_in x_t without the bias.
 */

export function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

export function lstmForward(
  gates: Float64Array,
  c: Float64Array,
  h: Float64Array,
  W: ArrayLike<number>,
  xproj: ArrayLike<number>,
  b: ArrayLike<number>,
  peep: ArrayLike<number>,
  h0: ArrayLike<number>,
  c0: ArrayLike<number>,
  R: number,
  L: number,
  B: number,
  n: number,
): void {
  const z = new Float64Array(4 * n);
  for (let r = 0; r < R; r++) {
    const pi = r * 3 * n,
      pf = pi + n,
      po = pi + 2 * n;
    for (let bb = 0; bb < B; bb++) {
      const s0 = (r * (L + 1) * B + bb) * n;
      for (let u = 0; u < n; u++) {
        h[s0 + u] = h0[r * n + u];
        c[s0 + u] = c0[r * n + u];
      }
    }
    for (let t = 1; t <= L; t++) {
      for (let bb = 0; bb < B; bb++) {
        const prev = ((r * (L + 1) + t - 1) * B + bb) * n;
        const cur = ((r * (L + 1) + t) * B + bb) * n;
        const zOff = ((r * L + t - 1) * B + bb) * 4 * n;
        for (let q = 0; q < 4 * n; q++) {
          let s = xproj[zOff + q] + b[r * 4 * n + q];
          for (let j = 0; j < n; j++) s += W[(r * 4 * n + q) * n + j] * h[prev + j];
          z[q] = s;
        }
        for (let u = 0; u < n; u++) {
          const cPrev = c[prev + u];
          const i = sigmoid(z[u] + peep[pi + u] * cPrev);
          const f = sigmoid(z[n + u] + peep[pf + u] * cPrev);
          const g = Math.tanh(z[2 * n + u]);
          const cNew = f * cPrev + i * g;
          const o = sigmoid(z[3 * n + u] + peep[po + u] * cNew);
          gates[zOff + u] = i;
          gates[zOff + n + u] = f;
          gates[zOff + 2 * n + u] = g;
          gates[zOff + 3 * n + u] = o;
          c[cur + u] = cNew;
          h[cur + u] = o * Math.tanh(cNew);
        }
      }
    }
  }
}
