// lstmBackwardVec4: lstmBackward.wgsl (same Params, bindings, blocking, channels and results) for n a multiple
// of 4, with W and dz read and written as vec4s. The product W^T dz_{t+1} walks the 4n inputs i four at a time:
// per 4 inputs, 4 vec4 loads of W (rows i..i+3, columns 4 blk..4 blk+3, contiguous in row-major W) and one vec4
// load of dz per row, where lstmBackward.wgsl makes 16 and 4 scalar loads (on SwiftShader a storage load is a
// per-lane gather with a bounds check: the loads set the pace, as in rnnBackwardVec4.wgsl). Register chunks of
// CHUNK = 1..16 rows (the override guards remove the unused registers; src/gpu/ops/lstm.ts lstmBackwardChunk:
// 25 rows as 13 + 12); the row epilogue is one loop over the chunk, as in lstmBackward.wgsl.
// Everything else is lstmBackward.wgsl's, unchanged: the two channels (0 training delta: dz, dh0, dc0, peephole
// partials; 1 gradient flow of Loss_last aligned on each row's last scored step t_b at k = t + L - t_b, register
// runs of consecutive rows with the same k, steps t > t_b and t = T0 > 0 skipped, partials zeroed by their owner
// at tHigh = top), the activation window (T0, slots), the carry (dh0 at t = T0, carryIn at t = tHigh), dc_next
// and the peephole partials in aux (reset at t = top), unscored and top. See lstmBackward.wgsl for the
// equations and bindings; here W [R][4n][n/4] and dz [R][dzSlots][B][n] are in vec4s (every offset is a
// multiple of 4 floats because n is); the rest stays f32. The sums run in another order than lstmBackward.wgsl's
// (4 inputs a step), so the two agree to f32 rounding, not bit for bit.

//! include lstmBackwardParams

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> hyper: array<f32>;
@group(0) @binding(2) var<storage, read> W: array<vec4f>;
@group(0) @binding(3) var<storage, read> peep: array<f32>;
@group(0) @binding(4) var<storage, read> gates: array<f32>;
@group(0) @binding(5) var<storage, read> c: array<f32>;
@group(0) @binding(6) var<storage, read> dhOut: array<f32>;
@group(0) @binding(7) var<storage, read_write> dz: array<vec4f>;
@group(0) @binding(8) var<storage, read_write> dh0: array<f32>;
@group(0) @binding(9) var<storage, read_write> dc0: array<f32>;
@group(0) @binding(10) var<storage, read_write> aux: array<f32>;

const H_CLIP = 2u;

// Invocations per workgroup (software: 32; hardware: up to 256).
override WG: u32 = 32;
// Batch rows per workgroup (software: up to 25; hardware: 8).
override ROWS: u32 = 25;
// Rows per register chunk: 1..16 (src/gpu/ops/lstm.ts lstmBackwardChunk; software B = 50: 13, hardware: 8).
override CHUNK: u32 = 16;

//! include lstmBackwardRows

// The 4 units' share of 4 inputs: sum over c of w_c * x[c] (w_c: row i+c of W at the 4 units' columns).
fn combine(w0: vec4f, w1: vec4f, w2: vec4f, w3: vec4f, x: vec4f) -> vec4f {
  return w0 * x.x + w1 * x.y + w2 * x.z + w3 * x.w;
}

//! include lstmBackwardFinish

