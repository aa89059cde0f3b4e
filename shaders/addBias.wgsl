// addBias: y[r][p][o] += bias[r][o] — the readout bias b_out added to every scored position.
//   y:    [R][P][O] f32, accumulated into
//   bias: [R][O] f32
// Grid-stride over the elements of a run (x, as many workgroups as the op dispatches: at most the device's
// maxComputeWorkgroupsPerDimension, which P * O / WG exceeds for copy T = 10000 at batch 50), y = run r.

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
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let r = gid.y;
  if (r >= params.R) { return; }
  let perRun = params.P * params.O;
  for (var i = gid.x; i < perRun; i += nwg.x * WG) {
    y[r * perRun + i] += bias[r * params.O + i % params.O];
  }
}
