// The parts the two Cayley solves share (cayleySolve.wgsl, one pivot step per pass over the rows;
// cayleySolveBlocked.wgsl, four): the bindings, the pivot-row tables, loading [S | Z] into the vec4 scratch X and
// writing M -= tau Z. See cayleySolve.wgsl for what is solved and why it pivots.
//   hyper: [runs][16] (read)
//   S:     [systems][n][n] row-major, I + tau/2 A (read)
//   Z:     [systems][n][n] row-major, A M (read)
//   M:     [systems][n][n] row-major, updated in place
//   X:     [systems][n][n4 / 2] vec4 scratch, n4 = n rounded up to a multiple of 4: the augmented rows [S | Z],
//          each half zero-padded to n4 columns
//   health: [runs][4] u32 run health (src/engine/runHealth.ts; reads STATE)
// Rows are never moved: rowOf[k] = the physical row that was step k's pivot, stepOf[i] = the step at which row i
// was the pivot (n: not yet); a pivot is a row not yet used whose entry in the step's column is largest in size
// (the first on ties). The kernel declares `override WG` (its invocations).

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

var<workgroup> rowOf: array<u32, MAX_N>;
var<workgroup> stepOf: array<u32, MAX_N>;

// Whether unused row i, whose entry has size m, beats the best so far; a NaN is taken where it is met (it then
// reaches the result, where the run guard finds it).
fn better(i: u32, m: f32, best: f32, n: u32) -> bool {
  return stepOf[i] == n && !(m <= best);
}

// Loads [S | Z] of system s into its padded rows of X (from dst) and marks every row unused. Ends with barriers.
fn loadAugmented(t: u32, n: u32, half: u32, src: u32, dst: u32) {
  let width = 2u * half;
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
}

// M -= tau Z for system s, Z's row j being X's right half at row rowOf[j]; nothing for a run the guard froze.
fn storeStep(t: u32, s: u32, n: u32, half: u32, src: u32, dst: u32) {
  let run = s / params.systemsPerRun;
  if (health[run * HEALTH_STRIDE] != 0u) { return; }
  let tau = hyper[run * HYPER_STRIDE + H_TAU];
  let width = 2u * half;
  for (var e = t; e < n * n; e += WG) {
    let i = e / n;
    let j = e % n;
    M[src + e] = M[src + e] - tau * X[dst + rowOf[i] * width + half + j / 4u][j % 4u];
  }
}
