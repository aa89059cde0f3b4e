// singularValues: the singular values of R matrices A[r] of shape [rows][n] at once (rows >= n: a plain RNN's
// W, rows = n, or an LSTM's stacked gate matrix, rows = 4n), sorted in descending order, by one-sided
// (Hestenes) Jacobi on a scaled copy of the columns: every pair of columns (p, q) whose cosine
// |a_p . a_q| / (|a_p| |a_q|) exceeds tol is rotated to be orthogonal, with the rotation computed from the
// three dot products (alpha = |a_p|^2, beta = |a_q|^2, gamma = a_p . a_q):
//   zeta = (beta - alpha) / (2 gamma), t = sign(zeta) / (|zeta| + sqrt(1 + zeta^2)), c = 1 / sqrt(1 + t^2),
//   s = c t,  a_p <- c a_p - s a_q,  a_q <- s a_p + c a_q,
// applied in Rutishauser's form a_p <- a_p - s (a_q + tau a_p), a_q <- a_q + s (a_p - tau a_q), tau = s / (1 + c):
// the same rotation, but its rounding errors scale with s rather than with 1 (measured in f32 at n = 128: the
// singular values' error falls from ~1e-5 to ~2e-7 of the largest).
// A sweep visits every pair once; the sweep that finds no cosine above tol ends it, and the singular values
// are the column norms. The matrix is never squared (no A^T A), so tiny singular values keep an absolute error
// of a few ulps of the largest. With params.qr = 1 the copy is first reduced by Householder QR (A = Q R, R
// [n][n] upper triangular, Q never formed) and the Jacobi runs on the columns of R^T, which has A's singular
// values: a tall LSTM matrix shrinks from 4n rows to n, and Jacobi on R^T needs ~10 sweeps where A's own
// columns may need 20 or more (Drmac and Veselic's preconditioning; measured in f32 at the same accuracy).
// The float64 reference with the same ordering and steps: src/reference/singularValues.ts.
//
// Ordering (parallel, blocked): the n columns are split into 2G blocks of b = ceil(n / 2G) columns
// (columns >= n are padding and skipped). A sweep is 2G - 1 block rounds; in block round k the blocks are
// paired by the circle method on 2G items (pair w: (2G-1, k) for w = 0, else ((k+w) mod (2G-1),
// (k-w) mod (2G-1))), and workgroup w of the matrix takes pair w: in block round 0 it sweeps the 2b columns
// of its two blocks as one set (circle method on 2b items: 2b - 1 inner rounds of b disjoint pairs), in the
// other block rounds only the b x b pairs across its two blocks (inner round t pairs column m of the first
// block with column (m + t) mod b of the second). G = 1 is the plain round-robin ordering of all n columns.
//
// Within a workgroup, teams of TEAM invocations take the b pairs of an inner round (team tau the pairs
// m = tau, tau + WG/TEAM, ...); the lanes of a team split a pair's rows in quads of 4 (lane l the quads
// l, l + TEAM, ...: vec4 arithmetic, and loops of the same length in every lane, which SwiftShader runs
// about twice as fast as a row at a time). Columns are padded with zero rows to a multiple of 64 (rows4 quads),
// so every lane's loop has the same bounds. A team works on PB pairs between barriers: (a) every lane writes
// its partial (alpha, beta, gamma) of each of the PB pairs to workgroup memory, barrier, (b) every lane sums
// its team's partials, computes the rotation and applies it to its own quads (partials are double buffered,
// so one barrier per batch suffices). With one team (TEAM = WG) a lane only ever touches its own quads and
// inner rounds need no barrier; with several, a storage barrier separates inner rounds.
//
// One dispatch per phase (params.phase); the op (src/gpu/ops/singularValues.ts) encodes:
//   0 load:   (1, R) workgroups. Matrices whose hyper row has FACTORISED = 1 are skipped (their spectrum is s).
//             A matrix with a NaN or infinite entry is marked and left. Otherwise the columns are copied, scaled
//             by 2^-e where 2^e > max |A| >= 2^(e-1) (exact in binary floating point; no overflow in the dot
//             products), into cols (padding rows 0), and the sweep state is reset. With qr = 1 the copy is then
//             replaced by R^T: Householder step k (k = 0 .. min(n, rows - 1) - 1) reflects column k onto
//             alpha e_k, alpha = -sign(a_kk) |a_k| (v = a_k - alpha e_k kept in place, |v|^2 = 2 |a_k|
//             (|a_k| + |a_kk|)), and applies I - 2 v v^T / |v|^2 to the columns after it (teams take columns,
//             lanes quads); then the top n x n block is transposed in place, 4 x 4 tiles at a time. The sweeps
//             and the norms then use the first n rows (padded to a multiple of 4 TEAM) of each column.
//   1 round:  (G, R) workgroups, block round params.blockRound of the current sweep; matrices that are done
//             return at once. Each workgroup raises state.off to the largest cosine it found (atomicMax on the
//             bits of a non-negative f32, which order as u32).
//   2 sweep:  (1, R) workgroups, after the 2G - 1 block rounds of a sweep: counts the sweep; done when its
//             largest cosine was <= tol (converged) or after params.maxSweeps sweeps (not converged).
//   3 finish: (1, R) workgroups. Column norms, sorted by rank (ties by column index), times 2^e, into sv; info.
//
//   hyper: [R][16] f32 per-run settings (reads FACTORISED)
//   A:     [R][rows][n] f32 row-major (read only: the parameters are never touched)
//   cols:  [R][n][rows4] vec4 scratch, rows4 = ceil(rows / 64) * 16: rows 4c .. 4c+3 of column j of matrix r
//          are cols[(r * n + j) * rows4 + c]; rows >= rows are 0 (with qr = 1, after the load, the columns of
//          R^T in rows 0 .. n-1 and 0 below)
//   state: [R][8] atomic u32: 0 off (bits of the largest cosine of the sweep under way), 1 sweeps done,
//          2 flags (1 done, 2 converged, 4 non-finite entry, 8 skipped), 3 e (as i32 bits), 4 off of the last sweep
//   sv:    [R][n] f32, overwritten for computed matrices: descending singular values (NaN for a matrix with a
//          non-finite entry); skipped matrices keep what was there
//   info:  [R][4] f32, overwritten by finish: (sweeps, 1 if converged, largest cosine of the last sweep,
//          status: 0 computed, 1 a NaN or infinite entry, 2 skipped)

