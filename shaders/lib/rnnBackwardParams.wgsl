// Params of the recurrent backward kernels (rnnBackward, rnnBackwardVec4, rnnBackwardStep); the fields are
// described in rnnBackward.wgsl's header. Included by those kernels (`//! include rnnBackwardParams`).

struct Params {
  R: u32,
  L: u32,
  B: u32,
  n: u32,
  tLow: u32,
  tHigh: u32,
  channel: u32,
  trackFlow: u32,
  daSlots: u32,
  P: u32,
  T0: u32,
  slots: u32,
  carryIn: u32,
  unscored: u32,
  top: u32,
}
