// cayleySolve: second half of the geodesic (Cayley) step. For each system s it solves
//   (I + tau/2 A) Z = A M      by Gauss-Jordan elimination with partial pivoting
// and updates M <- M - tau Z, which equals (I + tau/2 A)^{-1} (I - tau/2 A) M. Solving for the small correction Z
// instead of the new M keeps M's own bits where the step is small: tau = 0 leaves M exactly unchanged.
// Why pivot: I + tau/2 A has a positive definite symmetric part, so in exact arithmetic elimination without
// pivoting never meets a zero pivot; but where tau ||A|| is large (a diverging run's gradients) the first pivots
// are 1 beside entries of size tau ||A||, the multipliers are as large, and the entries grow as their square: in
// f32 the step lost orthogonality (max |M^T M - I| ~ 1e-4 at tau/2 ||A|| ~ 50, ~ 4e2 at ~ 1e4: finite and wrong)
// and overflowed to NaN from ~ 1e4 to 1e6 (tests/kernels/geodesicStep.test.ts (f)). With partial pivoting every
// multiplier is at most 1 in size. Where tau/2 ||A|| is small, as in training, the diagonal is the largest entry
// of its column at every step, the pivot order is the natural one and the result is bit for bit that of the
// unpivoted elimination.
// tau = hyper[(s / systemsPerRun) * 16 + TAU]. A system whose run is frozen by the run guard (health STATE != 0)
// keeps M exactly: the solve still runs (the workgroup's barriers need every invocation) but M is not written.
//   hyper: [runs][16] (read)
//   S:     [systems][n][n] row-major, I + tau/2 A (read)
//   Z:     [systems][n][n] row-major, A M (read)
//   M:     [systems][n][n] row-major, updated in place
//   X:     [systems][n][n4 / 2] vec4 scratch, n4 = n rounded up to a multiple of 4: the augmented rows [S | Z],
//          each half zero-padded to n4 columns
//   health: [runs][4] u32 run health (src/engine/runHealth.ts; reads STATE)
// One workgroup per system (dispatch (systems, 1, 1)); n <= MAX_N. Each invocation owns vec4 column chunks of X
// (no two invocations touch the same chunk during an elimination). Rows are never moved: the pivot of step k is
// physical row piv (a row not yet used as a pivot whose entry in column k is largest in size, the first on ties),
// rowOf[k] = piv, and stepOf[i] = the step at which row i was the pivot (n: not yet). Step k: (a) column k,
// f_i = X[i][k], goes to workgroup memory, 0 for the pivot row (barrier); (b) every owner scales its chunks (from
// k / 4 on) of the pivot row, p = X[piv] / X[piv][k], and updates X[i] -= f_i p for every other row i, then stores
// p as row piv; the owner of column k + 1's chunk, which has just computed that column, picks the next pivot
// (barrier). At the end row rowOf[j] of X's right half is row j of Z.

struct Params {
  systems: u32,
  n: u32,
  systemsPerRun: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> hyper: array<f32>;
@group(0) @binding(2) var<storage, read> S: array<f32>;
@group(0) @binding(3) var<storage, read> Z: array<f32>;
@group(0) @binding(4) var<storage, read_write> M: array<f32>;
@group(0) @binding(5) var<storage, read_write> X: array<vec4f>;
@group(0) @binding(6) var<storage, read> health: array<u32>;

const HYPER_STRIDE = 16u;
const H_TAU = 8u;
const MAX_N = 1024u;
const HEALTH_STRIDE = 4u;

override WG: u32 = 64;

var<workgroup> factor: array<f32, MAX_N>;
// the pivot rows: rowOf[k] = physical row of step k's pivot; stepOf[i] = step at which row i was the pivot (n: not yet)
var<workgroup> rowOf: array<u32, MAX_N>;
var<workgroup> stepOf: array<u32, MAX_N>;
// the pivot row of the coming step, written by one invocation and read by all after a barrier
var<workgroup> piv: u32;

// The first unused row (stepOf == n) whose entry has the largest size; a NaN is taken where it is met (it then
// reaches the result, where the run guard finds it). Call from the invocation that owns the column.
fn better(i: u32, m: f32, best: f32, n: u32) -> bool {
  return stepOf[i] == n && !(m <= best);
}

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_id) lid: vec3u, @builtin(workgroup_id) wid: vec3u) {
  let s = wid.x;
  if (s >= params.systems) { return; }
  let n = params.n;
  let half = (n + 3u) / 4u;      // vec4 chunks per half row
  let width = 2u * half;         // vec4 chunks per augmented row
  let src = s * n * n;
  let dst = s * n * width;
  let t = lid.x;

  // load [S | Z] into the padded augmented scratch
  for (var e = t; e < n * width; e += WG) {
    let i = e / width;
    let c = e % width;
    let inZ = c >= half;
    let j0 = select(c, c - half, inZ) * 4u;
    var v = vec4f(0.0);
    for (var q = 0u; q < 4u; q++) {
      let j = j0 + q;
      if (j < n) { v[q] = select(S[src + i * n + j], Z[src + i * n + j], inZ); }
    }
    X[dst + e] = v;
  }
  for (var i = t; i < n; i += WG) {
    stepOf[i] = n;
  }
  storageBarrier();
  workgroupBarrier();
  // step 0's pivot: the largest entry of column 0
  if (t == 0u) {
    var best = -1.0;
    var bestI = 0u;
    for (var i = 0u; i < n; i++) {
      let m = abs(X[dst + i * width][0]);
      if (better(i, m, best, n)) {
        best = m;
        bestI = i;
      }
    }
    piv = bestI;
    rowOf[0] = bestI;
    stepOf[bestI] = 0u;
  }
  workgroupBarrier();

  for (var k = 0u; k < n; k++) {
    let p = piv;
    let rowK = dst + p * width;
    let kc = k / 4u;
    let kq = k % 4u;
    let inv = 1.0 / X[rowK + kc][kq];
    for (var i = t; i < n; i += WG) {
      factor[i] = select(X[dst + i * width + kc][kq], 0.0, i == p);
    }
    workgroupBarrier();
    // the chunk holding column k + 1, whose owner picks step k + 1's pivot (none after the last step)
    let next = k + 1u;
    let scanC = select(width, next / 4u, next < n);
    let scanQ = next % 4u;
    for (var c = kc + t; c < width; c += WG) {
      let pivot = X[rowK + c] * inv;
      var at = dst + c;
      if (c == scanC) {
        var best = -1.0;
        var bestI = 0u;
        for (var i = 0u; i < n; i++) {
          let v = fma(vec4f(-factor[i]), pivot, X[at]);
          X[at] = v;
          let m = abs(v[scanQ]);
          if (better(i, m, best, n)) {
            best = m;
            bestI = i;
          }
          at += width;
        }
        piv = bestI;
        rowOf[next] = bestI;
        stepOf[bestI] = next;
      } else {
        for (var i = 0u; i < n; i++) {
          X[at] = fma(vec4f(-factor[i]), pivot, X[at]);
          at += width;
        }
      }
      X[rowK + c] = pivot;
    }
    storageBarrier();
    workgroupBarrier();
  }

  let run = s / params.systemsPerRun;
  if (health[run * HEALTH_STRIDE] != 0u) { return; }
  let tau = hyper[run * HYPER_STRIDE + H_TAU];
  for (var e = t; e < n * n; e += WG) {
    let i = e / n;
    let j = e % n;
    M[src + e] = M[src + e] - tau * X[dst + rowOf[i] * width + half + j / 4u][j % 4u];
  }
}
