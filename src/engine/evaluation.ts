/**
 * The evaluation pass of a run group: scores a whole set (a task's validation or test set, tasks/task.ts
 * EvaluationSet) for every run of the group at once, forward only (forwardPlan.ts: no backward buffers), in
 * batches of its own size, with the per-position weights the task gives as in training.
 *
 * Before a set is scored, the weights to score are copied on the GPU into the pass's own parameter set: the
 * group's current parameters (and hyper table), or each run's best-validation weights (bestWeights.ts).
 * Then, batch after batch, the batch is uploaded, the forward dispatches of every block are encoded, and the
 * block's loss sums (sum_p weight * loss, sum_p accWeight * correct) are copied into a ring of
 * EVALUATION_SLOTS batches, read back once the ring is full and at the end. The set's figures are summed in
 * float64 on the CPU:
 *   loss = sum over batches of the loss sums / sum over every position of its weight,
 *   accuracy = sum of the accuracy sums / sum of the accuracy weights,
 * so padding rows (weight 0) count nowhere and every sequence of the set is scored exactly once; on a single
 * full training batch (weights summing to 1) the loss is the training forward's.
 *
 * Like the group, the pass is planned before it is built (evaluationMemory.ts) and refused when it does not
 * fit beside the group; every submission runs inside GPU error scopes, and a GPU error stops the scoring
 * with a GpuError (no numbers). A run whose loss is not finite gets NaN and a `problem`, the others their
 * figures.
 */
import { GpuError } from '../gpu/device.ts';
import { type Dispatch, encodeDispatches } from '../gpu/kernel.ts';
import { footprintContext } from '../gpu/ops/footprint.ts';
import type { EvaluationSet, TaskBatch } from '../tasks/task.ts';
import { BestWeights } from './bestWeights.ts';
import { assertEvaluationFits, EVALUATION_SLOTS, resultsBytes } from './evaluationMemory.ts';
import { allocateForwardBuffers, type ForwardBuffers, prepareForwardPlan } from './forwardPlan.ts';
import { GpuScopes } from './gpuScopes.ts';
import { allocateBatchBuffers, type BatchBuffers, LOSS_STATS } from './groupBuffers.ts';
import type { MemoryPlan } from './memoryPlan.ts';
import { type ModelDims, paramNames, paramSize } from './parameters.ts';
import type { RunGroup } from './runGroup.ts';

/** One run's figures on one set. */
export interface SetScore {
  /** the weighted mean task loss over the set (penalties excluded), NaN with `problem` when not finite */
  loss: number;
  /** the weighted fraction of scored positions predicted right (NaN when the task has no accuracy) */
  accuracy: number;
  /** sequences scored (the set's size) */
  count: number;
  /** why there is no loss (it was not finite) */
  problem?: string;
}

export type WeightsToScore = 'current' | 'best';

export interface EvaluationOptions {
  /** sequences per batch (default the group's training batch) */
  batchSize?: number;
  /** the naive recurrent kernels (default: the fused ones) */
  naive?: boolean;
  /** keep each run's best-validation weights (default true) */
  keepBest?: boolean;
  /** the memory budget the group and the pass share (default DEFAULT_MEMORY_BUDGET) */
  memoryBudget?: number;
}

export class Evaluation {
  private readonly scopes: GpuScopes;
  private destroyed = false;

  private constructor(
    readonly group: RunGroup,
    /** the group's dimensions at the evaluation's batch size */
    readonly dims: ModelDims,
    private readonly batchBuf: BatchBuffers,
    /** per block of the group, in its order */
    private readonly forward: ForwardBuffers[],
    private readonly plans: Dispatch[][],
    private readonly results: GPUBuffer,
    private readonly staging: GPUBuffer,
    /** each run's best-validation weights, when kept */
    readonly best: BestWeights | null,
    /** every buffer the pass holds, as planned before it was built */
    readonly memory: MemoryPlan,
  ) {
    this.scopes = new GpuScopes(group.ctx.device);
  }

