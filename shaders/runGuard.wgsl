// runGuard: decides per run whether this iteration's step is healthy, after the loss and every gradient are
// computed and before any update, and freezes a run that is not (docs/ENGINE.md, "The run guard").
// A run's step is healthy when its task loss, every element of the gradient slots and every element of the
// parameter slots are finite and within their bounds (|value| <= lossBound, gradientBound, parameterBound).
// The slots of one block do not fit the storage bindings of one dispatch, so the guard is dispatched once per
// group of up to 6 slots (8 storage bindings in all, WebGPU's default per stage): every dispatch but the last records what it found in the run's SCRATCH word
// (first = 1 overwrites it, first = 0 adds to it); the last (last = 1) adds the loss check and what the earlier
// dispatches found, and if anything failed and the run is still healthy, freezes it: STATE = 1 (frozen),
// ITERATION = clock.iteration, FLAGS = what failed. A frozen run stays frozen (sticky): only the host clears it,
// by building a new group.
// What failed is a bit mask, bit 3 * kind + what: kind 0 the loss, 1 a gradient, 2 a parameter; what 0 NaN,
// 1 infinite, 2 finite but above the kind's bound (src/engine/runHealth.ts GuardFlag).
// Every value is read as its raw u32 bits and classified with integer operations only: WGSL has no isNan, and
// implementations may assume floating-point values are finite (the spec lets them), so a float comparison such
// as x != x could be folded away. With a = bits & 0x7fffffff (the magnitude's bits): NaN if a > 0x7f800000,
// infinite if a == 0x7f800000, above the bound b if a > bits(b) (for non-negative floats the bit order is the
// numeric order).
//   params:    R; first, last (0/1, see above); paramSlots (bit k = slot k holds a parameter, else a gradient);
//              size0..size5 (floats per run in slot k; 0 = unused); the three bounds
//   clock:     iteration, the 1-based number of the iteration being guarded (written by the host every step)
//   lossStats: [R][2] f32 (loss, accuracy), read as u32 bits; only the loss is checked, by the last dispatch
//   health:    [R][4] u32 (STATE, ITERATION, SCRATCH, FLAGS), read and written
//   s0..s5:    [R][size_k] f32 gradient or parameter buffers, read as u32 bits (an unused slot binds any buffer)
// One workgroup per run (dispatch (1, R)): invocations stride over the slots' elements, OR their findings into a
// workgroup word, and invocation 0 writes the run's words.

struct Params {
  R: u32,
  first: u32,
  last: u32,
  paramSlots: u32,
  size0: u32,
  size1: u32,
  size2: u32,
  size3: u32,
  size4: u32,
  size5: u32,
  lossBound: f32,
  gradientBound: f32,
  parameterBound: f32,
}

struct Clock {
  iteration: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<uniform> clock: Clock;
@group(0) @binding(2) var<storage, read> lossStats: array<u32>;
@group(0) @binding(3) var<storage, read_write> health: array<u32>;
@group(0) @binding(4) var<storage, read> s0: array<u32>;
@group(0) @binding(5) var<storage, read> s1: array<u32>;
@group(0) @binding(6) var<storage, read> s2: array<u32>;
@group(0) @binding(7) var<storage, read> s3: array<u32>;
@group(0) @binding(8) var<storage, read> s4: array<u32>;
@group(0) @binding(9) var<storage, read> s5: array<u32>;

const HEALTH_STRIDE: u32 = 4u;
const STATE: u32 = 0u;
const ITERATION: u32 = 1u;
const SCRATCH: u32 = 2u;
const FLAGS: u32 = 3u;
const FROZEN: u32 = 1u;
const KIND_LOSS: u32 = 0u;
const KIND_GRADIENT: u32 = 1u;
const KIND_PARAMETER: u32 = 2u;
const MAGNITUDE: u32 = 0x7fffffffu;
const INF_BITS: u32 = 0x7f800000u;

override WG: u32 = 64;

var<workgroup> found: atomic<u32>;

// What is wrong with one value (its bits), as the GuardFlag bits of its kind; 0 when it is fine.
fn check(bits: u32, bound: u32, kind: u32) -> u32 {
  let a = bits & MAGNITUDE;
  var what = 0u;
  if (a > INF_BITS) {
    what = 1u;
  } else if (a == INF_BITS) {
    what = 2u;
  } else if (a > bound) {
    what = 4u;
  }
  return what << (3u * kind);
}

fn kindOf(slot: u32) -> u32 {
  return select(KIND_GRADIENT, KIND_PARAMETER, ((params.paramSlots >> slot) & 1u) == 1u);
}

fn boundOf(kind: u32) -> u32 {
  return select(bitcast<u32>(params.gradientBound), bitcast<u32>(params.parameterBound), kind == KIND_PARAMETER);
}

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_id) lid: vec3u, @builtin(workgroup_id) wid: vec3u) {
  let r = wid.y;
  if (r >= params.R) { return; }
  let t = lid.x;
  var f = 0u;
  // one loop per slot (a binding cannot be chosen by index)
  { let k = kindOf(0u); let b = boundOf(k); let n = params.size0;
    for (var i = t; i < n; i += WG) { f |= check(s0[r * n + i], b, k); } }
  { let k = kindOf(1u); let b = boundOf(k); let n = params.size1;
    for (var i = t; i < n; i += WG) { f |= check(s1[r * n + i], b, k); } }
  { let k = kindOf(2u); let b = boundOf(k); let n = params.size2;
    for (var i = t; i < n; i += WG) { f |= check(s2[r * n + i], b, k); } }
  { let k = kindOf(3u); let b = boundOf(k); let n = params.size3;
    for (var i = t; i < n; i += WG) { f |= check(s3[r * n + i], b, k); } }
  { let k = kindOf(4u); let b = boundOf(k); let n = params.size4;
    for (var i = t; i < n; i += WG) { f |= check(s4[r * n + i], b, k); } }
  { let k = kindOf(5u); let b = boundOf(k); let n = params.size5;
    for (var i = t; i < n; i += WG) { f |= check(s5[r * n + i], b, k); } }
  if (f != 0u) { atomicOr(&found, f); }
  workgroupBarrier();
  if (t != 0u) { return; }

  let h = r * HEALTH_STRIDE;
  var flags = atomicLoad(&found);
  if (params.first == 0u) { flags |= health[h + SCRATCH]; }
  if (params.last == 0u) {
    health[h + SCRATCH] = flags;
    return;
  }
  flags |= check(lossStats[r * 2u], bitcast<u32>(params.lossBound), KIND_LOSS);
  health[h + SCRATCH] = flags;
  if (health[h + STATE] == 0u && flags != 0u) {
    health[h + STATE] = FROZEN;
    health[h + ITERATION] = clock.iteration;
    health[h + FLAGS] = flags;
  }
}
