// rnnForwardVec4: rnnForward.wgsl (same Params, bindings, blocking and results) for n a multiple of 4, with
// W, xproj, a and h read and written as vec4s: a workgroup still owns ROWS batch rows of one run and every
// unit; an invocation owns UNITS blocks of 4 units (blocks UNITS*q .. UNITS*q + UNITS-1 for q = lid, lid+WG, ...)
// for chunks of CHUNK rows (1..13), and the product W h_{t-1} walks the inputs j four at a time: per 4 inputs,
// 4 vec4 loads of W per unit block (its rows, inputs j..j+3) and one vec4 load of h per row, which serves all
// UNITS blocks. On SwiftShader a storage load is a per-lane gather with a bounds check, so the loads, not the
// multiply-adds, set the pace: per 4 inputs a chunk of c rows makes 4 * UNITS + c loads for 4 * UNITS * c dot
// products (src/gpu/ops/rnnForward.ts forwardUnits picks UNITS and CHUNK by size). Blocks past n/4 read a
// clamped block and are not stored.
//   a_t = W h_{t-1} + xproj_t + b ;  h_t = f(g * a_t)   for t = tStart+1 .. tEnd (step index k = t-1)
// Indices below are in vec4s (4 floats): W[r][i][j4] at (r n + i) n/4 + j4; xproj, a [R][slots][B][n/4];
// h [R][slots+1][B][n/4]; hyper, bias, h0, slope as in rnnForward.wgsl. Every offset is a multiple of 4 floats
// because n is. The sums run in another order than rnnForward.wgsl's (4 inputs per dot), so the two agree to
// f32 rounding, not bit for bit; for every UNITS and CHUNK each output's sum runs in the same order.
// Step 1 (tStart = 0) reads h_0 from h's slot 0 like every later step reads h_{t-1} (the kernel fills the slot
// from h0 first, then a barrier), where rnnForward.wgsl computes one product of W and h0 for the chunk: a
// separate path in the register loop cost ~6% of the kernel on SwiftShader.
// The register blocks (UNITS x CHUNK accumulators, up to 4 x 13) are written out, each behind its constant
// guard (WGSL has no macros); the row epilogue is one loop over the chunk. The text was generated once by a
// script: edit it consistently.

//! include rnnForwardVec4Common

