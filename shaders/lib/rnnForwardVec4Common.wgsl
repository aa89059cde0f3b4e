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

// Step 1 (tStart = 0) reads h_0 from h's slot 0 like every later step reads h_{t-1}: the workgroup's invocations
// fill the slot from h0 for the workgroup's rows (the kernel's barrier follows).
fn fillFirstSlot(r: u32, b0: u32, lid: u32) {
  let n = params.n;
  let nb = n / 4u;
  let B = params.B;
  let S1 = params.slots + 1u;
  for (var blk = lid; blk < nb; blk += WG) {
    let o = r * n + 4u * blk;
    let v = vec4f(h0[o], h0[o + 1u], h0[o + 2u], h0[o + 3u]);
    for (var bb = 0u; bb < ROWS; bb++) {
      let b = b0 + bb;
      if (b < B) { h[(r * S1 * B + b) * nb + blk] = v; }
    }
  }
}