struct Params {
  R: u32,
  rows: u32,
  n: u32,
  /** workgroups per matrix in a block round: 2G blocks */
  G: u32,
  /** columns per block, ceil(n / 2G) */
  b: u32,
  phase: u32,
  blockRound: u32,
  maxSweeps: u32,
  tol: f32,
  /** 1 = precondition by QR: sweep the columns of R^T (n rows) instead of A's (rows rows) */
  qr: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> hyper: array<f32>;
@group(0) @binding(2) var<storage, read> A: array<f32>;
@group(0) @binding(3) var<storage, read_write> cols: array<vec4f>;
@group(0) @binding(4) var<storage, read_write> state: array<atomic<u32>>;
@group(0) @binding(5) var<storage, read_write> sv: array<f32>;
@group(0) @binding(6) var<storage, read_write> info: array<f32>;

const H_STRIDE: u32 = 16u;
const H_FACTORISED: u32 = 3u;
const MAX_N: u32 = 1024u;
const S_STRIDE: u32 = 8u;
const S_OFF: u32 = 0u;
const S_SWEEPS: u32 = 1u;
const S_FLAGS: u32 = 2u;
const S_EXP: u32 = 3u;
const S_LAST_OFF: u32 = 4u;
const DONE: u32 = 1u;
const CONVERGED: u32 = 2u;
const NON_FINITE: u32 = 4u;
const SKIPPED: u32 = 8u;
const NAN_BITS: u32 = 0x7fc00000u;
// a lane's dot products are summed in chunks of this many quads, then the chunks (f32 error ~ (CHUNK + terms / CHUNK) eps)
const CHUNK: u32 = 16u;
const ONES: vec4f = vec4f(1.0);

// invocations per workgroup; invocations per pair (a power of two dividing WG, at most 16); pairs per team between barriers
override WG: u32 = 4;
override TEAM: u32 = 4;
override PB: u32 = 64;
// partial dot products: [2 buffers][3][WG / TEAM teams][PB][TEAM]
override PARTIAL_HALF: u32 = 3u * WG * PB;

var<workgroup> flagsShared: u32;
var<workgroup> reduceU: array<u32, WG>;
var<workgroup> reduceF: array<f32, WG>;
var<workgroup> partial: array<f32, 2u * PARTIAL_HALF>;
var<workgroup> norms: array<f32, MAX_N>;

/** Quads per column in cols (rows padded to a multiple of 64). */
fn rows4() -> u32 {
  return (params.rows + 63u) / 64u * 16u;
}

/** The quads a sweep and the norms run over: A's rows, or R^T's n after the QR, padded to a multiple of 4 TEAM. */
fn activeQuads() -> u32 {
  let rows = select(params.rows, params.n, params.qr == 1u);
  return (rows + 4u * TEAM - 1u) / (4u * TEAM) * TEAM;
}

/** Index in cols of quad 0 of column j of matrix r. */
fn colBase(r: u32, j: u32) -> u32 {
  return (r * params.n + j) * rows4();
}

/** Pair m of round t of the circle method on N items (N even). */
fn circlePair(N: u32, t: u32, m: u32) -> vec2u {
  if (m == 0u) { return vec2u(N - 1u, t); }
  return vec2u((t + m) % (N - 1u), (t + N - 1u - m) % (N - 1u));
}

/** Reads the matrix's flags once (invocation 0) and hands them to the whole workgroup as a uniform value. */
fn sharedFlags(r: u32, lid: u32) -> u32 {
  if (lid == 0u) { flagsShared = atomicLoad(&state[r * S_STRIDE + S_FLAGS]); }
  return workgroupUniformLoad(&flagsShared);
}

/** 1 for the rows of quad q at or below row k, 0 above it. */
fn fromRow(q: u32, k: u32) -> vec4f {
  let i = vec4u(4u * q) + vec4u(0u, 1u, 2u, 3u);
  return select(vec4f(0.0), ONES, i >= vec4u(k));
}

/** (c, s, cosine, 1 if rotated) from (alpha, beta, gamma). */
fn jacobiRotation(d: vec3f) -> vec4f {
  let alpha = d.x;
  let beta = d.y;
  let gamma = d.z;
  if (alpha <= 0.0 || beta <= 0.0) { return vec4f(1.0, 0.0, 0.0, 0.0); }
  let cosine = abs(gamma) / (sqrt(alpha) * sqrt(beta));
  if (!(cosine > params.tol)) { return vec4f(1.0, 0.0, cosine, 0.0); }
  let zeta = (beta - alpha) / (2.0 * gamma);
  var t: f32;
  if (abs(zeta) > 1e18) {
    t = 0.5 / zeta; // sqrt(1 + zeta^2) would overflow; t ~ 1 / (2 zeta)
  } else {
    t = select(-1.0, 1.0, zeta >= 0.0) / (abs(zeta) + sqrt(1.0 + zeta * zeta));
  }
  let c = 1.0 / sqrt(1.0 + t * t);
  return vec4f(c, c * t, cosine, 1.0);
}

/** The columns (p, q) of pair m of inner round t in block round k for block pair `blocks`; (n, n) for none. */
fn pairColumns(k: u32, t: u32, m: u32, blocks: vec2u) -> vec2u {
  let b = params.b;
  let n = params.n;
  if (m >= b) { return vec2u(n, n); }
  var p: u32;
  var q: u32;
  if (k == 0u) {
    let l = circlePair(2u * b, t, m);
    p = select(blocks.y * b + l.x - b, blocks.x * b + l.x, l.x < b);
    q = select(blocks.y * b + l.y - b, blocks.x * b + l.y, l.y < b);
  } else {
    p = blocks.x * b + m;
    q = blocks.y * b + (m + t) % b;
  }
  if (p >= n || q >= n) { return vec2u(n, n); }
  return vec2u(p, q);
}

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_id) lidv: vec3u, @builtin(workgroup_id) wid: vec3u) {
  let r = wid.y;
  if (r >= params.R) { return; }
  let lid = lidv.x;
  switch (params.phase) {
    case 0u: { load(r, lid); }
    case 1u: { blockRound(r, wid.x, lid); }
    case 2u: { endSweep(r, lid); }
    default: { finish(r, lid); }
  }
}

