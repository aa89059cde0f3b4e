// meanSquaredError: weighted squared error per position, its gradient, and per-run partial sums.
// For run r and position p (P = scored steps x B, row-major [step][batch]):
//   dpred[r][p][o] = 2 * weight[p] * (pred[r][p][o] - targets[p][o])
//   loss_p = weight[p] * sum_o (pred - target)^2
// Each workgroup sums loss_p over its WG positions into partial[r][group] = (loss, 0); a reduceRows dispatch
// then sums the groups into stats[r] = (sum_p loss_p, 0).
//   0 params  {R, P, O, pOff}
//   1 pred    [R][P][O]
//   2 targets [pOff + P][O]  shared by the runs (position p reads row pOff + p: a recomputed segment scores
//             positions pOff .. pOff+P-1 of the batch)
//   3 weight  [pOff + P]     (0 = not scored)
//   4 dpred   [R][P][O] overwritten
//   5 partial [R][G][2] overwritten, G = ceil(P / WG)
// With PSTRIDE > 0 targets and weights hold one batch per run ([R][PSTRIDE]...): run r reads entry
// r * PSTRIDE + pOff + p instead.
// Dispatch: (G, R, 1).

struct Params {
  R: u32,
  P: u32,
  O: u32,
  pOff: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> pred: array<f32>;
@group(0) @binding(2) var<storage, read> targets: array<f32>;
@group(0) @binding(3) var<storage, read> weight: array<f32>;
@group(0) @binding(4) var<storage, read_write> dpred: array<f32>;
@group(0) @binding(5) var<storage, read_write> partial: array<f32>;

// Positions per workgroup, a power of two.
override WG: u32 = 64;
// Positions per run in targets and weights: run r reads entry r * PSTRIDE + pOff + p (each run its own batch);
// 0 (default): one batch shared by every run.
override PSTRIDE: u32 = 0u;

var<workgroup> sums: array<f32, WG>;

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_id) lid3: vec3u, @builtin(workgroup_id) wid: vec3u) {
  let lid = lid3.x;
  let r = wid.y;
  let p = wid.x * WG + lid;
  let O = params.O;
  var loss = 0.0;
  if (p < params.P) {
    let base = (r * params.P + p) * O;
    let q = r * PSTRIDE + params.pOff + p;
    let w = weight[q];
    for (var o = 0u; o < O; o++) {
      let e = pred[base + o] - targets[q * O + o];
      dpred[base + o] = 2.0 * w * e;
      loss += e * e;
    }
    loss *= w;
  }
  sums[lid] = loss;
  workgroupBarrier();
  // the tree's additions made by one invocation in turn, as in softmaxCrossEntropy.wgsl (the same bits)
  if (lid == 0u) {
    for (var half = WG / 2u; half > 0u; half /= 2u) {
      for (var i = 0u; i < half; i++) { sums[i] += sums[i + half]; }
    }
    let o = (r * ((params.P + WG - 1u) / WG) + wid.x) * 2u;
    partial[o] = sums[0];
    partial[o + 1u] = 0.0;
  }
}