  /**
   * Builds the pass for `group`. Refuses (EvaluationMemoryError, nothing built) a pass that does not fit the
   * device's limits or what the memory budget leaves beside the group.
   */
  static async create(group: RunGroup, options: EvaluationOptions = {}): Promise<Evaluation> {
    const ctx = group.ctx;
    const B = options.batchSize ?? group.dims.B;
    if (!Number.isInteger(B) || B < 1) throw new Error(`evaluation batch size must be a whole number >= 1 (got ${B})`);
    const keepBest = options.keepBest ?? true;
    const task = group.task;
    const memory = assertEvaluationFits(
      {
        task,
        batchSize: B,
        hidden: group.dims.n,
        blocks: group.blocks.map((b) => ({ cell: b.cell, runs: b.dims.R })),
        device: footprintContext(ctx),
        naive: options.naive,
        keepBest,
        storage: group.memory.storage,
      },
      ctx.device.limits,
      group.memory.totalBytes,
      options.memoryBudget,
    );
    const dims: ModelDims = { ...group.dims, B, P: group.dims.Lout * B };
    const device = ctx.device;
    device.pushErrorScope('internal');
    device.pushErrorScope('out-of-memory');
    device.pushErrorScope('validation');
    const made: GPUBuffer[] = [];
    let built: Evaluation | undefined;
    let failure: unknown;
    try {
      const batchBuf = allocateBatchBuffers(device, dims, task.loss);
      made.push(...batchBuf.all);
      // activations kept as the group keeps its own: over the whole sequence, or one segment of k steps
      const storage = group.memory.storage;
      const forward = group.blocks.map((b) => allocateForwardBuffers(device, b.cell, { ...dims, R: b.dims.R }, storage));
      for (const f of forward) made.push(...f.all);
      const plans: Dispatch[][] = [];
      for (const [i, b] of group.blocks.entries())
        plans.push(
          await prepareForwardPlan(ctx, { ...dims, R: b.dims.R }, forward[i], batchBuf, { loss: task.loss, naive: options.naive, storage }),
        );
      const bytes = resultsBytes(group.dims.R);
      const results = device.createBuffer({
        label: 'evaluation.results',
        size: bytes,
        usage: GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
      });
      const staging = device.createBuffer({
        label: 'evaluation.staging',
        size: bytes,
        usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
      });
      made.push(results, staging);
      const best = keepBest ? BestWeights.create(device, group.blocks, dims, group.dims.R, task.hasAccuracy ? 'accuracy' : 'loss') : null;
      if (best) for (const set of best.sets) made.push(...Object.values(set));
      built = new Evaluation(group, dims, batchBuf, forward, plans, results, staging, best, memory);
    } catch (e) {
      failure = e;
    }
    const scoped = (await Promise.all([device.popErrorScope(), device.popErrorScope(), device.popErrorScope()])).find((e) => e !== null);
    if (scoped || failure) {
      for (const b of made) b.destroy();
      if (scoped) throw new GpuError('internal', `The GPU could not build the evaluation pass: ${scoped.message}`);
      throw failure;
    }
    return built!;
  }

  /** Every dispatch of one batch as 'kernel XxYxZ', sorted (what the memory plan's grids are checked against). */
  dispatchGrids(): string[] {
    return this.plans
      .flat()
      .map((d) => `${d.kernel.name} ${d.workgroups.join('x')}`)
      .sort();
  }

  /** The pass's own copy of the weights it scored last (per block), what the best weights are taken from. */
  get scoredParameters(): ForwardBuffers['params'][] {
    return this.forward.map((f) => f.params);
  }

