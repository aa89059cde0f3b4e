// The gradient flow's row table in aux (channel 1 of rnnBackward, rnnBackwardVec4, rnnBackwardStep). Needs the
// kernel's params (rnnBackwardParams) and its `aux` binding (array<f32>); main sets runRows = r * ROWSTRIDE first.

// Channel 1: where the row table starts in aux, and row b's last scored step t_b (0 = scores nothing).
// Rows per run in the row table: 0 (default) one table for every run; 2 * B with one batch per run (a group over
// several data streams), run r's table at r * ROWSTRIDE after the shared start.
override ROWSTRIDE: u32 = 0u;
// Where this invocation's run's row table starts after the shared start (set first thing in main).
var<private> runRows: u32;
fn rowTable() -> u32 { return params.R * params.P * (params.L + 1u) + runRows; }
fn rowLast(b: u32) -> u32 { return u32(aux[rowTable() + 2u * b]); }