fn load(r: u32, lid: u32) {
  let rows = params.rows;
  let n = params.n;
  let base = r * rows * n;
  if (lid == 0u) { flagsShared = select(0u, SKIPPED, hyper[r * H_STRIDE + H_FACTORISED] == 1.0); }
  let skip = workgroupUniformLoad(&flagsShared) != 0u;
  // max |A| as ordered u32 bits; a NaN or infinite entry (tested on the exponent bits: compilers may fold
  // NaN comparisons away) dominates as 0xffffffff
  var m = 0u;
  if (!skip) {
    for (var k = lid; k < rows * n; k += WG) {
      let bits = bitcast<u32>(A[base + k]) & 0x7fffffffu;
      m = max(m, select(bits, 0xffffffffu, bits >= 0x7f800000u));
    }
  }
  reduceU[lid] = m;
  workgroupBarrier();
  for (var width = WG / 2u; width > 0u; width /= 2u) {
    if (lid < width) { reduceU[lid] = max(reduceU[lid], reduceU[lid + width]); }
    workgroupBarrier();
  }
  let top = workgroupUniformLoad(&reduceU[0]);
  let so = r * S_STRIDE;
  if (skip || top == 0xffffffffu) {
    if (lid == 0u) {
      atomicStore(&state[so + S_FLAGS], select(DONE | NON_FINITE, DONE | SKIPPED, skip));
      atomicStore(&state[so + S_SWEEPS], 0u);
      atomicStore(&state[so + S_LAST_OFF], 0u);
    }
    return;
  }
  var e = 0;
  if (top != 0u) { e = frexp(bitcast<f32>(top)).exp; }
  // column-major quads out (padding rows 0), strided reads of the row-major A
  let r4 = rows4();
  for (var idx = lid; idx < n * r4; idx += WG) {
    let j = idx / r4;
    let c = idx % r4;
    var v = vec4f(0.0);
    for (var a = 0u; a < 4u; a++) {
      let i = 4u * c + a;
      if (i < rows) { v[a] = ldexp(A[base + i * n + j], -e); }
    }
    cols[colBase(r, j) + c] = v;
  }
  if (params.qr == 1u) {
    storageBarrier();
    householderTranspose(r, lid);
  }
  if (lid == 0u) {
    atomicStore(&state[so + S_OFF], 0u);
    atomicStore(&state[so + S_SWEEPS], 0u);
    atomicStore(&state[so + S_FLAGS], 0u);
    atomicStore(&state[so + S_EXP], bitcast<u32>(e));
    atomicStore(&state[so + S_LAST_OFF], 0u);
  }
}