// Stores step t's dz as vec4s and the carry dc_{t-1} for units j0 .. j0+cnt-1.
fn storeStep(r: u32, t: u32, b: u32, j0: u32, cnt: u32, dcBase: u32, zi: vec4f, zf: vec4f, zg: vec4f, zo: vec4f, dcp: vec4f) {
  let n = params.n;
  let B = params.B;
  // dz in vec4s: a row is n vec4s (4n floats), gate block g at g * n/4, units j0.. at j0/4
  let nb = n / 4u;
  let zOff = ((r * params.dzSlots + (t - 1u) % params.dzSlots) * B + b) * n + j0 / 4u;
  dz[zOff] = zi;
  dz[zOff + nb] = zf;
  dz[zOff + 2u * nb] = zg;
  dz[zOff + 3u * nb] = zo;
  for (var e = 0u; e < cnt; e++) { aux[dcBase + j0 + e] = dcp[e]; }
}

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_id) lid3: vec3u, @builtin(workgroup_id) wid: vec3u) {
  if (params.channel == 1u && params.trackFlow == 0u) { return; }
  let lid = lid3.x;
  let r = wid.y;
  runRows = r * ROWSTRIDE;
  let n = params.n;
  let n4 = 4u * n;
  let B = params.B;
  let L = params.L;
  let b0 = wid.x * ROWS;
  let rowEnd = min(B, b0 + ROWS);
  let clip = hyper[r * 16u + H_CLIP];
  let nBlocks = (n + 3u) / 4u;
  let nb = n / 4u;
  // W [R][4n][n/4] in vec4s
  let wBase = r * n4 * nb;
  let p = wid.x * WG + lid;
  let flowBase = (r * params.P + p) * (L + 1u);
  if (params.channel == 1u && params.tHigh == params.top) {
    for (var k = 0u; k <= L; k++) { aux[flowBase + k] = 0.0; }
  }

  for (var s = 0u; s <= params.tHigh - params.tLow; s++) {
    let t = params.tHigh - s;
    // dz_{t+1} sits at step index t.
    let nextBase = (r * params.dzSlots + t % params.dzSlots) * B * n;
    // the training delta's top step of a segment takes W^T dz_{t+1} from the later segment's carry
    let fromCarry = params.channel == 0u && params.carryIn == 1u && t == params.tHigh;
    for (var blk = lid; blk < nBlocks; blk += WG) {
      let j0 = blk * 4u;
      let cnt = min(4u, n - j0);
      let u = vec4u(j0, min(j0 + 1u, n - 1u), min(j0 + 2u, n - 1u), min(j0 + 3u, n - 1u));
      let pb = r * 3u * n;
      let pi = peepAt(pb, u);
      let pf = peepAt(pb + n, u);
      let po = peepAt(pb + 2u * n, u);
      var sums = Sums(vec4f(0.0), vec4f(0.0), vec4f(0.0), L + 1u, 0.0, flowBase);
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
          let q0 = nextBase + min(b0 + cb, B - 1u) * n;
          let q1 = nextBase + min(b0 + cb + 1u, B - 1u) * n;
          let q2 = nextBase + min(b0 + cb + 2u, B - 1u) * n;
          let q3 = nextBase + min(b0 + cb + 3u, B - 1u) * n;
          let q4 = nextBase + min(b0 + cb + 4u, B - 1u) * n;
          let q5 = nextBase + min(b0 + cb + 5u, B - 1u) * n;
          let q6 = nextBase + min(b0 + cb + 6u, B - 1u) * n;
          let q7 = nextBase + min(b0 + cb + 7u, B - 1u) * n;
          let q8 = nextBase + min(b0 + cb + 8u, B - 1u) * n;
          let q9 = nextBase + min(b0 + cb + 9u, B - 1u) * n;
          let q10 = nextBase + min(b0 + cb + 10u, B - 1u) * n;
          let q11 = nextBase + min(b0 + cb + 11u, B - 1u) * n;
          let q12 = nextBase + min(b0 + cb + 12u, B - 1u) * n;
          let q13 = nextBase + min(b0 + cb + 13u, B - 1u) * n;
          let q14 = nextBase + min(b0 + cb + 14u, B - 1u) * n;
          let q15 = nextBase + min(b0 + cb + 15u, B - 1u) * n;
          for (var i4 = 0u; i4 < n; i4++) {
            // columns 4 blk .. 4 blk + 3 of rows 4 i4 .. 4 i4 + 3 of W
            let w0 = W[wBase + 4u * i4 * nb + blk];
            let w1 = W[wBase + (4u * i4 + 1u) * nb + blk];
            let w2 = W[wBase + (4u * i4 + 2u) * nb + blk];
            let w3 = W[wBase + (4u * i4 + 3u) * nb + blk];
            s0 += combine(w0, w1, w2, w3, dz[q0 + i4]);
            if (CHUNK > 1u) { s1 += combine(w0, w1, w2, w3, dz[q1 + i4]); }
            if (CHUNK > 2u) { s2 += combine(w0, w1, w2, w3, dz[q2 + i4]); }
            if (CHUNK > 3u) { s3 += combine(w0, w1, w2, w3, dz[q3 + i4]); }
            if (CHUNK > 4u) { s4 += combine(w0, w1, w2, w3, dz[q4 + i4]); }
            if (CHUNK > 5u) { s5 += combine(w0, w1, w2, w3, dz[q5 + i4]); }
            if (CHUNK > 6u) { s6 += combine(w0, w1, w2, w3, dz[q6 + i4]); }
            if (CHUNK > 7u) { s7 += combine(w0, w1, w2, w3, dz[q7 + i4]); }
            if (CHUNK > 8u) { s8 += combine(w0, w1, w2, w3, dz[q8 + i4]); }
            if (CHUNK > 9u) { s9 += combine(w0, w1, w2, w3, dz[q9 + i4]); }
            if (CHUNK > 10u) { s10 += combine(w0, w1, w2, w3, dz[q10 + i4]); }
            if (CHUNK > 11u) { s11 += combine(w0, w1, w2, w3, dz[q11 + i4]); }
            if (CHUNK > 12u) { s12 += combine(w0, w1, w2, w3, dz[q12 + i4]); }
            if (CHUNK > 13u) { s13 += combine(w0, w1, w2, w3, dz[q13 + i4]); }
            if (CHUNK > 14u) { s14 += combine(w0, w1, w2, w3, dz[q14 + i4]); }
            if (CHUNK > 15u) { s15 += combine(w0, w1, w2, w3, dz[q15 + i4]); }
          }
        }
        // one copy of the row epilogue (not CHUNK inlined ones): keeps the pipeline quick to compile
        for (var e = 0u; e < CHUNK; e++) {
          var acc = s0;
          if (e == 1u) { acc = s1; } else if (e == 2u) { acc = s2; } else if (e == 3u) { acc = s3; }
          else if (e == 4u) { acc = s4; } else if (e == 5u) { acc = s5; } else if (e == 6u) { acc = s6; }
          else if (e == 7u) { acc = s7; }
          else if (e == 8u) { acc = s8; }
          else if (e == 9u) { acc = s9; }
          else if (e == 10u) { acc = s10; }
          else if (e == 11u) { acc = s11; }
          else if (e == 12u) { acc = s12; }
          else if (e == 13u) { acc = s13; }
          else if (e == 14u) { acc = s14; }
          else if (e == 15u) { acc = s15; }
          finishRow(r, t, b0 + cb + e, rowEnd, j0, cnt, u, acc, fromCarry, clip, pi, pf, po, &sums);
        }
      }
      flowFlush(&sums);
      if (params.channel == 0u && t > params.T0) {
        // peephole partials of this slice: overwritten at t = L, accumulated afterwards
        let o = (r * params.S + wid.x) * 3u * n + j0;
        for (var e = 0u; e < cnt; e++) {
          if (t == params.top) {
            aux[o + e] = sums.dpi[e];
            aux[o + n + e] = sums.dpf[e];
            aux[o + 2u * n + e] = sums.dpo[e];
          } else {
            aux[o + e] += sums.dpi[e];
            aux[o + n + e] += sums.dpf[e];
            aux[o + 2u * n + e] += sums.dpo[e];
          }
        }
      }
    }
    storageBarrier();
  }
}
