/**
 * float64 reference of shaders/softmaxCrossEntropy.wgsl (stats as the op's final [R][2] after its reduction):
 * dlogits[r][p] = weight[p] (softmax(logits[r][p]) - onehot(targets[p])),
 * stats[r] = (sum_p weight[p] CE_p, sum_p accWeight[p] [argmax == target]) (first maximum wins ties).
 * targets, weight and accWeight are read at pOff + p (a recomputed segment's positions of the batch).
 */
export function softmaxCrossEntropy(
  dlogits: Float64Array,
  stats: Float64Array,
  logits: ArrayLike<number>,
  targets: ArrayLike<number>,
  weight: ArrayLike<number>,
  accWeight: ArrayLike<number>,
  R: number,
  P: number,
  O: number,
  pOff = 0,
): void {
  for (let r = 0; r < R; r++) {
    let loss = 0;
    let acc = 0;
    for (let p = 0; p < P; p++) {
      const base = (r * P + p) * O;
      let m = logits[base];
      let best = 0;
      for (let o = 1; o < O; o++)
        if (logits[base + o] > m) {
          m = logits[base + o];
          best = o;
        }
      let z = 0;
      for (let o = 0; o < O; o++) z += Math.exp(logits[base + o] - m);
      const t = targets[pOff + p];
      for (let o = 0; o < O; o++) dlogits[base + o] = weight[pOff + p] * (Math.exp(logits[base + o] - m) / z - (o === t ? 1 : 0));
      loss += weight[pOff + p] * (Math.log(z) + m - logits[base + t]);
      if (best === t) acc += accWeight[pOff + p];
    }
    stats[r * 2] = loss;
    stats[r * 2 + 1] = acc;
  }
}
