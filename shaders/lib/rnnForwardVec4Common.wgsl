// The bindings and the per-row finishing steps of the vec4 recurrent forward kernels (rnnForwardVec4.wgsl,
// rnnForwardQuad.wgsl; included by both, `//! include rnnForwardVec4Common`): every line here is the two
// kernels' common text, so that they compute the same bits. Each kernel declares its own WG and ROWS (and
// rnnForwardVec4 CHUNK and UNITS).

//! include rnnForwardParams

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> hyper: array<f32>;
@group(0) @binding(2) var<storage, read> W: array<vec4f>;
@group(0) @binding(3) var<storage, read> xproj: array<vec4f>;
@group(0) @binding(4) var<storage, read> bias: array<f32>;
@group(0) @binding(5) var<storage, read> h0: array<f32>;
@group(0) @binding(6) var<storage, read> slope: array<f32>;
@group(0) @binding(7) var<storage, read_write> a: array<vec4f>;
@group(0) @binding(8) var<storage, read_write> h: array<vec4f>;

//! include rnnHyper

//! include rnnActivate

// Adds xproj, applies the nonlinearity and stores the 4 units of block blk of row b at step k (rows >= rowEnd skipped).
fn finishUnits(r: u32, k: u32, b: u32, rowEnd: u32, blk: u32, pre: vec4f, kind: u32, g: f32, alpha: f32) {
  if (b >= rowEnd) { return; }
  let nb = params.n / 4u;
  let aOff = ((r * params.slots + k - params.T0) * params.B + b) * nb + blk;
  let hOff = ((r * (params.slots + 1u) + k - params.T0 + 1u) * params.B + b) * nb + blk;
  let av = pre + xproj[aOff];
  a[aOff] = av;
  h[hOff] = activate(g * av, kind, alpha);
}

// The 4 units' products with one vec4 of inputs: (w0 . x, w1 . x, w2 . x, w3 . x).
fn dots(w0: vec4f, w1: vec4f, w2: vec4f, w3: vec4f, x: vec4f) -> vec4f {
  return vec4f(dot(w0, x), dot(w1, x), dot(w2, x), dot(w3, x));
}
