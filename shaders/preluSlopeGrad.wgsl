// preluSlopeGrad: gradient of the prelu slope alpha per run,
//   slopeGrad[r] = sum over t, b, i of dh[r][t][b][i] * (z < 0 ? z : 0),  z = g * a[r][t][b][i]
// with dh the total (unclipped) dLoss/dh_t from rnnBackward. Runs of other nonlinearities (hyper NONLIN not
// prelu) get 0 without reading dh or a: their slope is not trained (LR_SLOPE 0), and the sum cost a pass over
// L*B*n elements on one workgroup (on SwiftShader ~5% of the Table 5 iteration of a linear RNN). One workgroup per run: WG invocations stride over the L*B*n elements, then a tree
// reduction in workgroup memory. The sum is over the first L steps of buffers holding `slots` steps per run
// (full storage: slots = L; a recomputed segment: its steps of a segment buffer).
//   0 params    {R, L, B, n, slots, beta}
//   1 hyper     [R][16]  NONLIN, GAIN
//   2 dh        [R][slots][B][n]
//   3 a         [R][slots][B][n]
//   4 slopeGrad [R]      slopeGrad = beta * slopeGrad + sum (beta = 0 overwrites; 1 accumulates over segments)
// Dispatch: (R, 1, 1).

struct Params {
  R: u32,
  L: u32,
  B: u32,
  n: u32,
  slots: u32,
  beta: f32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> hyper: array<f32>;
@group(0) @binding(2) var<storage, read> dh: array<f32>;
@group(0) @binding(3) var<storage, read> a: array<f32>;
@group(0) @binding(4) var<storage, read_write> slopeGrad: array<f32>;

const H_NONLIN = 0u;
const H_GAIN = 1u;
const NONLIN_PRELU = 4u;

// Invocations per workgroup, a power of two.
override WG: u32 = 64;

var<workgroup> part: array<f32, WG>;

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_id) lid3: vec3u, @builtin(workgroup_id) wid: vec3u) {
  let lid = lid3.x;
  let r = wid.x;
  // no elements for a run that is not prelu (a loop bound, not a return: the barriers below need every invocation)
  let prelu = u32(hyper[r * 16u + H_NONLIN]) == NONLIN_PRELU;
  let count = select(0u, params.L * params.B * params.n, prelu);
  let g = hyper[r * 16u + H_GAIN];
  let base = r * params.slots * params.B * params.n;
  var s = 0.0;
  for (var e = lid; e < count; e += WG) {
    let z = g * a[base + e];
    if (z < 0.0) { s += dh[base + e] * z; }
  }
  part[lid] = s;
  workgroupBarrier();
  for (var half = WG / 2u; half > 0u; half /= 2u) {
    if (lid < half) { part[lid] += part[lid + half]; }
    workgroupBarrier();
  }
  if (lid == 0u) {
    if (params.beta == 0.0) {
      slopeGrad[r] = part[0];
    } else {
      slopeGrad[r] = params.beta * slopeGrad[r] + part[0];
    }
  }
}
