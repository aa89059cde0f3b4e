// sgd: one SGD step on a parameter stored per run (docs/SCIENCE.md section 5.2), lr = hyper[r * 16 + lrIndex]:
//   momentum = 0:                 theta <- theta - lr g                      (velocity not touched)
//   momentum mu > 0, nesterov = 0: v <- mu v - lr g; theta <- theta + v
//   momentum mu > 0, nesterov = 1: v <- mu v - lr g; theta <- theta + mu v - lr g   (Lasagne's nesterov_momentum)
// lr = 0 leaves both theta and v unchanged (a run whose parameter is not trained does not drift on momentum),
// and so does a run frozen by the run guard (health STATE != 0), whatever its lr.
//   hyper:    [R][16] f32 per-run settings (reads the column lrIndex)
//   param:    [R][size] f32, updated in place
//   grad:     [R][size] f32
//   velocity: [R][size] f32 (starts at 0), updated in place when momentum > 0
//   health:   [R][4] u32 run health (src/engine/runHealth.ts; reads STATE)
// Grid-stride over elements: x covers the elements of a run, y = run r.

struct Params {
  R: u32,
  size: u32,
  momentum: f32,
  nesterov: u32,
  lrIndex: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> hyper: array<f32>;
@group(0) @binding(2) var<storage, read_write> param: array<f32>;
@group(0) @binding(3) var<storage, read> grad: array<f32>;
@group(0) @binding(4) var<storage, read_write> velocity: array<f32>;
@group(0) @binding(5) var<storage, read> health: array<u32>;

const H_STRIDE: u32 = 16u;
const HEALTH_STRIDE: u32 = 4u;

override WG: u32 = 64;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let r = gid.y;
  if (r >= params.R || health[r * HEALTH_STRIDE] != 0u) { return; }
  let lr = hyper[r * H_STRIDE + params.lrIndex];
  if (lr == 0.0) { return; }
  let mu = params.momentum;
  let base = r * params.size;
  for (var k = gid.x; k < params.size; k += nwg.x * WG) {
    let o = base + k;
    let g = grad[o];
    if (mu == 0.0) {
      param[o] -= lr * g;
    } else {
      let v = mu * velocity[o] - lr * g;
      velocity[o] = v;
      if (params.nesterov != 0u) {
        param[o] += mu * v - lr * g;
      } else {
        param[o] += v;
      }
    }
  }
}