/**
 * cols of matrix r <- the columns of R^T, where R (n x n, upper triangular) is the triangular factor of the
 * Householder QR of the scaled copy (see the header). v of step k stays in column k until the step is done.
 */
fn householderTranspose(r: u32, lid: u32) {
  let rows = params.rows;
  let n = params.n;
  let r4 = rows4();
  let teams = WG / TEAM;
  let team = lid / TEAM;
  let lane = lid % TEAM;
  var half = 0u;
  for (var k = 0u; k < min(n, rows - 1u); k++) {
    let bk = colBase(r, k);
    let q0 = k / 4u;
    // |a_k|^2 over rows k .. rows-1, all lanes
    var sq = 0.0;
    for (var q = q0 + lid; q < r4; q += WG) {
      let x = cols[bk + q] * fromRow(q, k);
      sq += dot(x, x);
    }
    reduceF[lid] = sq;
    workgroupBarrier();
    for (var width = WG / 2u; width > 0u; width /= 2u) {
      if (lid < width) { reduceF[lid] += reduceF[lid + width]; }
      workgroupBarrier();
    }
    let norm2 = workgroupUniformLoad(&reduceF[0]);
    var diag = cols[bk + q0];
    let akk = diag[k % 4u];
    let norm = sqrt(norm2);
    let alpha = select(norm, -norm, akk > 0.0);
    let vnorm2 = 2.0 * norm * (norm + abs(akk));
    // every lane has read a_kk before v_k = a_kk - alpha replaces it
    storageBarrier();
    if (lid == 0u) {
      diag[k % 4u] = akk - alpha;
      cols[bk + q0] = diag;
    }
    storageBarrier();
    if (norm2 > 0.0) {
      let count = n - k - 1u;
      let perTeam = (count + teams - 1u) / teams;
      for (var u0 = 0u; u0 < perTeam; u0 += PB) {
        // (a) this lane's share of v . a_j for this team's next PB columns j
        for (var u = 0u; u < PB; u++) {
          let j = k + 1u + team + teams * (u0 + u);
          var d = 0.0;
          if (j < n) {
            let bj = colBase(r, j);
            for (var q = q0 + lane; q < r4; q += TEAM) { d += dot(cols[bk + q] * fromRow(q, k), cols[bj + q]); }
          }
          partial[half + (team * PB + u) * TEAM + lane] = d;
        }
        workgroupBarrier();
        // (b) a_j -= (2 v . a_j / |v|^2) v on this lane's quads (rows below k only)
        for (var u = 0u; u < PB; u++) {
          let j = k + 1u + team + teams * (u0 + u);
          if (j >= n) { continue; }
          var d = 0.0;
          for (var l = 0u; l < TEAM; l++) { d += partial[half + (team * PB + u) * TEAM + l]; }
          let f = 2.0 * d / vnorm2;
          let bj = colBase(r, j);
          for (var q = q0 + lane; q < r4; q += TEAM) { cols[bj + q] -= f * (cols[bk + q] * fromRow(q, k)); }
        }
        half = PARTIAL_HALF - half;
      }
    }
    storageBarrier();
    // column k of R: alpha on the diagonal (a_kk itself for a zero column), zeros below (v is done with);
    // invocation 0 takes the diagonal's quad q0
    for (var q = q0 + lid; q < r4; q += WG) {
      var x = cols[bk + q];
      for (var a = 0u; a < 4u; a++) {
        let i = 4u * q + a;
        if (i == k) { x[a] = select(akk, alpha, norm2 > 0.0); }
        if (i > k) { x[a] = 0.0; }
      }
      cols[bk + q] = x;
    }
    storageBarrier();
  }
  // R^T: tile (I, J) holds rows 4I .. 4I+3 of columns 4J .. 4J+3; swap tile (I, J) with the transpose of tile
  // (J, I) (and transpose the diagonal tiles), one pair of tiles per invocation; columns >= n read as 0
  let tiles = (n + 3u) / 4u;
  for (var idx = lid; idx < tiles * tiles; idx += WG) {
    let I = idx / tiles;
    let J = idx % tiles;
    if (I > J) { continue; }
    // every column of both tiles is set in every iteration (a declared-but-unset var was seen to keep the
    // previous iteration's values on SwiftShader)
    var a = mat4x4f();
    var b = mat4x4f();
    for (var c = 0u; c < 4u; c++) {
      if (4u * J + c < n) {
        a[c] = cols[colBase(r, 4u * J + c) + I];
      } else {
        a[c] = vec4f(0.0);
      }
      if (4u * I + c < n) {
        b[c] = cols[colBase(r, 4u * I + c) + J];
      } else {
        b[c] = vec4f(0.0);
      }
    }
    // a[c][x] = R[4I + x][4J + c], so transpose(a)[x][c] = R[4I + x][4J + c] = R^T[4J + c][4I + x]: column 4I + x
    let at = transpose(a);
    let bt = transpose(b);
    for (var c = 0u; c < 4u; c++) {
      if (4u * I + c < n) { cols[colBase(r, 4u * I + c) + J] = at[c]; }
      if (I != J && 4u * J + c < n) { cols[colBase(r, 4u * J + c) + I] = bt[c]; }
    }
  }
  storageBarrier();
}

