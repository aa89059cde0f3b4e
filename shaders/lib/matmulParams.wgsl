// The Params of the matmul kernels (matmul, matmulNaive, matmulAtB4, matmulAtBQuad, matmulQuad; fields
// described in matmul.wgsl's header), their bindings 0 (params), 3 (the diagonal D) and 4 (C), and the diagonal's
// entry. Each kernel binds A and B itself (1 and 2: f32s, or vec4s in the A^T B kernels).

struct Params {
  batch: u32, M: u32, N: u32, K: u32,
  transA: u32,
  transB: u32,
  offA: u32, offB: u32, offC: u32, offD: u32,
  strideA: u32, strideB: u32, strideC: u32, strideD: u32,
  diagMode: u32,
  diagRelu: u32,
  alpha: f32, beta: f32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(3) var<storage, read> D: array<f32>;
@group(0) @binding(4) var<storage, read_write> C: array<f32>;

// d_i of the diagonal (max(d_i, 0) with diagRelu)
fn diagAt(b: u32, i: u32) -> f32 {
  let v = D[params.offD + b * params.strideD + i];
  return select(v, max(v, 0.0), params.diagRelu != 0u);
}
