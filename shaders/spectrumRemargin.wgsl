// spectrumRemargin: re-express the spectrum under a new margin. When a run's margin changes from m_old to
// m_new (hyper MARGIN already holds m_new), singular values inside the new bounds (1 - m_new, 1 + m_new) keep
// their values and the others are clamped to the bounds:
//   p_i = logit(q_i),  q_i = clamp((s_i - (1 - m_new)) / (2 m_new), eps, 1 - eps),
// with 1 - q_i computed directly as ((1 + m_new) - s_i) / (2 m_new) (same clamp) for accuracy near the upper
// bound. m_new = 0 gives p = 0. Then spectrumForward maps p back to s; a clamped value lands within about
// 2 m_new eps of its bound.
// Only runs with mask[r] != 0 and MARGIN_MODE = 1 are touched (switching a no-margin run to margin mode is
// covered: s is its trained value). Runs frozen by the run guard (health STATE != 0) are not touched either.
//   hyper: [R][16] f32 per-run settings (reads MARGIN, MARGIN_MODE)
//   mask:  [R] u32, nonzero bits = re-margin this run (a u32 1 or an f32 1.0 both work; 0 / 0.0 = leave it)
//   s:     [R][n] f32, the current spectrum (computed under m_old, or trained directly)
//   p:     [R][n] f32, overwritten for the flagged runs
//   health: [R][4] u32 run health (src/engine/runHealth.ts; reads STATE)
// One invocation per (unit i, run r): x = i, y = r.

struct Params {
  R: u32,
  n: u32,
  eps: f32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> hyper: array<f32>;
@group(0) @binding(2) var<storage, read> mask: array<u32>;
@group(0) @binding(3) var<storage, read> s: array<f32>;
@group(0) @binding(4) var<storage, read_write> p: array<f32>;
@group(0) @binding(5) var<storage, read> health: array<u32>;

const H_STRIDE: u32 = 16u;
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
  if (mask[r] == 0u || u32(hyper[h + H_MARGIN_MODE]) != 1u) { return; }
  let m = hyper[h + H_MARGIN];
  let o = r * params.n + i;
  if (m <= 0.0) {
    p[o] = 0.0;
    return;
  }
  let si = s[o];
  let lo = clamp((si - (1.0 - m)) / (2.0 * m), params.eps, 1.0 - params.eps);
  let hi = clamp(((1.0 + m) - si) / (2.0 * m), params.eps, 1.0 - params.eps);
  p[o] = log(lo) - log(hi);
}
