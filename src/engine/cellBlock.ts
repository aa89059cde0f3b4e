/**
 * The runs of one cell inside a run group: RNN runs (factorised and plain) form one block, LSTM runs another.
 * A block owns its buffers (parameters, gradients, optimiser state, activations; the batch is the group's),
 * its hyper table and its dispatch plan, and maps between the group's run indices and its own. Every kernel
 * of a block serves all its runs in one dispatch, so an iteration of the group costs the dispatches of one
 * RNN run plus those of one LSTM run, whatever the number of runs.
 */

import { readF32 } from '../gpu/buffers.ts';
import type { OpContext } from '../gpu/ops/context.ts';
import type { LossKind } from '../tasks/task.ts';
import { allocateBlockBuffers, type BatchBuffers, type BlockBuffers } from './groupBuffers.ts';
import { hyperTable } from './hyperTable.ts';
import { prepareLstmPlan } from './lstmPlan.ts';
import { type CellKind, type ModelDims, type ParamName, type ParamSet, paramNames, paramSize } from './parameters.ts';
import { type IterationPlan, prepareIterationPlan } from './plan.ts';
import type { Storage } from './recompute.ts';
import type { OptimizerName, RunSettings } from './settings.ts';

export interface CellBlockOptions {
  loss: LossKind;
  optimizer: OptimizerName;
  naive?: boolean;
  /** how activations are kept (the group's memory plan decides; default full storage) */
  storage?: Storage;
  /** the lengths the gradients are prepared for (the group's memory plan decides; default [L]) */
  lengths?: number[];
  /** `batch` holds one batch per run of this block (a group with several data streams, src/engine/dataStreams.ts) */
  perRunBatch?: boolean;
}

export class CellBlock {
  private constructor(
    readonly ctx: OpContext,
    readonly cell: CellKind,
    /** the group's indices of this block's runs, in block order */
    readonly members: readonly number[],
    /** the group's dimensions with R = this block's runs */
    readonly dims: ModelDims,
    readonly buf: BlockBuffers,
    readonly plan: IterationPlan,
  ) {}

  static async create(
    ctx: OpContext,
    cell: CellKind,
    members: number[],
    runs: readonly RunSettings[],
    groupDims: ModelDims,
    batch: BatchBuffers,
    opts: CellBlockOptions,
  ): Promise<CellBlock> {
    const dims = { ...groupDims, R: members.length };
    const mine = members.map((r) => runs[r]);
    // spectrum buffers (and dispatches) where some W is free: every LSTM block, RNN blocks with a plain run
    const freeSpectrum = cell === 'lstm' || mine.some((r) => r.parameterisation === 'plain');
    const storage = opts.storage ?? 'full';
    const buf = allocateBlockBuffers(ctx.device, cell, dims, batch, freeSpectrum, storage);
    const planOptions = {
      loss: opts.loss,
      optimizer: opts.optimizer,
      naive: opts.naive,
      storage,
      lengths: opts.lengths,
      perRunBatch: opts.perRunBatch,
      anyFactorised: mine.some((r) => r.parameterisation === 'factorised'),
      anySoftOrth: mine.some((r) => r.softOrth > 0),
    };
    const plan =
      buf.cell === 'lstm' ? await prepareLstmPlan(ctx, dims, buf, planOptions) : await prepareIterationPlan(ctx, dims, buf, planOptions);
    return new CellBlock(ctx, cell, members, dims, buf, plan);
  }

  /** The block's index of group run r (-1 when r is not in this block). */
  local(r: number): number {
    return this.members.indexOf(r);
  }

  /** Writes the hyper table of this block's runs (the group's runs and their training flags, by group index). */
  writeHyper(runs: readonly RunSettings[], training: readonly boolean[]): void {
    this.ctx.device.queue.writeBuffer(
      this.buf.hyper,
      0,
      hyperTable(
        this.members.map((r) => runs[r]),
        this.members.map((r) => training[r]),
      ),
    );
  }

  async readRunSet(set: Record<ParamName, GPUBuffer>, k: number): Promise<ParamSet> {
    const out: ParamSet = {};
    for (const name of paramNames(this.cell)) {
      const size = paramSize(this.cell, name, this.dims);
      out[name] = await readF32(this.ctx.device, set[name], size, k * size);
    }
    return out;
  }

  writeRunSet(set: Record<ParamName, GPUBuffer>, k: number, values: ParamSet): void {
    for (const name of paramNames(this.cell)) {
      const size = paramSize(this.cell, name, this.dims);
      const v = values[name];
      if (!v)
        throw new Error(`${name}: missing (a ${this.cell === 'lstm' ? 'LSTM' : 'RNN'} run needs ${paramNames(this.cell).join(', ')})`);
      if (v.length !== size) throw new Error(`${name}: expected ${size} values, got ${v.length}`);
      this.ctx.device.queue.writeBuffer(set[name], k * size * 4, v);
    }
  }

  destroy(): void {
    for (const b of this.buf.all) b.destroy();
  }
}
