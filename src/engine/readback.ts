/**
 * How a run group reads its metrics back (src/engine/runGroup.ts), in sizes the memory plan lists too. Each
 * iteration copies every block's loss and penalty stats and its health table into one slot of a GPU-side ring; a flush (a tracking
 * iteration, a full ring, or collect()) copies the ring, and on tracking iterations the traces (gradient flow,
 * spectrum, drift), into a staging buffer and maps it without waiting. The group holds STAGING_SLOTS staging
 * buffers of the largest flush's size, allocated with the group: at most that many flushes are read back at
 * once, so the memory they take is known before anything is built.
 */

import { SINGULAR_VALUES_INFO } from '../gpu/ops/singularValues.ts';
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

export type TracePart = 'flow' | 's' | 'drift' | 'sv' | 'info';

/**
 * What one block copies out on a tracking iteration, in this order, with sizes in floats: the gradient flow,
 * for an RNN block s and the drift, and where the block has free recurrent matrices (every LSTM block, an
 * RNN block with a plain run) their singular values computed on the GPU and the kernel's info
 * (src/gpu/ops/singularValues.ts).
 */
export function traceParts(cell: CellKind, R: number, L: number, n: number, freeSpectrum: boolean): { part: TracePart; floats: number }[] {
  const parts: { part: TracePart; floats: number }[] = [{ part: 'flow', floats: R * (L + 1) }];
  if (cell === 'rnn') parts.push({ part: 's', floats: R * n }, { part: 'drift', floats: 2 * R });
  if (freeSpectrum) parts.push({ part: 'sv', floats: R * n }, { part: 'info', floats: R * SINGULAR_VALUES_INFO });
  return parts;
}

/** Bytes of one staging buffer: a full ring and the traces of every block, rounded up to 256. */
export function stagingBytes(R: number, traceFloats: number): number {
  return Math.ceil((ringBytes(R) + traceFloats * 4) / 256) * 256;
}
