// matmulAtB4: matmul.wgsl's software schedule for C = alpha * A^T B [diag(d)] + beta * C (transA = 1, transB = 0:
// the parameter gradients dW = sum_t da_t^T h_{t-1}), with A and B read as vec4s. Same Params and bindings as
// matmul.wgsl; what it needs (src/gpu/ops/matmul.ts atB4Eligible): M and N multiples of 4, offA, strideA,
// offB, strideB multiples of 4, diagMode 0 or 2 (mode 1 scales k and is not supported here).
//   A stored [K][M] (op(A) = A^T), B stored [K][N]; both as vec4s: A4[k][m/4], B4[k][n/4].
// Each invocation computes 8 rows x 8 columns of C: per k, 2 vec4 loads of A (its 8 rows) and 2 of B (its 8
// columns) where matmul.wgsl makes 16 scalar loads. On SwiftShader a storage load is a per-lane gather with a
// bounds check, so the loads set the pace. Rows and columns past M and N read clamped vec4s, never stored.
// Dispatch: (ceil(N / (WG_X * 8)), ceil(M / (WG_Y * 8)), batch).

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
@group(0) @binding(1) var<storage, read> A: array<vec4f>;
@group(0) @binding(2) var<storage, read> B: array<vec4f>;
@group(0) @binding(3) var<storage, read> D: array<f32>;
@group(0) @binding(4) var<storage, read_write> C: array<f32>;

override WG_X: u32 = 4;
override WG_Y: u32 = 4;
// fixed at 8 x 2 here (the register block is written out); declared so that the op passes matmul's constants
override ROWS: u32 = 8;
override COLS4: u32 = 2;
const MAX_ROWS = 8u;
const MAX_COLS4 = 2u;

fn diagAt(b: u32, i: u32) -> f32 {
  let v = D[params.offD + b * params.strideD + i];
  return select(v, max(v, 0.0), params.diagRelu != 0u);
}

// Writes one block of results: rows row0.., columns col0.. (vec4 groups), clipped to M x N.
fn storeBlock(b: u32, row0: u32, col0: u32, acc: ptr<function, array<array<vec4f, MAX_COLS4>, MAX_ROWS> >) {
  let cBase = params.offC + b * params.strideC;
  for (var c = 0u; c < COLS4; c++) {
    var scale = vec4f(params.alpha);
    if (params.diagMode == 2u) {
      for (var j = 0u; j < 4u; j++) { scale[j] *= diagAt(b, min(col0 + 4u * c + j, params.N - 1u)); }
    }
    for (var r = 0u; r < ROWS; r++) {
      let row = row0 + r;
      if (row >= params.M) { break; }
      let v = (*acc)[r][c] * scale;
      for (var j = 0u; j < 4u; j++) {
        let col = col0 + 4u * c + j;
        if (col < params.N) {
          let o = cBase + row * params.N + col;
          if (params.beta == 0.0) { C[o] = v[j]; } else { C[o] = v[j] + params.beta * C[o]; }
        }
      }
    }
  }
}

@compute @workgroup_size(WG_X, WG_Y)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(workgroup_id) wid: vec3u) {
  let b = wid.z;
  if (b >= params.batch) { return; }
  let row0 = gid.y * 8u;
  let col0 = gid.x * 8u;
  if (row0 >= params.M || col0 >= params.N) { return; }
  let M4 = params.M / 4u;
  let N4 = params.N / 4u;
  let aBase = (params.offA + b * params.strideA) / 4u;
  let bBase = (params.offB + b * params.strideB) / 4u;
  let ia0 = min(row0 / 4u, M4 - 1u);
  let ia1 = min(row0 / 4u + 1u, M4 - 1u);
  let ib0 = min(col0 / 4u, N4 - 1u);
  let ib1 = min(col0 / 4u + 1u, N4 - 1u);
  var c00 = vec4f(0.0); var c10 = vec4f(0.0); var c20 = vec4f(0.0); var c30 = vec4f(0.0);
  var c40 = vec4f(0.0); var c50 = vec4f(0.0); var c60 = vec4f(0.0); var c70 = vec4f(0.0);
  var c01 = vec4f(0.0); var c11 = vec4f(0.0); var c21 = vec4f(0.0); var c31 = vec4f(0.0);
  var c41 = vec4f(0.0); var c51 = vec4f(0.0); var c61 = vec4f(0.0); var c71 = vec4f(0.0);
  for (var k = 0u; k < params.K; k++) {
    let x0 = A[aBase + k * M4 + ia0];
    let x1 = A[aBase + k * M4 + ia1];
    let v0 = B[bBase + k * N4 + ib0];
    let v1 = B[bBase + k * N4 + ib1];
    c00 = fma(vec4f(x0.x), v0, c00); c01 = fma(vec4f(x0.x), v1, c01);
    c10 = fma(vec4f(x0.y), v0, c10); c11 = fma(vec4f(x0.y), v1, c11);
    c20 = fma(vec4f(x0.z), v0, c20); c21 = fma(vec4f(x0.z), v1, c21);
    c30 = fma(vec4f(x0.w), v0, c30); c31 = fma(vec4f(x0.w), v1, c31);
    c40 = fma(vec4f(x1.x), v0, c40); c41 = fma(vec4f(x1.x), v1, c41);
    c50 = fma(vec4f(x1.y), v0, c50); c51 = fma(vec4f(x1.y), v1, c51);
    c60 = fma(vec4f(x1.z), v0, c60); c61 = fma(vec4f(x1.z), v1, c61);
    c70 = fma(vec4f(x1.w), v0, c70); c71 = fma(vec4f(x1.w), v1, c71);
  }
  var acc: array<array<vec4f, MAX_COLS4>, MAX_ROWS>;
  acc[0][0] = c00; acc[1][0] = c10; acc[2][0] = c20; acc[3][0] = c30;
  acc[4][0] = c40; acc[5][0] = c50; acc[6][0] = c60; acc[7][0] = c70;
  acc[0][1] = c01; acc[1][1] = c11; acc[2][1] = c21; acc[3][1] = c31;
  acc[4][1] = c41; acc[5][1] = c51; acc[6][1] = c61; acc[7][1] = c71;
  storeBlock(b, row0, col0, &acc);
}
