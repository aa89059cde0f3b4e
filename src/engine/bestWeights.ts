/**
 * Each run's best-validation weights, kept on the GPU: one parameter set per block of the run group, laid
 * out like the block's own ([R][...] per parameter name). A run's slice is overwritten by a GPU copy of the
 * weights the evaluation pass just scored (evaluation.ts keeps them in its own copy, so a group that trained
 * on in the meantime cannot slip other weights in) whenever its validation figures beat its best so far
 * (isBetter: by accuracy where the task has one, as the paper selects, ties broken by the lower loss; by the
 * loss otherwise); the copy is bit for bit, and so is reading a run's best weights back for a checkpoint (read) and
 * writing them from one (write). The paper's test figures are the test set scored at these weights.
 */
import { storageBuffer } from '../gpu/buffers.ts';
import type { CellBlock } from './cellBlock.ts';
import type { SetScore } from './evaluation.ts';
import { bestBufferTable } from './evaluationMemory.ts';
import { type ParamName, type ParamSet, paramNames, paramSize } from './parameters.ts';

/** When a run's best weights were taken, and their validation figures. */
export interface BestRecord {
  /** the iteration whose weights these are (iterations completed when they were scored) */
  iteration: number;
  validationLoss: number;
  /** null where the task has no accuracy */
  validationAccuracy: number | null;
}

/** What decides which weights are best: the validation accuracy (tasks that have one) or the loss. */
export type BestCriterion = 'accuracy' | 'loss';

/**
 * Whether a validation score beats the best so far: a finite loss always is needed; by accuracy, a higher
 * accuracy, or the same with a lower loss; by loss, a lower loss. Anything beats no best.
 */
export function isBetter(criterion: BestCriterion, score: Pick<SetScore, 'loss' | 'accuracy'>, best: BestRecord | null): boolean {
  if (!Number.isFinite(score.loss)) return false;
  if (!best) return true;
  if (criterion === 'accuracy' && Number.isFinite(score.accuracy) && best.validationAccuracy !== null) {
    if (score.accuracy !== best.validationAccuracy) return score.accuracy > best.validationAccuracy;
  }
  return score.loss < best.validationLoss;
}

export class BestWeights {
  /** per group run: its best so far, or null before its first finite validation loss */
  readonly records: (BestRecord | null)[];

  private constructor(
    private readonly blocks: readonly CellBlock[],
    /** per block, its best parameter set */
    readonly sets: Record<ParamName, GPUBuffer>[],
    runs: number,
    readonly criterion: BestCriterion,
  ) {
    this.records = new Array(runs).fill(null);
  }

  static create(device: GPUDevice, blocks: readonly CellBlock[], dims: { B: number }, runs: number, criterion: BestCriterion): BestWeights {
    const sets = blocks.map((b) => {
      const d = { ...b.dims, B: dims.B };
      return Object.fromEntries(bestBufferTable(b.cell, d).map((r) => [r.key, storageBuffer(device, r.floats * 4, r.name)])) as Record<
        ParamName,
        GPUBuffer
      >;
    });
    return new BestWeights(blocks, sets, runs, criterion);
  }

  private place(r: number): { i: number; k: number } {
    for (let i = 0; i < this.blocks.length; i++) {
      const k = this.blocks[i].local(r);
      if (k >= 0) return { i, k };
    }
    throw new Error(`no run ${r} in this group`);
  }

  /**
   * The runs whose validation score beats their best so far (isBetter): their records are updated and, in
   * `enc`, the slices of the scored weights `scored` (per block, the evaluation's copy) are copied into
   * their best sets. Returns those runs.
   */
  offer(enc: GPUCommandEncoder, scored: readonly Record<ParamName, GPUBuffer>[], scores: readonly SetScore[], iteration: number): number[] {
    const improved: number[] = [];
    scores.forEach((score, r) => {
      if (!isBetter(this.criterion, score, this.records[r])) return;
      const validationAccuracy = Number.isFinite(score.accuracy) ? score.accuracy : null;
      this.records[r] = { iteration, validationLoss: score.loss, validationAccuracy };
      improved.push(r);
      const { i, k } = this.place(r);
      const block = this.blocks[i];
      for (const name of paramNames(block.cell)) {
        const bytes = paramSize(block.cell, name, block.dims) * 4;
        enc.copyBufferToBuffer(scored[i][name], k * bytes, this.sets[i][name], k * bytes, bytes);
      }
    });
    return improved;
  }

  /** Run r's best weights (as the GPU holds them), or null when it has none yet. */
  async read(r: number): Promise<ParamSet | null> {
    if (!this.records[r]) return null;
    const { i, k } = this.place(r);
    return this.blocks[i].readRunSet(this.sets[i], k);
  }

  /** Sets run r's best weights and record (from a checkpoint: a resumed run keeps its best so far). */
  write(r: number, values: ParamSet, record: BestRecord): void {
    const { i, k } = this.place(r);
    this.blocks[i].writeRunSet(this.sets[i], k, values);
    this.records[r] = { ...record };
  }

  destroy(): void {
    for (const set of this.sets) for (const b of Object.values(set)) b.destroy();
  }
}