override WG: u32 = 32;
override ROWS: u32 = 25;
override CHUNK: u32 = 8;
// unit blocks per invocation (1..4): blocks UNITS*q .. UNITS*q + UNITS-1 share each load of h
override UNITS: u32 = 1;

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_id) lid3: vec3u, @builtin(workgroup_id) wid: vec3u) {
  let lid = lid3.x;
  let r = wid.y;
  let n = params.n;
  let nb = n / 4u;
  let B = params.B;
  let S1 = params.slots + 1u;
  let b0 = wid.x * ROWS;
  let kind = u32(hyper[r * 16u + H_NONLIN]);
  let g = hyper[r * 16u + H_GAIN];
  let alpha = slope[r];
  let wBase = r * n * nb;
  let rowEnd = min(B, b0 + ROWS);

  if (params.tStart == 0u) { fillFirstSlot(r, b0, lid); }
  // h_0 complete for every row before step 1 reads it (as every later h_{t-1})
  storageBarrier();

  let quads = (nb + UNITS - 1u) / UNITS;
  for (var k = params.tStart; k < params.tEnd; k++) {
    let hBase = (r * S1 + k - params.T0) * B * nb;
    for (var q = lid; q < quads; q += WG) {
      // unit block 0 of this invocation (rows past B or blocks past n/4: rowEnd0 = b0, nothing stored)
      let blk0 = min(q * UNITS + 0u, nb - 1u);
      let w0r = wBase + blk0 * 4u * nb;
      let bo0 = r * n + blk0 * 4u;
      let bv0 = vec4f(bias[bo0], bias[bo0 + 1u], bias[bo0 + 2u], bias[bo0 + 3u]);
      let rowEnd0 = select(b0, rowEnd, q * UNITS + 0u < nb && UNITS > 0u);
      // unit block 1 of this invocation (rows past B or blocks past n/4: rowEnd1 = b0, nothing stored)
      let blk1 = min(q * UNITS + 1u, nb - 1u);
      let w1r = wBase + blk1 * 4u * nb;
      let bo1 = r * n + blk1 * 4u;
      let bv1 = vec4f(bias[bo1], bias[bo1 + 1u], bias[bo1 + 2u], bias[bo1 + 3u]);
      let rowEnd1 = select(b0, rowEnd, q * UNITS + 1u < nb && UNITS > 1u);
      // unit block 2 of this invocation (rows past B or blocks past n/4: rowEnd2 = b0, nothing stored)
      let blk2 = min(q * UNITS + 2u, nb - 1u);
      let w2r = wBase + blk2 * 4u * nb;
      let bo2 = r * n + blk2 * 4u;
      let bv2 = vec4f(bias[bo2], bias[bo2 + 1u], bias[bo2 + 2u], bias[bo2 + 3u]);
      let rowEnd2 = select(b0, rowEnd, q * UNITS + 2u < nb && UNITS > 2u);
      // unit block 3 of this invocation (rows past B or blocks past n/4: rowEnd3 = b0, nothing stored)
      let blk3 = min(q * UNITS + 3u, nb - 1u);
      let w3r = wBase + blk3 * 4u * nb;
      let bo3 = r * n + blk3 * 4u;
      let bv3 = vec4f(bias[bo3], bias[bo3 + 1u], bias[bo3 + 2u], bias[bo3 + 3u]);
      let rowEnd3 = select(b0, rowEnd, q * UNITS + 3u < nb && UNITS > 3u);
      for (var cb = 0u; cb < ROWS; cb += CHUNK) {
        var s0_0 = vec4f(0.0); var s0_1 = vec4f(0.0); var s0_2 = vec4f(0.0); var s0_3 = vec4f(0.0); var s0_4 = vec4f(0.0); var s0_5 = vec4f(0.0); var s0_6 = vec4f(0.0); var s0_7 = vec4f(0.0); var s0_8 = vec4f(0.0); var s0_9 = vec4f(0.0); var s0_10 = vec4f(0.0); var s0_11 = vec4f(0.0); var s0_12 = vec4f(0.0);
        var s1_0 = vec4f(0.0); var s1_1 = vec4f(0.0); var s1_2 = vec4f(0.0); var s1_3 = vec4f(0.0); var s1_4 = vec4f(0.0); var s1_5 = vec4f(0.0); var s1_6 = vec4f(0.0); var s1_7 = vec4f(0.0); var s1_8 = vec4f(0.0); var s1_9 = vec4f(0.0); var s1_10 = vec4f(0.0); var s1_11 = vec4f(0.0); var s1_12 = vec4f(0.0);
        var s2_0 = vec4f(0.0); var s2_1 = vec4f(0.0); var s2_2 = vec4f(0.0); var s2_3 = vec4f(0.0); var s2_4 = vec4f(0.0); var s2_5 = vec4f(0.0); var s2_6 = vec4f(0.0); var s2_7 = vec4f(0.0); var s2_8 = vec4f(0.0); var s2_9 = vec4f(0.0); var s2_10 = vec4f(0.0); var s2_11 = vec4f(0.0); var s2_12 = vec4f(0.0);
        var s3_0 = vec4f(0.0); var s3_1 = vec4f(0.0); var s3_2 = vec4f(0.0); var s3_3 = vec4f(0.0); var s3_4 = vec4f(0.0); var s3_5 = vec4f(0.0); var s3_6 = vec4f(0.0); var s3_7 = vec4f(0.0); var s3_8 = vec4f(0.0); var s3_9 = vec4f(0.0); var s3_10 = vec4f(0.0); var s3_11 = vec4f(0.0); var s3_12 = vec4f(0.0);
        {
          // rows past the slice or past B read a clamped row and are not stored
          let q0 = hBase + min(b0 + cb + 0u, B - 1u) * nb;
          let q1 = hBase + min(b0 + cb + 1u, B - 1u) * nb;
          let q2 = hBase + min(b0 + cb + 2u, B - 1u) * nb;
          let q3 = hBase + min(b0 + cb + 3u, B - 1u) * nb;
          let q4 = hBase + min(b0 + cb + 4u, B - 1u) * nb;
          let q5 = hBase + min(b0 + cb + 5u, B - 1u) * nb;
          let q6 = hBase + min(b0 + cb + 6u, B - 1u) * nb;
          let q7 = hBase + min(b0 + cb + 7u, B - 1u) * nb;
          let q8 = hBase + min(b0 + cb + 8u, B - 1u) * nb;
          let q9 = hBase + min(b0 + cb + 9u, B - 1u) * nb;
          let q10 = hBase + min(b0 + cb + 10u, B - 1u) * nb;
          let q11 = hBase + min(b0 + cb + 11u, B - 1u) * nb;
          let q12 = hBase + min(b0 + cb + 12u, B - 1u) * nb;
          for (var j4 = 0u; j4 < nb; j4++) {
            let w00 = W[w0r + j4]; let w01 = W[w0r + nb + j4]; let w02 = W[w0r + 2u * nb + j4]; let w03 = W[w0r + 3u * nb + j4];
            let w1o = select(w0r, w1r, UNITS > 1u);
            let w10 = W[w1o + j4]; let w11 = W[w1o + nb + j4]; let w12 = W[w1o + 2u * nb + j4]; let w13 = W[w1o + 3u * nb + j4];
            let w2o = select(w0r, w2r, UNITS > 2u);
            let w20 = W[w2o + j4]; let w21 = W[w2o + nb + j4]; let w22 = W[w2o + 2u * nb + j4]; let w23 = W[w2o + 3u * nb + j4];
            let w3o = select(w0r, w3r, UNITS > 3u);
            let w30 = W[w3o + j4]; let w31 = W[w3o + nb + j4]; let w32 = W[w3o + 2u * nb + j4]; let w33 = W[w3o + 3u * nb + j4];
            { let x = h[q0 + j4]; s0_0 += dots(w00, w01, w02, w03, x); if (UNITS > 1u) { s1_0 += dots(w10, w11, w12, w13, x); } if (UNITS > 2u) { s2_0 += dots(w20, w21, w22, w23, x); } if (UNITS > 3u) { s3_0 += dots(w30, w31, w32, w33, x); } }
            if (CHUNK > 1u) { let x = h[q1 + j4]; s0_1 += dots(w00, w01, w02, w03, x); if (UNITS > 1u) { s1_1 += dots(w10, w11, w12, w13, x); } if (UNITS > 2u) { s2_1 += dots(w20, w21, w22, w23, x); } if (UNITS > 3u) { s3_1 += dots(w30, w31, w32, w33, x); } }
            if (CHUNK > 2u) { let x = h[q2 + j4]; s0_2 += dots(w00, w01, w02, w03, x); if (UNITS > 1u) { s1_2 += dots(w10, w11, w12, w13, x); } if (UNITS > 2u) { s2_2 += dots(w20, w21, w22, w23, x); } if (UNITS > 3u) { s3_2 += dots(w30, w31, w32, w33, x); } }
            if (CHUNK > 3u) { let x = h[q3 + j4]; s0_3 += dots(w00, w01, w02, w03, x); if (UNITS > 1u) { s1_3 += dots(w10, w11, w12, w13, x); } if (UNITS > 2u) { s2_3 += dots(w20, w21, w22, w23, x); } if (UNITS > 3u) { s3_3 += dots(w30, w31, w32, w33, x); } }
            if (CHUNK > 4u) { let x = h[q4 + j4]; s0_4 += dots(w00, w01, w02, w03, x); if (UNITS > 1u) { s1_4 += dots(w10, w11, w12, w13, x); } if (UNITS > 2u) { s2_4 += dots(w20, w21, w22, w23, x); } if (UNITS > 3u) { s3_4 += dots(w30, w31, w32, w33, x); } }
            if (CHUNK > 5u) { let x = h[q5 + j4]; s0_5 += dots(w00, w01, w02, w03, x); if (UNITS > 1u) { s1_5 += dots(w10, w11, w12, w13, x); } if (UNITS > 2u) { s2_5 += dots(w20, w21, w22, w23, x); } if (UNITS > 3u) { s3_5 += dots(w30, w31, w32, w33, x); } }
            if (CHUNK > 6u) { let x = h[q6 + j4]; s0_6 += dots(w00, w01, w02, w03, x); if (UNITS > 1u) { s1_6 += dots(w10, w11, w12, w13, x); } if (UNITS > 2u) { s2_6 += dots(w20, w21, w22, w23, x); } if (UNITS > 3u) { s3_6 += dots(w30, w31, w32, w33, x); } }
            if (CHUNK > 7u) { let x = h[q7 + j4]; s0_7 += dots(w00, w01, w02, w03, x); if (UNITS > 1u) { s1_7 += dots(w10, w11, w12, w13, x); } if (UNITS > 2u) { s2_7 += dots(w20, w21, w22, w23, x); } if (UNITS > 3u) { s3_7 += dots(w30, w31, w32, w33, x); } }
            if (CHUNK > 8u) { let x = h[q8 + j4]; s0_8 += dots(w00, w01, w02, w03, x); if (UNITS > 1u) { s1_8 += dots(w10, w11, w12, w13, x); } if (UNITS > 2u) { s2_8 += dots(w20, w21, w22, w23, x); } if (UNITS > 3u) { s3_8 += dots(w30, w31, w32, w33, x); } }
            if (CHUNK > 9u) { let x = h[q9 + j4]; s0_9 += dots(w00, w01, w02, w03, x); if (UNITS > 1u) { s1_9 += dots(w10, w11, w12, w13, x); } if (UNITS > 2u) { s2_9 += dots(w20, w21, w22, w23, x); } if (UNITS > 3u) { s3_9 += dots(w30, w31, w32, w33, x); } }
            if (CHUNK > 10u) { let x = h[q10 + j4]; s0_10 += dots(w00, w01, w02, w03, x); if (UNITS > 1u) { s1_10 += dots(w10, w11, w12, w13, x); } if (UNITS > 2u) { s2_10 += dots(w20, w21, w22, w23, x); } if (UNITS > 3u) { s3_10 += dots(w30, w31, w32, w33, x); } }
            if (CHUNK > 11u) { let x = h[q11 + j4]; s0_11 += dots(w00, w01, w02, w03, x); if (UNITS > 1u) { s1_11 += dots(w10, w11, w12, w13, x); } if (UNITS > 2u) { s2_11 += dots(w20, w21, w22, w23, x); } if (UNITS > 3u) { s3_11 += dots(w30, w31, w32, w33, x); } }
            if (CHUNK > 12u) { let x = h[q12 + j4]; s0_12 += dots(w00, w01, w02, w03, x); if (UNITS > 1u) { s1_12 += dots(w10, w11, w12, w13, x); } if (UNITS > 2u) { s2_12 += dots(w20, w21, w22, w23, x); } if (UNITS > 3u) { s3_12 += dots(w30, w31, w32, w33, x); } }
          }
        }
        // one copy of the row epilogue per unit block, not CHUNK inlined ones (keeps the pipeline quick to compile,
        // as rnnBackwardVec4.wgsl)
        for (var e = 0u; e < CHUNK; e++) {
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
          let b = b0 + cb + e;
          finishUnits(r, k, b, rowEnd0, blk0, acc0 + bv0, kind, g, alpha);
          if (UNITS > 1u) { finishUnits(r, k, b, rowEnd1, blk1, acc1 + bv1, kind, g, alpha); }
          if (UNITS > 2u) { finishUnits(r, k, b, rowEnd2, blk2, acc2 + bv2, kind, g, alpha); }
          if (UNITS > 3u) { finishUnits(r, k, b, rowEnd3, blk3, acc3 + bv3, kind, g, alpha); }
        }
      }
    }
    storageBarrier();
  }
}
