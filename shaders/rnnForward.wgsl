// rnnForward: the recurrent forward pass fused over time steps, for all R runs in ONE dispatch.
//   a_t = W h_{t-1} + xproj_t + b ;  h_t = f(g * a_t)   for t = tStart+1 .. tEnd (step index k = t-1)
// The activation buffers hold `slots` steps starting after step T0 (full storage: T0 = 0, slots = L; a
// recomputed segment: T0 = its first step - 1, slots = the segment length k): step k is at slot k - T0 of
// xproj and a, h_{t} at slot t - T0 of h. A segment with T0 > 0 reads h_{T0} from h's slot 0, which the trainer
// filled from its checkpoint before this dispatch.
// The time loop runs inside the kernel. A workgroup owns ALL n units of a slice of ROWS batch rows of one
// run (workgroup_id.x = batch slice, workgroup_id.y = run r), so step t only needs h_{t-1} written by the same
// workgroup: one storageBarrier between steps. Each invocation computes blocks of 4 units (a vec4: 4 rows of W)
// for the slice's rows in chunks of up to 8 rows (CHUNK) held in vec4 registers (SwiftShader does not keep
// loop-indexed arrays in registers, so the chunk is written out), looping over unit blocks blk = lid, lid+WG, ...
// (n up to 1024 with WG <= 256).
// n need not be a multiple of 4: the last block reads clamped rows of W and stores only units < n.
// Bindings (row-major f32):
//   0 params  {R, L, B, n, tStart, tEnd, T0, slots}: runs steps k = tStart .. tEnd-1 (full storage: 0 .. L),
//             T0 <= tStart, tEnd <= T0 + slots
//   1 hyper   [R][16]   per-run table: NONLIN (0 linear 1 tanh 2 relu 3 leaky 4 prelu 5 oplu), GAIN
//   2 W       [R][n][n] a_i = sum_j W[i][j] h_j
//   3 xproj   [R][slots][B][n]  W_in x_t (+ whatever the trainer folded in)
//   4 bias    [R][n]
//   5 h0      [R][n]    shared by the batch
//   6 slope   [R]       leaky / prelu slope for z < 0
//   7 a       [R][slots][B][n]    written (pre-activation before the gain)
//   8 h       [R][slots+1][B][n]  written; slot 0 = h0 for every row when tStart = 0
// Nothing is accumulated: a and h are overwritten. oplu: units (2k, 2k+1) -> (max, min) (n even).

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

// Invocations per workgroup (software: 32; hardware: up to 256).
override WG: u32 = 32;
// Batch rows per workgroup (software: up to 25; hardware: 8), computed in register chunks of CHUNK rows
// (1..8; the unused registers are removed by the override guards). rnnForward.ts picks CHUNK so that the
// chunks cover ROWS with little waste: 25 rows in 5 chunks of 5, not 4 chunks of 8 (32 rows' work for 25).
override ROWS: u32 = 25;
override CHUNK: u32 = 8;

// Adds xproj, applies the nonlinearity and stores units i0 .. i0+cnt-1 of row b at step k (rows >= B skipped).
fn finishUnits(r: u32, k: u32, b: u32, rowEnd: u32, i0: u32, cnt: u32, pre: vec4f, kind: u32, g: f32, alpha: f32) {
  let n = params.n;
  let B = params.B;
  if (b >= rowEnd) { return; }
  let aOff = ((r * params.slots + k - params.T0) * B + b) * n + i0;
  let hOff = ((r * (params.slots + 1u) + k - params.T0 + 1u) * B + b) * n + i0;
  var av = pre;
  for (var c = 0u; c < cnt; c++) { av[c] += xproj[aOff + c]; }
  let hv = activate(g * av, kind, alpha);
  for (var c = 0u; c < cnt; c++) {
    a[aOff + c] = av[c];
    h[hOff + c] = hv[c];
  }
}

