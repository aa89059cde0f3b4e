// cayleySkew: first half of the geodesic (Cayley) step. For each system s (an n x n orthogonal matrix M with
// gradient G), from P = G M^T it builds the skew-symmetric A = P - P^T (= G M^T - M G^T) and the system
// matrix of the Cayley solve, S = I + tau/2 A, with tau = hyper[(s / systemsPerRun) * 16 + TAU].
//   P:     [systems][n][n] row-major (read)
//   hyper: [runs][16] (read)
//   A:     [systems][n][n] row-major (written; exactly skew: A[j][i] = -A[i][j] bit for bit)
//   S:     [systems][n][n] row-major (written)
// One invocation per element; dispatch (ceil(n / WG_X), ceil(n / WG_Y), systems).

struct Params {
  systems: u32,
  n: u32,
  systemsPerRun: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> P: array<f32>;
@group(0) @binding(2) var<storage, read> hyper: array<f32>;
@group(0) @binding(3) var<storage, read_write> A: array<f32>;
@group(0) @binding(4) var<storage, read_write> S: array<f32>;

const HYPER_STRIDE = 16u;
const H_TAU = 8u;

override WG_X: u32 = 8;
override WG_Y: u32 = 8;

@compute @workgroup_size(WG_X, WG_Y)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let j = gid.x;
  let i = gid.y;
  let s = gid.z;
  let n = params.n;
  if (i >= n || j >= n || s >= params.systems) { return; }
  let tau = hyper[(s / params.systemsPerRun) * HYPER_STRIDE + H_TAU];
  let base = s * n * n;
  let a = P[base + i * n + j] - P[base + j * n + i];
  A[base + i * n + j] = a;
  S[base + i * n + j] = select(0.0, 1.0, i == j) + (0.5 * tau) * a;
}
