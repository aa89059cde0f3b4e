/**
 * float64 reference of shaders/runGuard.wgsl over all of a block's slots (what its dispatches do together):
 * for each run, the task loss lossStats[r][0], every element of each gradient slot and of each parameter slot
 * is classified as NaN, infinite, above its kind's bound (|v| > fround(bound): the kernel compares with the
 * bound in float32) or fine; a run that is still healthy and has any finding is frozen at `iteration` with
 * the findings as its flags. Frozen runs keep their words (sticky). Written with Number.isNaN and
 * comparisons, independently of the kernel's bit tests. Layout and flags: src/engine/runHealth.ts.
 */
import { GUARD_BOUNDS, HEALTH_STRIDE, Health, HealthState } from '../engine/runHealth.ts';

export interface GuardSlot {
  kind: 'gradient' | 'parameter';
  /** [R][size] */
  data: ArrayLike<number>;
  size: number;
}

export interface GuardBounds {
  loss: number;
  gradient: number;
  parameter: number;
}

/** GuardFlag bits of one value of kind 0 (loss), 1 (gradient) or 2 (parameter). */
function classify(v: number, bound: number, kind: number): number {
  let what = 0;
  if (Number.isNaN(v)) what = 1;
  else if (!Number.isFinite(v)) what = 2;
  else if (Math.abs(v) > Math.fround(bound)) what = 4;
  return what << (3 * kind);
}

export function runGuard(
  health: Uint32Array,
  lossStats: ArrayLike<number>,
  slots: readonly GuardSlot[],
  R: number,
  iteration: number,
  bounds: GuardBounds = GUARD_BOUNDS,
): void {
  for (let r = 0; r < R; r++) {
    let flags = classify(lossStats[r * 2], bounds.loss, 0);
    for (const s of slots) {
      const kind = s.kind === 'gradient' ? 1 : 2;
      const bound = s.kind === 'gradient' ? bounds.gradient : bounds.parameter;
      for (let i = 0; i < s.size; i++) flags |= classify(s.data[r * s.size + i], bound, kind);
    }
    const h = r * HEALTH_STRIDE;
    health[h + Health.SCRATCH] = flags;
    if (health[h + Health.STATE] === HealthState.HEALTHY && flags !== 0) {
      health[h + Health.STATE] = HealthState.FROZEN;
      health[h + Health.ITERATION] = iteration;
      health[h + Health.FLAGS] = flags;
    }
  }
}
