/**
 * Central finite differences for the float64 references (step 1e-6: truncation ~1e-12, rounding ~1e-10 of
 * the loss's scale), and the check both model references share: dLoss/dh_t and the gradient flow against
 * differences with respect to an offset added to every hidden state h_t (t = 0..L).
 */
import { expect } from 'vitest';
import { alignedFlow, type FlowRows, uniformFlowRows } from '../../src/engine/flowRows.ts';
import { expectClose, type Tolerance } from './compare.ts';

export const FD_STEP = 1e-6;

/** d f / d v[i] by central differences (v is restored). */
export function finiteDifference(f: () => number, v: Float64Array, i: number): number {
  const keep = v[i];
  v[i] = keep + FD_STEP;
  const up = f();
  v[i] = keep - FD_STEP;
  const down = f();
  v[i] = keep;
  return (up - down) / (2 * FD_STEP);
}

/**
 * Checks dhInitial [B][n] and dh [L][B][n] against differences of the training loss with respect to a hidden
 * offset [L+1][B][n], and flow[t] against the squared norm of the differences of Loss_last at step t.
 * Returns the flow recomputed from the differences.
 */
export function expectHiddenGradientsAndFlow(
  bwd: { dhInitial: Float64Array; dh: Float64Array; flow: Float64Array },
  losses: { training: (offset: Float64Array) => number; last: (offset: Float64Array) => number },
  dims: { L: number; B: number; n: number; rows?: Pick<FlowRows, 'last' | 'scoring'> },
  tol: Tolerance,
): Float64Array {
  const { L, B, n } = dims;
  // the flow is aligned on each row's last scored step (src/engine/flowRows.ts; default: every row at L)
  const rows = dims.rows ?? uniformFlowRows(L, B, 1);
  const offset = new Float64Array((L + 1) * B * n);
  const fdTraining = new Float64Array(offset.length);
  const fdLast = new Float64Array(offset.length);
  for (let i = 0; i < offset.length; i++) {
    fdTraining[i] = finiteDifference(() => losses.training(offset), offset, i);
    fdLast[i] = finiteDifference(() => losses.last(offset), offset, i);
  }
  expectClose('dh_0 per sequence', bwd.dhInitial, fdTraining.subarray(0, B * n), tol);
  expectClose('dh_t, t = 1..L', bwd.dh, fdTraining.subarray(B * n), tol);
  const sum = new Float64Array(L + 1);
  for (let t = 0; t <= L; t++) {
    for (let b = 0; b < B; b++) {
      const tb = rows.last[b];
      if (tb === 0 || t > tb) continue;
      for (let j = 0; j < n; j++) sum[t + L - tb] += fdLast[(t * B + b) * n + j] ** 2;
    }
  }
  const flow = alignedFlow(sum, rows);
  expectClose('flow', bwd.flow, flow, { atol: 1e-12, rtol: 1e-5 });
  expect(bwd.flow[L], 'flow at the last step').toBeGreaterThan(0);
  return flow;
}
