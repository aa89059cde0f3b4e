// cayleySolveBlocked: cayleySolve.wgsl's solve (I + tau/2 A) Z = A M and M -= tau Z, Gauss-Jordan with partial
// pivoting, the same pivots and the same result bit for bit, in blocks of four pivot steps: one pass over the
// rows applies four steps to a chunk where cayleySolve.wgsl makes four passes. On SwiftShader (a CPU adapter) the
// storage loads and stores set the pace: per row and chunk a pass loads the chunk, the row's four multipliers (one
// vec4) and stores the chunk once, where the step-at-a-time solve loads and stores the chunk four times.
// The lab runs this kernel on a CPU adapter (src/gpu/ops/geodesicStep.ts); on a GPU, where one invocation working
// alone is slow, it runs cayleySolve.wgsl. Bindings, tables: shaders/lib/cayleySolveCommon.wgsl.
// One workgroup per system; block b covers the pivot steps k = 4b .. 4b + 3 (fewer in the last block when n is not
// a multiple of 4), that is the columns of vec4 chunk b:
//   (a) the panel: invocation 0 alone runs the block's steps on chunk b of every row, as cayleySolve.wgsl would
//       (the same pivot search, p = X[r] * inv, X[i] = fma(-f, p, X[i])), but leaves in component q of each row's
//       chunk b its multiplier f_i^q of step q, the value column 4b + q held when that step came, where
//       cayleySolve.wgsl leaves values nobody reads again; the pivot row r_q keeps from component q on the
//       scaled row (components past q are its multipliers of the later steps) and inv_q goes to `invs`;
//   (b) barrier; every owner of a chunk c > b (the columns right of the block, S's and Z's) takes the pivot rows'
//       chunks through the four steps, p_q = (X[r_q] - sum over q' < q of f_{r_q}^q' p_q') * inv_q, each
//       product one fma in cayleySolve.wgsl's order, then updates every row once, X[i] = fma(-f_i^3, p_3, ...
//       fma(-f_i^0, p_0, X[i])), and writes the pivot rows r_q = fma(-f_{r_q}^3, p_3, ... p_q) over what that
//       pass wrote there; barrier.
// Each update is the same fma on the same operands in the same order as cayleySolve.wgsl's, so the results agree
// bit for bit (tests/kernels/geodesicStep.test.ts (g)).

//! include cayleySolveCommon

override WG: u32 = 4;

// 1 / pivot of each step of the block
var<workgroup> invs: array<f32, 4>;

// (a) The block's steps on chunk b alone, by one invocation: pivots, tables, multipliers in place, invs.
fn panel(b: u32, steps: u32, n: u32, width: u32, dst: u32) {
  let lane = vec4u(0u, 1u, 2u, 3u);
  for (var q = 0u; q < steps; q++) {
    let k = 4u * b + q;
    var best = -1.0;
    var r = 0u;
    for (var i = 0u; i < n; i++) {
      let m = abs(X[dst + i * width + b][q]);
      if (better(i, m, best, n)) {
        best = m;
        r = i;
      }
    }
    rowOf[k] = r;
    stepOf[r] = k;
    let at = dst + r * width + b;
    let inv = 1.0 / X[at][q];
    invs[q] = inv;
    let p = X[at] * inv;
    // the pivot row: the scaled row from component q on, its earlier multipliers kept
    X[at] = select(X[at], p, lane >= vec4u(q));
    for (var i = 0u; i < n; i++) {
      if (i == r) { continue; }
      let ai = dst + i * width + b;
      let v = X[ai];
      let f = v[q];
      var w = select(v, fma(vec4f(-f), p, v), lane > vec4u(q));
      w[q] = f;
      X[ai] = w;
    }
  }
}

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_id) lid: vec3u, @builtin(workgroup_id) wid: vec3u) {
  let s = wid.x;
  if (s >= params.systems) { return; }
  let n = params.n;
  let half = (n + 3u) / 4u;
  let width = 2u * half;
  let src = s * n * n;
  let dst = s * n * width;
  let t = lid.x;
  loadAugmented(t, n, half, src, dst);

  for (var b = 0u; b < half; b++) {
    let steps = min(4u, n - 4u * b);
    if (t == 0u) { panel(b, steps, n, width, dst); }
    storageBarrier();
    workgroupBarrier();

    // the block's pivot rows and their multipliers (chunk b); unused steps of a short last block read row 0
    // and are never applied
    let k = 4u * b;
    let r0 = rowOf[k];
    let r1 = select(0u, rowOf[k + 1u], steps > 1u);
    let r2 = select(0u, rowOf[k + 2u], steps > 2u);
    let r3 = select(0u, rowOf[k + 3u], steps > 3u);
    let m1 = X[dst + r1 * width + b];
    let m2 = X[dst + r2 * width + b];
    let m3 = X[dst + r3 * width + b];
    let m0 = X[dst + r0 * width + b];
    for (var c = b + 1u + t; c < width; c += WG) {
      let p0 = X[dst + r0 * width + c] * invs[0];
      var p1 = vec4f(0.0);
      var p2 = vec4f(0.0);
      var p3 = vec4f(0.0);
      if (steps > 1u) { p1 = fma(vec4f(-m1.x), p0, X[dst + r1 * width + c]) * invs[1]; }
      if (steps > 2u) { p2 = fma(vec4f(-m2.y), p1, fma(vec4f(-m2.x), p0, X[dst + r2 * width + c])) * invs[2]; }
      if (steps > 3u) { p3 = fma(vec4f(-m3.z), p2, fma(vec4f(-m3.y), p1, fma(vec4f(-m3.x), p0, X[dst + r3 * width + c]))) * invs[3]; }
      var at = dst + c;
      var am = dst + b;
      if (steps == 4u) {
        for (var i = 0u; i < n; i++) {
          let m = X[am];
          X[at] = fma(vec4f(-m.w), p3, fma(vec4f(-m.z), p2, fma(vec4f(-m.y), p1, fma(vec4f(-m.x), p0, X[at]))));
          at += width;
          am += width;
        }
      } else {
        for (var i = 0u; i < n; i++) {
          let m = X[am];
          var x = fma(vec4f(-m.x), p0, X[at]);
          if (steps > 1u) { x = fma(vec4f(-m.y), p1, x); }
          if (steps > 2u) { x = fma(vec4f(-m.z), p2, x); }
          X[at] = x;
          at += width;
          am += width;
        }
      }
      // the pivot rows, over what the pass wrote there: r_q = p_q, then the later steps of the block
      var x0 = p0;
      if (steps > 1u) { x0 = fma(vec4f(-m0.y), p1, x0); }
      if (steps > 2u) { x0 = fma(vec4f(-m0.z), p2, x0); }
      if (steps > 3u) { x0 = fma(vec4f(-m0.w), p3, x0); }
      X[dst + r0 * width + c] = x0;
      if (steps > 1u) {
        var x1 = p1;
        if (steps > 2u) { x1 = fma(vec4f(-m1.z), p2, x1); }
        if (steps > 3u) { x1 = fma(vec4f(-m1.w), p3, x1); }
        X[dst + r1 * width + c] = x1;
      }
      if (steps > 2u) {
        var x2 = p2;
        if (steps > 3u) { x2 = fma(vec4f(-m2.w), p3, x2); }
        X[dst + r2 * width + c] = x2;
      }
      if (steps > 3u) { X[dst + r3 * width + c] = p3; }
    }
    storageBarrier();
    workgroupBarrier();
  }

  storeStep(t, s, n, half, src, dst);
}
