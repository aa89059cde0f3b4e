// matmul: batched C[b] = alpha * op(A[b]) [diag(d[b])] op(B[b]) + beta * C[b], f32, register-blocked.
//   op(A): [M][K]. A stored [M][K] row-major (transA = 0) or [K][M] (transA = 1, op(A) = A^T).
//   op(B): [K][N]. B stored [K][N] row-major (transB = 0) or [N][K] (transB = 1, op(B) = B^T).
//   A, B, C, D are flat f32 arrays; batch item b starts at off* + b * stride* (stride 0 broadcasts one matrix).
//   D: the diagonal. diagMode 0: unused (bind any buffer); 1: C = op(A) diag(d) op(B), d has K entries;
//      2: C = (op(A) op(B)) diag(d), d has N entries (scales output columns). diagRelu = 1 uses max(d, 0).
//   C: [batch][M][N] row-major at offC + b * strideC. beta = 0 overwrites C without reading it (C may hold
//      NaN); beta = 1 accumulates into C.
// Each invocation computes ROWS x (4 * COLS4) outputs (vec4 accumulators). Two schedules, picked by override:
//   TILED = false (CPU / SwiftShader): loads straight from storage, no workgroup memory, no barriers.
//   TILED = true (real GPUs): the workgroup stages TILE_K-deep slices of op(A) and op(B) in workgroup memory.
// Dispatch: (ceil(N / (WG_X * 4 * COLS4)), ceil(M / (WG_Y * ROWS)), batch) workgroups for both schedules.

//! include matmulParams

@group(0) @binding(1) var<storage, read> A: array<f32>;
@group(0) @binding(2) var<storage, read> B: array<f32>;

const MAX_ROWS = 8u;
const MAX_COLS4 = 3u;

override WG_X: u32 = 8;      // invocations along N
override WG_Y: u32 = 8;      // invocations along M
override ROWS: u32 = 8;      // output rows per invocation (1..MAX_ROWS)
override COLS4: u32 = 2;     // vec4 column groups per invocation (1..MAX_COLS4)
override TILED: bool = false;
override TILE_K: u32 = 16;   // depth of the staged slices (TILED only; set 1 otherwise)

// Staged slices for the tiled schedule: tileA[kk][m] and tileB[kk][n] (op(A) column-major, op(B) row-major).
// (lengths derived from the blocking; not meant to be set)
override TILE_A_LEN: u32 = TILE_K * WG_Y * ROWS;
override TILE_B_LEN: u32 = TILE_K * WG_X * COLS4 * 4u;
var<workgroup> tileA: array<f32, TILE_A_LEN>;
var<workgroup> tileB: array<f32, TILE_B_LEN>;

// Element strides of op(A)[m][k] and op(B)[k][n] in their buffers.
struct Layout { aRow: u32, aCol: u32, bRow: u32, bCol: u32 }

fn operandLayout() -> Layout {
  var l: Layout;
  if (params.transA == 0u) { l.aRow = params.K; l.aCol = 1u; } else { l.aRow = 1u; l.aCol = params.M; }
  if (params.transB == 0u) { l.bRow = params.N; l.bCol = 1u; } else { l.bRow = 1u; l.bCol = params.K; }
  return l;
}

