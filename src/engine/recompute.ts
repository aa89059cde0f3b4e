/**
 * Recomputation ("gradient checkpointing" over time, docs/ENGINE.md "Recomputation"): how a block keeps its
 * activations, and the segments of the sequence that follow from it. With full storage every activation buffer
 * holds all L steps. With a segment length k the forward sweep keeps only the state at every k-th step (h, and
 * the LSTM's c) in the checkpoints, the activation buffers hold one segment of k steps, and the backward sweep
 * goes over the segments from last to first, recomputing each one's forward from its checkpoint first (the last
 * segment's forward is still in the buffers when the forward sweep ends).
 */
import { fullSegment, type Segment } from '../gpu/ops/rnnForward.ts';

/** How the activations of a block are kept: every step, or segments of k steps recomputed in the backward pass. */
export type Storage = 'full' | { recompute: number };

/** The segments of a sequence of L steps, first to last (one, of L steps, for full storage). */
export function segmentsOf(L: number, storage: Storage): Segment[] {
  if (storage === 'full') return [fullSegment(L)];
  const k = storage.recompute;
  if (!Number.isInteger(k) || k < 1 || k > L)
    throw new Error(`recompute: the segment length must be an integer from 1 to L = ${L}; got ${k}`);
  const out: Segment[] = [];
  for (let start = 0; start < L; start += k) out.push({ start, steps: Math.min(k, L - start), slots: k });
  return out;
}

/**
 * The segments of the first `steps` steps of a sequence whose buffers are laid out for L (a shorter batch,
 * src/engine/batchLength.ts): full storage, one segment of `steps` steps in slots of L; recomputation with
 * segment length k, the segments of k steps (slots k) that cover 1..steps, the last one shorter.
 */
export function segmentsOver(L: number, steps: number, storage: Storage): Segment[] {
  if (!Number.isInteger(steps) || steps < 1 || steps > L)
    throw new Error(`segments: the steps must be an integer from 1 to L = ${L}; got ${steps}`);
  if (storage === 'full') return [{ start: 0, steps, slots: L }];
  const k = segmentsOf(L, storage)[0].slots;
  const out: Segment[] = [];
  for (let start = 0; start < steps; start += k) out.push({ start, steps: Math.min(k, steps - start), slots: k });
  return out;
}

/** The steps the activation buffers hold: L, or the segment length k. */
export function storageSlots(L: number, storage: Storage): number {
  return storage === 'full' ? L : storage.recompute;
}

/** Checkpoint slots per run: the state at steps k, 2k, ... before the last segment (none for full storage). */
export function checkpointSlots(L: number, storage: Storage): number {
  return segmentsOf(L, storage).length - 1;
}

export function storageText(storage: Storage): string {
  return storage === 'full' ? 'full storage' : `recomputation, segments of ${storage.recompute} steps`;
}
