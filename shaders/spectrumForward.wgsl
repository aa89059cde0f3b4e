// spectrumForward: the spectrum s from its trained parameter p under each run's margin (docs/SCIENCE.md section 2.2).
//   Runs with FACTORISED = 1 and MARGIN_MODE = 1: s_i = 2m (sigmoid(p_i) - 1/2) + 1 = 1 + m tanh(p_i / 2),
//   m = hyper MARGIN, so s lies in (1 - m, 1 + m); m = 0 gives s = 1 exactly. tanh(p/2) is evaluated as
//   sign(p) (1 - e) / (1 + e) with e = exp(-|p|), which never overflows.
//   Other runs are left untouched: no-margin runs train s directly, plain runs do not use it; so are runs frozen
//   by the run guard (health STATE != 0).
//   hyper: [R][16] f32 per-run settings (reads FACTORISED, MARGIN, MARGIN_MODE)
//   p:     [R][n] f32
//   s:     [R][n] f32, overwritten for margin runs
//   health: [R][4] u32 run health (src/engine/runHealth.ts; reads STATE)
// One invocation per (unit i, run r): x = i, y = r.

struct Params {
  R: u32,
  n: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> hyper: array<f32>;
@group(0) @binding(2) var<storage, read> p: array<f32>;
@group(0) @binding(3) var<storage, read_write> s: array<f32>;
@group(0) @binding(4) var<storage, read> health: array<u32>;

const H_STRIDE: u32 = 16u;
const H_FACTORISED: u32 = 3u;
const H_MARGIN: u32 = 4u;
const H_MARGIN_MODE: u32 = 5u;
const HEALTH_STRIDE: u32 = 4u;

override WG: u32 = 64;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = gid.x;
  let r = gid.y;
  if (i >= params.n || r >= params.R || health[r * HEALTH_STRIDE] != 0u) { return; }
  let h = r * H_STRIDE;
  if (u32(hyper[h + H_FACTORISED]) != 1u || u32(hyper[h + H_MARGIN_MODE]) != 1u) { return; }
  let m = hyper[h + H_MARGIN];
  let x = p[r * params.n + i];
  let e = exp(-abs(x));
  s[r * params.n + i] = 1.0 + m * sign(x) * ((1.0 - e) / (1.0 + e));
}
