// The quad matmul kernels' store (matmulQuad.wgsl, matmulAtBQuad.wgsl): one 4 x 4 block of a lane's outputs.

// Writes the 4 x 4 block acc (rows row.., columns col..) clipped to M x N, as matmul.wgsl's storeBlock.
fn store4(b: u32, row: u32, col: u32, acc: array<vec4f, 4>) {
  let cBase = params.offC + b * params.strideC;
  // the common case: the whole block inside C, overwritten, no column scale (no per-element tests)
  if (params.beta == 0.0 && params.diagMode != 2u && row + 3u < params.M && col + 3u < params.N) {
    for (var r = 0u; r < 4u; r++) {
      let o = cBase + (row + r) * params.N + col;
      let v = acc[r] * params.alpha;
      C[o] = v.x; C[o + 1u] = v.y; C[o + 2u] = v.z; C[o + 3u] = v.w;
    }
    return;
  }
  var scale = vec4f(params.alpha);
  if (params.diagMode == 2u) {
    for (var j = 0u; j < 4u; j++) { scale[j] *= diagAt(b, min(col + j, params.N - 1u)); }
  }
  for (var r = 0u; r < 4u; r++) {
    if (row + r >= params.M) { break; }
    let v = acc[r] * scale;
    for (var j = 0u; j < 4u; j++) {
      if (col + j < params.N) {
        let o = cBase + (row + r) * params.N + col + j;
        if (params.beta == 0.0) { C[o] = v[j]; } else { C[o] = v[j] + params.beta * C[o]; }
      }
    }
  }
}
