// rnnBackward: backpropagation through time fused over all steps, for all R runs in ONE dispatch per delta.
// For t = tHigh down to tLow (full storage: L .. 0; t = 0 is dh0):
//   dh_t = inject_t + W^T da_{t+1}   (da_{L+1} = 0)
//   da_t = clip(g * f'(g a_t)^T dh_t, -c, c)   elementwise, c = hyper CLIP (0 = no clip); oplu: identity/swap
//   dh_0 = W^T da_1 per batch row
// The activation buffers (a, dhOut, dh) hold `slots` steps after step T0: step t at slot t - 1 - T0 (full
// storage: T0 = 0, slots = L). A recomputed segment of steps T0+1 .. T0+k is one dispatch per delta with
// tHigh = T0 + k, tLow = T0 (docs/ENGINE.md, "Recomputation"): the training delta writes W^T da_{T0+1} at
// t = T0 into `aux` (dh0 when T0 = 0, else the carry into the earlier segment), and with carryIn = 1 its step
// t = tHigh takes W^T da_{t+1} from `aux` (the later segment's carry) instead of computing it. The flow delta
// needs no carry: its da ring is indexed by the global step.
// Two deltas use this same kernel, one pipeline and dispatch each (the CHANNEL override, = params.channel):
//   channel 0, the training delta: inject_t = dhOut_t for t > unscored (the readout scores steps unscored+1 .. L;
//     dhOut is not read before); writes dh, da, and W^T da_{T0+1} into `aux`.
//   channel 1, gradient flow of Loss_last (only when params.trackFlow = 1, else it returns at once), aligned on
//     each row's last scored step t_b (docs/SCIENCE.md 7.1): row b injects scale_b * dhOut_{t_b} at t = t_b and
//     nothing elsewhere (a row with t_b = 0 scores nothing and injects nothing); its da goes to a 2-slot scratch
//     bound as `da` (daSlots = 2). Each invocation owns its partial row aux[r][p][0..L]: it zeroes it at the
//     start of the pass (the dispatch with tHigh = L) and adds each row's sum of dh_t^2 over its units at the
//     aligned index k = t + L - t_b (steps t > t_b hold 0 and are skipped; step t = T0 > 0 of a segment is left
//     to the earlier segment, whose top step it is). Consecutive rows with the same k are summed in a register
//     first, so with every t_b = L each cell gets exactly the one sum the kernel wrote before alignment. A
//     reduceRows dispatch then sums the partials into flow[r][k] (k = 0..L).
// Blocking as rnnForward.wgsl: a workgroup owns all n units of ROWS batch rows of one run (workgroup_id.x =
// slice, .y = run); an invocation handles blocks of 4 units (4 columns of W) x chunks of CHUNK rows (1..8, the
// forward's choice, rnnForward.ts forwardChunk: 25 rows in 5 chunks of 5) in registers; one storageBarrier
// between steps. n need not be a multiple of 4 (clamped columns, masked stores). rnnBackwardVec4.wgsl is this
// kernel with W, da, a, dhOut and dh as vec4s where n is a multiple of 4 (rnnBackward.ts backwardKernel).
// Bindings (row-major f32):
//   0 params {R, L, B, n, tLow, tHigh, channel, trackFlow, daSlots, P, T0, slots, carryIn, unscored, top}
//     top: the steps this pass computes (a text batch's length L' <= L, docs/ENGINE.md "Shorter batches"); the
//     pass starts at t = top wherever this header says t = L (da_{top+1} = 0, partials zeroed at tHigh = top);
//     L stays the layout: the flow's stride L+1 and its aligned index k = t + L - t_b
//   1 hyper  [R][16]  NONLIN, GAIN, CLIP
//   2 W      [R][n][n]
//   3 a      [R][slots][B][n]  pre-activations from the forward
//   4 slope  [R]
//   5 dhOut  [R][slots][B][n]  dLoss/dh_t from the readout (read at steps > unscored only)
//   6 dh     [R][slots][B][n]  written (channel 0): total dLoss/dh_t
//   7 da     [R][daSlots][B][n]  written and read back: channel 0 the trainer's da (daSlots = slots, slot
//            (t-1) % slots, = t - 1 - T0 as segments start at multiples of slots), channel 1 a scratch
//            (daSlots = 2, slot (t-1) % 2)
//   8 aux    channel 0: dh0 / carry [R][B][n] (written at t = T0, read at t = tHigh when carryIn = 1);
//            channel 1: partials [R][P][L+1] at 0, P = workgroups.x * WG, partial of invocation p = sum over its
//            units and rows of dh_t^2 at the aligned index; then the row table [B][2] at element R*P*(L+1):
//            t_b (an integer as f32, 0 = scores nothing) and scale_b (read only; written by the host per batch)
// Channel 0 overwrites every output. Channel 1's partials are zeroed by their owner at the pass's first
// dispatch and accumulated by it over the dispatches (segments) of that one backward pass only.

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

