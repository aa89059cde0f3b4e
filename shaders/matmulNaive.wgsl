// matmulNaive: batched C[b] = alpha * op(A[b]) [diag(d[b])] op(B[b]) + beta * C[b], f32, one output per
// invocation, no blocking. The reference path for benchmarks; same Params, bindings and semantics as matmul.
//   op(A): [M][K]. A stored [M][K] row-major (transA = 0) or [K][M] (transA = 1, op(A) = A^T).
//   op(B): [K][N]. B stored [K][N] row-major (transB = 0) or [N][K] (transB = 1, op(B) = B^T).
//   A, B, C, D are flat f32 arrays; batch item b starts at off* + b * stride* (stride 0 broadcasts one matrix).
//   D: the diagonal. diagMode 0: unused (bind any buffer); 1: C = op(A) diag(d) op(B), d has K entries;
//      2: C = (op(A) op(B)) diag(d), d has N entries. diagRelu = 1 uses max(d, 0).
//   C: [batch][M][N] row-major at offC + b * strideC. beta = 0 overwrites C without reading it.
// Dispatch: (ceil(N / WG_X), ceil(M / WG_Y), batch) workgroups.

//! include matmulParams

@group(0) @binding(1) var<storage, read> A: array<f32>;
@group(0) @binding(2) var<storage, read> B: array<f32>;

override WG_X: u32 = 8;
override WG_Y: u32 = 8;

@compute @workgroup_size(WG_X, WG_Y)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let n = gid.x;
  let m = gid.y;
  let b = gid.z;
  if (n >= params.N || m >= params.M || b >= params.batch) { return; }
  let aBase = params.offA + b * params.strideA;
  let bBase = params.offB + b * params.strideB;
  var acc = 0.0;
  for (var k = 0u; k < params.K; k++) {
    var a: f32;
    if (params.transA == 0u) { a = A[aBase + m * params.K + k]; } else { a = A[aBase + k * params.M + m]; }
    var bk: f32;
    if (params.transB == 0u) { bk = B[bBase + k * params.N + n]; } else { bk = B[bBase + n * params.K + k]; }
    if (params.diagMode == 1u) { a *= diagAt(b, k); }
    acc += a * bk;
  }
  if (params.diagMode == 2u) { acc *= diagAt(b, n); }
  let o = params.offC + b * params.strideC + m * params.N + n;
  if (params.beta == 0.0) {
    C[o] = params.alpha * acc;
  } else {
    C[o] = params.alpha * acc + params.beta * C[o];
  }
}
