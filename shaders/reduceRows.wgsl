// reduceRows: column sums of a batch of row-major matrices, out[r][j] = beta*out[r][j] + sum_i x[r][i][j].
// Used for bias gradients (db = sum over steps and batch of da_t) and batch sums (dh0).
//   x:   [batch][rows][cols] row-major, f32; matrix r starts at element r * stride (packed: stride = rows*cols;
//        a recomputed segment sums the first rows of each run's larger buffer)
//   out: [batch][cols] f32; with beta = 1 it accumulates into what is there.
// One invocation per output element; the row loop is sequential (rows is L*B, cols is n: plenty of threads).
// reduceRows4.wgsl computes the same sums (the same bits) 4 columns an invocation where the layout allows.

struct Params {
  batch: u32,
  rows: u32,
  cols: u32,
  beta: f32,
  stride: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

override WG: u32 = 64;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let j = gid.x;
  let r = gid.y;
  if (j >= params.cols || r >= params.batch) { return; }
  let base = r * params.stride + j;
  // the rows in order, four an iteration (SwiftShader's loop overhead is several times the add's cost)
  let c = params.cols;
  let rows4 = params.rows / 4u * 4u;
  var acc = 0.0;
  for (var i = 0u; i < rows4; i += 4u) {
    let o = base + i * c;
    acc += x[o];
    acc += x[o + c];
    acc += x[o + 2u * c];
    acc += x[o + 3u * c];
  }
  for (var i = rows4; i < params.rows; i++) {
    acc += x[base + i * c];
  }
  let o = r * params.cols + j;
  if (params.beta == 0.0) {
    out[o] = acc;
  } else {
    out[o] = params.beta * out[o] + acc;
  }
}
