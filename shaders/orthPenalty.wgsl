// orthPenalty: soft orthogonality and weight decay on the recurrent matrix W (docs/SCIENCE.md section 4; composite W
// for factorised runs). With lambda = hyper SOFT_ORTH, wd = hyper WEIGHT_DECAY, C = W^T W and Q = W C (both
// formed by the matmul kernel):
//   dW += 4 lambda (Q - W) + 2 wd W       (gradients of lambda ||W^T W - I||_F^2 and wd ||W||_F^2)
//   stats[r][0] = lambda ||C - I||_F^2,  stats[r][1] = wd ||W||_F^2   (penalty values)
// A term whose coefficient is 0 is skipped entirely (C and Q are then never read: NaN there does no harm).
// Two dispatches with the same bindings, told apart by params.phase:
//   phase 0, dispatch (groups, R): workgroup g updates a grid-stride share of dW[r] and writes its partial
//            sums (already multiplied by lambda and wd) to partials[r][g][0..1];
//   phase 1, dispatch (1, R): sums partials[r][*] into stats.
//   hyper:    [R][16] f32 per-run settings (reads SOFT_ORTH, WEIGHT_DECAY)
//   W:        [R][n][n] f32
//   C:        [R][n][n] f32, W^T W
//   Q:        [R][n][n] f32, W C
//   dW:       [R][n][n] f32, accumulated into (+=) in phase 0
//   partials: [R][groups][2] f32 scratch, overwritten in phase 0
//   stats:    f32 array, stats[r * statsStride + statsOffset + k] for k = 0 (orth), 1 (decay), overwritten

struct Params {
  R: u32,
  n: u32,
  groups: u32,
  phase: u32,
  statsStride: u32,
  statsOffset: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> hyper: array<f32>;
@group(0) @binding(2) var<storage, read> W: array<f32>;
@group(0) @binding(3) var<storage, read> C: array<f32>;
@group(0) @binding(4) var<storage, read> Q: array<f32>;
@group(0) @binding(5) var<storage, read_write> dW: array<f32>;
@group(0) @binding(6) var<storage, read_write> partials: array<f32>;
@group(0) @binding(7) var<storage, read_write> stats: array<f32>;

const H_STRIDE: u32 = 16u;
const H_SOFT_ORTH: u32 = 9u;
const H_WEIGHT_DECAY: u32 = 11u;

// A power of two (tree reduction).
override WG: u32 = 64;
var<workgroup> partial: array<vec2f, WG>;

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_id) lid: vec3u, @builtin(workgroup_id) wid: vec3u) {
  let r = wid.y;
  if (r >= params.R) { return; }
  let lambda = hyper[r * H_STRIDE + H_SOFT_ORTH];
  let wd = hyper[r * H_STRIDE + H_WEIGHT_DECAY];
  var acc = vec2f(0.0);
  if (params.phase == 0u) {
    let nn = params.n * params.n;
    let base = r * nn;
    for (var k = wid.x * WG + lid.x; k < nn; k += params.groups * WG) {
      let w = W[base + k];
      var d = 0.0;
      if (lambda != 0.0) {
        // Diagonal entries of an n x n matrix sit at k = i (n + 1).
        let c = C[base + k] - select(0.0, 1.0, k % (params.n + 1u) == 0u);
        acc.x += c * c;
        d += 4.0 * lambda * (Q[base + k] - w);
      }
      if (wd != 0.0) {
        acc.y += w * w;
        d += 2.0 * wd * w;
      }
      if (d != 0.0) { dW[base + k] += d; }
    }
    acc *= vec2f(lambda, wd);
  } else {
    for (var g = lid.x; g < params.groups; g += WG) {
      let o = (r * params.groups + g) * 2u;
      acc += vec2f(partials[o], partials[o + 1u]);
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
      let o = (r * params.groups + wid.x) * 2u;
      partials[o] = partial[0].x;
      partials[o + 1u] = partial[0].y;
    } else {
      let o = r * params.statsStride + params.statsOffset;
      stats[o] = partial[0].x;
      stats[o + 1u] = partial[0].y;
    }
  }
}
