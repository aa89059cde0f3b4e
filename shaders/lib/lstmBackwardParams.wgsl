// The Params of lstmBackward.wgsl and lstmBackwardVec4.wgsl (their headers say what each field is).

struct Params {
  R: u32,
  L: u32,
  B: u32,
  n: u32,
  tLow: u32,
  tHigh: u32,
  channel: u32,
  trackFlow: u32,
  dzSlots: u32,
  P: u32,
  S: u32,
  dcOff: u32,
  T0: u32,
  slots: u32,
  carryIn: u32,
  unscored: u32,
  top: u32,
}
