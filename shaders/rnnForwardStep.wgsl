// rnnForwardStep: the naive reference path of rnnForward, one time step per dispatch, one output element
// (run r, batch row b, unit i) per invocation:
//   a_t = W h_{t-1} + xproj_t + b ;  h_t = f(g * a_t)   for the single step k = tStart (t = k+1), tEnd = tStart+1
// Same bindings and Params as rnnForward.wgsl (the op makes one params buffer per step), including the
// activation window: step k at slot k - T0 of buffers holding `slots` steps (full storage: T0 = 0, slots = L):
//   0 params  {R, L, B, n, tStart, tEnd, T0, slots}
//   1 hyper   [R][16]   NONLIN, GAIN
//   2 W       [R][n][n]
//   3 xproj   [R][slots][B][n]
//   4 bias    [R][n]
//   5 h0      [R][n]
//   6 slope   [R]
//   7 a       [R][slots][B][n]    written at slot k - T0
//   8 h       [R][slots+1][B][n]  written at slot k - T0 + 1 (and slot 0 = h0 when k = 0)
// Step k = 0 reads h_0 from h0 directly (slot 0 is written by the same dispatch).
// oplu: the invocation for unit i also computes its partner i^1 (n even). Nothing is accumulated.
// Dispatch: x = ceil(B*n / WG), y = R.

//! include rnnForwardParams

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> hyper: array<f32>;
@group(0) @binding(2) var<storage, read> W: array<f32>;
@group(0) @binding(3) var<storage, read> xproj: array<f32>;
@group(0) @binding(4) var<storage, read> bias: array<f32>;
@group(0) @binding(5) var<storage, read> h0: array<f32>;
@group(0) @binding(6) var<storage, read> slope: array<f32>;
@group(0) @binding(7) var<storage, read_write> a: array<f32>;
@group(0) @binding(8) var<storage, read_write> h: array<f32>;

//! include rnnHyper

override WG: u32 = 64;

// a for unit i of row b at step k (before the gain).
fn preActivation(r: u32, k: u32, b: u32, i: u32) -> f32 {
  let n = params.n;
  var s = 0.0;
  let wRow = (r * n + i) * n;
  if (k == 0u) {
    for (var j = 0u; j < n; j++) { s += W[wRow + j] * h0[r * n + j]; }
  } else {
    let hRow = ((r * (params.slots + 1u) + k - params.T0) * params.B + b) * n;
    for (var j = 0u; j < n; j++) { s += W[wRow + j] * h[hRow + j]; }
  }
  return s + xproj[((r * params.slots + k - params.T0) * params.B + b) * n + i] + bias[r * n + i];
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let n = params.n;
  let B = params.B;
  let S = params.slots;
  let e = gid.x;
  let r = gid.y;
  if (e >= B * n || r >= params.R) { return; }
  let b = e / n;
  let i = e % n;
  let k = params.tStart;
  let kind = u32(hyper[r * 16u + H_NONLIN]);
  let g = hyper[r * 16u + H_GAIN];

  let ai = preActivation(r, k, b, i);
  let z = g * ai;
  var hv: f32;
  switch kind {
    case 1u: { hv = tanh(clamp(z, -20.0, 20.0)); }
    case 2u: { hv = max(z, 0.0); }
    case 3u, 4u: { hv = select(slope[r] * z, z, z >= 0.0); }
    case 5u: {
      let zp = g * preActivation(r, k, b, i ^ 1u);
      // unit 2k takes the max of the pair, unit 2k+1 the min.
      hv = select(min(z, zp), max(z, zp), (i & 1u) == 0u);
    }
    default: { hv = z; }
  }
  a[((r * S + k - params.T0) * B + b) * n + i] = ai;
  h[((r * (S + 1u) + k - params.T0 + 1u) * B + b) * n + i] = hv;
  if (k == 0u) { h[(r * (S + 1u) * B + b) * n + i] = h0[r * n + i]; }
}
