/**
 * float64 reference of shaders/reduceRows.wgsl: out[r][j] = beta*out[r][j] + sum_i x[r][i][j], matrix r
 * starting at element r * stride (default packed, rows * cols).
 */
export function reduceRows(
  out: Float64Array,
  x: ArrayLike<number>,
  batch: number,
  rows: number,
  cols: number,
  beta = 0,
  stride = rows * cols,
): void {
  for (let r = 0; r < batch; r++) {
    for (let j = 0; j < cols; j++) {
      let acc = 0;
      for (let i = 0; i < rows; i++) acc += x[r * stride + i * cols + j];
      out[r * cols + j] = beta * out[r * cols + j] + acc;
    }
  }
}
