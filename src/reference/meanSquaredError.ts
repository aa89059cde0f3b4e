/**
 * float64 reference of shaders/meanSquaredError.wgsl (stats as the op's final [R][2] after its reduction):
 * dpred[r][p][o] = 2 weight[p] (pred - targets[p][o]),  stats[r] = (sum_p weight[p] sum_o (pred - t)^2, 0).
 * targets and weight are read at position pOff + p (a recomputed segment's positions of the batch).
 */
export function meanSquaredError(
  dpred: Float64Array,
  stats: Float64Array,
  pred: ArrayLike<number>,
  targets: ArrayLike<number>,
  weight: ArrayLike<number>,
  R: number,
  P: number,
  O: number,
  pOff = 0,
): void {
  for (let r = 0; r < R; r++) {
    let loss = 0;
    for (let p = 0; p < P; p++) {
      for (let o = 0; o < O; o++) {
        const e = pred[(r * P + p) * O + o] - targets[(pOff + p) * O + o];
        dpred[(r * P + p) * O + o] = 2 * weight[pOff + p] * e;
        loss += weight[pOff + p] * e * e;
      }
    }
    stats[r * 2] = loss;
    stats[r * 2 + 1] = 0;
  }
}
