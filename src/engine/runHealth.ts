/**
 * The run guard's side of the engine (docs/ENGINE.md, "The run guard"): the layout of the health table the
 * guard kernel (shaders/runGuard.wgsl) writes and every update kernel reads, the bounds a healthy step stays
 * within, and how the CPU turns what the guard recorded into a run's status and message.
 *
 * Every iteration, after the loss and the gradients are computed and before any update, the guard checks
 * each run: its task loss, every element of every gradient buffer and the parameters the forward pass reads
 * must be finite and within the bounds below. A run that fails is frozen for good: the update kernels
 * (RMSprop, SGD, the geodesic step, the spectrum, composing W, re-margining) change nothing of it from that
 * iteration on, whatever the hyper table says, so its parameters and optimiser state stay those it had
 * before the failing iteration: finite, and savable in a checkpoint.
 */

import type { CellKind, ParamName } from './parameters.ts';

/** u32 words per run in the health table [R][HEALTH_STRIDE]. */
export const HEALTH_STRIDE = 4;

/** Word offsets in a run's row of the health table. */
export const Health = {
  /** HealthState: 0 healthy; anything else freezes the run */
  STATE: 0,
  /** the iteration (1-based, as in IterationRecord) whose checks failed; 0 while healthy */
  ITERATION: 1,
  /** what the guard's first dispatch found this iteration (GuardFlag bits), for its second to combine */
  SCRATCH: 2,
  /** the GuardFlag bits of the failing iteration (0 while healthy) */
  FLAGS: 3,
} as const;

export const HealthState = {
  HEALTHY: 0,
  /** frozen by the guard on the GPU */
  FROZEN: 1,
  /** failed before this group was built (resumed or imported from a checkpoint whose status is 'failed') */
  RESTORED: 2,
} as const;

/**
 * What a check found, one bit each: bit 3 * kind + what, kind 0 the loss, 1 a gradient, 2 a parameter;
 * what 0 NaN, 1 infinite, 2 finite but above the kind's bound. Same layout in shaders/runGuard.wgsl.
 */
export const GuardFlag = {
  LOSS_NAN: 1 << 0,
  LOSS_INFINITE: 1 << 1,
  LOSS_ABOVE_BOUND: 1 << 2,
  GRADIENT_NAN: 1 << 3,
  GRADIENT_INFINITE: 1 << 4,
  GRADIENT_ABOVE_BOUND: 1 << 5,
  PARAMETER_NAN: 1 << 6,
  PARAMETER_INFINITE: 1 << 7,
  PARAMETER_ABOVE_BOUND: 1 << 8,
} as const;

/**
 * The bounds of a healthy step, in one place (also in docs/ENGINE.md). They stop a diverging run while its
 * state is still finite, and are far above anything a run that can still learn reaches, so that no such run
 * is ever stopped: the guard protects the numbers, it does not judge progress.
 * - loss 1e10 (absolute, the same for every task): a cross-entropy of 1e10 means logits 1e10 apart, where
 *   softmax has long saturated to exact 0/1 in float32; an MSE of 1e10 means predictions 1e5 away from
 *   targets in [0, 1]. Every task's memoryless baseline is below 3 (copy 10 ln 8 / (T + 20), adding 0.167),
 *   so this is more than a billion times it; the loss that ran away under RMSprop in issue 7 (4.9e28) is
 *   stopped long before.
 * - gradient 1e12 (every element of every gradient buffer): RMSprop squares gradients into its running mean
 *   (1e24, far from the float32 overflow at 3.4e38; above ~1.8e19 the square is infinite and the mean square
 *   would be lost for good), an SGD step moves a parameter by at most lr 1e12, and the Cayley solve of the
 *   geodesic step multiplies entries of tau/2 (G M^T - M G^T), up to 5 n 1e12 for tau <= 10, with each
 *   other (~1e32 at n = 1024), still finite. Clipped gradients of the paper's runs are below 1e7.
 * - parameter 1e15 (W, W_in, b, h0, W_out, b_out; the LSTM's every parameter): far past anything trainable
 *   in float32 (a weight of 1e15 saturates any tanh or sigmoid it feeds, and its products with h overflow
 *   soon after) and still far from overflow, so the frozen state is finite. U and V stay orthogonal, s
 *   inside its margin or bounded through W, p and the PReLU slope move by a bounded step: they are checked
 *   through their gradients (finite, within the gradient bound), not bounded themselves.
 */