/** This lane's share of (alpha, beta, gamma) for the columns starting at bp and bq. */
fn partialDots(bp: u32, bq: u32, lane: u32) -> vec3f {
  let steps = activeQuads() / TEAM;
  var d = vec3f(0.0);
  for (var m0 = 0u; m0 < steps; m0 += CHUNK) {
    var sa = vec4f(0.0);
    var sb = vec4f(0.0);
    var sg = vec4f(0.0);
    for (var m = m0; m < min(steps, m0 + CHUNK); m++) {
      let q = lane + TEAM * m;
      let x = cols[bp + q];
      let y = cols[bq + q];
      sa += x * x;
      sb += y * y;
      sg += x * y;
    }
    d += vec3f(dot(sa, ONES), dot(sb, ONES), dot(sg, ONES));
  }
  return d;
}

fn blockRound(r: u32, w: u32, lid: u32) {
  if ((sharedFlags(r, lid) & DONE) != 0u) { return; }
  let n = params.n;
  let k = params.blockRound;
  let blocks = circlePair(2u * params.G, k, w);
  let teams = WG / TEAM;
  let team = lid / TEAM;
  let lane = lid % TEAM;
  let steps = activeQuads() / TEAM;
  let perTeam = (params.b + teams - 1u) / teams;
  let innerRounds = select(params.b, 2u * params.b - 1u, k == 0u);
  var offMax = 0.0;
  var half = 0u;
  for (var t = 0u; t < innerRounds; t++) {
    for (var u0 = 0u; u0 < perTeam; u0 += PB) {
      // (a) partial dot products of this team's next PB pairs
      for (var u = 0u; u < PB; u++) {
        let pq = pairColumns(k, t, team + teams * (u0 + u), blocks);
        var d = vec3f(0.0);
        if (pq.x < n) { d = partialDots(colBase(r, pq.x), colBase(r, pq.y), lane); }
        let o = half + (team * PB + u) * TEAM + lane;
        partial[o] = d.x;
        partial[o + WG * PB] = d.y;
        partial[o + 2u * WG * PB] = d.z;
      }
      workgroupBarrier();
      // (b) the team's sums, the rotations, applied to this lane's quads
      for (var u = 0u; u < PB; u++) {
        let pq = pairColumns(k, t, team + teams * (u0 + u), blocks);
        if (pq.x >= n) { continue; }
        var d = vec3f(0.0);
        for (var l = 0u; l < TEAM; l++) {
          let o = half + (team * PB + u) * TEAM + l;
          d += vec3f(partial[o], partial[o + WG * PB], partial[o + 2u * WG * PB]);
        }
        let rot = jacobiRotation(d);
        offMax = max(offMax, rot.z);
        if (rot.w != 0.0) {
          let s = rot.y;
          let tau = s / (1.0 + rot.x);
          let bp = colBase(r, pq.x);
          let bq = colBase(r, pq.y);
          for (var m = 0u; m < steps; m++) {
            let q = lane + TEAM * m;
            let x = cols[bp + q];
            let y = cols[bq + q];
            cols[bp + q] = x - s * (y + tau * x);
            cols[bq + q] = y + s * (x - tau * y);
          }
        }
      }
      half = PARTIAL_HALF - half;
    }
    // with several teams, the next inner round hands these columns' quads to other invocations
    if (teams > 1u) { storageBarrier(); }
  }
  reduceF[lid] = offMax;
  workgroupBarrier();
  for (var width = WG / 2u; width > 0u; width /= 2u) {
    if (lid < width) { reduceF[lid] = max(reduceF[lid], reduceF[lid + width]); }
    workgroupBarrier();
  }
  if (lid == 0u) { atomicMax(&state[r * S_STRIDE + S_OFF], bitcast<u32>(reduceF[0])); }
}

