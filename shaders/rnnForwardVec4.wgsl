// rnnForwardVec4: rnnForward.wgsl (same Params, bindings, blocking and results) for n a multiple of 4, with
// W, xproj, a and h read and written as vec4s: a workgroup still owns ROWS batch rows of one run and every
// unit, an invocation blocks of 4 units (blk = lid, lid+WG, ...) for chunks of CHUNK rows, but the product
// W h_{t-1} walks the inputs j four at a time: per 4 inputs, 4 vec4 loads of W (rows i0..i0+3, inputs j..j+3)
// and one vec4 load of h per row, where the scalar kernel makes 16 and 4 scalar loads. On SwiftShader a
// storage load is a per-lane gather with a bounds check, so the loads, not the multiply-adds, set the pace.
//   a_t = W h_{t-1} + xproj_t + b ;  h_t = f(g * a_t)   for t = tStart+1 .. tEnd (step index k = t-1)
// Indices below are in vec4s (4 floats): W[r][i][j4] at (r n + i) n/4 + j4; xproj, a [R][slots][B][n/4];
// h [R][slots+1][B][n/4]; hyper, bias, h0, slope as in rnnForward.wgsl. Every offset is a multiple of 4 floats
// because n is. The sums run in another order than rnnForward.wgsl's (4 inputs per dot), so the two agree to
// f32 rounding, not bit for bit.

//! include rnnForwardParams

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> hyper: array<f32>;
@group(0) @binding(2) var<storage, read> W: array<vec4f>;
@group(0) @binding(3) var<storage, read> xproj: array<vec4f>;
@group(0) @binding(4) var<storage, read> bias: array<f32>;
@group(0) @binding(5) var<storage, read> h0: array<f32>;
@group(0) @binding(6) var<storage, read> slope: array<f32>;
@group(0) @binding(7) var<storage, read_write> a: array<vec4f>;
@group(0) @binding(8) var<storage, read_write> h: array<vec4f>;

//! include rnnHyper

override WG: u32 = 32;
override ROWS: u32 = 25;
override CHUNK: u32 = 8;

//! include rnnActivate

// Adds xproj, applies the nonlinearity and stores the 4 units of block blk of row b at step k (rows >= rowEnd skipped).
fn finishUnits(r: u32, k: u32, b: u32, rowEnd: u32, blk: u32, pre: vec4f, kind: u32, g: f32, alpha: f32) {
  if (b >= rowEnd) { return; }
  let nb = params.n / 4u;
  let aOff = ((r * params.slots + k - params.T0) * params.B + b) * nb + blk;
  let hOff = ((r * (params.slots + 1u) + k - params.T0 + 1u) * params.B + b) * nb + blk;
  let av = pre + xproj[aOff];
  a[aOff] = av;
  h[hOff] = activate(g * av, kind, alpha);
}

