// Params of the recurrent forward kernels (rnnForward, rnnForwardVec4, rnnForwardStep); the fields are described
// in rnnForward.wgsl's header. Included by those kernels (`//! include rnnForwardParams`).

struct Params {
  R: u32,
  L: u32,
  B: u32,
  n: u32,
  tStart: u32,
  tEnd: u32,
  T0: u32,
  slots: u32,
}
