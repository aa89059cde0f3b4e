/** float64 reference of shaders/addBias.wgsl: y[r][p][o] += bias[r][o]. */
export function addBias(y: Float64Array, bias: ArrayLike<number>, R: number, P: number, O: number): void {
  for (let r = 0; r < R; r++) for (let p = 0; p < P; p++) for (let o = 0; o < O; o++) y[(r * P + p) * O + o] += bias[r * O + o];
}