// The 4 units' products with one vec4 of inputs: (w0 . x, w1 . x, w2 . x, w3 . x).
fn dots(w0: vec4f, w1: vec4f, w2: vec4f, w3: vec4f, x: vec4f) -> vec4f {
  return vec4f(dot(w0, x), dot(w1, x), dot(w2, x), dot(w3, x));
}

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

  if (params.tStart == 0u) {
    for (var blk = lid; blk < nb; blk += WG) {
      let o = r * n + 4u * blk;
      let v = vec4f(h0[o], h0[o + 1u], h0[o + 2u], h0[o + 3u]);
      for (var bb = 0u; bb < ROWS; bb++) {
        let b = b0 + bb;
        if (b < B) { h[(r * S1 * B + b) * nb + blk] = v; }
      }
    }
  }

  for (var k = params.tStart; k < params.tEnd; k++) {
    let hBase = (r * S1 + k - params.T0) * B * nb;
    for (var blk = lid; blk < nb; blk += WG) {
      let i0 = blk * 4u;
      let r0 = wBase + i0 * nb;
      let r1 = r0 + nb;
      let r2 = r1 + nb;
      let r3 = r2 + nb;
      let bo = r * n + i0;
      let bv = vec4f(bias[bo], bias[bo + 1u], bias[bo + 2u], bias[bo + 3u]);
      for (var cb = 0u; cb < ROWS; cb += CHUNK) {
        var s0 = vec4f(0.0);
        var s1 = vec4f(0.0);
        var s2 = vec4f(0.0);
        var s3 = vec4f(0.0);
        var s4 = vec4f(0.0);
        var s5 = vec4f(0.0);
        var s6 = vec4f(0.0);
        var s7 = vec4f(0.0);
        if (k == 0u) {
          // h_0 = h0 for every row: one matrix-vector product serves the chunk.
          for (var j4 = 0u; j4 < nb; j4++) {
            let o = r * n + 4u * j4;
            let x = vec4f(h0[o], h0[o + 1u], h0[o + 2u], h0[o + 3u]);
            s0 += dots(W[r0 + j4], W[r1 + j4], W[r2 + j4], W[r3 + j4], x);
          }
          s1 = s0;
          s2 = s0;
          s3 = s0;
          s4 = s0;
          s5 = s0;
          s6 = s0;
          s7 = s0;
        } else {
          // rows past the slice or past B read a clamped row and are not stored
          let q0 = hBase + min(b0 + cb, B - 1u) * nb;
          let q1 = hBase + min(b0 + cb + 1u, B - 1u) * nb;
          let q2 = hBase + min(b0 + cb + 2u, B - 1u) * nb;
          let q3 = hBase + min(b0 + cb + 3u, B - 1u) * nb;
          let q4 = hBase + min(b0 + cb + 4u, B - 1u) * nb;
          let q5 = hBase + min(b0 + cb + 5u, B - 1u) * nb;
          let q6 = hBase + min(b0 + cb + 6u, B - 1u) * nb;
          let q7 = hBase + min(b0 + cb + 7u, B - 1u) * nb;
          for (var j4 = 0u; j4 < nb; j4++) {
            let w0 = W[r0 + j4];
            let w1 = W[r1 + j4];
            let w2 = W[r2 + j4];
            let w3 = W[r3 + j4];
            s0 += dots(w0, w1, w2, w3, h[q0 + j4]);
            if (CHUNK > 1u) { s1 += dots(w0, w1, w2, w3, h[q1 + j4]); }
            if (CHUNK > 2u) { s2 += dots(w0, w1, w2, w3, h[q2 + j4]); }
            if (CHUNK > 3u) { s3 += dots(w0, w1, w2, w3, h[q3 + j4]); }
            if (CHUNK > 4u) { s4 += dots(w0, w1, w2, w3, h[q4 + j4]); }
            if (CHUNK > 5u) { s5 += dots(w0, w1, w2, w3, h[q5 + j4]); }
            if (CHUNK > 6u) { s6 += dots(w0, w1, w2, w3, h[q6 + j4]); }
            if (CHUNK > 7u) { s7 += dots(w0, w1, w2, w3, h[q7 + j4]); }
          }
        }
        finishUnits(r, k, b0 + cb, rowEnd, blk, s0 + bv, kind, g, alpha);
        if (CHUNK > 1u) { finishUnits(r, k, b0 + cb + 1u, rowEnd, blk, s1 + bv, kind, g, alpha); }
        if (CHUNK > 2u) { finishUnits(r, k, b0 + cb + 2u, rowEnd, blk, s2 + bv, kind, g, alpha); }
        if (CHUNK > 3u) { finishUnits(r, k, b0 + cb + 3u, rowEnd, blk, s3 + bv, kind, g, alpha); }
        if (CHUNK > 4u) { finishUnits(r, k, b0 + cb + 4u, rowEnd, blk, s4 + bv, kind, g, alpha); }
        if (CHUNK > 5u) { finishUnits(r, k, b0 + cb + 5u, rowEnd, blk, s5 + bv, kind, g, alpha); }
        if (CHUNK > 6u) { finishUnits(r, k, b0 + cb + 6u, rowEnd, blk, s6 + bv, kind, g, alpha); }
        if (CHUNK > 7u) { finishUnits(r, k, b0 + cb + 7u, rowEnd, blk, s7 + bv, kind, g, alpha); }
      }
    }
    storageBarrier();
  }
}
