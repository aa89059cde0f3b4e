/**
 * Shorter batches (docs/ENGINE.md, "Shorter batches"): a text batch is length-bucketed, so its rows end at
 * about the same step, often far before L. Steps after the batch's last scored step t_max = max_b t_b carry no
 * loss, so their forward does not reach the loss and their backward only adds exact zeros: the gradients of a
 * pass over steps 1..L' (any L' >= t_max) are those of the pass over all L steps. A block prepares the gradient
 * part of its plan for a few lengths (the multiples of LENGTH_STEP below L, and L) and each iteration runs the
 * smallest one that covers its batch. Every other task scores each row at L and keeps the one plan of L.
 */
import type { FlowRows } from './flowRows.ts';

/** The lengths a text block prepares are the multiples of this below L (and L itself). */
export const LENGTH_STEP = 8;

/** Whether a task's batches end at different steps (padded rows): only `text`. */
export function batchesVaryInLength(task: string): boolean {
  return task === 'text';
}

/** The lengths a block prepares its gradients for, ascending, the last one L: [L] unless batches vary. */
export function planLengths(L: number, varies: boolean): number[] {
  const out: number[] = [];
  if (varies) for (let l = LENGTH_STEP; l < L; l += LENGTH_STEP) out.push(l);
  out.push(L);
  return out;
}

/** The steps a batch needs: its last scored step over the rows (at least 1: a batch scoring nothing runs one step). */
export function batchSteps(rows: Pick<FlowRows, 'last'>): number {
  let top = 1;
  for (const t of rows.last) top = Math.max(top, t);
  return top;
}

/** The prepared length that runs a batch of `steps` steps: the smallest of `lengths` (ascending) that covers it. */
export function lengthFor(lengths: readonly number[], steps: number): number {
  for (const l of lengths) if (l >= steps) return l;
  throw new Error(`a batch of ${steps} steps is longer than the longest prepared length ${lengths[lengths.length - 1]}`);
}
