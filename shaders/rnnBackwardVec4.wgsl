// rnnBackwardVec4: rnnBackward.wgsl (same Params, bindings, blocking and results) for n a multiple of 4,
// with W, da, a, dhOut and dh read and written as vec4s. A workgroup owns ROWS batch rows of one run and every
// unit; an invocation owns blocks of 4 units (blk = lid, lid+WG, ...) for chunks of CHUNK rows (up to 16,
// where the scalar kernel has 8: fewer passes over W per step; the row epilogue is one loop over the chunk, not
// CHUNK inlined copies, as in lstmBackward.wgsl, which keeps the pipeline quick to compile); the product
// W^T da_{t+1} walks the inputs i four at a time: per 4 inputs, 4 vec4 loads of W (rows i..i+3, columns
// 4 blk..4 blk+3, contiguous in row-major W) and one vec4 load of da per row, where the scalar kernel makes
// 16 and 4 scalar loads (on SwiftShader a storage load is a per-lane gather with a bounds check: the loads set
// the pace, as in rnnForwardVec4.wgsl).
//   dh_t = inject_t + W^T da_{t+1} ;  da_t = clip(g * f'(g a_t)^T dh_t, -c, c) ;  dh_0 = W^T da_1
// Everything else is rnnBackward.wgsl's, unchanged: the two channels (0 training delta, 1 gradient flow of
// Loss_last aligned on each row's last scored step t_b: row b's sum of dh_t^2 at k = t + L - t_b, register
// runs of consecutive rows with the same k, steps t > t_b and t = T0 > 0 skipped, partials zeroed by their
// owner at tHigh = top), the activation window (T0, slots), the carry (aux at t = T0, carryIn at t = tHigh),
// unscored and top. See rnnBackward.wgsl for the bindings; here W [R][n][n/4], a, dhOut, dh [R][slots][B][n/4]
// and da [R][daSlots][B][n/4] are in vec4s (every offset is a multiple of 4 floats because n is); aux stays
// f32 (the flow partials have stride L+1). The sums run in another order than rnnBackward.wgsl's (4 inputs a
// step), so the two agree to f32 rounding, not bit for bit.

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

// Invocations per workgroup (software: 32; hardware: up to 256).
override WG: u32 = 32;
// Batch rows per workgroup, computed in register chunks of CHUNK rows (1..16; the override guards remove the
// unused registers; rnnBackward.ts backwardChunk: 25 rows as 13 + 12).
override ROWS: u32 = 25;
override CHUNK: u32 = 16;

//! include rnnBackActivate

//! include flowRowTable

//! include flowRuns

// The 4 units' share of 4 inputs: sum over c of w_c * x[c] (w_c: row i+c of W at the 4 units' columns).
fn combine(w0: vec4f, w1: vec4f, w2: vec4f, w3: vec4f, x: vec4f) -> vec4f {
  return w0 * x.x + w1 * x.y + w2 * x.z + w3 * x.w;
}

