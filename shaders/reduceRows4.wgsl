// reduceRows4: reduceRows.wgsl (same Params and results, bit for bit) where cols and stride are multiples of 4:
// an invocation sums 4 adjacent columns, reading each row's 4 entries as one vec4, so that a quarter of the
// invocations run a quarter of the loop iterations; each column's sum is still its rows in order from 0.
//   x:   [batch][rows][cols] row-major, f32 (read as vec4s); matrix r starts at element r * stride
//   out: [batch][cols] f32; with beta = 1 it accumulates into what is there.
// Dispatch: (ceil(cols / (4 WG)), batch, 1).

struct Params {
  batch: u32,
  rows: u32,
  cols: u32,
  beta: f32,
  stride: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<vec4f>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

override WG: u32 = 8;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let j4 = gid.x;
  let r = gid.y;
  let c4 = params.cols / 4u;
  if (j4 >= c4 || r >= params.batch) { return; }
  let base = r * (params.stride / 4u) + j4;
  let rows4 = params.rows / 4u * 4u;
  var acc = vec4f(0.0);
  for (var i = 0u; i < rows4; i += 4u) {
    let o = base + i * c4;
    acc += x[o];
    acc += x[o + c4];
    acc += x[o + 2u * c4];
    acc += x[o + 3u * c4];
  }
  for (var i = rows4; i < params.rows; i++) {
    acc += x[base + i * c4];
  }
  let o = r * params.cols + 4u * j4;
  for (var k = 0u; k < 4u; k++) {
    if (params.beta == 0.0) {
      out[o + k] = acc[k];
    } else {
      out[o + k] = params.beta * out[o + k] + acc[k];
    }
  }
}
