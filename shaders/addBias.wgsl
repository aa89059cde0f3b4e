// addBias: y[r][p][o] += bias[r][o] — the readout bias b_out added to every scored position.
//   y:    [R][P][O] f32, accumulated into
//   bias: [R][O] f32
// One invocation per element of y.

struct Params {
  R: u32,
  P: u32,
  O: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> bias: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

override WG: u32 = 64;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = gid.x;
  let r = gid.y;
  let perRun = params.P * params.O;
  if (i >= perRun || r >= params.R) { return; }
  y[r * perRun + i] += bias[r * params.O + i % params.O];
}
