// lstmBackward: backpropagation through time of the LSTM cell (lstmForward.wgsl) fused over a window of steps,
// all R runs in ONE dispatch per delta. For t = tHigh down to tLow (full storage: L .. 0; t = 0 is dh0),
// per batch row, with dz_{L+1} = 0 and dc_next = 0 at t = L (docs/ENGINE.md, "The LSTM cell"):
//   dh_t = inject_t + W^T dz_{t+1};  tc = tanh(c_t);  dao = dh_t tc o(1-o)
//   dc = dc_next + dh_t o (1 - tc^2) + dao p_o
//   dai = dc g i(1-i);  dag = dc i (1-g^2);  daf = dc c_{t-1} f(1-f)
//   dc_prev = dc f + dai p_i + daf p_f     (the dc_next of step t-1)
//   dz_t = clip([dai, daf, dag, dao], -c, c)   elementwise, c = hyper CLIP (0 = no clip); the peephole
//          sums and dc_prev use the unclipped values
//   t = 0: dh0 = W^T dz_1, dc0 = dc_prev of step 1
// The activation buffers (gates, dhOut; c with one more slot) hold `slots` steps after step T0: step t at slot
// t - 1 - T0, c_t at slot t - T0 (full storage: T0 = 0, slots = L). A recomputed segment of steps T0+1 .. T0+k
// is one dispatch per delta with tHigh = T0 + k, tLow = T0 (docs/ENGINE.md, "Recomputation"): the training
// delta writes W^T dz_{T0+1} at t = T0 into dh0 (the true dh0 when T0 = 0, else the carry into the earlier
// segment; dc0 only at t = 0), and with carryIn = 1 its step t = tHigh takes W^T dz_{t+1} from dh0 (the later
// segment's carry) instead of computing it. dc_next is carried in aux (below) and the flow delta's dz ring is
// indexed by the global step, so neither needs more. dhOut is read at steps t > unscored only.
// Two deltas use this kernel, one dispatch each (params.channel):
//   channel 0, the training delta: inject_t = dhOut_t; writes dz (dzSlots = L, slot t-1), dh0, dc0, and the
//     peephole partial sums of its slice (sum over its rows and steps of dai c_{t-1}, daf c_{t-1}, dao c_t).
//   channel 1, gradient flow of Loss_last (only when params.trackFlow = 1, else it returns at once), aligned on
//     each row's last scored step t_b (docs/SCIENCE.md 7.1): row b injects scale_b * dhOut_{t_b} at t = t_b,
//     nothing elsewhere (t_b = 0: the row scores nothing), same clip; its dz goes to a 2-slot scratch bound as
//     `dz` (dzSlots = 2, slot (t-1) % 2). Each invocation owns its partial row aux[r][p][0..L]: zeroed at the
//     pass's first dispatch (tHigh = L), then each row's sum of dh_t^2 over the units of a block (t = 0: its
//     dh0) is added at the aligned index k = t + L - t_b (steps t > t_b hold 0 and are skipped; step t = T0 > 0
//     is left to the earlier segment, whose top step it is). Within a block, consecutive rows with the same k
//     are summed in a register first, so with every t_b = L each cell receives the block sums in the order the
//     kernel added them before alignment. A reduceRows dispatch sums the partials into flow[r][k] (k = 0..L).
// State carried between steps and across windows (the naive path runs one step per dispatch): dz_{t+1} (in dz),
// the cell gradient dc_next (in aux at dcOff, read and written only by the invocation owning the unit) and the
// peephole partials (in aux at 0, read-modify-written only by the owner). Both are reset at t = L: dc_next
// is taken as 0 there and the partials are overwritten (=) at t = L, accumulated (+=) at t < L. So any split of
// L .. 0 into descending windows gives the same result, and a repeated submit starts afresh.
// Blocking as lstmForward.wgsl: a workgroup owns all n units of ROWS batch rows of one run (workgroup_id.x =
// slice, .y = run); an invocation handles blocks of 4 units (4 columns of W, read as a vec4 per row of W) x
// chunks of CHUNK = 16 or 8 rows in named vec4 registers (16 rows read W half as often: ~20% faster on
// SwiftShader; the unused 8 are removed when the pipeline is specialised to CHUNK = 8); the per-row epilogue is
// one loop over the chunk, not CHUNK inlined copies (pipeline compile ~0.4 s instead of ~3 s). One storageBarrier
// between steps. n need not be a multiple of 4 (clamped columns, masked stores).
// Bindings (row-major f32):
//   0 params {R, L, B, n, tLow, tHigh, channel, trackFlow, dzSlots, P, S, dcOff, T0, slots, carryIn, unscored, top}
//     top: the steps this pass computes (a text batch's length L' <= L, docs/ENGINE.md "Shorter batches"); the
//     pass starts at t = top wherever this header says t = L (dz_{top+1} = 0, dc_next = 0, partials reset); L
//     stays the layout: the flow's stride L+1 and its aligned index k = t + L - t_b
//   1 hyper  [R][16]      CLIP
//   2 W      [R][4n][n]
//   3 peep   [R][3][n]    p_i, p_f, p_o
//   4 gates  [R][slots][B][4n]   activations i, f, g, o from the forward
//   5 c      [R][slots+1][B][n]  cell states from the forward (slot 0 = c_{T0})
//   6 dhOut  [R][slots][B][n]    dLoss/dh_t from the readout (read at t > unscored)
//   7 dz     [R][dzSlots][B][4n]  written and read back (see channels; channel 0: dzSlots = slots, slot
//            (t-1) % slots = t - 1 - T0 as segments start at multiples of slots)
//   8 dh0    [R][B][n]  written at t = T0 (channel 0), read at t = tHigh when carryIn = 1
//   9 dc0    [R][B][n]  written at t = 0 (channel 0)
//  10 aux    channel 0: peephole partials [R][S][3][n] at 0 (S = workgroups.x slices), then dc scratch [R][B][n]
//            at element dcOff; channel 1: flow partials [R][P][L+1] at 0 (P = S * WG, invocation p = slice*WG +
//            lid), then its own dc scratch at dcOff, then the row table [B][2] at dcOff + R*B*n: t_b (an integer
//            as f32, 0 = scores nothing) and scale_b (read only; written by the host per batch)
// dz, dh0 and dc0 are overwritten; the peephole and flow partials are accumulated over the steps of one
// backward pass as described above (their owners reset them at its first dispatch).

