// selectRuns: W[r] = (FACTORISED[r] == 1) ? Wc[r] : W[r]. Used after composing U diag(relu(s)) V^T for all
// runs into a scratch Wc, so factorised runs get their composite and plain runs keep their own W. A run frozen
// by the run guard (health STATE != 0) keeps its W.
//   hyper: [R][16] f32 per-run settings (reads FACTORISED)
//   W:     [R][size] f32, overwritten for factorised runs
//   Wc:    [R][size] f32
//   health: [R][4] u32 run health (src/engine/runHealth.ts; reads STATE)
// Grid-stride over elements: x covers the elements of a run, y = run r.

struct Params {
  R: u32,
  size: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> hyper: array<f32>;
@group(0) @binding(2) var<storage, read_write> W: array<f32>;
@group(0) @binding(3) var<storage, read> Wc: array<f32>;
@group(0) @binding(4) var<storage, read> health: array<u32>;

const H_STRIDE: u32 = 16u;
const H_FACTORISED: u32 = 3u;
const HEALTH_STRIDE: u32 = 4u;

override WG: u32 = 64;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let r = gid.y;
  if (r >= params.R || health[r * HEALTH_STRIDE] != 0u) { return; }
  if (u32(hyper[r * H_STRIDE + H_FACTORISED]) != 1u) { return; }
  let base = r * params.size;
  for (var k = gid.x; k < params.size; k += nwg.x * WG) {
    W[base + k] = Wc[base + k];
  }
}
