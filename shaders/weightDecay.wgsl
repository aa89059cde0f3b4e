// weightDecay: weight decay on a free weight matrix (W_in or W_out; docs/SCIENCE.md section 4.3), wd = hyper WEIGHT_DECAY:
//   g += 2 wd w                            (gradient of wd ||w||_F^2)
//   stats[r * statsStride + statsOffset] = wd ||w||_F^2   (penalty value)
// Runs with wd = 0 leave g untouched and report 0.
// Two dispatches with the same bindings, told apart by params.phase:
//   phase 0, dispatch (groups, R): workgroup g updates a grid-stride share of g[r] and writes its partial
//            sum (already multiplied by wd) to partials[r][g];
//   phase 1, dispatch (1, R): sums partials[r][*] into stats.
//   hyper:    [R][16] f32 per-run settings (reads WEIGHT_DECAY)
//   w:        [R][size] f32
//   g:        [R][size] f32, accumulated into (+=) in phase 0
//   partials: [R][groups] f32 scratch, overwritten in phase 0
//   stats:    f32 array, one slot per run, overwritten in phase 1

struct Params {
  R: u32,
  size: u32,
  groups: u32,
  phase: u32,
  statsStride: u32,
  statsOffset: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> hyper: array<f32>;
@group(0) @binding(2) var<storage, read> w: array<f32>;
@group(0) @binding(3) var<storage, read_write> g: array<f32>;
@group(0) @binding(4) var<storage, read_write> partials: array<f32>;
@group(0) @binding(5) var<storage, read_write> stats: array<f32>;

const H_STRIDE: u32 = 16u;
const H_WEIGHT_DECAY: u32 = 11u;

// A power of two (tree reduction).
override WG: u32 = 64;
var<workgroup> partial: array<f32, WG>;

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_id) lid: vec3u, @builtin(workgroup_id) wid: vec3u) {
  let r = wid.y;
  if (r >= params.R) { return; }
  let wd = hyper[r * H_STRIDE + H_WEIGHT_DECAY];
  var acc = 0.0;
  if (params.phase == 0u) {
    if (wd != 0.0) {
      let base = r * params.size;
      for (var k = wid.x * WG + lid.x; k < params.size; k += params.groups * WG) {
        let x = w[base + k];
        acc += x * x;
        g[base + k] += 2.0 * wd * x;
      }
    }
    acc *= wd;
  } else {
    for (var j = lid.x; j < params.groups; j += WG) {
      acc += partials[r * params.groups + j];
    }
  }

  partial[lid.x] = acc;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride /= 2u) {
    if (lid.x < stride) {
      partial[lid.x] += partial[lid.x + stride];
    }
    workgroupBarrier();
  }
  if (lid.x == 0u) {
    if (params.phase == 0u) {
      partials[r * params.groups + wid.x] = partial[0];
    } else {
      stats[r * params.statsStride + params.statsOffset] = partial[0];
    }
  }
}
