// rnnBackwardStep: the naive reference path of rnnBackward, one time step per dispatch (tLow = tHigh = t,
// the op records t = L .. 0), one output element (run r, batch row b, unit j) per invocation:
//   dh_t = inject_t + W^T da_{t+1} ;  da_t = clip(g * f'(g a_t)^T dh_t, -c, c) ;  t = 0: dh0 = W^T da_1
// Same Params and bindings as rnnBackward.wgsl (channel 0 = training delta, channel 1 = gradient flow, which
// returns at once unless trackFlow = 1; the activation window T0, slots; the carry: t = T0 writes W^T da_{T0+1}
// into aux, carryIn = 1 takes dh_t's W^T da_{t+1} from aux; dhOut read at t > unscored only), except that the
// flow partials are per element: P = B * n and aux (channel 1) is [R][B*n][L+1] holding dh_t[b][j]^2 at the
// aligned index k = t + L - t_b (docs/SCIENCE.md 7.1), followed by the row table [B][2] (t_b as f32, 0 = the
// row scores nothing; scale_b) at element R*P*(L+1). Row b injects scale_b * dhOut_{t_b} at t = t_b only. An
// element's row has one t_b, so each index gets at most one write per pass: the dispatch of t = L zeroes the
// indices k < L - t_b that the row never reaches (all of them for a row scoring nothing), step t = T0 > 0 of
// a later segment writes nothing (the earlier segment's top step writes it), steps t > t_b write nothing.
//   0 params {R, L, B, n, tLow, tHigh, channel, trackFlow, daSlots, P, T0, slots, carryIn, unscored, top}
//     top: the steps the pass computes (L' <= L); the op records t = top .. 0 and the zeroing of unreached
//     indices happens at t = top; L stays the layout of the flow
//   1 hyper [R][16]; 2 W [R][n][n]; 3 a [R][slots][B][n]; 4 slope [R]; 5 dhOut [R][slots][B][n]
//   6 dh [R][slots][B][n] (channel 0); 7 da [R][daSlots][B][n]; 8 aux (dh0 / carry [R][B][n] or partials)
// oplu: the invocation for unit j also computes dh of its partner j^1. Nothing is accumulated.
// Dispatch: x = ceil(B*n / WG), y = R.

//! include rnnBackwardParams

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> hyper: array<f32>;
@group(0) @binding(2) var<storage, read> W: array<f32>;
@group(0) @binding(3) var<storage, read> a: array<f32>;
@group(0) @binding(4) var<storage, read> slope: array<f32>;
@group(0) @binding(5) var<storage, read> dhOut: array<f32>;
@group(0) @binding(6) var<storage, read_write> dh: array<f32>;
@group(0) @binding(7) var<storage, read_write> da: array<f32>;
@group(0) @binding(8) var<storage, read_write> aux: array<f32>;

//! include rnnHyper

override WG: u32 = 64;

//! include flowRowTable

// dh_t[b][j] (t > T0), or W^T da_{T0+1} for t = T0 (dh0[b][j] when T0 = 0).
fn totalDh(r: u32, t: u32, b: u32, j: u32) -> f32 {
  let n = params.n;
  let B = params.B;
  let L = params.L;
  var s = 0.0;
  if (params.channel == 0u && params.carryIn == 1u && t == params.tHigh) {
    s = aux[(r * B + b) * n + j];
  } else if (t < params.top) {
    let next = ((r * params.daSlots + t % params.daSlots) * B + b) * n;
    for (var i = 0u; i < n; i++) { s += W[(r * n + i) * n + j] * da[next + i]; }
  }
  if (t == params.T0) { return s; }
  let off = ((r * params.slots + t - 1u - params.T0) * B + b) * n + j;
  if (params.channel == 0u) {
    if (t > params.unscored) { s += dhOut[off]; }
  } else if (t == rowLast(b)) {
    s += aux[rowTable() + 2u * b + 1u] * dhOut[off];
  }
  return s;
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  if (params.channel == 1u && params.trackFlow == 0u) { return; }
  let n = params.n;
  let B = params.B;
  let L = params.L;
  let e = gid.x;
  let r = gid.y;
  runRows = r * ROWSTRIDE;
  if (e >= B * n || r >= params.R) { return; }
  let b = e / n;
  let j = e % n;
  let t = params.tHigh;
  let d = totalDh(r, t, b, j);
  if (params.channel == 1u) {
    let base = (r * params.P + e) * (L + 1u);
    let tb = rowLast(b);
    if (t == params.top) {
      // the indices this row never reaches (k < L - t_b; every index for a row scoring nothing)
      let reached = select(L + 1u, L - tb, tb > 0u);
      for (var k = 0u; k < reached; k++) { aux[base + k] = 0.0; }
    }
    if (tb > 0u && t <= tb && !(t == params.T0 && t > 0u)) { aux[base + t + L - tb] = d * d; }
  }
  if (t == params.T0) {
    if (params.channel == 0u) { aux[(r * B + b) * n + j] = d; }
    return;
  }
  let kind = u32(hyper[r * 16u + H_NONLIN]);
  let g = hyper[r * 16u + H_GAIN];
  let clip = hyper[r * 16u + H_CLIP];
  let off = ((r * params.slots + t - 1u - params.T0) * B + b) * n + j;
  let z = g * a[off];
  var v: f32;
  switch kind {
    case 1u: {
      let y = tanh(clamp(z, -20.0, 20.0));
      v = d * (1.0 - y * y);
    }
    case 2u: { v = select(0.0, d, z > 0.0); }
    case 3u, 4u: { v = select(slope[r] * d, d, z >= 0.0); }
    case 5u: {
      // unit 2k outputs max(z_2k, z_2k+1), unit 2k+1 the min: each keeps its own gradient when
      // z_2k >= z_2k+1 (identity), else they swap (ties count as identity, as in the forward).
      let zp = g * a[off ^ 1u];
      let even = (j & 1u) == 0u;
      let keepsOwn = select(zp >= z, z >= zp, even);
      v = select(totalDh(r, t, b, j ^ 1u), d, keepsOwn);
    }
    default: { v = d; }
  }
  v = g * v;
  if (clip > 0.0) { v = clamp(v, -clip, clip); }
  da[((r * params.daSlots + (t - 1u) % params.daSlots) * B + b) * n + j] = v;
  if (params.channel == 0u) { dh[off] = d; }
}
