// matmulAtB4: matmul.wgsl's software schedule for C = alpha * A^T B [diag(d)] + beta * C (transA = 1, transB = 0:
// the parameter gradients dW = sum_t da_t^T h_{t-1}), with A and B read as vec4s. Same Params and bindings as
// matmul.wgsl; what it needs (src/gpu/ops/matmul.ts atB4Eligible): M and N multiples of 4, offA, strideA,
// offB, strideB multiples of 4, diagMode 0 or 2 (mode 1 scales k and is not supported here).
//   A stored [K][M] (op(A) = A^T), B stored [K][N]; both as vec4s: A4[k][m/4], B4[k][n/4].
// Each invocation computes 32 rows x 16 columns of C: per k, 8 vec4 loads of A (its 32 rows) and 4 of B (its 16
// columns), 48 scalar components for 512 multiply-adds (an 8 x 8 block loads 16 for 64). On SwiftShader a
// storage load is a per-lane gather with a bounds check and every update of a `var` a store to the
// invocation's memory, so both set the pace: the k loop takes 4 k a pass, its 24 loads into `let`s, and adds
// each output's 4 products in one chain before the one update of its accumulator (the remaining K % 4 k one at
// a time). The sums therefore run in another order than matmul.wgsl's (groups of 4 k), equal to f32 rounding.
// Rows and columns past M and N read clamped vec4s, never stored.
// Dispatch: (ceil(N / (WG_X * 16)), ceil(M / (WG_Y * 32)), batch).
// The register block is written out (WGSL has no macros); generated once by a script, edit consistently.

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
// fixed at 32 x 4 here (the register block is written out); declared so that the op passes matmul's constants
override ROWS: u32 = 32;
override COLS4: u32 = 4;
const MAX_ROWS = 32u;
const MAX_COLS4 = 4u;

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
  let row0 = gid.y * 32u;
  let col0 = gid.x * 16u;
  if (row0 >= params.M || col0 >= params.N) { return; }
  let M4 = params.M / 4u;
  let N4 = params.N / 4u;
  let aBase = (params.offA + b * params.strideA) / 4u;
  let bBase = (params.offB + b * params.strideB) / 4u;
  let ia0 = min(row0 / 4u + 0u, M4 - 1u);
  let ia1 = min(row0 / 4u + 1u, M4 - 1u);
  let ia2 = min(row0 / 4u + 2u, M4 - 1u);
  let ia3 = min(row0 / 4u + 3u, M4 - 1u);
  let ia4 = min(row0 / 4u + 4u, M4 - 1u);
  let ia5 = min(row0 / 4u + 5u, M4 - 1u);
  let ia6 = min(row0 / 4u + 6u, M4 - 1u);
  let ia7 = min(row0 / 4u + 7u, M4 - 1u);
  let ib0 = min(col0 / 4u + 0u, N4 - 1u);
  let ib1 = min(col0 / 4u + 1u, N4 - 1u);
  let ib2 = min(col0 / 4u + 2u, N4 - 1u);
  let ib3 = min(col0 / 4u + 3u, N4 - 1u);
  var c0_0 = vec4f(0.0); var c0_1 = vec4f(0.0); var c0_2 = vec4f(0.0); var c0_3 = vec4f(0.0);
  var c1_0 = vec4f(0.0); var c1_1 = vec4f(0.0); var c1_2 = vec4f(0.0); var c1_3 = vec4f(0.0);
  var c2_0 = vec4f(0.0); var c2_1 = vec4f(0.0); var c2_2 = vec4f(0.0); var c2_3 = vec4f(0.0);
  var c3_0 = vec4f(0.0); var c3_1 = vec4f(0.0); var c3_2 = vec4f(0.0); var c3_3 = vec4f(0.0);
  var c4_0 = vec4f(0.0); var c4_1 = vec4f(0.0); var c4_2 = vec4f(0.0); var c4_3 = vec4f(0.0);
  var c5_0 = vec4f(0.0); var c5_1 = vec4f(0.0); var c5_2 = vec4f(0.0); var c5_3 = vec4f(0.0);
  var c6_0 = vec4f(0.0); var c6_1 = vec4f(0.0); var c6_2 = vec4f(0.0); var c6_3 = vec4f(0.0);
  var c7_0 = vec4f(0.0); var c7_1 = vec4f(0.0); var c7_2 = vec4f(0.0); var c7_3 = vec4f(0.0);
  var c8_0 = vec4f(0.0); var c8_1 = vec4f(0.0); var c8_2 = vec4f(0.0); var c8_3 = vec4f(0.0);
  var c9_0 = vec4f(0.0); var c9_1 = vec4f(0.0); var c9_2 = vec4f(0.0); var c9_3 = vec4f(0.0);
  var c10_0 = vec4f(0.0); var c10_1 = vec4f(0.0); var c10_2 = vec4f(0.0); var c10_3 = vec4f(0.0);
  var c11_0 = vec4f(0.0); var c11_1 = vec4f(0.0); var c11_2 = vec4f(0.0); var c11_3 = vec4f(0.0);
  var c12_0 = vec4f(0.0); var c12_1 = vec4f(0.0); var c12_2 = vec4f(0.0); var c12_3 = vec4f(0.0);
  var c13_0 = vec4f(0.0); var c13_1 = vec4f(0.0); var c13_2 = vec4f(0.0); var c13_3 = vec4f(0.0);
  var c14_0 = vec4f(0.0); var c14_1 = vec4f(0.0); var c14_2 = vec4f(0.0); var c14_3 = vec4f(0.0);
  var c15_0 = vec4f(0.0); var c15_1 = vec4f(0.0); var c15_2 = vec4f(0.0); var c15_3 = vec4f(0.0);
  var c16_0 = vec4f(0.0); var c16_1 = vec4f(0.0); var c16_2 = vec4f(0.0); var c16_3 = vec4f(0.0);
  var c17_0 = vec4f(0.0); var c17_1 = vec4f(0.0); var c17_2 = vec4f(0.0); var c17_3 = vec4f(0.0);
  var c18_0 = vec4f(0.0); var c18_1 = vec4f(0.0); var c18_2 = vec4f(0.0); var c18_3 = vec4f(0.0);
  var c19_0 = vec4f(0.0); var c19_1 = vec4f(0.0); var c19_2 = vec4f(0.0); var c19_3 = vec4f(0.0);
  var c20_0 = vec4f(0.0); var c20_1 = vec4f(0.0); var c20_2 = vec4f(0.0); var c20_3 = vec4f(0.0);
  var c21_0 = vec4f(0.0); var c21_1 = vec4f(0.0); var c21_2 = vec4f(0.0); var c21_3 = vec4f(0.0);
  var c22_0 = vec4f(0.0); var c22_1 = vec4f(0.0); var c22_2 = vec4f(0.0); var c22_3 = vec4f(0.0);
  var c23_0 = vec4f(0.0); var c23_1 = vec4f(0.0); var c23_2 = vec4f(0.0); var c23_3 = vec4f(0.0);
  var c24_0 = vec4f(0.0); var c24_1 = vec4f(0.0); var c24_2 = vec4f(0.0); var c24_3 = vec4f(0.0);
  var c25_0 = vec4f(0.0); var c25_1 = vec4f(0.0); var c25_2 = vec4f(0.0); var c25_3 = vec4f(0.0);
  var c26_0 = vec4f(0.0); var c26_1 = vec4f(0.0); var c26_2 = vec4f(0.0); var c26_3 = vec4f(0.0);
  var c27_0 = vec4f(0.0); var c27_1 = vec4f(0.0); var c27_2 = vec4f(0.0); var c27_3 = vec4f(0.0);
  var c28_0 = vec4f(0.0); var c28_1 = vec4f(0.0); var c28_2 = vec4f(0.0); var c28_3 = vec4f(0.0);
  var c29_0 = vec4f(0.0); var c29_1 = vec4f(0.0); var c29_2 = vec4f(0.0); var c29_3 = vec4f(0.0);
  var c30_0 = vec4f(0.0); var c30_1 = vec4f(0.0); var c30_2 = vec4f(0.0); var c30_3 = vec4f(0.0);
  var c31_0 = vec4f(0.0); var c31_1 = vec4f(0.0); var c31_2 = vec4f(0.0); var c31_3 = vec4f(0.0);
  let K4 = params.K / 4u * 4u;
  for (var k = 0u; k < K4; k += 4u) {
    let a00 = A[aBase + (k + 0u) * M4 + ia0]; let a01 = A[aBase + (k + 0u) * M4 + ia1]; let a02 = A[aBase + (k + 0u) * M4 + ia2]; let a03 = A[aBase + (k + 0u) * M4 + ia3]; let a04 = A[aBase + (k + 0u) * M4 + ia4]; let a05 = A[aBase + (k + 0u) * M4 + ia5]; let a06 = A[aBase + (k + 0u) * M4 + ia6]; let a07 = A[aBase + (k + 0u) * M4 + ia7];
    let b00 = B[bBase + (k + 0u) * N4 + ib0]; let b01 = B[bBase + (k + 0u) * N4 + ib1]; let b02 = B[bBase + (k + 0u) * N4 + ib2]; let b03 = B[bBase + (k + 0u) * N4 + ib3];
    let a10 = A[aBase + (k + 1u) * M4 + ia0]; let a11 = A[aBase + (k + 1u) * M4 + ia1]; let a12 = A[aBase + (k + 1u) * M4 + ia2]; let a13 = A[aBase + (k + 1u) * M4 + ia3]; let a14 = A[aBase + (k + 1u) * M4 + ia4]; let a15 = A[aBase + (k + 1u) * M4 + ia5]; let a16 = A[aBase + (k + 1u) * M4 + ia6]; let a17 = A[aBase + (k + 1u) * M4 + ia7];
    let b10 = B[bBase + (k + 1u) * N4 + ib0]; let b11 = B[bBase + (k + 1u) * N4 + ib1]; let b12 = B[bBase + (k + 1u) * N4 + ib2]; let b13 = B[bBase + (k + 1u) * N4 + ib3];
    let a20 = A[aBase + (k + 2u) * M4 + ia0]; let a21 = A[aBase + (k + 2u) * M4 + ia1]; let a22 = A[aBase + (k + 2u) * M4 + ia2]; let a23 = A[aBase + (k + 2u) * M4 + ia3]; let a24 = A[aBase + (k + 2u) * M4 + ia4]; let a25 = A[aBase + (k + 2u) * M4 + ia5]; let a26 = A[aBase + (k + 2u) * M4 + ia6]; let a27 = A[aBase + (k + 2u) * M4 + ia7];
    let b20 = B[bBase + (k + 2u) * N4 + ib0]; let b21 = B[bBase + (k + 2u) * N4 + ib1]; let b22 = B[bBase + (k + 2u) * N4 + ib2]; let b23 = B[bBase + (k + 2u) * N4 + ib3];
    let a30 = A[aBase + (k + 3u) * M4 + ia0]; let a31 = A[aBase + (k + 3u) * M4 + ia1]; let a32 = A[aBase + (k + 3u) * M4 + ia2]; let a33 = A[aBase + (k + 3u) * M4 + ia3]; let a34 = A[aBase + (k + 3u) * M4 + ia4]; let a35 = A[aBase + (k + 3u) * M4 + ia5]; let a36 = A[aBase + (k + 3u) * M4 + ia6]; let a37 = A[aBase + (k + 3u) * M4 + ia7];
    let b30 = B[bBase + (k + 3u) * N4 + ib0]; let b31 = B[bBase + (k + 3u) * N4 + ib1]; let b32 = B[bBase + (k + 3u) * N4 + ib2]; let b33 = B[bBase + (k + 3u) * N4 + ib3];
    c0_0 += fma(vec4f(a30.x), b30, fma(vec4f(a20.x), b20, fma(vec4f(a10.x), b10, vec4f(a00.x) * b00)));
    c0_1 += fma(vec4f(a30.x), b31, fma(vec4f(a20.x), b21, fma(vec4f(a10.x), b11, vec4f(a00.x) * b01)));
    c0_2 += fma(vec4f(a30.x), b32, fma(vec4f(a20.x), b22, fma(vec4f(a10.x), b12, vec4f(a00.x) * b02)));
    c0_3 += fma(vec4f(a30.x), b33, fma(vec4f(a20.x), b23, fma(vec4f(a10.x), b13, vec4f(a00.x) * b03)));
    c1_0 += fma(vec4f(a30.y), b30, fma(vec4f(a20.y), b20, fma(vec4f(a10.y), b10, vec4f(a00.y) * b00)));
    c1_1 += fma(vec4f(a30.y), b31, fma(vec4f(a20.y), b21, fma(vec4f(a10.y), b11, vec4f(a00.y) * b01)));
    c1_2 += fma(vec4f(a30.y), b32, fma(vec4f(a20.y), b22, fma(vec4f(a10.y), b12, vec4f(a00.y) * b02)));
    c1_3 += fma(vec4f(a30.y), b33, fma(vec4f(a20.y), b23, fma(vec4f(a10.y), b13, vec4f(a00.y) * b03)));
    c2_0 += fma(vec4f(a30.z), b30, fma(vec4f(a20.z), b20, fma(vec4f(a10.z), b10, vec4f(a00.z) * b00)));
    c2_1 += fma(vec4f(a30.z), b31, fma(vec4f(a20.z), b21, fma(vec4f(a10.z), b11, vec4f(a00.z) * b01)));
    c2_2 += fma(vec4f(a30.z), b32, fma(vec4f(a20.z), b22, fma(vec4f(a10.z), b12, vec4f(a00.z) * b02)));
    c2_3 += fma(vec4f(a30.z), b33, fma(vec4f(a20.z), b23, fma(vec4f(a10.z), b13, vec4f(a00.z) * b03)));
    c3_0 += fma(vec4f(a30.w), b30, fma(vec4f(a20.w), b20, fma(vec4f(a10.w), b10, vec4f(a00.w) * b00)));
    c3_1 += fma(vec4f(a30.w), b31, fma(vec4f(a20.w), b21, fma(vec4f(a10.w), b11, vec4f(a00.w) * b01)));
    c3_2 += fma(vec4f(a30.w), b32, fma(vec4f(a20.w), b22, fma(vec4f(a10.w), b12, vec4f(a00.w) * b02)));
    c3_3 += fma(vec4f(a30.w), b33, fma(vec4f(a20.w), b23, fma(vec4f(a10.w), b13, vec4f(a00.w) * b03)));
    c4_0 += fma(vec4f(a31.x), b30, fma(vec4f(a21.x), b20, fma(vec4f(a11.x), b10, vec4f(a01.x) * b00)));
    c4_1 += fma(vec4f(a31.x), b31, fma(vec4f(a21.x), b21, fma(vec4f(a11.x), b11, vec4f(a01.x) * b01)));
    c4_2 += fma(vec4f(a31.x), b32, fma(vec4f(a21.x), b22, fma(vec4f(a11.x), b12, vec4f(a01.x) * b02)));
    c4_3 += fma(vec4f(a31.x), b33, fma(vec4f(a21.x), b23, fma(vec4f(a11.x), b13, vec4f(a01.x) * b03)));
    c5_0 += fma(vec4f(a31.y), b30, fma(vec4f(a21.y), b20, fma(vec4f(a11.y), b10, vec4f(a01.y) * b00)));
    c5_1 += fma(vec4f(a31.y), b31, fma(vec4f(a21.y), b21, fma(vec4f(a11.y), b11, vec4f(a01.y) * b01)));
    c5_2 += fma(vec4f(a31.y), b32, fma(vec4f(a21.y), b22, fma(vec4f(a11.y), b12, vec4f(a01.y) * b02)));
    c5_3 += fma(vec4f(a31.y), b33, fma(vec4f(a21.y), b23, fma(vec4f(a11.y), b13, vec4f(a01.y) * b03)));
    c6_0 += fma(vec4f(a31.z), b30, fma(vec4f(a21.z), b20, fma(vec4f(a11.z), b10, vec4f(a01.z) * b00)));
    c6_1 += fma(vec4f(a31.z), b31, fma(vec4f(a21.z), b21, fma(vec4f(a11.z), b11, vec4f(a01.z) * b01)));
    c6_2 += fma(vec4f(a31.z), b32, fma(vec4f(a21.z), b22, fma(vec4f(a11.z), b12, vec4f(a01.z) * b02)));
    c6_3 += fma(vec4f(a31.z), b33, fma(vec4f(a21.z), b23, fma(vec4f(a11.z), b13, vec4f(a01.z) * b03)));
    c7_0 += fma(vec4f(a31.w), b30, fma(vec4f(a21.w), b20, fma(vec4f(a11.w), b10, vec4f(a01.w) * b00)));
    c7_1 += fma(vec4f(a31.w), b31, fma(vec4f(a21.w), b21, fma(vec4f(a11.w), b11, vec4f(a01.w) * b01)));
    c7_2 += fma(vec4f(a31.w), b32, fma(vec4f(a21.w), b22, fma(vec4f(a11.w), b12, vec4f(a01.w) * b02)));
    c7_3 += fma(vec4f(a31.w), b33, fma(vec4f(a21.w), b23, fma(vec4f(a11.w), b13, vec4f(a01.w) * b03)));
    c8_0 += fma(vec4f(a32.x), b30, fma(vec4f(a22.x), b20, fma(vec4f(a12.x), b10, vec4f(a02.x) * b00)));
    c8_1 += fma(vec4f(a32.x), b31, fma(vec4f(a22.x), b21, fma(vec4f(a12.x), b11, vec4f(a02.x) * b01)));
    c8_2 += fma(vec4f(a32.x), b32, fma(vec4f(a22.x), b22, fma(vec4f(a12.x), b12, vec4f(a02.x) * b02)));
    c8_3 += fma(vec4f(a32.x), b33, fma(vec4f(a22.x), b23, fma(vec4f(a12.x), b13, vec4f(a02.x) * b03)));
    c9_0 += fma(vec4f(a32.y), b30, fma(vec4f(a22.y), b20, fma(vec4f(a12.y), b10, vec4f(a02.y) * b00)));
    c9_1 += fma(vec4f(a32.y), b31, fma(vec4f(a22.y), b21, fma(vec4f(a12.y), b11, vec4f(a02.y) * b01)));
    c9_2 += fma(vec4f(a32.y), b32, fma(vec4f(a22.y), b22, fma(vec4f(a12.y), b12, vec4f(a02.y) * b02)));
    c9_3 += fma(vec4f(a32.y), b33, fma(vec4f(a22.y), b23, fma(vec4f(a12.y), b13, vec4f(a02.y) * b03)));
    c10_0 += fma(vec4f(a32.z), b30, fma(vec4f(a22.z), b20, fma(vec4f(a12.z), b10, vec4f(a02.z) * b00)));
    c10_1 += fma(vec4f(a32.z), b31, fma(vec4f(a22.z), b21, fma(vec4f(a12.z), b11, vec4f(a02.z) * b01)));
    c10_2 += fma(vec4f(a32.z), b32, fma(vec4f(a22.z), b22, fma(vec4f(a12.z), b12, vec4f(a02.z) * b02)));
    c10_3 += fma(vec4f(a32.z), b33, fma(vec4f(a22.z), b23, fma(vec4f(a12.z), b13, vec4f(a02.z) * b03)));
    c11_0 += fma(vec4f(a32.w), b30, fma(vec4f(a22.w), b20, fma(vec4f(a12.w), b10, vec4f(a02.w) * b00)));
    c11_1 += fma(vec4f(a32.w), b31, fma(vec4f(a22.w), b21, fma(vec4f(a12.w), b11, vec4f(a02.w) * b01)));
    c11_2 += fma(vec4f(a32.w), b32, fma(vec4f(a22.w), b22, fma(vec4f(a12.w), b12, vec4f(a02.w) * b02)));
    c11_3 += fma(vec4f(a32.w), b33, fma(vec4f(a22.w), b23, fma(vec4f(a12.w), b13, vec4f(a02.w) * b03)));
    c12_0 += fma(vec4f(a33.x), b30, fma(vec4f(a23.x), b20, fma(vec4f(a13.x), b10, vec4f(a03.x) * b00)));
    c12_1 += fma(vec4f(a33.x), b31, fma(vec4f(a23.x), b21, fma(vec4f(a13.x), b11, vec4f(a03.x) * b01)));
    c12_2 += fma(vec4f(a33.x), b32, fma(vec4f(a23.x), b22, fma(vec4f(a13.x), b12, vec4f(a03.x) * b02)));
    c12_3 += fma(vec4f(a33.x), b33, fma(vec4f(a23.x), b23, fma(vec4f(a13.x), b13, vec4f(a03.x) * b03)));
    c13_0 += fma(vec4f(a33.y), b30, fma(vec4f(a23.y), b20, fma(vec4f(a13.y), b10, vec4f(a03.y) * b00)));
    c13_1 += fma(vec4f(a33.y), b31, fma(vec4f(a23.y), b21, fma(vec4f(a13.y), b11, vec4f(a03.y) * b01)));
    c13_2 += fma(vec4f(a33.y), b32, fma(vec4f(a23.y), b22, fma(vec4f(a13.y), b12, vec4f(a03.y) * b02)));
    c13_3 += fma(vec4f(a33.y), b33, fma(vec4f(a23.y), b23, fma(vec4f(a13.y), b13, vec4f(a03.y) * b03)));
    c14_0 += fma(vec4f(a33.z), b30, fma(vec4f(a23.z), b20, fma(vec4f(a13.z), b10, vec4f(a03.z) * b00)));
    c14_1 += fma(vec4f(a33.z), b31, fma(vec4f(a23.z), b21, fma(vec4f(a13.z), b11, vec4f(a03.z) * b01)));
    c14_2 += fma(vec4f(a33.z), b32, fma(vec4f(a23.z), b22, fma(vec4f(a13.z), b12, vec4f(a03.z) * b02)));
    c14_3 += fma(vec4f(a33.z), b33, fma(vec4f(a23.z), b23, fma(vec4f(a13.z), b13, vec4f(a03.z) * b03)));
    c15_0 += fma(vec4f(a33.w), b30, fma(vec4f(a23.w), b20, fma(vec4f(a13.w), b10, vec4f(a03.w) * b00)));
    c15_1 += fma(vec4f(a33.w), b31, fma(vec4f(a23.w), b21, fma(vec4f(a13.w), b11, vec4f(a03.w) * b01)));
    c15_2 += fma(vec4f(a33.w), b32, fma(vec4f(a23.w), b22, fma(vec4f(a13.w), b12, vec4f(a03.w) * b02)));
    c15_3 += fma(vec4f(a33.w), b33, fma(vec4f(a23.w), b23, fma(vec4f(a13.w), b13, vec4f(a03.w) * b03)));
    c16_0 += fma(vec4f(a34.x), b30, fma(vec4f(a24.x), b20, fma(vec4f(a14.x), b10, vec4f(a04.x) * b00)));
    c16_1 += fma(vec4f(a34.x), b31, fma(vec4f(a24.x), b21, fma(vec4f(a14.x), b11, vec4f(a04.x) * b01)));
    c16_2 += fma(vec4f(a34.x), b32, fma(vec4f(a24.x), b22, fma(vec4f(a14.x), b12, vec4f(a04.x) * b02)));
    c16_3 += fma(vec4f(a34.x), b33, fma(vec4f(a24.x), b23, fma(vec4f(a14.x), b13, vec4f(a04.x) * b03)));
    c17_0 += fma(vec4f(a34.y), b30, fma(vec4f(a24.y), b20, fma(vec4f(a14.y), b10, vec4f(a04.y) * b00)));
    c17_1 += fma(vec4f(a34.y), b31, fma(vec4f(a24.y), b21, fma(vec4f(a14.y), b11, vec4f(a04.y) * b01)));
    c17_2 += fma(vec4f(a34.y), b32, fma(vec4f(a24.y), b22, fma(vec4f(a14.y), b12, vec4f(a04.y) * b02)));
    c17_3 += fma(vec4f(a34.y), b33, fma(vec4f(a24.y), b23, fma(vec4f(a14.y), b13, vec4f(a04.y) * b03)));
    c18_0 += fma(vec4f(a34.z), b30, fma(vec4f(a24.z), b20, fma(vec4f(a14.z), b10, vec4f(a04.z) * b00)));
    c18_1 += fma(vec4f(a34.z), b31, fma(vec4f(a24.z), b21, fma(vec4f(a14.z), b11, vec4f(a04.z) * b01)));
    c18_2 += fma(vec4f(a34.z), b32, fma(vec4f(a24.z), b22, fma(vec4f(a14.z), b12, vec4f(a04.z) * b02)));
    c18_3 += fma(vec4f(a34.z), b33, fma(vec4f(a24.z), b23, fma(vec4f(a14.z), b13, vec4f(a04.z) * b03)));
    c19_0 += fma(vec4f(a34.w), b30, fma(vec4f(a24.w), b20, fma(vec4f(a14.w), b10, vec4f(a04.w) * b00)));
    c19_1 += fma(vec4f(a34.w), b31, fma(vec4f(a24.w), b21, fma(vec4f(a14.w), b11, vec4f(a04.w) * b01)));
    c19_2 += fma(vec4f(a34.w), b32, fma(vec4f(a24.w), b22, fma(vec4f(a14.w), b12, vec4f(a04.w) * b02)));
    c19_3 += fma(vec4f(a34.w), b33, fma(vec4f(a24.w), b23, fma(vec4f(a14.w), b13, vec4f(a04.w) * b03)));
    c20_0 += fma(vec4f(a35.x), b30, fma(vec4f(a25.x), b20, fma(vec4f(a15.x), b10, vec4f(a05.x) * b00)));
    c20_1 += fma(vec4f(a35.x), b31, fma(vec4f(a25.x), b21, fma(vec4f(a15.x), b11, vec4f(a05.x) * b01)));
    c20_2 += fma(vec4f(a35.x), b32, fma(vec4f(a25.x), b22, fma(vec4f(a15.x), b12, vec4f(a05.x) * b02)));
    c20_3 += fma(vec4f(a35.x), b33, fma(vec4f(a25.x), b23, fma(vec4f(a15.x), b13, vec4f(a05.x) * b03)));
    c21_0 += fma(vec4f(a35.y), b30, fma(vec4f(a25.y), b20, fma(vec4f(a15.y), b10, vec4f(a05.y) * b00)));
    c21_1 += fma(vec4f(a35.y), b31, fma(vec4f(a25.y), b21, fma(vec4f(a15.y), b11, vec4f(a05.y) * b01)));
    c21_2 += fma(vec4f(a35.y), b32, fma(vec4f(a25.y), b22, fma(vec4f(a15.y), b12, vec4f(a05.y) * b02)));
    c21_3 += fma(vec4f(a35.y), b33, fma(vec4f(a25.y), b23, fma(vec4f(a15.y), b13, vec4f(a05.y) * b03)));
    c22_0 += fma(vec4f(a35.z), b30, fma(vec4f(a25.z), b20, fma(vec4f(a15.z), b10, vec4f(a05.z) * b00)));
    c22_1 += fma(vec4f(a35.z), b31, fma(vec4f(a25.z), b21, fma(vec4f(a15.z), b11, vec4f(a05.z) * b01)));
    c22_2 += fma(vec4f(a35.z), b32, fma(vec4f(a25.z), b22, fma(vec4f(a15.z), b12, vec4f(a05.z) * b02)));
    c22_3 += fma(vec4f(a35.z), b33, fma(vec4f(a25.z), b23, fma(vec4f(a15.z), b13, vec4f(a05.z) * b03)));
    c23_0 += fma(vec4f(a35.w), b30, fma(vec4f(a25.w), b20, fma(vec4f(a15.w), b10, vec4f(a05.w) * b00)));
    c23_1 += fma(vec4f(a35.w), b31, fma(vec4f(a25.w), b21, fma(vec4f(a15.w), b11, vec4f(a05.w) * b01)));
    c23_2 += fma(vec4f(a35.w), b32, fma(vec4f(a25.w), b22, fma(vec4f(a15.w), b12, vec4f(a05.w) * b02)));
    c23_3 += fma(vec4f(a35.w), b33, fma(vec4f(a25.w), b23, fma(vec4f(a15.w), b13, vec4f(a05.w) * b03)));
    c24_0 += fma(vec4f(a36.x), b30, fma(vec4f(a26.x), b20, fma(vec4f(a16.x), b10, vec4f(a06.x) * b00)));
    c24_1 += fma(vec4f(a36.x), b31, fma(vec4f(a26.x), b21, fma(vec4f(a16.x), b11, vec4f(a06.x) * b01)));
    c24_2 += fma(vec4f(a36.x), b32, fma(vec4f(a26.x), b22, fma(vec4f(a16.x), b12, vec4f(a06.x) * b02)));
    c24_3 += fma(vec4f(a36.x), b33, fma(vec4f(a26.x), b23, fma(vec4f(a16.x), b13, vec4f(a06.x) * b03)));
    c25_0 += fma(vec4f(a36.y), b30, fma(vec4f(a26.y), b20, fma(vec4f(a16.y), b10, vec4f(a06.y) * b00)));
    c25_1 += fma(vec4f(a36.y), b31, fma(vec4f(a26.y), b21, fma(vec4f(a16.y), b11, vec4f(a06.y) * b01)));
    c25_2 += fma(vec4f(a36.y), b32, fma(vec4f(a26.y), b22, fma(vec4f(a16.y), b12, vec4f(a06.y) * b02)));
    c25_3 += fma(vec4f(a36.y), b33, fma(vec4f(a26.y), b23, fma(vec4f(a16.y), b13, vec4f(a06.y) * b03)));
    c26_0 += fma(vec4f(a36.z), b30, fma(vec4f(a26.z), b20, fma(vec4f(a16.z), b10, vec4f(a06.z) * b00)));
    c26_1 += fma(vec4f(a36.z), b31, fma(vec4f(a26.z), b21, fma(vec4f(a16.z), b11, vec4f(a06.z) * b01)));
    c26_2 += fma(vec4f(a36.z), b32, fma(vec4f(a26.z), b22, fma(vec4f(a16.z), b12, vec4f(a06.z) * b02)));
    c26_3 += fma(vec4f(a36.z), b33, fma(vec4f(a26.z), b23, fma(vec4f(a16.z), b13, vec4f(a06.z) * b03)));
    c27_0 += fma(vec4f(a36.w), b30, fma(vec4f(a26.w), b20, fma(vec4f(a16.w), b10, vec4f(a06.w) * b00)));
    c27_1 += fma(vec4f(a36.w), b31, fma(vec4f(a26.w), b21, fma(vec4f(a16.w), b11, vec4f(a06.w) * b01)));
    c27_2 += fma(vec4f(a36.w), b32, fma(vec4f(a26.w), b22, fma(vec4f(a16.w), b12, vec4f(a06.w) * b02)));
    c27_3 += fma(vec4f(a36.w), b33, fma(vec4f(a26.w), b23, fma(vec4f(a16.w), b13, vec4f(a06.w) * b03)));
    c28_0 += fma(vec4f(a37.x), b30, fma(vec4f(a27.x), b20, fma(vec4f(a17.x), b10, vec4f(a07.x) * b00)));
    c28_1 += fma(vec4f(a37.x), b31, fma(vec4f(a27.x), b21, fma(vec4f(a17.x), b11, vec4f(a07.x) * b01)));
    c28_2 += fma(vec4f(a37.x), b32, fma(vec4f(a27.x), b22, fma(vec4f(a17.x), b12, vec4f(a07.x) * b02)));
    c28_3 += fma(vec4f(a37.x), b33, fma(vec4f(a27.x), b23, fma(vec4f(a17.x), b13, vec4f(a07.x) * b03)));
    c29_0 += fma(vec4f(a37.y), b30, fma(vec4f(a27.y), b20, fma(vec4f(a17.y), b10, vec4f(a07.y) * b00)));
    c29_1 += fma(vec4f(a37.y), b31, fma(vec4f(a27.y), b21, fma(vec4f(a17.y), b11, vec4f(a07.y) * b01)));
    c29_2 += fma(vec4f(a37.y), b32, fma(vec4f(a27.y), b22, fma(vec4f(a17.y), b12, vec4f(a07.y) * b02)));
    c29_3 += fma(vec4f(a37.y), b33, fma(vec4f(a27.y), b23, fma(vec4f(a17.y), b13, vec4f(a07.y) * b03)));
    c30_0 += fma(vec4f(a37.z), b30, fma(vec4f(a27.z), b20, fma(vec4f(a17.z), b10, vec4f(a07.z) * b00)));
    c30_1 += fma(vec4f(a37.z), b31, fma(vec4f(a27.z), b21, fma(vec4f(a17.z), b11, vec4f(a07.z) * b01)));
    c30_2 += fma(vec4f(a37.z), b32, fma(vec4f(a27.z), b22, fma(vec4f(a17.z), b12, vec4f(a07.z) * b02)));
    c30_3 += fma(vec4f(a37.z), b33, fma(vec4f(a27.z), b23, fma(vec4f(a17.z), b13, vec4f(a07.z) * b03)));
    c31_0 += fma(vec4f(a37.w), b30, fma(vec4f(a27.w), b20, fma(vec4f(a17.w), b10, vec4f(a07.w) * b00)));
    c31_1 += fma(vec4f(a37.w), b31, fma(vec4f(a27.w), b21, fma(vec4f(a17.w), b11, vec4f(a07.w) * b01)));
    c31_2 += fma(vec4f(a37.w), b32, fma(vec4f(a27.w), b22, fma(vec4f(a17.w), b12, vec4f(a07.w) * b02)));
    c31_3 += fma(vec4f(a37.w), b33, fma(vec4f(a27.w), b23, fma(vec4f(a17.w), b13, vec4f(a07.w) * b03)));
  }
  for (var k = K4; k < params.K; k++) {
    let a0 = A[aBase + k * M4 + ia0]; let a1 = A[aBase + k * M4 + ia1]; let a2 = A[aBase + k * M4 + ia2]; let a3 = A[aBase + k * M4 + ia3]; let a4 = A[aBase + k * M4 + ia4]; let a5 = A[aBase + k * M4 + ia5]; let a6 = A[aBase + k * M4 + ia6]; let a7 = A[aBase + k * M4 + ia7];
    let b0 = B[bBase + k * N4 + ib0]; let b1 = B[bBase + k * N4 + ib1]; let b2 = B[bBase + k * N4 + ib2]; let b3 = B[bBase + k * N4 + ib3];
    c0_0 = fma(vec4f(a0.x), b0, c0_0);
    c0_1 = fma(vec4f(a0.x), b1, c0_1);
    c0_2 = fma(vec4f(a0.x), b2, c0_2);
    c0_3 = fma(vec4f(a0.x), b3, c0_3);
    c1_0 = fma(vec4f(a0.y), b0, c1_0);
    c1_1 = fma(vec4f(a0.y), b1, c1_1);
    c1_2 = fma(vec4f(a0.y), b2, c1_2);
    c1_3 = fma(vec4f(a0.y), b3, c1_3);
    c2_0 = fma(vec4f(a0.z), b0, c2_0);
    c2_1 = fma(vec4f(a0.z), b1, c2_1);
    c2_2 = fma(vec4f(a0.z), b2, c2_2);
    c2_3 = fma(vec4f(a0.z), b3, c2_3);
    c3_0 = fma(vec4f(a0.w), b0, c3_0);
    c3_1 = fma(vec4f(a0.w), b1, c3_1);
    c3_2 = fma(vec4f(a0.w), b2, c3_2);
    c3_3 = fma(vec4f(a0.w), b3, c3_3);
    c4_0 = fma(vec4f(a1.x), b0, c4_0);
    c4_1 = fma(vec4f(a1.x), b1, c4_1);
    c4_2 = fma(vec4f(a1.x), b2, c4_2);
    c4_3 = fma(vec4f(a1.x), b3, c4_3);
    c5_0 = fma(vec4f(a1.y), b0, c5_0);
    c5_1 = fma(vec4f(a1.y), b1, c5_1);
    c5_2 = fma(vec4f(a1.y), b2, c5_2);
    c5_3 = fma(vec4f(a1.y), b3, c5_3);
    c6_0 = fma(vec4f(a1.z), b0, c6_0);
    c6_1 = fma(vec4f(a1.z), b1, c6_1);
    c6_2 = fma(vec4f(a1.z), b2, c6_2);
    c6_3 = fma(vec4f(a1.z), b3, c6_3);
    c7_0 = fma(vec4f(a1.w), b0, c7_0);
    c7_1 = fma(vec4f(a1.w), b1, c7_1);
    c7_2 = fma(vec4f(a1.w), b2, c7_2);
    c7_3 = fma(vec4f(a1.w), b3, c7_3);
    c8_0 = fma(vec4f(a2.x), b0, c8_0);
    c8_1 = fma(vec4f(a2.x), b1, c8_1);
    c8_2 = fma(vec4f(a2.x), b2, c8_2);
    c8_3 = fma(vec4f(a2.x), b3, c8_3);
    c9_0 = fma(vec4f(a2.y), b0, c9_0);
    c9_1 = fma(vec4f(a2.y), b1, c9_1);
    c9_2 = fma(vec4f(a2.y), b2, c9_2);
    c9_3 = fma(vec4f(a2.y), b3, c9_3);
    c10_0 = fma(vec4f(a2.z), b0, c10_0);
    c10_1 = fma(vec4f(a2.z), b1, c10_1);
    c10_2 = fma(vec4f(a2.z), b2, c10_2);
    c10_3 = fma(vec4f(a2.z), b3, c10_3);
    c11_0 = fma(vec4f(a2.w), b0, c11_0);
    c11_1 = fma(vec4f(a2.w), b1, c11_1);
    c11_2 = fma(vec4f(a2.w), b2, c11_2);
    c11_3 = fma(vec4f(a2.w), b3, c11_3);
    c12_0 = fma(vec4f(a3.x), b0, c12_0);
    c12_1 = fma(vec4f(a3.x), b1, c12_1);
    c12_2 = fma(vec4f(a3.x), b2, c12_2);
    c12_3 = fma(vec4f(a3.x), b3, c12_3);
    c13_0 = fma(vec4f(a3.y), b0, c13_0);
    c13_1 = fma(vec4f(a3.y), b1, c13_1);
    c13_2 = fma(vec4f(a3.y), b2, c13_2);
    c13_3 = fma(vec4f(a3.y), b3, c13_3);
    c14_0 = fma(vec4f(a3.z), b0, c14_0);
    c14_1 = fma(vec4f(a3.z), b1, c14_1);
    c14_2 = fma(vec4f(a3.z), b2, c14_2);
    c14_3 = fma(vec4f(a3.z), b3, c14_3);
    c15_0 = fma(vec4f(a3.w), b0, c15_0);
    c15_1 = fma(vec4f(a3.w), b1, c15_1);
    c15_2 = fma(vec4f(a3.w), b2, c15_2);
    c15_3 = fma(vec4f(a3.w), b3, c15_3);
    c16_0 = fma(vec4f(a4.x), b0, c16_0);
    c16_1 = fma(vec4f(a4.x), b1, c16_1);
    c16_2 = fma(vec4f(a4.x), b2, c16_2);
    c16_3 = fma(vec4f(a4.x), b3, c16_3);
    c17_0 = fma(vec4f(a4.y), b0, c17_0);
    c17_1 = fma(vec4f(a4.y), b1, c17_1);
    c17_2 = fma(vec4f(a4.y), b2, c17_2);
    c17_3 = fma(vec4f(a4.y), b3, c17_3);
    c18_0 = fma(vec4f(a4.z), b0, c18_0);
    c18_1 = fma(vec4f(a4.z), b1, c18_1);
    c18_2 = fma(vec4f(a4.z), b2, c18_2);
    c18_3 = fma(vec4f(a4.z), b3, c18_3);
    c19_0 = fma(vec4f(a4.w), b0, c19_0);
    c19_1 = fma(vec4f(a4.w), b1, c19_1);
    c19_2 = fma(vec4f(a4.w), b2, c19_2);
    c19_3 = fma(vec4f(a4.w), b3, c19_3);
    c20_0 = fma(vec4f(a5.x), b0, c20_0);
    c20_1 = fma(vec4f(a5.x), b1, c20_1);
    c20_2 = fma(vec4f(a5.x), b2, c20_2);
    c20_3 = fma(vec4f(a5.x), b3, c20_3);
    c21_0 = fma(vec4f(a5.y), b0, c21_0);
    c21_1 = fma(vec4f(a5.y), b1, c21_1);
    c21_2 = fma(vec4f(a5.y), b2, c21_2);
    c21_3 = fma(vec4f(a5.y), b3, c21_3);
    c22_0 = fma(vec4f(a5.z), b0, c22_0);
    c22_1 = fma(vec4f(a5.z), b1, c22_1);
    c22_2 = fma(vec4f(a5.z), b2, c22_2);
    c22_3 = fma(vec4f(a5.z), b3, c22_3);
    c23_0 = fma(vec4f(a5.w), b0, c23_0);
    c23_1 = fma(vec4f(a5.w), b1, c23_1);
    c23_2 = fma(vec4f(a5.w), b2, c23_2);
    c23_3 = fma(vec4f(a5.w), b3, c23_3);
    c24_0 = fma(vec4f(a6.x), b0, c24_0);
    c24_1 = fma(vec4f(a6.x), b1, c24_1);
    c24_2 = fma(vec4f(a6.x), b2, c24_2);
    c24_3 = fma(vec4f(a6.x), b3, c24_3);
    c25_0 = fma(vec4f(a6.y), b0, c25_0);
    c25_1 = fma(vec4f(a6.y), b1, c25_1);
    c25_2 = fma(vec4f(a6.y), b2, c25_2);
    c25_3 = fma(vec4f(a6.y), b3, c25_3);
    c26_0 = fma(vec4f(a6.z), b0, c26_0);
    c26_1 = fma(vec4f(a6.z), b1, c26_1);
    c26_2 = fma(vec4f(a6.z), b2, c26_2);
    c26_3 = fma(vec4f(a6.z), b3, c26_3);
    c27_0 = fma(vec4f(a6.w), b0, c27_0);
    c27_1 = fma(vec4f(a6.w), b1, c27_1);
    c27_2 = fma(vec4f(a6.w), b2, c27_2);
    c27_3 = fma(vec4f(a6.w), b3, c27_3);
    c28_0 = fma(vec4f(a7.x), b0, c28_0);
    c28_1 = fma(vec4f(a7.x), b1, c28_1);
    c28_2 = fma(vec4f(a7.x), b2, c28_2);
    c28_3 = fma(vec4f(a7.x), b3, c28_3);
    c29_0 = fma(vec4f(a7.y), b0, c29_0);
    c29_1 = fma(vec4f(a7.y), b1, c29_1);
    c29_2 = fma(vec4f(a7.y), b2, c29_2);
    c29_3 = fma(vec4f(a7.y), b3, c29_3);
    c30_0 = fma(vec4f(a7.z), b0, c30_0);
    c30_1 = fma(vec4f(a7.z), b1, c30_1);
    c30_2 = fma(vec4f(a7.z), b2, c30_2);
    c30_3 = fma(vec4f(a7.z), b3, c30_3);
    c31_0 = fma(vec4f(a7.w), b0, c31_0);
    c31_1 = fma(vec4f(a7.w), b1, c31_1);
    c31_2 = fma(vec4f(a7.w), b2, c31_2);
    c31_3 = fma(vec4f(a7.w), b3, c31_3);
  }
  var acc: array<array<vec4f, MAX_COLS4>, MAX_ROWS>;
  acc[0][0] = c0_0; acc[0][1] = c0_1; acc[0][2] = c0_2; acc[0][3] = c0_3;
  acc[1][0] = c1_0; acc[1][1] = c1_1; acc[1][2] = c1_2; acc[1][3] = c1_3;
  acc[2][0] = c2_0; acc[2][1] = c2_1; acc[2][2] = c2_2; acc[2][3] = c2_3;
  acc[3][0] = c3_0; acc[3][1] = c3_1; acc[3][2] = c3_2; acc[3][3] = c3_3;
  acc[4][0] = c4_0; acc[4][1] = c4_1; acc[4][2] = c4_2; acc[4][3] = c4_3;
  acc[5][0] = c5_0; acc[5][1] = c5_1; acc[5][2] = c5_2; acc[5][3] = c5_3;
  acc[6][0] = c6_0; acc[6][1] = c6_1; acc[6][2] = c6_2; acc[6][3] = c6_3;
  acc[7][0] = c7_0; acc[7][1] = c7_1; acc[7][2] = c7_2; acc[7][3] = c7_3;
  acc[8][0] = c8_0; acc[8][1] = c8_1; acc[8][2] = c8_2; acc[8][3] = c8_3;
  acc[9][0] = c9_0; acc[9][1] = c9_1; acc[9][2] = c9_2; acc[9][3] = c9_3;
  acc[10][0] = c10_0; acc[10][1] = c10_1; acc[10][2] = c10_2; acc[10][3] = c10_3;
  acc[11][0] = c11_0; acc[11][1] = c11_1; acc[11][2] = c11_2; acc[11][3] = c11_3;
  acc[12][0] = c12_0; acc[12][1] = c12_1; acc[12][2] = c12_2; acc[12][3] = c12_3;
  acc[13][0] = c13_0; acc[13][1] = c13_1; acc[13][2] = c13_2; acc[13][3] = c13_3;
  acc[14][0] = c14_0; acc[14][1] = c14_1; acc[14][2] = c14_2; acc[14][3] = c14_3;
  acc[15][0] = c15_0; acc[15][1] = c15_1; acc[15][2] = c15_2; acc[15][3] = c15_3;
  acc[16][0] = c16_0; acc[16][1] = c16_1; acc[16][2] = c16_2; acc[16][3] = c16_3;
  acc[17][0] = c17_0; acc[17][1] = c17_1; acc[17][2] = c17_2; acc[17][3] = c17_3;
  acc[18][0] = c18_0; acc[18][1] = c18_1; acc[18][2] = c18_2; acc[18][3] = c18_3;
  acc[19][0] = c19_0; acc[19][1] = c19_1; acc[19][2] = c19_2; acc[19][3] = c19_3;
  acc[20][0] = c20_0; acc[20][1] = c20_1; acc[20][2] = c20_2; acc[20][3] = c20_3;
  acc[21][0] = c21_0; acc[21][1] = c21_1; acc[21][2] = c21_2; acc[21][3] = c21_3;
  acc[22][0] = c22_0; acc[22][1] = c22_1; acc[22][2] = c22_2; acc[22][3] = c22_3;
  acc[23][0] = c23_0; acc[23][1] = c23_1; acc[23][2] = c23_2; acc[23][3] = c23_3;
  acc[24][0] = c24_0; acc[24][1] = c24_1; acc[24][2] = c24_2; acc[24][3] = c24_3;
  acc[25][0] = c25_0; acc[25][1] = c25_1; acc[25][2] = c25_2; acc[25][3] = c25_3;
  acc[26][0] = c26_0; acc[26][1] = c26_1; acc[26][2] = c26_2; acc[26][3] = c26_3;
  acc[27][0] = c27_0; acc[27][1] = c27_1; acc[27][2] = c27_2; acc[27][3] = c27_3;
  acc[28][0] = c28_0; acc[28][1] = c28_1; acc[28][2] = c28_2; acc[28][3] = c28_3;
  acc[29][0] = c29_0; acc[29][1] = c29_1; acc[29][2] = c29_2; acc[29][3] = c29_3;
  acc[30][0] = c30_0; acc[30][1] = c30_1; acc[30][2] = c30_2; acc[30][3] = c30_3;
  acc[31][0] = c31_0; acc[31][1] = c31_1; acc[31][2] = c31_2; acc[31][3] = c31_3;
  storeBlock(b, row0, col0, &acc);
}
