// matmulAtB4: matmul.wgsl's software schedule for C = alpha * A^T B [diag(d)] + beta * C (transA = 1, transB = 0:
// the parameter gradients dW = sum_t da_t^T h_{t-1}), with A and B read as vec4s. Same Params and bindings as
// matmul.wgsl; what it needs (src/gpu/ops/matmul.ts atB4Eligible): M and N multiples of 4, offA, strideA,
// offB, strideB multiples of 4, diagMode 0 or 2 (mode 1 scales k and is not supported here).
//   A stored [K][M] (op(A) = A^T), B stored [K][N]; both as vec4s: A4[k][m/4], B4[k][n/4].
// Each invocation computes 16 rows x 8 columns of C: per k, 4 vec4 loads of A (its 16 rows) and 2 of B (its 8
// columns), 24 scalar components for 128 multiply-adds (an 8 x 8 block loads 16 for 64). On SwiftShader a
// storage load is a per-lane gather with a bounds check and every update of a `var` a store to the
// invocation's memory, so both set the pace: the k loop takes 4 k a pass, its 24 loads into `let`s, and adds
// each output's 4 products in one chain before the one update of its accumulator (the remaining K % 4 k one at
// a time). The sums therefore run in another order than matmul.wgsl's (groups of 4 k), equal to f32 rounding.
// Rows and columns past M and N read clamped vec4s, never stored.
// Dispatch: (ceil(N / (WG_X * 8)), ceil(M / (WG_Y * 16)), batch).
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
// fixed at 16 x 2 here (the register block is written out); declared so that the op passes matmul's constants
override ROWS: u32 = 16;
override COLS4: u32 = 2;
const MAX_ROWS = 16u;
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
  let row0 = gid.y * 16u;
  let col0 = gid.x * 8u;
  if (row0 >= params.M || col0 >= params.N) { return; }
  let M4 = params.M / 4u;
  let N4 = params.N / 4u;
  let aBase = (params.offA + b * params.strideA) / 4u;
  let bBase = (params.offB + b * params.strideB) / 4u;
  let ia0 = min(row0 / 4u, M4 - 1u);
  let ia1 = min(row0 / 4u + 1u, M4 - 1u);
  let ia2 = min(row0 / 4u + 2u, M4 - 1u);
  let ia3 = min(row0 / 4u + 3u, M4 - 1u);
  let ib0 = min(col0 / 4u, N4 - 1u);
  let ib1 = min(col0 / 4u + 1u, N4 - 1u);
  var c0_0 = vec4f(0.0); var c0_1 = vec4f(0.0);
  var c1_0 = vec4f(0.0); var c1_1 = vec4f(0.0);
  var c2_0 = vec4f(0.0); var c2_1 = vec4f(0.0);
  var c3_0 = vec4f(0.0); var c3_1 = vec4f(0.0);
  var c4_0 = vec4f(0.0); var c4_1 = vec4f(0.0);
  var c5_0 = vec4f(0.0); var c5_1 = vec4f(0.0);
  var c6_0 = vec4f(0.0); var c6_1 = vec4f(0.0);
  var c7_0 = vec4f(0.0); var c7_1 = vec4f(0.0);
  var c8_0 = vec4f(0.0); var c8_1 = vec4f(0.0);
  var c9_0 = vec4f(0.0); var c9_1 = vec4f(0.0);
  var c10_0 = vec4f(0.0); var c10_1 = vec4f(0.0);
  var c11_0 = vec4f(0.0); var c11_1 = vec4f(0.0);
  var c12_0 = vec4f(0.0); var c12_1 = vec4f(0.0);
  var c13_0 = vec4f(0.0); var c13_1 = vec4f(0.0);
  var c14_0 = vec4f(0.0); var c14_1 = vec4f(0.0);
  var c15_0 = vec4f(0.0); var c15_1 = vec4f(0.0);
  let K4 = params.K / 4u * 4u;
  for (var k = 0u; k < K4; k += 4u) {
    let a00 = A[aBase + (k + 0u) * M4 + ia0]; let a01 = A[aBase + (k + 0u) * M4 + ia1]; let a02 = A[aBase + (k + 0u) * M4 + ia2]; let a03 = A[aBase + (k + 0u) * M4 + ia3];
    let b00 = B[bBase + (k + 0u) * N4 + ib0]; let b01 = B[bBase + (k + 0u) * N4 + ib1];
    let a10 = A[aBase + (k + 1u) * M4 + ia0]; let a11 = A[aBase + (k + 1u) * M4 + ia1]; let a12 = A[aBase + (k + 1u) * M4 + ia2]; let a13 = A[aBase + (k + 1u) * M4 + ia3];
    let b10 = B[bBase + (k + 1u) * N4 + ib0]; let b11 = B[bBase + (k + 1u) * N4 + ib1];
    let a20 = A[aBase + (k + 2u) * M4 + ia0]; let a21 = A[aBase + (k + 2u) * M4 + ia1]; let a22 = A[aBase + (k + 2u) * M4 + ia2]; let a23 = A[aBase + (k + 2u) * M4 + ia3];
    let b20 = B[bBase + (k + 2u) * N4 + ib0]; let b21 = B[bBase + (k + 2u) * N4 + ib1];
    let a30 = A[aBase + (k + 3u) * M4 + ia0]; let a31 = A[aBase + (k + 3u) * M4 + ia1]; let a32 = A[aBase + (k + 3u) * M4 + ia2]; let a33 = A[aBase + (k + 3u) * M4 + ia3];
    let b30 = B[bBase + (k + 3u) * N4 + ib0]; let b31 = B[bBase + (k + 3u) * N4 + ib1];
    c0_0 += fma(vec4f(a30.x), b30, fma(vec4f(a20.x), b20, fma(vec4f(a10.x), b10, vec4f(a00.x) * b00)));
    c0_1 += fma(vec4f(a30.x), b31, fma(vec4f(a20.x), b21, fma(vec4f(a10.x), b11, vec4f(a00.x) * b01)));
    c1_0 += fma(vec4f(a30.y), b30, fma(vec4f(a20.y), b20, fma(vec4f(a10.y), b10, vec4f(a00.y) * b00)));
    c1_1 += fma(vec4f(a30.y), b31, fma(vec4f(a20.y), b21, fma(vec4f(a10.y), b11, vec4f(a00.y) * b01)));
    c2_0 += fma(vec4f(a30.z), b30, fma(vec4f(a20.z), b20, fma(vec4f(a10.z), b10, vec4f(a00.z) * b00)));
    c2_1 += fma(vec4f(a30.z), b31, fma(vec4f(a20.z), b21, fma(vec4f(a10.z), b11, vec4f(a00.z) * b01)));
    c3_0 += fma(vec4f(a30.w), b30, fma(vec4f(a20.w), b20, fma(vec4f(a10.w), b10, vec4f(a00.w) * b00)));
    c3_1 += fma(vec4f(a30.w), b31, fma(vec4f(a20.w), b21, fma(vec4f(a10.w), b11, vec4f(a00.w) * b01)));
    c4_0 += fma(vec4f(a31.x), b30, fma(vec4f(a21.x), b20, fma(vec4f(a11.x), b10, vec4f(a01.x) * b00)));
    c4_1 += fma(vec4f(a31.x), b31, fma(vec4f(a21.x), b21, fma(vec4f(a11.x), b11, vec4f(a01.x) * b01)));
    c5_0 += fma(vec4f(a31.y), b30, fma(vec4f(a21.y), b20, fma(vec4f(a11.y), b10, vec4f(a01.y) * b00)));
    c5_1 += fma(vec4f(a31.y), b31, fma(vec4f(a21.y), b21, fma(vec4f(a11.y), b11, vec4f(a01.y) * b01)));
    c6_0 += fma(vec4f(a31.z), b30, fma(vec4f(a21.z), b20, fma(vec4f(a11.z), b10, vec4f(a01.z) * b00)));
    c6_1 += fma(vec4f(a31.z), b31, fma(vec4f(a21.z), b21, fma(vec4f(a11.z), b11, vec4f(a01.z) * b01)));
    c7_0 += fma(vec4f(a31.w), b30, fma(vec4f(a21.w), b20, fma(vec4f(a11.w), b10, vec4f(a01.w) * b00)));
    c7_1 += fma(vec4f(a31.w), b31, fma(vec4f(a21.w), b21, fma(vec4f(a11.w), b11, vec4f(a01.w) * b01)));
    c8_0 += fma(vec4f(a32.x), b30, fma(vec4f(a22.x), b20, fma(vec4f(a12.x), b10, vec4f(a02.x) * b00)));
    c8_1 += fma(vec4f(a32.x), b31, fma(vec4f(a22.x), b21, fma(vec4f(a12.x), b11, vec4f(a02.x) * b01)));
    c9_0 += fma(vec4f(a32.y), b30, fma(vec4f(a22.y), b20, fma(vec4f(a12.y), b10, vec4f(a02.y) * b00)));
    c9_1 += fma(vec4f(a32.y), b31, fma(vec4f(a22.y), b21, fma(vec4f(a12.y), b11, vec4f(a02.y) * b01)));
    c10_0 += fma(vec4f(a32.z), b30, fma(vec4f(a22.z), b20, fma(vec4f(a12.z), b10, vec4f(a02.z) * b00)));
    c10_1 += fma(vec4f(a32.z), b31, fma(vec4f(a22.z), b21, fma(vec4f(a12.z), b11, vec4f(a02.z) * b01)));
    c11_0 += fma(vec4f(a32.w), b30, fma(vec4f(a22.w), b20, fma(vec4f(a12.w), b10, vec4f(a02.w) * b00)));
    c11_1 += fma(vec4f(a32.w), b31, fma(vec4f(a22.w), b21, fma(vec4f(a12.w), b11, vec4f(a02.w) * b01)));
    c12_0 += fma(vec4f(a33.x), b30, fma(vec4f(a23.x), b20, fma(vec4f(a13.x), b10, vec4f(a03.x) * b00)));
    c12_1 += fma(vec4f(a33.x), b31, fma(vec4f(a23.x), b21, fma(vec4f(a13.x), b11, vec4f(a03.x) * b01)));
    c13_0 += fma(vec4f(a33.y), b30, fma(vec4f(a23.y), b20, fma(vec4f(a13.y), b10, vec4f(a03.y) * b00)));
    c13_1 += fma(vec4f(a33.y), b31, fma(vec4f(a23.y), b21, fma(vec4f(a13.y), b11, vec4f(a03.y) * b01)));
    c14_0 += fma(vec4f(a33.z), b30, fma(vec4f(a23.z), b20, fma(vec4f(a13.z), b10, vec4f(a03.z) * b00)));
    c14_1 += fma(vec4f(a33.z), b31, fma(vec4f(a23.z), b21, fma(vec4f(a13.z), b11, vec4f(a03.z) * b01)));
    c15_0 += fma(vec4f(a33.w), b30, fma(vec4f(a23.w), b20, fma(vec4f(a13.w), b10, vec4f(a03.w) * b00)));
    c15_1 += fma(vec4f(a33.w), b31, fma(vec4f(a23.w), b21, fma(vec4f(a13.w), b11, vec4f(a03.w) * b01)));
  }
  for (var k = K4; k < params.K; k++) {
    let a0 = A[aBase + k * M4 + ia0]; let a1 = A[aBase + k * M4 + ia1]; let a2 = A[aBase + k * M4 + ia2]; let a3 = A[aBase + k * M4 + ia3];
    let b0 = B[bBase + k * N4 + ib0]; let b1 = B[bBase + k * N4 + ib1];
    c0_0 = fma(vec4f(a0.x), b0, c0_0);
    c0_1 = fma(vec4f(a0.x), b1, c0_1);
    c1_0 = fma(vec4f(a0.y), b0, c1_0);
    c1_1 = fma(vec4f(a0.y), b1, c1_1);
    c2_0 = fma(vec4f(a0.z), b0, c2_0);
    c2_1 = fma(vec4f(a0.z), b1, c2_1);
    c3_0 = fma(vec4f(a0.w), b0, c3_0);
    c3_1 = fma(vec4f(a0.w), b1, c3_1);
    c4_0 = fma(vec4f(a1.x), b0, c4_0);
    c4_1 = fma(vec4f(a1.x), b1, c4_1);
    c5_0 = fma(vec4f(a1.y), b0, c5_0);
    c5_1 = fma(vec4f(a1.y), b1, c5_1);
    c6_0 = fma(vec4f(a1.z), b0, c6_0);
    c6_1 = fma(vec4f(a1.z), b1, c6_1);
    c7_0 = fma(vec4f(a1.w), b0, c7_0);
    c7_1 = fma(vec4f(a1.w), b1, c7_1);
    c8_0 = fma(vec4f(a2.x), b0, c8_0);
    c8_1 = fma(vec4f(a2.x), b1, c8_1);
    c9_0 = fma(vec4f(a2.y), b0, c9_0);
    c9_1 = fma(vec4f(a2.y), b1, c9_1);
    c10_0 = fma(vec4f(a2.z), b0, c10_0);
    c10_1 = fma(vec4f(a2.z), b1, c10_1);
    c11_0 = fma(vec4f(a2.w), b0, c11_0);
    c11_1 = fma(vec4f(a2.w), b1, c11_1);
    c12_0 = fma(vec4f(a3.x), b0, c12_0);
    c12_1 = fma(vec4f(a3.x), b1, c12_1);
    c13_0 = fma(vec4f(a3.y), b0, c13_0);
    c13_1 = fma(vec4f(a3.y), b1, c13_1);
    c14_0 = fma(vec4f(a3.z), b0, c14_0);
    c14_1 = fma(vec4f(a3.z), b1, c14_1);
    c15_0 = fma(vec4f(a3.w), b0, c15_0);
    c15_1 = fma(vec4f(a3.w), b1, c15_1);
  }
  var acc: array<array<vec4f, MAX_COLS4>, MAX_ROWS>;
  acc[0][0] = c0_0; acc[0][1] = c0_1; 
 acc[1][0] = c1_0; acc[1][1] = c1_1; 
 acc[2][0] = c2_0; acc[2][1] = c2_1; 
 acc[3][0] = c3_0; acc[3][1] = c3_1; 
 acc[4][0] = c4_0; acc[4][1] = c4_1; 
 acc[5][0] = c5_0; acc[5][1] = c5_1; 
 acc[6][0] = c6_0; acc[6][1] = c6_1; 
 acc[7][0] = c7_0; acc[7][1] = c7_1; 
 acc[8][0] = c8_0; acc[8][1] = c8_1; 
 acc[9][0] = c9_0; acc[9][1] = c9_1; 
 acc[10][0] = c10_0; acc[10][1] = c10_1; 
 acc[11][0] = c11_0; acc[11][1] = c11_1; 
 acc[12][0] = c12_0; acc[12][1] = c12_1; 
 acc[13][0] = c13_0; acc[13][1] = c13_1; 
 acc[14][0] = c14_0; acc[14][1] = c14_1; 
 acc[15][0] = c15_0; acc[15][1] = c15_1; 
 
  storeBlock(b, row0, col0, &acc);
}