//! include rnnActivate

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_id) lid3: vec3u, @builtin(workgroup_id) wid: vec3u) {
  let lid = lid3.x;
  let r = wid.y;
  let n = params.n;
  let B = params.B;
  let S1 = params.slots + 1u;
  let b0 = wid.x * ROWS;
  let kind = u32(hyper[r * 16u + H_NONLIN]);
  let g = hyper[r * 16u + H_GAIN];
  let alpha = slope[r];
  let nBlocks = (n + 3u) / 4u;
  let wBase = r * n * n;
  let rowEnd = min(B, b0 + ROWS);

  if (params.tStart == 0u) {
    for (var i = lid; i < n; i += WG) {
      let v = h0[r * n + i];
      for (var bb = 0u; bb < ROWS; bb++) {
        let b = b0 + bb;
        if (b < B) { h[(r * S1 * B + b) * n + i] = v; }
      }
    }
  }

  for (var k = params.tStart; k < params.tEnd; k++) {
    let hBase = (r * S1 + k - params.T0) * B * n;
    for (var blk = lid; blk < nBlocks; blk += WG) {
      let i0 = blk * 4u;
      let r0 = wBase + i0 * n;
      let r1 = wBase + min(i0 + 1u, n - 1u) * n;
      let r2 = wBase + min(i0 + 2u, n - 1u) * n;
      let r3 = wBase + min(i0 + 3u, n - 1u) * n;
      let cnt = min(4u, n - i0);
      var bv = vec4f(0.0);
      for (var c = 0u; c < cnt; c++) { bv[c] = bias[r * n + i0 + c]; }
      // Rows in chunks of CHUNK; rows past the slice or past B read a clamped row and are not stored.
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
          for (var j = 0u; j < n; j++) {
            s0 += vec4f(W[r0 + j], W[r1 + j], W[r2 + j], W[r3 + j]) * h0[r * n + j];
          }
          s1 = s0;
          s2 = s0;
          s3 = s0;
          s4 = s0;
          s5 = s0;
          s6 = s0;
          s7 = s0;
        } else {
          let q0 = hBase + min(b0 + cb, B - 1u) * n;
          let q1 = hBase + min(b0 + cb + 1u, B - 1u) * n;
          let q2 = hBase + min(b0 + cb + 2u, B - 1u) * n;
          let q3 = hBase + min(b0 + cb + 3u, B - 1u) * n;
          let q4 = hBase + min(b0 + cb + 4u, B - 1u) * n;
          let q5 = hBase + min(b0 + cb + 5u, B - 1u) * n;
          let q6 = hBase + min(b0 + cb + 6u, B - 1u) * n;
          let q7 = hBase + min(b0 + cb + 7u, B - 1u) * n;
          for (var j = 0u; j < n; j++) {
            let w = vec4f(W[r0 + j], W[r1 + j], W[r2 + j], W[r3 + j]);
            s0 += w * h[q0 + j];
            if (CHUNK > 1u) { s1 += w * h[q1 + j]; }
            if (CHUNK > 2u) { s2 += w * h[q2 + j]; }
            if (CHUNK > 3u) { s3 += w * h[q3 + j]; }
            if (CHUNK > 4u) { s4 += w * h[q4 + j]; }
            if (CHUNK > 5u) { s5 += w * h[q5 + j]; }
            if (CHUNK > 6u) { s6 += w * h[q6 + j]; }
            if (CHUNK > 7u) { s7 += w * h[q7 + j]; }
          }
        }
        finishUnits(r, k, b0 + cb, rowEnd, i0, cnt, s0 + bv, kind, g, alpha);
        if (CHUNK > 1u) { finishUnits(r, k, b0 + cb + 1u, rowEnd, i0, cnt, s1 + bv, kind, g, alpha); }
        if (CHUNK > 2u) { finishUnits(r, k, b0 + cb + 2u, rowEnd, i0, cnt, s2 + bv, kind, g, alpha); }
        if (CHUNK > 3u) { finishUnits(r, k, b0 + cb + 3u, rowEnd, i0, cnt, s3 + bv, kind, g, alpha); }
        if (CHUNK > 4u) { finishUnits(r, k, b0 + cb + 4u, rowEnd, i0, cnt, s4 + bv, kind, g, alpha); }
        if (CHUNK > 5u) { finishUnits(r, k, b0 + cb + 5u, rowEnd, i0, cnt, s5 + bv, kind, g, alpha); }
        if (CHUNK > 6u) { finishUnits(r, k, b0 + cb + 6u, rowEnd, i0, cnt, s6 + bv, kind, g, alpha); }
        if (CHUNK > 7u) { finishUnits(r, k, b0 + cb + 7u, rowEnd, i0, cnt, s7 + bv, kind, g, alpha); }
      }
    }
    storageBarrier();
  }
}
