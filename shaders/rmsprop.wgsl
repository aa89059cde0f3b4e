// rmsprop: one RMSprop step (Lasagne's form, docs/SCIENCE.md section 5.2) on a parameter stored per run:
//   ms <- rho ms + (1 - rho) g^2
//   theta <- theta - lr g / sqrt(ms + eps)          (eps inside the root, no bias correction)
// lr = hyper[r * 16 + lrIndex]. lr = 0 leaves theta unchanged (ms is still updated, as Lasagne does);
// a zero denominator (possible only with eps = 0, g = 0, ms = 0) is skipped rather than dividing 0 by 0.
// A run frozen by the run guard (health STATE != 0) is not touched at all: neither theta nor ms.
//   hyper: [R][16] f32 per-run settings (reads the column lrIndex)
//   param: [R][size] f32, updated in place
//   grad:  [R][size] f32
//   ms:    [R][size] f32, the running mean square (starts at 0), updated in place
//   health: [R][4] u32 run health (src/engine/runHealth.ts; reads STATE)
// Grid-stride over elements: x covers the elements of a run, y = run r.

struct Params {
  R: u32,
  size: u32,
  rho: f32,
  eps: f32,
  lrIndex: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> hyper: array<f32>;
@group(0) @binding(2) var<storage, read_write> param: array<f32>;
@group(0) @binding(3) var<storage, read> grad: array<f32>;
@group(0) @binding(4) var<storage, read_write> ms: array<f32>;
@group(0) @binding(5) var<storage, read> health: array<u32>;

const H_STRIDE: u32 = 16u;
const HEALTH_STRIDE: u32 = 4u;

override WG: u32 = 64;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let r = gid.y;
  if (r >= params.R || health[r * HEALTH_STRIDE] != 0u) { return; }
  let lr = hyper[r * H_STRIDE + params.lrIndex];
  let base = r * params.size;
  for (var k = gid.x; k < params.size; k += nwg.x * WG) {
    let o = base + k;
    let g = grad[o];
    let acc = params.rho * ms[o] + (1.0 - params.rho) * g * g;
    ms[o] = acc;
    let denom = sqrt(acc + params.eps);
    if (lr != 0.0 && denom > 0.0) {
      param[o] -= lr * g / denom;
    }
  }
}
