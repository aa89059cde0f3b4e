// rnnBackwardVec4: rnnBackward.wgsl (same Params, bindings, blocking and results) for n a multiple of 4,
// with W, da, a, dhOut and dh read and written as vec4s. A workgroup owns ROWS batch rows of one run and every
// unit; an invocation owns UNITS blocks of 4 units (blocks UNITS*q .. UNITS*q + UNITS-1 for q = lid, lid+WG, ...;
// one load of da serves all UNITS blocks, src/gpu/ops/rnnBackward.ts backwardVec4Constants) for chunks of CHUNK
// rows (up to 16, where the scalar kernel has 8: fewer passes over W per step; the row epilogue is a loop over
// the chunk, not CHUNK inlined copies, as in lstmBackward.wgsl, which keeps the pipeline quick to compile); the product
// W^T da_{t+1} walks the inputs i four at a time: per 4 inputs, 4 vec4 loads of W (rows i..i+3, columns
// 4 blk..4 blk+3, contiguous in row-major W) and one vec4 load of da per row, where the scalar kernel makes
// 16 and 4 scalar loads (on SwiftShader a storage load is a per-lane gather with a bounds check: the loads set
// the pace, as in rnnForwardVec4.wgsl).
//   dh_t = inject_t + W^T da_{t+1} ;  da_t = clip(g * f'(g a_t)^T dh_t, -c, c) ;  dh_0 = W^T da_1
// Everything else is rnnBackward.wgsl's, unchanged: the two channels (0 training delta, 1 gradient flow of
// Loss_last aligned on each row's last scored step t_b: row b's sum of dh_t^2 at k = t + L - t_b, register
// runs of consecutive rows with the same k, steps t > t_b and t = T0 > 0 skipped, partials zeroed by their
// owner at tHigh = top), the activation window (T0, slots), the carry (aux at t = T0, carryIn at t = tHigh),
// unscored and top. What differs on SwiftShader, where both sides of a branch on a runtime value run (masked)
// for every row and unit block and each such branch in the row epilogue cost ~10% of the kernel: the channel
// is the CHANNEL constant (one pipeline each), the carried top step (carryIn) is a pass of its own before the
// step loop (no product), and steps t > T0 and t = T0 have one epilogue loop each, whose bounds (not an `if`)
// hold the step's case, so no per-row code branches on it. See rnnBackward.wgsl for the bindings; here W [R][n][n/4], a, dhOut, dh [R][slots][B][n/4]
// and da [R][daSlots][B][n/4] are in vec4s (every offset is a multiple of 4 floats because n is); aux stays
// f32 (the flow partials have stride L+1). The sums run in another order than rnnBackward.wgsl's (4 inputs a
// step), so the two agree to f32 rounding, not bit for bit; for every UNITS each output's sum runs in the same
// order. Blocks past n/4 read a clamped block and store nothing. The register blocks (UNITS x CHUNK
// accumulators, up to 4 x 16) are written out, each behind its constant guard (WGSL has no macros); the text
// was generated once by a script: edit it consistently.

//! include rnnBackwardVec4Common

