// orthDrift: how far each matrix is from orthogonal, drift[s] = max_ij |C[s][i][j] - delta_ij| where
// C = M^T M was formed by the matmul kernel. The live metric of docs/SCIENCE.md section 7.3.
//   C:     [S][n][n] f32 (M^T M for each system s)
//   drift: [S] f32, overwritten; 3.40282347e38 (f32 max) when any entry of C is NaN or infinite
// One workgroup per system; each invocation scans a strided share, then a tree reduction in workgroup memory.

struct Params {
  S: u32,
  n: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> C: array<f32>;
@group(0) @binding(2) var<storage, read_write> drift: array<f32>;

const WG: u32 = 64u;
const F32_MAX: f32 = 0x1.fffffep+127f;
var<workgroup> partial: array<f32, WG>;

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_id) lid: vec3u, @builtin(workgroup_id) wid: vec3u) {
  let s = wid.x;
  let n = params.n;
  let nn = n * n;
  var m = 0.0;
  if (s < params.S) {
    for (var k = lid.x; k < nn; k += WG) {
      let i = k / n;
      let j = k % n;
      var v = C[s * nn + k];
      if (i == j) { v -= 1.0; }
      // A broken run (NaN or infinite entries) must report F32_MAX, not 0: test the exponent bits, since
      // compilers may fold NaN comparisons away.
      let nonFinite = (bitcast<u32>(v) & 0x7f800000u) == 0x7f800000u;
      m = max(m, select(abs(v), F32_MAX, nonFinite));
    }
  }
  partial[lid.x] = m;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride /= 2u) {
    if (lid.x < stride) {
      partial[lid.x] = max(partial[lid.x], partial[lid.x + stride]);
    }
    workgroupBarrier();
  }
  if (lid.x == 0u && s < params.S) { drift[s] = partial[0]; }
}