//! include lstmBackwardParams

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> hyper: array<f32>;
@group(0) @binding(2) var<storage, read> W: array<f32>;
@group(0) @binding(3) var<storage, read> peep: array<f32>;
@group(0) @binding(4) var<storage, read> gates: array<f32>;
@group(0) @binding(5) var<storage, read> c: array<f32>;
@group(0) @binding(6) var<storage, read> dhOut: array<f32>;
@group(0) @binding(7) var<storage, read_write> dz: array<f32>;
@group(0) @binding(8) var<storage, read_write> dh0: array<f32>;
@group(0) @binding(9) var<storage, read_write> dc0: array<f32>;
@group(0) @binding(10) var<storage, read_write> aux: array<f32>;

const H_CLIP = 2u;

// Invocations per workgroup (software: 32; hardware: up to 256).
override WG: u32 = 32;
// Batch rows per workgroup (software: up to 25; hardware: 8).
override ROWS: u32 = 25;
// Rows per register chunk: 8 or 16 (software: 16, fewer loads of W per multiply-add; hardware: 8).
override CHUNK: u32 = 16;

//! include lstmBackwardRows

//! include lstmBackwardFinish

// Stores step t's dz (4 gate blocks of n floats a row) and the carry dc_{t-1} for units j0 .. j0+cnt-1.
fn storeStep(r: u32, t: u32, b: u32, j0: u32, cnt: u32, dcBase: u32, zi: vec4f, zf: vec4f, zg: vec4f, zo: vec4f, dcp: vec4f) {
  let n = params.n;
  let B = params.B;
  let zOff = ((r * params.dzSlots + (t - 1u) % params.dzSlots) * B + b) * 4u * n + j0;
  for (var e = 0u; e < cnt; e++) {
    dz[zOff + e] = zi[e];
    dz[zOff + n + e] = zf[e];
    dz[zOff + 2u * n + e] = zg[e];
    dz[zOff + 3u * n + e] = zo[e];
    aux[dcBase + j0 + e] = dcp[e];
  }
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
  let wBase = r * n4 * n;
  let p = wid.x * WG + lid;
  let flowBase = (r * params.P + p) * (L + 1u);
  if (params.channel == 1u && params.tHigh == params.top) {
    for (var k = 0u; k <= L; k++) { aux[flowBase + k] = 0.0; }
  }

  for (var s = 0u; s <= params.tHigh - params.tLow; s++) {
    let t = params.tHigh - s;
    // dz_{t+1} sits at step index t.
    let nextBase = (r * params.dzSlots + t % params.dzSlots) * B * n4;
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
          let q0 = nextBase + min(b0 + cb, B - 1u) * n4;
          let q1 = nextBase + min(b0 + cb + 1u, B - 1u) * n4;
          let q2 = nextBase + min(b0 + cb + 2u, B - 1u) * n4;
          let q3 = nextBase + min(b0 + cb + 3u, B - 1u) * n4;
          let q4 = nextBase + min(b0 + cb + 4u, B - 1u) * n4;
          let q5 = nextBase + min(b0 + cb + 5u, B - 1u) * n4;
          let q6 = nextBase + min(b0 + cb + 6u, B - 1u) * n4;
          let q7 = nextBase + min(b0 + cb + 7u, B - 1u) * n4;
          let q8 = nextBase + min(b0 + cb + 8u, B - 1u) * n4;
          let q9 = nextBase + min(b0 + cb + 9u, B - 1u) * n4;
          let q10 = nextBase + min(b0 + cb + 10u, B - 1u) * n4;
          let q11 = nextBase + min(b0 + cb + 11u, B - 1u) * n4;
          let q12 = nextBase + min(b0 + cb + 12u, B - 1u) * n4;
          let q13 = nextBase + min(b0 + cb + 13u, B - 1u) * n4;
          let q14 = nextBase + min(b0 + cb + 14u, B - 1u) * n4;
          let q15 = nextBase + min(b0 + cb + 15u, B - 1u) * n4;
          for (var i = 0u; i < n4; i++) {
            let wr = wBase + i * n;
            let w = vec4f(W[wr + u.x], W[wr + u.y], W[wr + u.z], W[wr + u.w]);
            s0 += w * dz[q0 + i];
            s1 += w * dz[q1 + i];
            s2 += w * dz[q2 + i];
            s3 += w * dz[q3 + i];
            s4 += w * dz[q4 + i];
            s5 += w * dz[q5 + i];
            s6 += w * dz[q6 + i];
            s7 += w * dz[q7 + i];
            if (CHUNK == 16u) {
              s8 += w * dz[q8 + i];
              s9 += w * dz[q9 + i];
              s10 += w * dz[q10 + i];
              s11 += w * dz[q11 + i];
              s12 += w * dz[q12 + i];
              s13 += w * dz[q13 + i];
              s14 += w * dz[q14 + i];
              s15 += w * dz[q15 + i];
            }
          }
        }
        // one copy of the row epilogue (not 8 inlined ones): keeps the pipeline quick to compile
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