fn endSweep(r: u32, lid: u32) {
  let so = r * S_STRIDE;
  if (lid != 0u) { return; }
  let flags = atomicLoad(&state[so + S_FLAGS]);
  if ((flags & DONE) != 0u) { return; }
  let offBits = atomicExchange(&state[so + S_OFF], 0u);
  let sweeps = atomicLoad(&state[so + S_SWEEPS]) + 1u;
  atomicStore(&state[so + S_SWEEPS], sweeps);
  atomicStore(&state[so + S_LAST_OFF], offBits);
  if (bitcast<f32>(offBits) <= params.tol) {
    atomicStore(&state[so + S_FLAGS], DONE | CONVERGED);
  } else if (sweeps >= params.maxSweeps) {
    atomicStore(&state[so + S_FLAGS], DONE);
  }
}

fn finish(r: u32, lid: u32) {
  let flags = sharedFlags(r, lid);
  let so = r * S_STRIDE;
  let n = params.n;
  let status = select(select(0.0, 1.0, (flags & NON_FINITE) != 0u), 2.0, (flags & SKIPPED) != 0u);
  if (lid == 0u) {
    info[r * 4u] = f32(atomicLoad(&state[so + S_SWEEPS]));
    info[r * 4u + 1u] = select(0.0, 1.0, (flags & CONVERGED) != 0u);
    info[r * 4u + 2u] = bitcast<f32>(atomicLoad(&state[so + S_LAST_OFF]));
    info[r * 4u + 3u] = status;
  }
  if ((flags & SKIPPED) != 0u) { return; }
  if ((flags & NON_FINITE) != 0u) {
    var nanBits = NAN_BITS; // a runtime value: a NaN constant is a shader-creation error
    for (var j = lid; j < n; j += WG) { sv[r * n + j] = bitcast<f32>(nanBits); }
    return;
  }
  let quads = activeQuads();
  for (var j = lid; j < n; j += WG) {
    let base = colBase(r, j);
    var total = 0.0;
    for (var c0 = 0u; c0 < quads; c0 += CHUNK) {
      var acc = vec4f(0.0);
      for (var c = c0; c < min(quads, c0 + CHUNK); c++) {
        let x = cols[base + c];
        acc += x * x;
      }
      total += dot(acc, ONES);
    }
    norms[j] = sqrt(total);
  }
  workgroupBarrier();
  let e = bitcast<i32>(atomicLoad(&state[so + S_EXP]));
  // rank = how many values come before this one (larger, or equal at a smaller index): a permutation
  for (var i = lid; i < n; i += WG) {
    let v = norms[i];
    var rank = 0u;
    for (var j = 0u; j < n; j++) {
      let u = norms[j];
      rank += select(0u, 1u, u > v || (u == v && j < i));
    }
    sv[r * n + rank] = ldexp(v, e);
  }
}