  /**
   * Scores `set` for every run at the group's current weights or at each run's best-validation weights (a
   * run with no best yet is scored at its current ones). Resolves to one SetScore per run, in group order.
   */
  async score(set: EvaluationSet, weights: WeightsToScore = 'current'): Promise<SetScore[]> {
    this.assertUsable();
    if (weights === 'best' && !this.best) throw new Error('this evaluation pass keeps no best weights (keepBest: false)');
    const { R, B } = this.dims;
    const size = set.size;
    if (!Number.isInteger(size) || size < 1) throw new Error(`the ${set.split} set must hold at least one sequence (has ${size})`);
    this.scopes.run(0, () => this.copyWeightsIn(weights));
    const loss = new Float64Array(R);
    const correct = new Float64Array(R);
    let weightSum = 0;
    let accWeightSum = 0;
    const batches = Math.ceil(size / B);
    let used = 0;
    for (let k = 0; k < batches; k++) {
      const batch = set.batch(k * B, B);
      this.checkBatch(batch, set);
      for (let p = 0; p < batch.weight.length; p++) {
        weightSum += batch.weight[p];
        accWeightSum += batch.accWeight[p];
      }
      this.scopes.run(k + 1, () => this.encodeBatch(batch, used));
      used++;
      if (used === EVALUATION_SLOTS || k === batches - 1) {
        await this.drain(used, loss, correct);
        used = 0;
      }
    }
    const hasAccuracy = this.group.task.hasAccuracy && accWeightSum > 0;
    return Array.from({ length: R }, (_, r) => {
      const l = loss[r] / weightSum;
      const a = hasAccuracy ? correct[r] / accWeightSum : NaN;
      if (!Number.isFinite(l) || weightSum <= 0)
        return {
          loss: NaN,
          accuracy: NaN,
          count: size,
          problem: weightSum > 0 ? `the ${set.split} loss was not finite (${l})` : `the ${set.split} set scores no position`,
        };
      return { loss: l, accuracy: a, count: size };
    });
  }

  /**
   * Scores the validation set at the current weights and keeps, for every run whose validation figures
   * improved, these weights as its best (BestWeights.offer). `iteration`: the iterations completed.
   */
  async scoreAndKeepBest(validation: EvaluationSet, iteration: number): Promise<{ scores: SetScore[]; improved: number[] }> {
    if (!this.best) throw new Error('this evaluation pass keeps no best weights (keepBest: false)');
    const scores = await this.score(validation, 'current');
    let improved: number[] = [];
    this.scopes.run(0, () => {
      const enc = this.group.ctx.device.createCommandEncoder({ label: 'keep best weights' });
      improved = this.best!.offer(enc, this.scoredParameters, scores, iteration);
      this.group.ctx.device.queue.submit([enc.finish()]);
    });
    await this.settle();
    return { scores, improved };
  }

  private checkBatch(batch: TaskBatch, set: EvaluationSet): void {
    const d = this.dims;
    const t = this.group.task;
    if (batch.L !== d.L || batch.B !== d.B || batch.I !== d.I || batch.O !== d.O || batch.loss !== t.loss)
      throw new Error(
        `the ${set.split} set gave a batch of L=${batch.L}, B=${batch.B}, I=${batch.I}, O=${batch.O}, ${batch.loss}; ` +
          `the evaluation needs L=${d.L}, B=${d.B}, I=${d.I}, O=${d.O}, ${t.loss}`,
      );
  }

  /** Copies the weights to score (and the hyper table) into the pass's own buffers. */
  private copyWeightsIn(weights: WeightsToScore): void {
    const device = this.group.ctx.device;
    const enc = device.createCommandEncoder({ label: `evaluation weights (${weights})` });
    this.group.blocks.forEach((block, i) => {
      const mine = this.forward[i];
      enc.copyBufferToBuffer(block.buf.hyper, 0, mine.hyper, 0, block.buf.hyper.size);
      for (const name of paramNames(block.cell)) {
        const src = block.buf.params[name];
        enc.copyBufferToBuffer(src, 0, mine.params[name], 0, src.size);
      }
      if (weights === 'best' && this.best) {
        // each run that has best weights gets them; the others keep their current ones
        const set = this.best.sets[i];
        block.members.forEach((r, k) => {
          if (!this.best!.records[r]) return;
          for (const name of paramNames(block.cell)) {
            const bytes = paramSize(block.cell, name, block.dims) * 4;
            enc.copyBufferToBuffer(set[name], k * bytes, mine.params[name], k * bytes, bytes);
          }
        });
      }
    });
    device.queue.submit([enc.finish()]);
  }

