// copyStates: copies a block of `count` floats per run from one buffer to another, all R runs in one dispatch:
//   dst[r * dstStride + dstOff + i] = src[r * srcStride + srcOff + i]   for i < count, r < R
// Recomputation (docs/ENGINE.md, "Recomputation") uses it to move one time slot [B][n] of the state (h, and the
// LSTM's c) between a segment's activation buffers and the checkpoints: saving the state at a segment's end,
// restoring it into slot 0 before the segment is (re)computed.
// Bindings (f32):
//   0 params {R, count, srcOff, srcStride, dstOff, dstStride}
//   1 src    read
//   2 dst    written at those elements only (nothing else is touched)
// Grid-stride over i (x, as many workgroups as the op dispatches: at most the device's
// maxComputeWorkgroupsPerDimension), y = run r.

struct Params {
  R: u32,
  count: u32,
  srcOff: u32,
  srcStride: u32,
  dstOff: u32,
  dstStride: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read_write> dst: array<f32>;

override WG: u32 = 64;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let r = gid.y;
  if (r >= params.R) { return; }
  for (var i = gid.x; i < params.count; i += nwg.x * WG) {
    dst[r * params.dstStride + params.dstOff + i] = src[r * params.srcStride + params.srcOff + i];
  }
}
