// lstmForward: the LSTM forward pass (diagonal peepholes, gates i, f, g, o) fused over time steps, all R runs
// in ONE dispatch. For steps k = tStart .. tEnd-1 (t = k+1; the trainer passes 0 .. L):
//   z = W h_{t-1} + xproj_t + b                       (z [4n]: blocks of n rows in the order i, f, g, o)
//   i = sig(z_i + p_i c_{t-1}),  f = sig(z_f + p_f c_{t-1}),  g = tanh(z_g)
//   c_t = f c_{t-1} + i g,       o = sig(z_o + p_o c_t),      h_t = o tanh(c_t)
// sig and tanh see their arguments clamped to [-30, 30] and [-20, 20] (already saturated in f32).
// A workgroup owns ALL n units of a slice of ROWS batch rows of one run (workgroup_id.x = slice,
// workgroup_id.y = run r), so step t only needs h_{t-1} written by the same workgroup: one storageBarrier
// between steps. An invocation computes blocks of 4 units (blk = lid, lid+WG, ...), all 4 gates of them (16
// rows of W read as four vec4 per column), so it updates c and h of its units itself (c_{t-1} is read back only
// by the invocation that wrote it, after step 0). Rows go in register chunks of 4 (16 vec4 accumulators, written
// out by name: SwiftShader does not keep loop-indexed arrays in registers; 4 rows measured faster than 8 on
// SwiftShader); the per-row cell update is one loop over the chunk, not 4 inlined copies, which keeps the
// pipeline quick to compile (~0.3 s instead of ~1 s). n need not be a multiple of 4: the last block reads clamped
// units and stores only units < n. When tStart = 0, slot 0 of c and h is filled from c0 and h0 first; one more
// storageBarrier (every dispatch) and step 0 reads slot 0 like any other slot.
// The hyper table is not bound: the forward has no per-run setting.
// The activation buffers hold `slots` steps after step T0 (full storage: T0 = 0, slots = L; a recomputed
// segment: T0 = its first step - 1, slots = the segment length): step k at slot k - T0 of xproj and gates, c_t
// and h_t at slot t - T0 of c and h. A segment with T0 > 0 reads c_{T0}, h_{T0} from slot 0, which the trainer
// filled from its checkpoints before this dispatch.
// Bindings (row-major f32):
//   0 params  {R, L, B, n, tStart, tEnd, T0, slots}  (T0 <= tStart, tEnd <= T0 + slots)
//   1 W       [R][4n][n]      row k*n+u: gate k's weights of unit u (z_q = sum_j W[q][j] h_j)
//   2 xproj   [R][slots][B][4n]   W_in x_t (the bias is NOT included; it is added here)
//   3 bias    [R][4n]
//   4 peep    [R][3][n]       p_i, p_f, p_o
//   5 h0      [R][n]          shared by the batch
//   6 c0      [R][n]          shared by the batch
//   7 gates   [R][slots][B][4n]   written: i, f, g, o after their nonlinearities (step k at slot k - T0)
//   8 c       [R][slots+1][B][n]  written: slot k+1-T0 = c_t; slot 0 = c0 for every row when tStart = 0
//   9 h       [R][slots+1][B][n]  written: slot k+1-T0 = h_t; slot 0 = h0 for every row when tStart = 0
// Nothing is accumulated: gates, c and h are overwritten.