// Invocations per workgroup (software: 32; hardware: up to 256).
override WG: u32 = 32;
// Batch rows per workgroup, computed in register chunks of CHUNK rows (1..16; the override guards remove the
// unused registers; rnnBackward.ts backwardChunk: 25 rows as 13 + 12).
override ROWS: u32 = 25;
override CHUNK: u32 = 16;
// unit blocks per invocation (1..4)
override UNITS: u32 = 1;

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_id) lid3: vec3u, @builtin(workgroup_id) wid: vec3u) {
  if (CHANNEL == 1u && params.trackFlow == 0u) { return; }
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
  if (CHANNEL == 1u && params.tHigh == params.top) {
    for (var k = 0u; k <= L; k++) { aux[flowBase + k] = 0.0; }
  }

  let quads = (nb + UNITS - 1u) / UNITS;
  // The training delta's top step of a segment before the last: W^T da_{t+1} is the later segment's carry (in
  // `aux`), no product; the loop below then starts one step lower.
  var tTop = params.tHigh;
  if (CHANNEL == 0u && params.carryIn == 1u) {
    for (var q = lid; q < quads; q += WG) {
      for (var u = 0u; u < UNITS; u++) {
        let blk = min(q * UNITS + u, nb - 1u);
        let rowEndU = select(b0, rowEnd, q * UNITS + u < nb);
        for (var b = b0; b < rowEnd; b++) { _ = finishUnits(r, tTop, b, rowEndU, blk, carryOf(r, b, blk), kind, g, alpha, clip); }
      }
    }
    storageBarrier();
    tTop -= 1u;
  }
  for (var s = 0u; s <= tTop - params.tLow; s++) {
    let t = tTop - s;
    // da_{t+1} sits at step index t.
    let nextBase = (r * params.daSlots + t % params.daSlots) * B * nb;
    // channel 1: the register sum of consecutive rows with the same aligned index runK (L + 1: none yet)
    var run = FlowRun(L + 1u, 0.0);
    for (var q = lid; q < quads; q += WG) {
      let blk0 = min(q * UNITS + 0u, nb - 1u);
      let rowEnd0 = select(b0, rowEnd, q * UNITS + 0u < nb && UNITS > 0u);
      let blk1 = min(q * UNITS + 1u, nb - 1u);
      let rowEnd1 = select(b0, rowEnd, q * UNITS + 1u < nb && UNITS > 1u);
      let blk2 = min(q * UNITS + 2u, nb - 1u);
      let rowEnd2 = select(b0, rowEnd, q * UNITS + 2u < nb && UNITS > 2u);
      let blk3 = min(q * UNITS + 3u, nb - 1u);
      let rowEnd3 = select(b0, rowEnd, q * UNITS + 3u < nb && UNITS > 3u);
      for (var cb = 0u; cb < ROWS; cb += CHUNK) {
        var s0_0 = vec4f(0.0); var s0_1 = vec4f(0.0); var s0_2 = vec4f(0.0); var s0_3 = vec4f(0.0); var s0_4 = vec4f(0.0); var s0_5 = vec4f(0.0); var s0_6 = vec4f(0.0); var s0_7 = vec4f(0.0); var s0_8 = vec4f(0.0); var s0_9 = vec4f(0.0); var s0_10 = vec4f(0.0); var s0_11 = vec4f(0.0); var s0_12 = vec4f(0.0); var s0_13 = vec4f(0.0); var s0_14 = vec4f(0.0); var s0_15 = vec4f(0.0);
        var s1_0 = vec4f(0.0); var s1_1 = vec4f(0.0); var s1_2 = vec4f(0.0); var s1_3 = vec4f(0.0); var s1_4 = vec4f(0.0); var s1_5 = vec4f(0.0); var s1_6 = vec4f(0.0); var s1_7 = vec4f(0.0); var s1_8 = vec4f(0.0); var s1_9 = vec4f(0.0); var s1_10 = vec4f(0.0); var s1_11 = vec4f(0.0); var s1_12 = vec4f(0.0); var s1_13 = vec4f(0.0); var s1_14 = vec4f(0.0); var s1_15 = vec4f(0.0);
        var s2_0 = vec4f(0.0); var s2_1 = vec4f(0.0); var s2_2 = vec4f(0.0); var s2_3 = vec4f(0.0); var s2_4 = vec4f(0.0); var s2_5 = vec4f(0.0); var s2_6 = vec4f(0.0); var s2_7 = vec4f(0.0); var s2_8 = vec4f(0.0); var s2_9 = vec4f(0.0); var s2_10 = vec4f(0.0); var s2_11 = vec4f(0.0); var s2_12 = vec4f(0.0); var s2_13 = vec4f(0.0); var s2_14 = vec4f(0.0); var s2_15 = vec4f(0.0);
        var s3_0 = vec4f(0.0); var s3_1 = vec4f(0.0); var s3_2 = vec4f(0.0); var s3_3 = vec4f(0.0); var s3_4 = vec4f(0.0); var s3_5 = vec4f(0.0); var s3_6 = vec4f(0.0); var s3_7 = vec4f(0.0); var s3_8 = vec4f(0.0); var s3_9 = vec4f(0.0); var s3_10 = vec4f(0.0); var s3_11 = vec4f(0.0); var s3_12 = vec4f(0.0); var s3_13 = vec4f(0.0); var s3_14 = vec4f(0.0); var s3_15 = vec4f(0.0);
        if (t < params.top) {
          // rows past the slice or past B read a clamped row and are not stored
          let q0 = nextBase + min(b0 + cb + 0u, B - 1u) * nb;
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
            // columns 4 blk .. 4 blk + 3 of rows 4 i4 .. 4 i4 + 3 of W, for each of the invocation's blocks
            let wr = wBase + 4u * i4 * nb;
            let w00 = W[wr + blk0]; let w01 = W[wr + nb + blk0]; let w02 = W[wr + 2u * nb + blk0]; let w03 = W[wr + 3u * nb + blk0];
            let c1 = select(blk0, blk1, UNITS > 1u);
            let w10 = W[wr + c1]; let w11 = W[wr + nb + c1]; let w12 = W[wr + 2u * nb + c1]; let w13 = W[wr + 3u * nb + c1];
            let c2 = select(blk0, blk2, UNITS > 2u);
            let w20 = W[wr + c2]; let w21 = W[wr + nb + c2]; let w22 = W[wr + 2u * nb + c2]; let w23 = W[wr + 3u * nb + c2];
            let c3 = select(blk0, blk3, UNITS > 3u);
            let w30 = W[wr + c3]; let w31 = W[wr + nb + c3]; let w32 = W[wr + 2u * nb + c3]; let w33 = W[wr + 3u * nb + c3];
            { let x = da[q0 + i4]; s0_0 += combine(w00, w01, w02, w03, x); if (UNITS > 1u) { s1_0 += combine(w10, w11, w12, w13, x); } if (UNITS > 2u) { s2_0 += combine(w20, w21, w22, w23, x); } if (UNITS > 3u) { s3_0 += combine(w30, w31, w32, w33, x); } }
            if (CHUNK > 1u) { let x = da[q1 + i4]; s0_1 += combine(w00, w01, w02, w03, x); if (UNITS > 1u) { s1_1 += combine(w10, w11, w12, w13, x); } if (UNITS > 2u) { s2_1 += combine(w20, w21, w22, w23, x); } if (UNITS > 3u) { s3_1 += combine(w30, w31, w32, w33, x); } }
            if (CHUNK > 2u) { let x = da[q2 + i4]; s0_2 += combine(w00, w01, w02, w03, x); if (UNITS > 1u) { s1_2 += combine(w10, w11, w12, w13, x); } if (UNITS > 2u) { s2_2 += combine(w20, w21, w22, w23, x); } if (UNITS > 3u) { s3_2 += combine(w30, w31, w32, w33, x); } }
            if (CHUNK > 3u) { let x = da[q3 + i4]; s0_3 += combine(w00, w01, w02, w03, x); if (UNITS > 1u) { s1_3 += combine(w10, w11, w12, w13, x); } if (UNITS > 2u) { s2_3 += combine(w20, w21, w22, w23, x); } if (UNITS > 3u) { s3_3 += combine(w30, w31, w32, w33, x); } }
            if (CHUNK > 4u) { let x = da[q4 + i4]; s0_4 += combine(w00, w01, w02, w03, x); if (UNITS > 1u) { s1_4 += combine(w10, w11, w12, w13, x); } if (UNITS > 2u) { s2_4 += combine(w20, w21, w22, w23, x); } if (UNITS > 3u) { s3_4 += combine(w30, w31, w32, w33, x); } }
            if (CHUNK > 5u) { let x = da[q5 + i4]; s0_5 += combine(w00, w01, w02, w03, x); if (UNITS > 1u) { s1_5 += combine(w10, w11, w12, w13, x); } if (UNITS > 2u) { s2_5 += combine(w20, w21, w22, w23, x); } if (UNITS > 3u) { s3_5 += combine(w30, w31, w32, w33, x); } }
            if (CHUNK > 6u) { let x = da[q6 + i4]; s0_6 += combine(w00, w01, w02, w03, x); if (UNITS > 1u) { s1_6 += combine(w10, w11, w12, w13, x); } if (UNITS > 2u) { s2_6 += combine(w20, w21, w22, w23, x); } if (UNITS > 3u) { s3_6 += combine(w30, w31, w32, w33, x); } }
            if (CHUNK > 7u) { let x = da[q7 + i4]; s0_7 += combine(w00, w01, w02, w03, x); if (UNITS > 1u) { s1_7 += combine(w10, w11, w12, w13, x); } if (UNITS > 2u) { s2_7 += combine(w20, w21, w22, w23, x); } if (UNITS > 3u) { s3_7 += combine(w30, w31, w32, w33, x); } }
            if (CHUNK > 8u) { let x = da[q8 + i4]; s0_8 += combine(w00, w01, w02, w03, x); if (UNITS > 1u) { s1_8 += combine(w10, w11, w12, w13, x); } if (UNITS > 2u) { s2_8 += combine(w20, w21, w22, w23, x); } if (UNITS > 3u) { s3_8 += combine(w30, w31, w32, w33, x); } }
            if (CHUNK > 9u) { let x = da[q9 + i4]; s0_9 += combine(w00, w01, w02, w03, x); if (UNITS > 1u) { s1_9 += combine(w10, w11, w12, w13, x); } if (UNITS > 2u) { s2_9 += combine(w20, w21, w22, w23, x); } if (UNITS > 3u) { s3_9 += combine(w30, w31, w32, w33, x); } }
            if (CHUNK > 10u) { let x = da[q10 + i4]; s0_10 += combine(w00, w01, w02, w03, x); if (UNITS > 1u) { s1_10 += combine(w10, w11, w12, w13, x); } if (UNITS > 2u) { s2_10 += combine(w20, w21, w22, w23, x); } if (UNITS > 3u) { s3_10 += combine(w30, w31, w32, w33, x); } }
            if (CHUNK > 11u) { let x = da[q11 + i4]; s0_11 += combine(w00, w01, w02, w03, x); if (UNITS > 1u) { s1_11 += combine(w10, w11, w12, w13, x); } if (UNITS > 2u) { s2_11 += combine(w20, w21, w22, w23, x); } if (UNITS > 3u) { s3_11 += combine(w30, w31, w32, w33, x); } }
            if (CHUNK > 12u) { let x = da[q12 + i4]; s0_12 += combine(w00, w01, w02, w03, x); if (UNITS > 1u) { s1_12 += combine(w10, w11, w12, w13, x); } if (UNITS > 2u) { s2_12 += combine(w20, w21, w22, w23, x); } if (UNITS > 3u) { s3_12 += combine(w30, w31, w32, w33, x); } }
            if (CHUNK > 13u) { let x = da[q13 + i4]; s0_13 += combine(w00, w01, w02, w03, x); if (UNITS > 1u) { s1_13 += combine(w10, w11, w12, w13, x); } if (UNITS > 2u) { s2_13 += combine(w20, w21, w22, w23, x); } if (UNITS > 3u) { s3_13 += combine(w30, w31, w32, w33, x); } }
            if (CHUNK > 14u) { let x = da[q14 + i4]; s0_14 += combine(w00, w01, w02, w03, x); if (UNITS > 1u) { s1_14 += combine(w10, w11, w12, w13, x); } if (UNITS > 2u) { s2_14 += combine(w20, w21, w22, w23, x); } if (UNITS > 3u) { s3_14 += combine(w30, w31, w32, w33, x); } }
            if (CHUNK > 15u) { let x = da[q15 + i4]; s0_15 += combine(w00, w01, w02, w03, x); if (UNITS > 1u) { s1_15 += combine(w10, w11, w12, w13, x); } if (UNITS > 2u) { s2_15 += combine(w20, w21, w22, w23, x); } if (UNITS > 3u) { s3_15 += combine(w30, w31, w32, w33, x); } }
          }
        }
        // The row epilogue: one copy per case of the step, not CHUNK inlined ones (keeps the pipeline quick to
        // compile, as lstmBackward.wgsl), each a loop that runs only in its case (the cases are the same for
        // every invocation; the per-row work has no branch on them). Steps t > T0 that compute W^T da_{t+1}:
        let regular = t > params.T0;
        for (var e = 0u; e < CHUNK && regular; e++) {
          var acc0 = s0_0;
          var acc1 = s1_0;
          var acc2 = s2_0;
          var acc3 = s3_0;
          if (e == 1u) { acc0 = s0_1; acc1 = s1_1; acc2 = s2_1; acc3 = s3_1; }
          else if (e == 2u) { acc0 = s0_2; acc1 = s1_2; acc2 = s2_2; acc3 = s3_2; }
          else if (e == 3u) { acc0 = s0_3; acc1 = s1_3; acc2 = s2_3; acc3 = s3_3; }
          else if (e == 4u) { acc0 = s0_4; acc1 = s1_4; acc2 = s2_4; acc3 = s3_4; }
          else if (e == 5u) { acc0 = s0_5; acc1 = s1_5; acc2 = s2_5; acc3 = s3_5; }
          else if (e == 6u) { acc0 = s0_6; acc1 = s1_6; acc2 = s2_6; acc3 = s3_6; }
          else if (e == 7u) { acc0 = s0_7; acc1 = s1_7; acc2 = s2_7; acc3 = s3_7; }
          else if (e == 8u) { acc0 = s0_8; acc1 = s1_8; acc2 = s2_8; acc3 = s3_8; }
          else if (e == 9u) { acc0 = s0_9; acc1 = s1_9; acc2 = s2_9; acc3 = s3_9; }
          else if (e == 10u) { acc0 = s0_10; acc1 = s1_10; acc2 = s2_10; acc3 = s3_10; }
          else if (e == 11u) { acc0 = s0_11; acc1 = s1_11; acc2 = s2_11; acc3 = s3_11; }
          else if (e == 12u) { acc0 = s0_12; acc1 = s1_12; acc2 = s2_12; acc3 = s3_12; }
          else if (e == 13u) { acc0 = s0_13; acc1 = s1_13; acc2 = s2_13; acc3 = s3_13; }
          else if (e == 14u) { acc0 = s0_14; acc1 = s1_14; acc2 = s2_14; acc3 = s3_14; }
          else if (e == 15u) { acc0 = s0_15; acc1 = s1_15; acc2 = s2_15; acc3 = s3_15; }
          let b = b0 + cb + e;
          flowAdd(&run, flowBase, t, b, rowEnd, finishUnits(r, t, b, rowEnd0, blk0, acc0, kind, g, alpha, clip));
          if (UNITS > 1u) { flowAdd(&run, flowBase, t, b, rowEnd, finishUnits(r, t, b, rowEnd1, blk1, acc1, kind, g, alpha, clip)); }
          if (UNITS > 2u) { flowAdd(&run, flowBase, t, b, rowEnd, finishUnits(r, t, b, rowEnd2, blk2, acc2, kind, g, alpha, clip)); }
          if (UNITS > 3u) { flowAdd(&run, flowBase, t, b, rowEnd, finishUnits(r, t, b, rowEnd3, blk3, acc3, kind, g, alpha, clip)); }
        }
        // step t = T0: dh0, or the carry into the earlier segment
        for (var e = 0u; e < CHUNK && t == params.T0; e++) {
          var acc0 = s0_0;
          var acc1 = s1_0;
          var acc2 = s2_0;
          var acc3 = s3_0;
          if (e == 1u) { acc0 = s0_1; acc1 = s1_1; acc2 = s2_1; acc3 = s3_1; }
          else if (e == 2u) { acc0 = s0_2; acc1 = s1_2; acc2 = s2_2; acc3 = s3_2; }
          else if (e == 3u) { acc0 = s0_3; acc1 = s1_3; acc2 = s2_3; acc3 = s3_3; }
          else if (e == 4u) { acc0 = s0_4; acc1 = s1_4; acc2 = s2_4; acc3 = s3_4; }
          else if (e == 5u) { acc0 = s0_5; acc1 = s1_5; acc2 = s2_5; acc3 = s3_5; }
          else if (e == 6u) { acc0 = s0_6; acc1 = s1_6; acc2 = s2_6; acc3 = s3_6; }
          else if (e == 7u) { acc0 = s0_7; acc1 = s1_7; acc2 = s2_7; acc3 = s3_7; }
          else if (e == 8u) { acc0 = s0_8; acc1 = s1_8; acc2 = s2_8; acc3 = s3_8; }
          else if (e == 9u) { acc0 = s0_9; acc1 = s1_9; acc2 = s2_9; acc3 = s3_9; }
          else if (e == 10u) { acc0 = s0_10; acc1 = s1_10; acc2 = s2_10; acc3 = s3_10; }
          else if (e == 11u) { acc0 = s0_11; acc1 = s1_11; acc2 = s2_11; acc3 = s3_11; }
          else if (e == 12u) { acc0 = s0_12; acc1 = s1_12; acc2 = s2_12; acc3 = s3_12; }
          else if (e == 13u) { acc0 = s0_13; acc1 = s1_13; acc2 = s2_13; acc3 = s3_13; }
          else if (e == 14u) { acc0 = s0_14; acc1 = s1_14; acc2 = s2_14; acc3 = s3_14; }
          else if (e == 15u) { acc0 = s0_15; acc1 = s1_15; acc2 = s2_15; acc3 = s3_15; }
          let b = b0 + cb + e;
          flowAdd(&run, flowBase, t, b, rowEnd, finishCarry(r, b, rowEnd0, blk0, acc0));
          if (UNITS > 1u) { flowAdd(&run, flowBase, t, b, rowEnd, finishCarry(r, b, rowEnd1, blk1, acc1)); }
          if (UNITS > 2u) { flowAdd(&run, flowBase, t, b, rowEnd, finishCarry(r, b, rowEnd2, blk2, acc2)); }
          if (UNITS > 3u) { flowAdd(&run, flowBase, t, b, rowEnd, finishCarry(r, b, rowEnd3, blk3, acc3)); }
        }
      }
    }
    flowFlush(&run, flowBase);
    storageBarrier();
  }
}
