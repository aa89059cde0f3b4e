/**
 * How a run group reads its metrics back (src/engine/runGroup.ts), in sizes the memory plan lists too. Each
 * iteration copies every block's loss and penalty stats and its health table into one slot of a GPU-side ring; a flush (a tracking
 * iteration, a full ring, or collect()) copies the ring, and on tracking iterations the traces (gradient flow,
 * spectrum, drift), into a staging buffer and maps it without waiting. The group holds STAGING_SLOTS staging
 * buffers of the largest flush's size, allocated with the group: at most that many flushes are read back at
 * once, so the memory they take is known before anything is built.
 */
import { LOSS_STATS, PENALTY_STATS } from './groupBuffers.ts';
import type { CellKind } from './parameters.ts';
import { HEALTH_STRIDE } from './runHealth.ts';

export const RING_SLOTS = 64;
/** Staging buffers per group: readbacks in flight at once (the lab keeps up to two collects and a tracking flush). */
export const STAGING_SLOTS = 3;
/** words per run and ring slot: its loss stats, its penalty stats, its row of the run guard's health table */
export const STATS_PER_RUN = LOSS_STATS + PENALTY_STATS + HEALTH_STRIDE;

/** Bytes of the metrics ring for R runs. */
export function ringBytes(R: number): number {
  return RING_SLOTS * R * STATS_PER_RUN * 4;
}

export type TracePart = 'flow' | 's' | 'drift' | 'W';

/**
 * What one block copies out on a tracking iteration, in this order, with sizes in floats: the gradient flow,
 * then for an LSTM block its stacked W (its spectrum is an SVD of it), for an RNN block s and the drift, and
 * W too when a run of the block is plain (its spectrum is an SVD of W).
 */
export function traceParts(cell: CellKind, R: number, L: number, n: number, hasPlain: boolean): { part: TracePart; floats: number }[] {
  const parts: { part: TracePart; floats: number }[] = [{ part: 'flow', floats: R * (L + 1) }];
  if (cell === 'lstm') parts.push({ part: 'W', floats: R * 4 * n * n });
  else {
    parts.push({ part: 's', floats: R * n }, { part: 'drift', floats: 2 * R });
    if (hasPlain) parts.push({ part: 'W', floats: R * n * n });
  }
  return parts;
}

/** Bytes of one staging buffer: a full ring and the traces of every block, rounded up to 256. */
export function stagingBytes(R: number, traceFloats: number): number {
  return Math.ceil((ringBytes(R) + traceFloats * 4) / 256) * 256;
}