struct Params {
  R: u32,
  L: u32,
  B: u32,
  n: u32,
  tStart: u32,
  tEnd: u32,
  T0: u32,
  slots: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> W: array<f32>;
@group(0) @binding(2) var<storage, read> xproj: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read> peep: array<f32>;
@group(0) @binding(5) var<storage, read> h0: array<f32>;
@group(0) @binding(6) var<storage, read> c0: array<f32>;
@group(0) @binding(7) var<storage, read_write> gates: array<f32>;
@group(0) @binding(8) var<storage, read_write> c: array<f32>;
@group(0) @binding(9) var<storage, read_write> h: array<f32>;

// Invocations per workgroup (software: 32; hardware: up to 256).
override WG: u32 = 32;
// Batch rows per workgroup, computed in register chunks of 4 (software: up to 25; hardware: 8).
override ROWS: u32 = 25;

fn sigmoid4(x: vec4f) -> vec4f {
  return 1.0 / (1.0 + exp(-clamp(x, vec4f(-30.0), vec4f(30.0))));
}

fn tanh4(x: vec4f) -> vec4f {
  return tanh(clamp(x, vec4f(-20.0), vec4f(20.0)));
}

// Units u0..u0+3 of a vector starting at `base`, clamped to unit n-1 (always in bounds, never stored).
fn xprojAt(base: u32, u: vec4u) -> vec4f { return vec4f(xproj[base + u.x], xproj[base + u.y], xproj[base + u.z], xproj[base + u.w]); }
fn biasAt(base: u32, u: vec4u) -> vec4f { return vec4f(bias[base + u.x], bias[base + u.y], bias[base + u.z], bias[base + u.w]); }
fn peepAt(base: u32, u: vec4u) -> vec4f { return vec4f(peep[base + u.x], peep[base + u.y], peep[base + u.z], peep[base + u.w]); }
fn cAt(base: u32, u: vec4u) -> vec4f { return vec4f(c[base + u.x], c[base + u.y], c[base + u.z], c[base + u.w]); }

// The peephole weights and biases of one block of 4 units.
struct BlockConsts {
  pi: vec4f,
  pf: vec4f,
  po: vec4f,
  bi: vec4f,
  bf: vec4f,
  bg: vec4f,
  bo: vec4f,
}

// Completes step k for units u0 .. u0+cnt-1 of row b from the recurrent sums (W h_{t-1}) of the four gates and
// stores gates, c_t and h_t (rows outside the slice are skipped).
fn cellStep(r: u32, k: u32, b: u32, rowEnd: u32, u0: u32, cnt: u32, u: vec4u, q: BlockConsts,
            si: vec4f, sf: vec4f, sg: vec4f, so: vec4f) {
  if (b >= rowEnd) { return; }
  let n = params.n;
  let B = params.B;
  let S = params.slots;
  let kk = k - params.T0;
  let zOff = ((r * S + kk) * B + b) * 4u * n;
  let cp = cAt(((r * (S + 1u) + kk) * B + b) * n, u);
  let gi = sigmoid4(si + q.bi + xprojAt(zOff, u) + q.pi * cp);
  let gf = sigmoid4(sf + q.bf + xprojAt(zOff + n, u) + q.pf * cp);
  let gg = tanh4(sg + q.bg + xprojAt(zOff + 2u * n, u));
  let cn = gf * cp + gi * gg;
  let go = sigmoid4(so + q.bo + xprojAt(zOff + 3u * n, u) + q.po * cn);
  let hn = go * tanh4(cn);
  let sOff = ((r * (S + 1u) + kk + 1u) * B + b) * n + u0;
  for (var e = 0u; e < cnt; e++) {
    gates[zOff + u0 + e] = gi[e];
    gates[zOff + n + u0 + e] = gf[e];
    gates[zOff + 2u * n + u0 + e] = gg[e];
    gates[zOff + 3u * n + u0 + e] = go[e];
    c[sOff + e] = cn[e];
    h[sOff + e] = hn[e];
  }
}

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_id) lid3: vec3u, @builtin(workgroup_id) wid: vec3u) {
  let lid = lid3.x;
  let r = wid.y;
  let n = params.n;
  let B = params.B;
  let S1 = params.slots + 1u;
  let b0 = wid.x * ROWS;
  let rowEnd = min(B, b0 + ROWS);
  let nBlocks = (n + 3u) / 4u;
  let wBase = r * 4u * n * n;
  let gs = n * n; // distance between the gate blocks of W

  if (params.tStart == 0u) {
    for (var i = lid; i < n; i += WG) {
      let hv = h0[r * n + i];
      let cv = c0[r * n + i];
      for (var b = b0; b < rowEnd; b++) {
        h[(r * S1 * B + b) * n + i] = hv;
        c[(r * S1 * B + b) * n + i] = cv;
      }
    }
  }
  // slot 0 is read back by step 0 like any other slot
  storageBarrier();

  for (var k = params.tStart; k < params.tEnd; k++) {
    let hBase = (r * S1 + k - params.T0) * B * n;
    for (var blk = lid; blk < nBlocks; blk += WG) {
      let u0 = blk * 4u;
      let cnt = min(4u, n - u0);
      let u = vec4u(u0, min(u0 + 1u, n - 1u), min(u0 + 2u, n - 1u), min(u0 + 3u, n - 1u));
      // rows of W for gate i of the 4 units; gate k's rows are k * gs further
      let o0 = wBase + u.x * n;
      let o1 = wBase + u.y * n;
      let o2 = wBase + u.z * n;
      let o3 = wBase + u.w * n;
      let q = BlockConsts(
        peepAt(r * 3u * n, u), peepAt(r * 3u * n + n, u), peepAt(r * 3u * n + 2u * n, u),
        biasAt(r * 4u * n, u), biasAt(r * 4u * n + n, u), biasAt(r * 4u * n + 2u * n, u), biasAt(r * 4u * n + 3u * n, u),
      );
      for (var cb = 0u; cb < ROWS; cb += 4u) {
        // gate sums of rows cb .. cb+3: z{gate}{row}
        var zi0 = vec4f(0.0); var zf0 = vec4f(0.0); var zg0 = vec4f(0.0); var zo0 = vec4f(0.0);
        var zi1 = vec4f(0.0); var zf1 = vec4f(0.0); var zg1 = vec4f(0.0); var zo1 = vec4f(0.0);
        var zi2 = vec4f(0.0); var zf2 = vec4f(0.0); var zg2 = vec4f(0.0); var zo2 = vec4f(0.0);
        var zi3 = vec4f(0.0); var zf3 = vec4f(0.0); var zg3 = vec4f(0.0); var zo3 = vec4f(0.0);
        // rows past the slice or past B read a clamped row and are not stored
        let p0 = hBase + min(b0 + cb, B - 1u) * n;
        let p1 = hBase + min(b0 + cb + 1u, B - 1u) * n;
        let p2 = hBase + min(b0 + cb + 2u, B - 1u) * n;
        let p3 = hBase + min(b0 + cb + 3u, B - 1u) * n;
        for (var j = 0u; j < n; j++) {
          let wi = vec4f(W[o0 + j], W[o1 + j], W[o2 + j], W[o3 + j]);
          let wf = vec4f(W[o0 + gs + j], W[o1 + gs + j], W[o2 + gs + j], W[o3 + gs + j]);
          let wg = vec4f(W[o0 + 2u * gs + j], W[o1 + 2u * gs + j], W[o2 + 2u * gs + j], W[o3 + 2u * gs + j]);
          let wo = vec4f(W[o0 + 3u * gs + j], W[o1 + 3u * gs + j], W[o2 + 3u * gs + j], W[o3 + 3u * gs + j]);
          let h0v = h[p0 + j];
          let h1v = h[p1 + j];
          let h2v = h[p2 + j];
          let h3v = h[p3 + j];
          zi0 += wi * h0v; zf0 += wf * h0v; zg0 += wg * h0v; zo0 += wo * h0v;
          zi1 += wi * h1v; zf1 += wf * h1v; zg1 += wg * h1v; zo1 += wo * h1v;
          zi2 += wi * h2v; zf2 += wf * h2v; zg2 += wg * h2v; zo2 += wo * h2v;
          zi3 += wi * h3v; zf3 += wf * h3v; zg3 += wg * h3v; zo3 += wo * h3v;
        }
        // one copy of the row epilogue (not 4 inlined ones): keeps the pipeline quick to compile
        for (var e = 0u; e < 4u; e++) {
          var zi = zi0; var zf = zf0; var zg = zg0; var zo = zo0;
          if (e == 1u) { zi = zi1; zf = zf1; zg = zg1; zo = zo1; }
          else if (e == 2u) { zi = zi2; zf = zf2; zg = zg2; zo = zo2; }
          else if (e == 3u) { zi = zi3; zf = zf3; zg = zg3; zo = zo3; }
          cellStep(r, k, b0 + cb + e, rowEnd, u0, cnt, u, q, zi, zf, zg, zo);
        }
      }
    }
    storageBarrier();
  }
}