// Writes one block of results: rows row0.., columns col0.. (vec4 groups), clipped to M x N. The common case (C
// overwritten, every column of the block inside N) is a path of its own, 4 stores a vec4 and no test per
// element; the branch between the paths is taken once per block, each side a loop (SwiftShader runs both sides of
// an `if` on a runtime value, masked, but skips a loop that no lane enters).
fn storeBlock(b: u32, row0: u32, col0: u32, acc: ptr<function, array<array<vec4f, MAX_COLS4>, MAX_ROWS> >) {
  let cBase = params.offC + b * params.strideC;
  let plain = params.beta == 0.0 && col0 + 4u * COLS4 <= params.N;
  for (var c = 0u; c < COLS4; c++) {
    var scale = vec4f(params.alpha);
    if (params.diagMode == 2u) {
      for (var j = 0u; j < 4u; j++) { scale[j] *= diagAt(b, min(col0 + 4u * c + j, params.N - 1u)); }
    }
    for (var r = 0u; r < ROWS && plain; r++) {
      let row = row0 + r;
      if (row >= params.M) { break; }
      let v = (*acc)[r][c] * scale;
      let o = cBase + row * params.N + col0 + 4u * c;
      C[o] = v.x;
      C[o + 1u] = v.y;
      C[o + 2u] = v.z;
      C[o + 3u] = v.w;
    }
    for (var r = 0u; r < ROWS && !plain; r++) {
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

fn put(o: u32, v: vec4f) {
  C[o] = v.x;
  C[o + 1u] = v.y;
  C[o + 2u] = v.z;
  C[o + 3u] = v.w;
}

// CPU schedule: operands read straight from storage into explicit registers (SwiftShader keeps private arrays
// in memory when indexed in loops, 5x slower): up to 8 rows x 3 vec4 columns, the unused ones removed by the
// override guards. Out-of-range rows/columns read clamped (valid) addresses and are never stored.
fn direct(b: u32, row0: u32, col0: u32) {
  let l = operandLayout();
  let aBase = params.offA + b * params.strideA;
  let bBase = params.offB + b * params.strideB;
  let dBase = params.offD + b * params.strideD;
  let lastRow = params.M - 1u;
  let a0 = aBase + min(row0, lastRow) * l.aRow;
  let a1 = aBase + min(row0 + 1u, lastRow) * l.aRow;
  let a2 = aBase + min(row0 + 2u, lastRow) * l.aRow;
  let a3 = aBase + min(row0 + 3u, lastRow) * l.aRow;
  let a4 = aBase + min(row0 + 4u, lastRow) * l.aRow;
  let a5 = aBase + min(row0 + 5u, lastRow) * l.aRow;
  let a6 = aBase + min(row0 + 6u, lastRow) * l.aRow;
  let a7 = aBase + min(row0 + 7u, lastRow) * l.aRow;
  let lastCol = vec4u(params.N - 1u);
  let b0 = vec4u(bBase) + min(vec4u(col0) + vec4u(0u, 1u, 2u, 3u), lastCol) * l.bCol;
  let b1 = vec4u(bBase) + min(vec4u(col0) + vec4u(4u, 5u, 6u, 7u), lastCol) * l.bCol;
  let b2 = vec4u(bBase) + min(vec4u(col0) + vec4u(8u, 9u, 10u, 11u), lastCol) * l.bCol;
  var c00 = vec4f(0.0); var c10 = vec4f(0.0); var c20 = vec4f(0.0); var c30 = vec4f(0.0);
  var c40 = vec4f(0.0); var c50 = vec4f(0.0); var c60 = vec4f(0.0); var c70 = vec4f(0.0);
  var c01 = vec4f(0.0); var c11 = vec4f(0.0); var c21 = vec4f(0.0); var c31 = vec4f(0.0);
  var c41 = vec4f(0.0); var c51 = vec4f(0.0); var c61 = vec4f(0.0); var c71 = vec4f(0.0);
  var c02 = vec4f(0.0); var c12 = vec4f(0.0); var c22 = vec4f(0.0); var c32 = vec4f(0.0);
  var c42 = vec4f(0.0); var c52 = vec4f(0.0); var c62 = vec4f(0.0); var c72 = vec4f(0.0);
  let withDiag = params.diagMode == 1u;
  for (var k = 0u; k < params.K; k++) {
    var dk = 1.0;
    if (withDiag) {
      dk = D[dBase + k];
      if (params.diagRelu != 0u) { dk = max(dk, 0.0); }
    }
    let kb = vec4u(k * l.bRow);
    let ka = k * l.aCol;
    let o0 = b0 + kb;
    let v0 = vec4f(B[o0.x], B[o0.y], B[o0.z], B[o0.w]) * dk;
    var v1 = vec4f(0.0);
    if (COLS4 > 1u) { let o1 = b1 + kb; v1 = vec4f(B[o1.x], B[o1.y], B[o1.z], B[o1.w]) * dk; }
    var v2 = vec4f(0.0);
    if (COLS4 > 2u) { let o2 = b2 + kb; v2 = vec4f(B[o2.x], B[o2.y], B[o2.z], B[o2.w]) * dk; }
    { let x = vec4f(A[a0 + ka]); c00 = fma(x, v0, c00); if (COLS4 > 1u) { c01 = fma(x, v1, c01); } if (COLS4 > 2u) { c02 = fma(x, v2, c02); } }
    if (ROWS > 1u) { let x = vec4f(A[a1 + ka]); c10 = fma(x, v0, c10); if (COLS4 > 1u) { c11 = fma(x, v1, c11); } if (COLS4 > 2u) { c12 = fma(x, v2, c12); } }
    if (ROWS > 2u) { let x = vec4f(A[a2 + ka]); c20 = fma(x, v0, c20); if (COLS4 > 1u) { c21 = fma(x, v1, c21); } if (COLS4 > 2u) { c22 = fma(x, v2, c22); } }
    if (ROWS > 3u) { let x = vec4f(A[a3 + ka]); c30 = fma(x, v0, c30); if (COLS4 > 1u) { c31 = fma(x, v1, c31); } if (COLS4 > 2u) { c32 = fma(x, v2, c32); } }
    if (ROWS > 4u) { let x = vec4f(A[a4 + ka]); c40 = fma(x, v0, c40); if (COLS4 > 1u) { c41 = fma(x, v1, c41); } if (COLS4 > 2u) { c42 = fma(x, v2, c42); } }
    if (ROWS > 5u) { let x = vec4f(A[a5 + ka]); c50 = fma(x, v0, c50); if (COLS4 > 1u) { c51 = fma(x, v1, c51); } if (COLS4 > 2u) { c52 = fma(x, v2, c52); } }
    if (ROWS > 6u) { let x = vec4f(A[a6 + ka]); c60 = fma(x, v0, c60); if (COLS4 > 1u) { c61 = fma(x, v1, c61); } if (COLS4 > 2u) { c62 = fma(x, v2, c62); } }
    if (ROWS > 7u) { let x = vec4f(A[a7 + ka]); c70 = fma(x, v0, c70); if (COLS4 > 1u) { c71 = fma(x, v1, c71); } if (COLS4 > 2u) { c72 = fma(x, v2, c72); } }
  }
  // the common case (C overwritten, every column of the block inside N, no column scaling) stored straight from
  // the registers: storeBlock's loops index a private array, which SwiftShader keeps in memory (the readout's
  // input projection 6000 x 128 x 10 spent most of its time there). The same values as storeBlock's.
  if (params.beta == 0.0 && params.diagMode != 2u && col0 + 4u * COLS4 <= params.N) {
    let cBase = params.offC + b * params.strideC + col0;
    let scale = vec4f(params.alpha);
    let M = params.M;
    let N = params.N;
    if (row0 + 0u < M) { let o = cBase + (row0 + 0u) * N; put(o, c00 * scale); if (COLS4 > 1u) { put(o + 4u, c01 * scale); } if (COLS4 > 2u) { put(o + 8u, c02 * scale); } }
    if (ROWS > 1u && row0 + 1u < M) { let o = cBase + (row0 + 1u) * N; put(o, c10 * scale); if (COLS4 > 1u) { put(o + 4u, c11 * scale); } if (COLS4 > 2u) { put(o + 8u, c12 * scale); } }
    if (ROWS > 2u && row0 + 2u < M) { let o = cBase + (row0 + 2u) * N; put(o, c20 * scale); if (COLS4 > 1u) { put(o + 4u, c21 * scale); } if (COLS4 > 2u) { put(o + 8u, c22 * scale); } }
    if (ROWS > 3u && row0 + 3u < M) { let o = cBase + (row0 + 3u) * N; put(o, c30 * scale); if (COLS4 > 1u) { put(o + 4u, c31 * scale); } if (COLS4 > 2u) { put(o + 8u, c32 * scale); } }
    if (ROWS > 4u && row0 + 4u < M) { let o = cBase + (row0 + 4u) * N; put(o, c40 * scale); if (COLS4 > 1u) { put(o + 4u, c41 * scale); } if (COLS4 > 2u) { put(o + 8u, c42 * scale); } }
    if (ROWS > 5u && row0 + 5u < M) { let o = cBase + (row0 + 5u) * N; put(o, c50 * scale); if (COLS4 > 1u) { put(o + 4u, c51 * scale); } if (COLS4 > 2u) { put(o + 8u, c52 * scale); } }
    if (ROWS > 6u && row0 + 6u < M) { let o = cBase + (row0 + 6u) * N; put(o, c60 * scale); if (COLS4 > 1u) { put(o + 4u, c61 * scale); } if (COLS4 > 2u) { put(o + 8u, c62 * scale); } }
    if (ROWS > 7u && row0 + 7u < M) { let o = cBase + (row0 + 7u) * N; put(o, c70 * scale); if (COLS4 > 1u) { put(o + 4u, c71 * scale); } if (COLS4 > 2u) { put(o + 8u, c72 * scale); } }
    return;
  }
  var acc: array<array<vec4f, MAX_COLS4>, MAX_ROWS>;
  acc[0][0] = c00; acc[1][0] = c10; acc[2][0] = c20; acc[3][0] = c30;
  acc[4][0] = c40; acc[5][0] = c50; acc[6][0] = c60; acc[7][0] = c70;
  acc[0][1] = c01; acc[1][1] = c11; acc[2][1] = c21; acc[3][1] = c31;
  acc[4][1] = c41; acc[5][1] = c51; acc[6][1] = c61; acc[7][1] = c71;
  acc[0][2] = c02; acc[1][2] = c12; acc[2][2] = c22; acc[3][2] = c32;
  acc[4][2] = c42; acc[5][2] = c52; acc[6][2] = c62; acc[7][2] = c72;
  storeBlock(b, row0, col0, &acc);
}

// GPU schedule: TILE_K-deep slices of op(A) (rows of the workgroup) and op(B) (its columns) staged in
// workgroup memory, zero-padded outside the matrices; the diagonal of mode 1 is folded into the A slice.
fn tiled(b: u32, lid: vec3u, wid: vec3u) {
  let l = operandLayout();
  let tileM = WG_Y * ROWS;
  let tileN = WG_X * COLS4 * 4u;
  let tileRow0 = wid.y * tileM;
  let tileCol0 = wid.x * tileN;
  let tid = lid.y * WG_X + lid.x;
  let threads = WG_X * WG_Y;
  let aBase = params.offA + b * params.strideA;
  let bBase = params.offB + b * params.strideB;
  let dBase = params.offD + b * params.strideD;
  var acc: array<array<vec4f, MAX_COLS4>, MAX_ROWS>;
  for (var k0 = 0u; k0 < params.K; k0 += TILE_K) {
    for (var e = tid; e < TILE_K * tileM; e += threads) {
      // consecutive invocations walk the contiguous direction of A
      var kk: u32; var mm: u32;
      if (params.transA == 0u) { kk = e % TILE_K; mm = e / TILE_K; } else { kk = e / tileM; mm = e % tileM; }
      let k = k0 + kk;
      let m = tileRow0 + mm;
      var v = 0.0;
      if (k < params.K && m < params.M) {
        v = A[aBase + m * l.aRow + k * l.aCol];
        if (params.diagMode == 1u) {
          var dk = D[dBase + k];
          if (params.diagRelu != 0u) { dk = max(dk, 0.0); }
          v *= dk;
        }
      }
      tileA[kk * tileM + mm] = v;
    }
    for (var e = tid; e < TILE_K * tileN; e += threads) {
      var kk: u32; var nn: u32;
      if (params.transB == 0u) { kk = e / tileN; nn = e % tileN; } else { kk = e % TILE_K; nn = e / TILE_K; }
      let k = k0 + kk;
      let n = tileCol0 + nn;
      var v = 0.0;
      if (k < params.K && n < params.N) { v = B[bBase + k * l.bRow + n * l.bCol]; }
      tileB[kk * tileN + nn] = v;
    }
    workgroupBarrier();
    for (var kk = 0u; kk < TILE_K; kk++) {
      var bv: array<vec4f, MAX_COLS4>;
      for (var c = 0u; c < COLS4; c++) {
        let o = kk * tileN + lid.x * COLS4 * 4u + 4u * c;
        bv[c] = vec4f(tileB[o], tileB[o + 1u], tileB[o + 2u], tileB[o + 3u]);
      }
      for (var r = 0u; r < ROWS; r++) {
        let a = vec4f(tileA[kk * tileM + lid.y * ROWS + r]);
        for (var c = 0u; c < COLS4; c++) { acc[r][c] = fma(a, bv[c], acc[r][c]); }
      }
    }
    workgroupBarrier();
  }
  let row0 = tileRow0 + lid.y * ROWS;
  let col0 = tileCol0 + lid.x * COLS4 * 4u;
  if (row0 < params.M && col0 < params.N) { storeBlock(b, row0, col0, &acc); }
}

@compute @workgroup_size(WG_X, WG_Y)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(local_invocation_id) lid: vec3u,
        @builtin(workgroup_id) wid: vec3u) {
  let b = wid.z;
  if (b >= params.batch) { return; }
  if (TILED) {
    tiled(b, lid, wid);
  } else {
    let row0 = gid.y * ROWS;
    let col0 = gid.x * COLS4 * 4u;
    if (row0 >= params.M || col0 >= params.N) { return; }
    direct(b, row0, col0);
  }
}