export const GUARD_BOUNDS = { loss: 1e10, gradient: 1e12, parameter: 1e15 } as const;

/** The parameters held to GUARD_BOUNDS.parameter, per cell: those the forward pass reads (see above for the others). */
export const BOUNDED_PARAMS: Record<CellKind, readonly ParamName[]> = {
  rnn: ['W', 'Win', 'b', 'h0', 'Wout', 'bout'],
  lstm: ['W', 'Win', 'b', 'h0', 'c0', 'peep', 'Wout', 'bout'],
};

export type FailureReason =
  | 'loss-nan'
  | 'loss-infinite'
  | 'gradient-nan'
  | 'gradient-infinite'
  | 'parameter-not-finite'
  | 'loss-above-bound'
  | 'gradient-above-bound'
  | 'parameter-above-bound';

/** The reason a run failed, from the guard's flags: parameters not finite at the start of the step first (the cause of the rest), then non-finite losses and gradients, then the bounds. */
export function failureReason(flags: number): FailureReason | undefined {
  // parameters that are not finite at the start of a step are the cause of whatever else failed in it
  const order: [number, FailureReason][] = [
    [GuardFlag.PARAMETER_NAN | GuardFlag.PARAMETER_INFINITE, 'parameter-not-finite'],
    [GuardFlag.LOSS_NAN, 'loss-nan'],
    [GuardFlag.LOSS_INFINITE, 'loss-infinite'],
    [GuardFlag.GRADIENT_NAN, 'gradient-nan'],
    [GuardFlag.GRADIENT_INFINITE, 'gradient-infinite'],
    [GuardFlag.LOSS_ABOVE_BOUND, 'loss-above-bound'],
    [GuardFlag.GRADIENT_ABOVE_BOUND, 'gradient-above-bound'],
    [GuardFlag.PARAMETER_ABOVE_BOUND, 'parameter-above-bound'],
  ];
  return order.find(([bit]) => (flags & bit) !== 0)?.[1];
}

/**
 * The status message of a run the guard stopped at `iteration` (whose measured loss was `loss`), in the
 * lab's and the CLI's words: what happened, where the run stands now, what to try.
 */
export function failureMessage(reason: FailureReason, iteration: number, loss: number): string {
  const what = {
    'loss-nan': 'loss became NaN',
    'loss-infinite': 'loss became infinite',
    'gradient-nan': `a gradient became NaN (loss ${formatLoss(loss)})`,
    'gradient-infinite': `a gradient became infinite (loss ${formatLoss(loss)})`,
    'parameter-not-finite': `a parameter was not finite at the start of the step (the update of iteration ${iteration - 1} overflowed on finite gradients, or something outside the training wrote it)`,
    'loss-above-bound': `loss reached ${formatLoss(loss)}, above the bound of ${GUARD_BOUNDS.loss.toExponential()},`,
    'gradient-above-bound': `a gradient passed ${GUARD_BOUNDS.gradient.toExponential()} in magnitude (loss ${formatLoss(loss)})`,
    'parameter-above-bound': `a parameter passed ${GUARD_BOUNDS.parameter.toExponential()} in magnitude (loss ${formatLoss(loss)})`,
  }[reason];
  const state =
    reason === 'parameter-not-finite'
      ? `the run was stopped where it stood (iteration ${iteration - 1}, those parameters not finite)`
      : `the run was stopped at its last finite state (iteration ${iteration - 1})`;
  return `${what} at iteration ${iteration}; ${state} and its metrics so far are kept; try a smaller learning rate, a clip, or a margin`;
}

function formatLoss(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  return Math.abs(v) >= 1e4 ? v.toExponential(2) : v.toPrecision(4);
}

/** True when run r of a health table [R][HEALTH_STRIDE] is frozen. */
export function isFrozen(health: ArrayLike<number>, r: number): boolean {
  return health[r * HEALTH_STRIDE + Health.STATE] !== HealthState.HEALTHY;
}

/** A health table with the given runs frozen (restored), the others healthy: for the tests and the references. */
export function healthTable(R: number, frozen: readonly number[] = []): Uint32Array {
  const t = new Uint32Array(R * HEALTH_STRIDE);
  for (const r of frozen) t[r * HEALTH_STRIDE + Health.STATE] = HealthState.RESTORED;
  return t;
}
