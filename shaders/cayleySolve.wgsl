// cayleySolve: second half of the geodesic (Cayley) step. For each system s it solves
//   (I + tau/2 A) Z = A M      by Gauss-Jordan elimination with partial pivoting
// and updates M <- M - tau Z, which equals (I + tau/2 A)^{-1} (I - tau/2 A) M. Solving for the small correction Z
// instead of the new M keeps M's own bits where the step is small: tau = 0 leaves M exactly unchanged.
// Why pivot: I + tau/2 A has a positive definite symmetric part, so in exact arithmetic elimination without
// pivoting never meets a zero pivot; but where tau/2 |A_ij| is well above 1 (a diverging run's gradients) the
// first pivots are 1 beside entries of that size, the multipliers are as large, and the entries grow as their
// square. In f32 the unpivoted solve then lost orthogonality (tau 0.01, G entries ~ 1e4 / sqrt(n), n = 7:
// max |M^T M - I| 1.2e-4; G ~ 1e8 / sqrt(n): 4e2, finite and wrong) or overflowed to NaN (n = 20 to 32, G ~ 1e8
// to 1e12); tests/kernels/geodesicStep.test.ts (f). With partial pivoting every multiplier is at most 1 in size
// and those steps stay orthogonal to ~ 1e-5 (odd n excepted at the largest steps: a skew A of odd order has a
// zero eigenvalue, the system's condition number grows as tau ||A|| and the f32 result with it). Where
// tau/2 |A_ij| is small, as in training (tau 1e-4 to 1e-2, gradients of order 1), the diagonal is the largest
// entry of its column at every step, the pivots come in the natural order and the result is bit for bit that of
// the unpivoted elimination (measured at n = 5 to 130, tau <= 0.1 with G ~ 10 / sqrt(n), tau 0.01 with G ~ 100
// / sqrt(n)); at tau/2 |A_ij| near 1 the order changes and orthogonality is as good or better.
// tau = hyper[(s / systemsPerRun) * 16 + TAU]. A system whose run is frozen by the run guard (health STATE != 0)
// keeps M exactly: the solve still runs (the workgroup's barriers need every invocation) but M is not written.
// Bindings and the pivot-row tables: shaders/lib/cayleySolveCommon.wgsl. On a CPU adapter the lab runs
// cayleySolveBlocked.wgsl instead, which gives the same bits with fewer passes over X.
// One workgroup per system (dispatch (systems, 1, 1)); n <= MAX_N. Each invocation owns vec4 column chunks of X
// (no two invocations touch the same chunk during an elimination). Rows are never moved: the pivot of step k is
// physical row piv (a row not yet used as a pivot whose entry in column k is largest in size, the first on ties),
// rowOf[k] = piv, and stepOf[i] = the step at which row i was the pivot (n: not yet). Step k: (a) column k,
// f_i = X[i][k], goes to workgroup memory, 0 for the pivot row (barrier); (b) every owner scales its chunks (from
// k / 4 on) of the pivot row, p = X[piv] / X[piv][k], and updates X[i] -= f_i p for every other row i, then stores
// p as row piv; the owner of column k + 1's chunk, which has just computed that column, picks the next pivot
// (barrier). At the end row rowOf[j] of X's right half is row j of Z.

//! include cayleySolveCommon

override WG: u32 = 64;

// step k's multipliers f_i (column k), 0 for the pivot row
var<workgroup> factor: array<f32, MAX_N>;
// the pivot row of the coming step, written by one invocation and read by all after a barrier
var<workgroup> piv: u32;

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
  loadAugmented(t, n, half, src, dst);

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

  storeStep(t, s, n, half, src, dst);
}
