/** The run guard's reasons and messages (src/engine/runHealth.ts): which finding names a failure, and how it reads. */
import { describe, expect, it } from 'vitest';
import { failureMessage, failureReason, GuardFlag, HEALTH_STRIDE, Health, healthTable, isFrozen } from '../../src/engine/runHealth.ts';

describe('run guard reasons', () => {
  it('names parameters that were not finite before the step first (its cause), then non-finite values before bounds, the loss before gradients', () => {
    const F = GuardFlag;
    expect(failureReason(0)).toBeUndefined();
    expect(failureReason(F.LOSS_NAN | F.GRADIENT_NAN | F.PARAMETER_ABOVE_BOUND)).toBe('loss-nan');
    expect(failureReason(F.LOSS_INFINITE | F.GRADIENT_NAN)).toBe('loss-infinite');
    expect(failureReason(F.GRADIENT_NAN | F.GRADIENT_INFINITE | F.LOSS_ABOVE_BOUND)).toBe('gradient-nan');
    // parameters made non-finite by the update before (a geodesic step that overflowed): everything fails after
    expect(failureReason(F.GRADIENT_INFINITE | F.PARAMETER_NAN)).toBe('parameter-not-finite');
    expect(failureReason(F.LOSS_NAN | F.GRADIENT_NAN | F.PARAMETER_NAN)).toBe('parameter-not-finite');
    expect(failureReason(F.PARAMETER_INFINITE | F.LOSS_ABOVE_BOUND)).toBe('parameter-not-finite');
    expect(failureReason(F.PARAMETER_NAN)).toBe('parameter-not-finite');
    expect(failureReason(F.LOSS_ABOVE_BOUND | F.GRADIENT_ABOVE_BOUND | F.PARAMETER_ABOVE_BOUND)).toBe('loss-above-bound');
    expect(failureReason(F.GRADIENT_ABOVE_BOUND | F.PARAMETER_ABOVE_BOUND)).toBe('gradient-above-bound');
    expect(failureReason(F.PARAMETER_ABOVE_BOUND)).toBe('parameter-above-bound');
  });

  it('says what happened, at which iteration, where the run stands and what to try', () => {
    const tail = 'and its metrics so far are kept; try a smaller learning rate, a clip, or a margin';
    expect(failureMessage('loss-nan', 812, NaN)).toBe(
      `loss became NaN at iteration 812; the run was stopped at its last finite state (iteration 811) ${tail}`,
    );
    expect(failureMessage('loss-above-bound', 40, 4.9e28)).toBe(
      `loss reached 4.90e+28, above the bound of 1e+10, at iteration 40; the run was stopped at its last finite state (iteration 39) ${tail}`,
    );
    expect(failureMessage('gradient-infinite', 3, 2.5)).toMatch(
      /^a gradient became infinite \(loss 2\.500\) at iteration 3; .*\(iteration 2\)/,
    );
    expect(failureMessage('gradient-above-bound', 9, 1e5)).toMatch(
      /^a gradient passed 1e\+12 in magnitude \(loss 1\.00e\+5\) at iteration 9;/,
    );
    expect(failureMessage('parameter-above-bound', 9, 1)).toMatch(/^a parameter passed 1e\+15 in magnitude/);
    expect(failureMessage('parameter-not-finite', 5, NaN)).toMatch(
      /^a parameter was not finite at the start of the step \(the update of iteration 4 overflowed on finite gradients, or something outside the training wrote it\) at iteration 5; the run was stopped where it stood \(iteration 4, those parameters not finite\)/,
    );
  });

  it('a health table marks the frozen runs', () => {
    const t = healthTable(3, [1]);
    expect(t.length).toBe(3 * HEALTH_STRIDE);
    expect([0, 1, 2].map((r) => isFrozen(t, r))).toEqual([false, true, false]);
    expect(t[1 * HEALTH_STRIDE + Health.ITERATION]).toBe(0);
  });
});