// Completes dh_t for the 4 units of block blk of row b from acc = (W^T da_{t+1}), or from the carry in `aux`
// when fromCarry, and stores what this channel stores. Returns sum of dh_t^2 over those units (0 for rows
// outside the slice).
fn finishUnits(r: u32, t: u32, b: u32, rowEnd: u32, blk: u32, acc: vec4f, fromCarry: bool, kind: u32, g: f32, alpha: f32, clip: f32) -> f32 {
  if (b >= rowEnd) { return 0.0; }
  let nb = params.n / 4u;
  let B = params.B;
  let ch = params.channel;
  let c0 = (r * B + b) * params.n + 4u * blk;
  var d = acc;
  if (fromCarry) { d = vec4f(aux[c0], aux[c0 + 1u], aux[c0 + 2u], aux[c0 + 3u]); }
  if (t == params.T0) {
    if (ch == 0u) {
      aux[c0] = d.x;
      aux[c0 + 1u] = d.y;
      aux[c0 + 2u] = d.z;
      aux[c0 + 3u] = d.w;
    }
    return dot(d, d);
  }
  let off = ((r * params.slots + t - 1u - params.T0) * B + b) * nb + blk;
  if (ch == 0u) {
    if (t > params.unscored) { d += dhOut[off]; }
  } else if (t == rowLast(b)) {
    d += aux[rowTable() + 2u * b + 1u] * dhOut[off];
  }
  var dv = g * backActivate(g * a[off], d, kind, alpha);
  if (clip > 0.0) { dv = clamp(dv, vec4f(-clip), vec4f(clip)); }
  da[((r * params.daSlots + (t - 1u) % params.daSlots) * B + b) * nb + blk] = dv;
  if (ch == 0u) { dh[off] = d; }
  return dot(d, d);
}

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_id) lid3: vec3u, @builtin(workgroup_id) wid: vec3u) {
  if (params.channel == 1u && params.trackFlow == 0u) { return; }
  let lid = lid3.x;
  let r = wid.y;
  runRows = r * ROWSTRIDE;
  let n = params.n;
  let B = params.B;
  let L = params.L;
  let b0 = wid.x * ROWS;
  let rowEnd = min(B, b0 + ROWS);
  let kind = u32(hyper[r * 16u + H_NONLIN]);
  let g = hyper[r * 16u + H_GAIN];
  let clip = hyper[r * 16u + H_CLIP];
  let alpha = slope[r];
  let nb = n / 4u;
  let wBase = r * n * nb;
  let p = wid.x * WG + lid;
  let flowBase = (r * params.P + p) * (L + 1u);
  if (params.channel == 1u && params.tHigh == params.top) {
    for (var k = 0u; k <= L; k++) { aux[flowBase + k] = 0.0; }
  }

  for (var s = 0u; s <= params.tHigh - params.tLow; s++) {
    let t = params.tHigh - s;
    // da_{t+1} sits at step index t.
    let nextBase = (r * params.daSlots + t % params.daSlots) * B * nb;
    // the training delta's top step of a segment takes W^T da_{t+1} from the later segment's carry
    let fromCarry = params.channel == 0u && params.carryIn == 1u && t == params.tHigh;
    // channel 1: the register sum of consecutive rows with the same aligned index runK (L + 1: none yet)
    var run = FlowRun(L + 1u, 0.0);
    for (var blk = lid; blk < nb; blk += WG) {
      for (var cb = 0u; cb < ROWS; cb += CHUNK) {
        var s0 = vec4f(0.0);
        var s1 = vec4f(0.0);
        var s2 = vec4f(0.0);
        var s3 = vec4f(0.0);
        var s4 = vec4f(0.0);
        var s5 = vec4f(0.0);
        var s6 = vec4f(0.0);
        var s7 = vec4f(0.0);
        var s8 = vec4f(0.0);
        var s9 = vec4f(0.0);
        var s10 = vec4f(0.0);
        var s11 = vec4f(0.0);
        var s12 = vec4f(0.0);
        var s13 = vec4f(0.0);
        var s14 = vec4f(0.0);
        var s15 = vec4f(0.0);
        if (t < params.top && !fromCarry) {
          // rows past the slice or past B read a clamped row and are not stored
          let q0 = nextBase + min(b0 + cb, B - 1u) * nb;
          let q1 = nextBase + min(b0 + cb + 1u, B - 1u) * nb;
          let q2 = nextBase + min(b0 + cb + 2u, B - 1u) * nb;
          let q3 = nextBase + min(b0 + cb + 3u, B - 1u) * nb;
          let q4 = nextBase + min(b0 + cb + 4u, B - 1u) * nb;
          let q5 = nextBase + min(b0 + cb + 5u, B - 1u) * nb;
          let q6 = nextBase + min(b0 + cb + 6u, B - 1u) * nb;
          let q7 = nextBase + min(b0 + cb + 7u, B - 1u) * nb;
          let q8 = nextBase + min(b0 + cb + 8u, B - 1u) * nb;
          let q9 = nextBase + min(b0 + cb + 9u, B - 1u) * nb;
          let q10 = nextBase + min(b0 + cb + 10u, B - 1u) * nb;
          let q11 = nextBase + min(b0 + cb + 11u, B - 1u) * nb;
          let q12 = nextBase + min(b0 + cb + 12u, B - 1u) * nb;
          let q13 = nextBase + min(b0 + cb + 13u, B - 1u) * nb;
          let q14 = nextBase + min(b0 + cb + 14u, B - 1u) * nb;
          let q15 = nextBase + min(b0 + cb + 15u, B - 1u) * nb;
          for (var i4 = 0u; i4 < nb; i4++) {
            // columns 4 blk .. 4 blk + 3 of rows 4 i4 .. 4 i4 + 3 of W
            let w0 = W[wBase + 4u * i4 * nb + blk];
            let w1 = W[wBase + (4u * i4 + 1u) * nb + blk];
            let w2 = W[wBase + (4u * i4 + 2u) * nb + blk];
            let w3 = W[wBase + (4u * i4 + 3u) * nb + blk];
            s0 += combine(w0, w1, w2, w3, da[q0 + i4]);
            if (CHUNK > 1u) { s1 += combine(w0, w1, w2, w3, da[q1 + i4]); }
            if (CHUNK > 2u) { s2 += combine(w0, w1, w2, w3, da[q2 + i4]); }
            if (CHUNK > 3u) { s3 += combine(w0, w1, w2, w3, da[q3 + i4]); }
            if (CHUNK > 4u) { s4 += combine(w0, w1, w2, w3, da[q4 + i4]); }
            if (CHUNK > 5u) { s5 += combine(w0, w1, w2, w3, da[q5 + i4]); }
            if (CHUNK > 6u) { s6 += combine(w0, w1, w2, w3, da[q6 + i4]); }
            if (CHUNK > 7u) { s7 += combine(w0, w1, w2, w3, da[q7 + i4]); }
            if (CHUNK > 8u) { s8 += combine(w0, w1, w2, w3, da[q8 + i4]); }
            if (CHUNK > 9u) { s9 += combine(w0, w1, w2, w3, da[q9 + i4]); }
            if (CHUNK > 10u) { s10 += combine(w0, w1, w2, w3, da[q10 + i4]); }
            if (CHUNK > 11u) { s11 += combine(w0, w1, w2, w3, da[q11 + i4]); }
            if (CHUNK > 12u) { s12 += combine(w0, w1, w2, w3, da[q12 + i4]); }
            if (CHUNK > 13u) { s13 += combine(w0, w1, w2, w3, da[q13 + i4]); }
            if (CHUNK > 14u) { s14 += combine(w0, w1, w2, w3, da[q14 + i4]); }
            if (CHUNK > 15u) { s15 += combine(w0, w1, w2, w3, da[q15 + i4]); }
          }
        }
        // one copy of the row epilogue, not CHUNK inlined ones (keeps the pipeline quick to compile, as lstmBackward.wgsl)
        for (var e = 0u; e < CHUNK; e++) {
          var acc = s0;
          if (e == 1u) { acc = s1; } else if (e == 2u) { acc = s2; } else if (e == 3u) { acc = s3; }
          else if (e == 4u) { acc = s4; } else if (e == 5u) { acc = s5; } else if (e == 6u) { acc = s6; }
          else if (e == 7u) { acc = s7; } else if (e == 8u) { acc = s8; } else if (e == 9u) { acc = s9; }
          else if (e == 10u) { acc = s10; } else if (e == 11u) { acc = s11; } else if (e == 12u) { acc = s12; }
          else if (e == 13u) { acc = s13; } else if (e == 14u) { acc = s14; } else if (e == 15u) { acc = s15; }
          let b = b0 + cb + e;
          flowAdd(&run, flowBase, t, b, rowEnd, finishUnits(r, t, b, rowEnd, blk, acc, fromCarry, kind, g, alpha, clip));
        }
      }
    }
    flowFlush(&run, flowBase);
    storageBarrier();
  }
}