  private encodeBatch(batch: TaskBatch, slot: number): void {
    const device = this.group.ctx.device;
    const q = device.queue;
    q.writeBuffer(this.batchBuf.x, 0, batch.x);
    q.writeBuffer(this.batchBuf.targets, 0, batch.targets);
    q.writeBuffer(this.batchBuf.weight, 0, batch.weight);
    q.writeBuffer(this.batchBuf.accWeight, 0, batch.accWeight);
    const enc = device.createCommandEncoder({ label: 'evaluation batch' });
    const pass = enc.beginComputePass();
    for (const plan of this.plans) encodeDispatches(pass, plan);
    pass.end();
    // slot `slot` of the ring holds every block's loss sums in turn: group runs in block order
    let off = slot * this.dims.R * LOSS_STATS * 4;
    this.group.blocks.forEach((b, i) => {
      const bytes = b.dims.R * LOSS_STATS * 4;
      enc.copyBufferToBuffer(this.forward[i].lossStats, 0, this.results, off, bytes);
      off += bytes;
    });
    q.submit([enc.finish()]);
  }

  /** Reads the first `slots` batches of the ring and adds them to the sums (float64), per group run. */
  private async drain(slots: number, loss: Float64Array, correct: Float64Array): Promise<void> {
    const device = this.group.ctx.device;
    const R = this.dims.R;
    const bytes = slots * R * LOSS_STATS * 4;
    this.scopes.run(0, () => {
      const enc = device.createCommandEncoder({ label: 'evaluation readback' });
      enc.copyBufferToBuffer(this.results, 0, this.staging, 0, bytes);
      device.queue.submit([enc.finish()]);
    });
    await this.settle();
    try {
      await this.staging.mapAsync(GPUMapMode.READ, 0, bytes);
    } catch (e) {
      throw new GpuError('internal', `The evaluation's readback failed: ${(e as Error)?.message ?? String(e)}`);
    }
    const data = new Float32Array(this.staging.getMappedRange(0, bytes).slice(0));
    this.staging.unmap();
    for (let s = 0; s < slots; s++) {
      let off = s * R * LOSS_STATS;
      for (const b of this.group.blocks) {
        b.members.forEach((r, k) => {
          loss[r] += data[off + k * LOSS_STATS];
          correct[r] += data[off + k * LOSS_STATS + 1];
        });
        off += b.dims.R * LOSS_STATS;
      }
    }
  }

  /** Waits for the error scopes so far; a GPU error stops the evaluation (its numbers are not kept). */
  private async settle(): Promise<void> {
    await this.scopes.settle();
    const f = this.scopes.failure;
    if (f)
      throw new GpuError(
        f.kind,
        `The evaluation stopped: the GPU reported a ${f.kind} error (${f.message.trim().split('\n')[0]}); no figures were kept`,
      );
  }

  private assertUsable(): void {
    if (this.destroyed) throw new Error('This evaluation pass was destroyed');
    const f = this.scopes.failure;
    if (f)
      throw new GpuError(f.kind, `The evaluation pass failed earlier on the GPU (${f.message.trim().split('\n')[0]}) and scores no more`);
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    for (const b of this.batchBuf.all) b.destroy();
    for (const f of this.forward) for (const b of f.all) b.destroy();
    this.results.destroy();
    this.staging.destroy();
    this.best?.destroy();
  }
}