// Invocations per workgroup (software: 32; hardware: up to 256).
override WG: u32 = 32;
// Batch rows per workgroup, computed in register chunks of CHUNK rows (1..8; the override guards remove the
// unused registers).
override ROWS: u32 = 25;
override CHUNK: u32 = 8;
// The delta of this pipeline, = params.channel (0 training, 1 gradient flow; rnnBackward.ts builds one pipeline
// per channel): a constant, so that each channel's pipeline is compiled without the other's epilogue (SwiftShader
// runs both sides of a branch on a runtime value, masked, for every row and unit block).
override CHANNEL: u32 = 0u;

//! include rnnBackActivate

//! include flowRowTable

//! include flowRuns

// Completes dh_t for units j0 .. j0+cnt-1 of row b from acc = (W^T da_{t+1}), or from the carry in `aux` when
// fromCarry, and stores what this channel stores. Returns sum of dh_t^2 over those units (0 for rows outside
// the slice).
fn finishUnits(r: u32, t: u32, b: u32, rowEnd: u32, j0: u32, cnt: u32, acc: vec4f, fromCarry: bool, kind: u32, g: f32, alpha: f32, clip: f32) -> f32 {
  if (b >= rowEnd) { return 0.0; }
  let n = params.n;
  let B = params.B;
  let L = params.L;
  let ch = CHANNEL;
  var d = acc;
  if (fromCarry) {
    for (var c = 0u; c < cnt; c++) { d[c] = aux[(r * B + b) * n + j0 + c]; }
  }
  for (var c = cnt; c < 4u; c++) { d[c] = 0.0; }
  if (t == params.T0) {
    if (ch == 0u) {
      for (var c = 0u; c < cnt; c++) { aux[(r * B + b) * n + j0 + c] = d[c]; }
    }
    return dot(d, d);
  }
  let off = ((r * params.slots + t - 1u - params.T0) * B + b) * n + j0;
  if (ch == 0u) {
    if (t > params.unscored) {
      for (var c = 0u; c < cnt; c++) { d[c] += dhOut[off + c]; }
    }
  } else if (t == rowLast(b)) {
    let scale = aux[rowTable() + 2u * b + 1u];
    for (var c = 0u; c < cnt; c++) { d[c] += scale * dhOut[off + c]; }
  }
  var av = vec4f(0.0);
  for (var c = 0u; c < cnt; c++) { av[c] = a[off + c]; }
  var dv = g * backActivate(g * av, d, kind, alpha);
  if (clip > 0.0) { dv = clamp(dv, vec4f(-clip), vec4f(clip)); }
  let daOff = ((r * params.daSlots + (t - 1u) % params.daSlots) * B + b) * n + j0;
  for (var c = 0u; c < cnt; c++) {
    da[daOff + c] = dv[c];
    if (ch == 0u) { dh[off + c] = d[c]; }
  }
  return dot(d, d);
}

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
  let nBlocks = (n + 3u) / 4u;
  let wBase = r * n * n;
  let p = wid.x * WG + lid;
  let flowBase = (r * params.P + p) * (L + 1u);
  if (CHANNEL == 1u && params.tHigh == params.top) {
    for (var k = 0u; k <= L; k++) { aux[flowBase + k] = 0.0; }
  }

  for (var s = 0u; s <= params.tHigh - params.tLow; s++) {
    let t = params.tHigh - s;
    // da_{t+1} sits at step index t.
    let nextBase = (r * params.daSlots + t % params.daSlots) * B * n;
    // the training delta's top step of a segment takes W^T da_{t+1} from the later segment's carry
    let fromCarry = CHANNEL == 0u && params.carryIn == 1u && t == params.tHigh;
    // channel 1: the register sum of consecutive rows with the same aligned index runK (L + 1: none yet)
    var run = FlowRun(L + 1u, 0.0);
    for (var blk = lid; blk < nBlocks; blk += WG) {
      let j0 = blk * 4u;
      let cnt = min(4u, n - j0);
      let c1 = min(j0 + 1u, n - 1u);
      let c2 = min(j0 + 2u, n - 1u);
      let c3 = min(j0 + 3u, n - 1u);
      for (var cb = 0u; cb < ROWS; cb += CHUNK) {
        var s0 = vec4f(0.0);
        var s1 = vec4f(0.0);
        var s2 = vec4f(0.0);
        var s3 = vec4f(0.0);
        var s4 = vec4f(0.0);
        var s5 = vec4f(0.0);
        var s6 = vec4f(0.0);
        var s7 = vec4f(0.0);
        if (t < params.top && !fromCarry) {
          let q0 = nextBase + min(b0 + cb, B - 1u) * n;
          let q1 = nextBase + min(b0 + cb + 1u, B - 1u) * n;
          let q2 = nextBase + min(b0 + cb + 2u, B - 1u) * n;
          let q3 = nextBase + min(b0 + cb + 3u, B - 1u) * n;
          let q4 = nextBase + min(b0 + cb + 4u, B - 1u) * n;
          let q5 = nextBase + min(b0 + cb + 5u, B - 1u) * n;
          let q6 = nextBase + min(b0 + cb + 6u, B - 1u) * n;
          let q7 = nextBase + min(b0 + cb + 7u, B - 1u) * n;
          for (var i = 0u; i < n; i++) {
            let wr = wBase + i * n;
            let w = vec4f(W[wr + j0], W[wr + c1], W[wr + c2], W[wr + c3]);
            s0 += w * da[q0 + i];
            if (CHUNK > 1u) { s1 += w * da[q1 + i]; }
            if (CHUNK > 2u) { s2 += w * da[q2 + i]; }
            if (CHUNK > 3u) { s3 += w * da[q3 + i]; }
            if (CHUNK > 4u) { s4 += w * da[q4 + i]; }
            if (CHUNK > 5u) { s5 += w * da[q5 + i]; }
            if (CHUNK > 6u) { s6 += w * da[q6 + i]; }
            if (CHUNK > 7u) { s7 += w * da[q7 + i]; }
          }
        }
        let b = b0 + cb;
        flowAdd(&run, flowBase, t, b, rowEnd, finishUnits(r, t, b, rowEnd, j0, cnt, s0, fromCarry, kind, g, alpha, clip));
        if (CHUNK > 1u) { flowAdd(&run, flowBase, t, b + 1u, rowEnd, finishUnits(r, t, b + 1u, rowEnd, j0, cnt, s1, fromCarry, kind, g, alpha, clip)); }
        if (CHUNK > 2u) { flowAdd(&run, flowBase, t, b + 2u, rowEnd, finishUnits(r, t, b + 2u, rowEnd, j0, cnt, s2, fromCarry, kind, g, alpha, clip)); }
        if (CHUNK > 3u) { flowAdd(&run, flowBase, t, b + 3u, rowEnd, finishUnits(r, t, b + 3u, rowEnd, j0, cnt, s3, fromCarry, kind, g, alpha, clip)); }
        if (CHUNK > 4u) { flowAdd(&run, flowBase, t, b + 4u, rowEnd, finishUnits(r, t, b + 4u, rowEnd, j0, cnt, s4, fromCarry, kind, g, alpha, clip)); }
        if (CHUNK > 5u) { flowAdd(&run, flowBase, t, b + 5u, rowEnd, finishUnits(r, t, b + 5u, rowEnd, j0, cnt, s5, fromCarry, kind, g, alpha, clip)); }
        if (CHUNK > 6u) { flowAdd(&run, flowBase, t, b + 6u, rowEnd, finishUnits(r, t, b + 6u, rowEnd, j0, cnt, s6, fromCarry, kind, g, alpha, clip)); }
        if (CHUNK > 7u) { flowAdd(&run, flowBase, t, b + 7u, rowEnd, finishUnits(r, t, b + 7u, rowEnd, j0, cnt, s7, fromCarry, kind, g, alpha, clip)); }
      }
    }
    flowFlush(&run, flowBase);
    storageBarrier();
  }
}
