// What lstmBackward.wgsl and lstmBackwardVec4.wgsl share around a row's step: the 4-unit loads, the per-block
// sums, the gradient flow's row table and its register runs. Needs the kernel's params (lstmBackwardParams)
// and its f32 bindings gates, c, peep and aux; main sets runRows = r * ROWSTRIDE first.

// Units of a vector starting at `base` (u clamped to n-1: always in bounds, never stored).
fn gatesAt(base: u32, u: vec4u) -> vec4f { return vec4f(gates[base + u.x], gates[base + u.y], gates[base + u.z], gates[base + u.w]); }
fn cAt(base: u32, u: vec4u) -> vec4f { return vec4f(c[base + u.x], c[base + u.y], c[base + u.z], c[base + u.w]); }
fn auxAt(base: u32, u: vec4u) -> vec4f { return vec4f(aux[base + u.x], aux[base + u.y], aux[base + u.z], aux[base + u.w]); }
fn peepAt(base: u32, u: vec4u) -> vec4f { return vec4f(peep[base + u.x], peep[base + u.y], peep[base + u.z], peep[base + u.w]); }

// What one invocation sums over the rows of a unit block: peephole gradients and (channel 1) a register sum of
// dh_t^2 over consecutive rows whose aligned index is k (k = L + 1: empty), added to the flow partial cell k of
// the invocation (at flowBase) when the index changes and at the end of the block.
struct Sums {
  dpi: vec4f,
  dpf: vec4f,
  dpo: vec4f,
  k: u32,
  sq: f32,
  flowBase: u32,
}

// Channel 1: where the row table starts in aux, and row b's last scored step t_b (0 = scores nothing).
// Rows per run in the row table: 0 (default) one table for every run; 2 * B with one batch per run (a group over
// several data streams), run r's table at r * ROWSTRIDE after the shared start.
override ROWSTRIDE: u32 = 0u;
// Where this invocation's run's row table starts after the shared start (set first thing in main).
var<private> runRows: u32;
fn rowTable() -> u32 { return params.dcOff + params.R * params.B * params.n + runRows; }
fn rowLast(b: u32) -> u32 { return u32(aux[rowTable() + 2u * b]); }

// Adds the register sum to its partial cell, if any, and empties it.
fn flowFlush(sums: ptr<function, Sums>) {
  if ((*sums).k <= params.L) { aux[(*sums).flowBase + (*sums).k] += (*sums).sq; }
  (*sums).k = params.L + 1u;
  (*sums).sq = 0.0;
}

// Channel 1: adds row b's sum of dh_t^2 (sq) at its aligned index (nothing for a row scoring nothing, a step
// past its t_b, or step T0 > 0, which the earlier segment counts as its top step).
fn flowAdd(sums: ptr<function, Sums>, t: u32, b: u32, sq: f32) {
  if (params.channel != 1u) { return; }
  let tb = rowLast(b);
  if (tb == 0u || t > tb || (t == params.T0 && t > 0u)) { return; }
  let k = t + params.L - tb;
  if (k != (*sums).k) {
    flowFlush(sums);
    (*sums).k = k;
  }
  (*sums).sq += sq;
}
