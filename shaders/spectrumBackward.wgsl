// spectrumBackward: gradients of the factorised transition W = U diag(relu(s)) V^T with respect to s, p and U,
// given T1 = dW V (formed by the matmul kernel; dW = dLoss/dW for the composite W, penalties included).
//   ds'_i = sum_j U[j][i] T1[j][i]                           = (U^T dW V)_ii, gradient w.r.t. relu(s)_i
//   ds_i  = ds'_i * (s_i > 0 ? 1 : 0) + 2 PRIOR (s_i - 1)    (Gaussian mean-one prior, docs/SCIENCE.md section 4.2)
//   gs_i  = ds_i                                             (used by no-margin runs, MARGIN_MODE = 0)
//   gp_i  = ds_i * 2m sigmoid(p_i) (1 - sigmoid(p_i))        (margin runs, MARGIN_MODE = 1; else 0)
//   dU[j][i] = T1[j][i] * relu(s_i)                          (dU = dW V diag(relu(s)))
//   prior value = PRIOR * sum_i (s_i - 1)^2                  (per run, into stats)
// Runs with FACTORISED = 0 get zeros in gs, gp, dU and the prior value (so any optimiser step is a no-op).
//   hyper: [R][16] f32 per-run settings (reads FACTORISED, MARGIN, MARGIN_MODE, PRIOR)
//   T1:    [R][n][n] f32 row-major, T1[r][j][i] = (dW V)[j][i]
//   UV:    [R][2][n][n] f32, U = UV[r][0] (V = UV[r][1] is not read)
//   s:     [R][n] f32, the spectrum before relu
//   p:     [R][n] f32 (read for margin runs only)
//   gs:    [R][n] f32, overwritten
//   gp:    [R][n] f32, overwritten
//   dUV:   [R][2][n][n] f32, dU = dUV[r][0] overwritten; dUV[r][1] (dV) is not touched
//   stats: f32 array, stats[r * statsStride + statsOffset] = the prior value, overwritten
// One workgroup per run (dispatch (1, R)); invocation k handles columns i = k, k + WG, ... reading T1 and U
// column by column (adjacent invocations read adjacent addresses), then a tree reduction of the prior.

struct Params {
  R: u32,
  n: u32,
  statsStride: u32,
  statsOffset: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> hyper: array<f32>;
@group(0) @binding(2) var<storage, read> T1: array<f32>;
@group(0) @binding(3) var<storage, read> UV: array<f32>;
@group(0) @binding(4) var<storage, read> s: array<f32>;
@group(0) @binding(5) var<storage, read> p: array<f32>;
@group(0) @binding(6) var<storage, read_write> gs: array<f32>;
@group(0) @binding(7) var<storage, read_write> gp: array<f32>;
@group(0) @binding(8) var<storage, read_write> dUV: array<f32>;
@group(0) @binding(9) var<storage, read_write> stats: array<f32>;

const H_STRIDE: u32 = 16u;
const H_FACTORISED: u32 = 3u;
const H_MARGIN: u32 = 4u;
const H_MARGIN_MODE: u32 = 5u;
const H_PRIOR: u32 = 10u;

// A power of two (tree reduction).
override WG: u32 = 64;
var<workgroup> partial: array<f32, WG>;

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_id) lid: vec3u, @builtin(workgroup_id) wid: vec3u) {
  let r = wid.y;
  if (r >= params.R) { return; }
  let n = params.n;
  let nn = n * n;
  let h = r * H_STRIDE;
  let factorised = u32(hyper[h + H_FACTORISED]) == 1u;
  let marginMode = u32(hyper[h + H_MARGIN_MODE]) == 1u;
  let m = hyper[h + H_MARGIN];
  let prior = hyper[h + H_PRIOR];
  let tBase = r * nn;
  let uBase = r * 2u * nn;

  var priorValue = 0.0;
  for (var i = lid.x; i < n; i += WG) {
    let o = r * n + i;
    if (!factorised) {
      gs[o] = 0.0;
      gp[o] = 0.0;
      for (var j = 0u; j < n; j++) { dUV[uBase + j * n + i] = 0.0; }
      continue;
    }
    let si = s[o];
    let sPlus = max(si, 0.0);
    var acc = 0.0;
    for (var j = 0u; j < n; j++) {
      let t = T1[tBase + j * n + i];
      acc += UV[uBase + j * n + i] * t;
      dUV[uBase + j * n + i] = t * sPlus;
    }
    let ds = select(0.0, acc, si > 0.0) + 2.0 * prior * (si - 1.0);
    gs[o] = ds;
    var g = 0.0;
    if (marginMode) {
      // 2m sigmoid(p)(1 - sigmoid(p)) = 2m e / (1 + e)^2 with e = exp(-|p|): no overflow for any p.
      let e = exp(-abs(p[o]));
      g = ds * (2.0 * m * e / ((1.0 + e) * (1.0 + e)));
    }
    gp[o] = g;
    priorValue += prior * (si - 1.0) * (si - 1.0);
  }

  partial[lid.x] = priorValue;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride /= 2u) {
    if (lid.x < stride) {
      partial[lid.x] += partial[lid.x + stride];
    }
    workgroupBarrier();
  }
  if (lid.x == 0u) { stats[r * params.statsStride + params.statsOffset] = partial[0]; }
}
