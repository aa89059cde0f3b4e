// The gradient flow's register runs (channel 1 of the fused rnnBackward, rnnBackwardVec4): consecutive rows with
// the same aligned index summed in a register, then added to the invocation's partial row in aux. Needs the
// kernel's CHANNEL override (flowAdd does nothing in channel 0).
//! include flowRowTable

// Channel 1: the aligned index of row b's dh_t, or L + 1 when it adds nothing to the flow (the row scores
// nothing, t is past its t_b, or t = T0 > 0, which the earlier segment counts as its top step).
fn flowIndex(t: u32, b: u32) -> u32 {
  let tb = rowLast(b);
  if (tb == 0u || t > tb || (t == params.T0 && t > 0u)) { return params.L + 1u; }
  return t + params.L - tb;
}

// Channel 1: a register sum of dh_t^2 over consecutive rows whose aligned index is k (k = L + 1: empty).
struct FlowRun {
  k: u32,
  sum: f32,
}

// Adds the partial cell of the run, if any, and empties the run.
fn flowFlush(run: ptr<function, FlowRun>, flowBase: u32) {
  if ((*run).k <= params.L) { aux[flowBase + (*run).k] += (*run).sum; }
  (*run).k = params.L + 1u;
  (*run).sum = 0.0;
}

// Channel 1: adds row b's sum of dh_t^2 (sq) to the run, flushing the run first when b's aligned index differs.
fn flowAdd(run: ptr<function, FlowRun>, flowBase: u32, t: u32, b: u32, rowEnd: u32, sq: f32) {
  if (CHANNEL != 1u || b >= rowEnd) { return; }
  let k = flowIndex(t, b);
  if (k > params.L) { return; }
  if (k != (*run).k) {
    flowFlush(run, flowBase);
    (*run).k = k;
  }
  (*run).sum += sq;
}
