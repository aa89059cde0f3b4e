// The bindings, the channel constant and the per-row finishing steps of the vec4 recurrent backward kernels
// (rnnBackwardVec4.wgsl, rnnBackwardQuad.wgsl; included by both, `//! include rnnBackwardVec4Common`): every
// line here is the two kernels' common text, so that they compute the same bits. Each kernel declares its own
// WG and ROWS (and rnnBackwardVec4 CHUNK and UNITS).

//! include rnnBackwardParams

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> hyper: array<f32>;
@group(0) @binding(2) var<storage, read> W: array<vec4f>;
@group(0) @binding(3) var<storage, read> a: array<vec4f>;
@group(0) @binding(4) var<storage, read> slope: array<f32>;
@group(0) @binding(5) var<storage, read> dhOut: array<vec4f>;
@group(0) @binding(6) var<storage, read_write> dh: array<vec4f>;
@group(0) @binding(7) var<storage, read_write> da: array<vec4f>;
@group(0) @binding(8) var<storage, read_write> aux: array<f32>;

//! include rnnHyper

// The delta of this pipeline, = params.channel (0 training, 1 gradient flow; rnnBackward.ts builds one pipeline
// per channel): a constant, so that each channel's pipeline is compiled without the other's epilogue (SwiftShader
// runs both sides of a branch on a runtime value, masked, for every row and unit block).
override CHANNEL: u32 = 0u;

//! include rnnBackActivate

//! include flowRowTable

//! include flowRuns

// The 4 units' share of 4 inputs: sum over c of w_c * x[c] (w_c: row i+c of W at the 4 units' columns).
fn combine(w0: vec4f, w1: vec4f, w2: vec4f, w3: vec4f, x: vec4f) -> vec4f {
  return w0 * x.x + w1 * x.y + w2 * x.z + w3 * x.w;
}

// Completes dh_t = acc (W^T da_{t+1} or the later segment's carry) + this channel's injection for the 4 units of
// block blk of row b at a step t > T0, and stores what this channel stores. Returns the sum of dh_t^2 over those
// units (0 for rows outside the slice). No early return (it would make every later line conditional).
fn finishUnits(r: u32, t: u32, b: u32, rowEnd: u32, blk: u32, acc: vec4f, kind: u32, g: f32, alpha: f32, clip: f32) -> f32 {
  var sq = 0.0;
  if (b < rowEnd) {
    let nb = params.n / 4u;
    let B = params.B;
    var d = acc;
    let off = ((r * params.slots + t - 1u - params.T0) * B + b) * nb + blk;
    if (CHANNEL == 0u) {
      if (t > params.unscored) { d += dhOut[off]; }
    } else if (t == rowLast(b)) {
      d += aux[rowTable() + 2u * b + 1u] * dhOut[off];
    }
    var dv = g * backActivate(g * a[off], d, kind, alpha);
    if (clip > 0.0) { dv = clamp(dv, vec4f(-clip), vec4f(clip)); }
    da[((r * params.daSlots + (t - 1u) % params.daSlots) * B + b) * nb + blk] = dv;
    if (CHANNEL == 0u) { dh[off] = d; }
    sq = dot(d, d);
  }
  return sq;
}

// Step t = T0 (dh_T0 = W^T da_{T0+1} = acc, no injection): channel 0 stores it in `aux` (dh0, or the carry into
// the earlier segment). Returns its sum of squares over the 4 units (0 for rows outside the slice).
fn finishCarry(r: u32, b: u32, rowEnd: u32, blk: u32, acc: vec4f) -> f32 {
  var sq = 0.0;
  if (b < rowEnd) {
    if (CHANNEL == 0u) {
      let c0 = (r * params.B + b) * params.n + 4u * blk;
      aux[c0] = acc.x;
      aux[c0 + 1u] = acc.y;
      aux[c0 + 2u] = acc.z;
      aux[c0 + 3u] = acc.w;
    }
    sq = dot(acc, acc);
  }
  return sq;
}

// The later segment's carry W^T da_{t+1} for the 4 units of block blk of row b (rows past B read row B - 1).
fn carryOf(r: u32, b: u32, blk: u32) -> vec4f {
  let c0 = (r * params.B + min(b, params.B - 1u)) * params.n + 4u * blk;
  return vec4f(aux[c0], aux[c0 + 1u], aux[c0 + 2u], aux[c0 + 3u]);
}
