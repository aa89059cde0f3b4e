/**
 * A run group on the GPU: runs that share the task, T, batch and hidden size and train side by side, each
 * with its own seed, parameterisation, margin, initialisation, nonlinearity, gain, learning rates,
 * penalties and clip. One iteration advances every run with the same dispatches as a single run.
 *
 * The group owns its buffers and its dispatch plan; it publishes plain numbers (IterationRecord) and knows
 * nothing of any UI. Metrics are copied on the GPU into a ring and read back in batches through a pool
 * of staging buffers, so reading never stalls the queue.
 */
import type { OpContext } from '../gpu/ops/context.ts';
import { encodeDispatches } from '../gpu/kernel.ts';
import { readF32 } from '../gpu/buffers.ts';
import { makeTask, type Task, type TaskBatch } from '../tasks/index.ts';
import { outputStepCount } from '../tasks/task.ts';
import { allocateGroupBuffers, LOSS_STATS, PENALTY_STATS, type GroupBuffers } from './groupBuffers.ts';
import { hyperTable } from './hyperTable.ts';
import { initRunParameters } from './init.ts';
import { svd } from './linalg.ts';
import { PARAM_NAMES, paramSize, type ModelDims, type ParamName, type ParamSet } from './parameters.ts';
import { prepareIterationPlan, type IterationPlan } from './plan.ts';
import { Rng } from './random.ts';
import { validateExperiment, type GroupSettings, type RunSettings } from './settings.ts';

export interface RunMetrics {
  /** task loss (mean cross-entropy or MSE), penalties excluded */
  loss: number;
  /** accuracy over the positions the task scores (NaN when the task has none) */
  accuracy: number;
  /** lambda_W ||W^T W - I||_F^2 */
  softOrthPenalty: number;
  /** wd ||W||_F^2 */
  weightDecayPenalty: number;
}

export interface TrackRecord {
  /** per run: sum over batch and units of (dLoss_last/dh_t)^2, t = 0..L */
  flow: Float32Array[];
  /** per run: the singular values of W (s for factorised runs; an SVD of W for plain runs; null if n is too large to decompose live) */
  spectrum: (Float32Array | null)[];
  /** per run: max|U^T U - I| and max|V^T V - I| (null for plain runs) */
  drift: ([number, number] | null)[];
}

export interface IterationRecord {
  /** 1-based: the number of iterations completed when these metrics were measured (before the update) */
  iteration: number;
  runs: RunMetrics[];
  track?: TrackRecord;
}

export type RunState = 'training' | 'paused' | 'failed';
export interface RunStatus {
  state: RunState;
  message?: string;
}

export interface InitialState {
  /** per run: its parameters, or undefined to initialise that run from its settings (a run added to a group) */
  parameters: (ParamSet | undefined)[];
  /** per run: optimiser state, or undefined to start it at zero */
  optimizerState: (ParamSet | undefined)[];
  iteration: number;
  dataRngState: number[];
}

export interface RunGroupOptions {
  naive?: boolean;
  initial?: InitialState;
  /** plain runs get an SVD of W on tracking iterations when n is at most this (default 256) */
  maxLiveSvd?: number;
}

const RING_SLOTS = 64;
const STATS_PER_RUN = LOSS_STATS + PENALTY_STATS;

export function groupDims(group: GroupSettings, task: Task, R: number): ModelDims {
  const Lout = outputStepCount(task);
  return { R, L: task.L, B: group.batchSize, n: group.hidden, I: task.I, O: task.O, Lout, P: Lout * group.batchSize };
}

/** Initial parameters of one run as f32, every parameter present (unused ones get neutral values). */
export function initialParameters(run: RunSettings, dims: ModelDims): ParamSet {
  const init = initRunParameters(run, run.seed, dims);
  const out = {} as ParamSet;
  for (const name of PARAM_NAMES) {
    const size = paramSize(name, dims);
    const src = init[name];
    if (src) out[name] = Float32Array.from(src);
    else if (name === 'UV') {
      const eye = new Float32Array(size);
      for (let k = 0; k < 2; k++) for (let i = 0; i < dims.n; i++) eye[k * dims.n * dims.n + i * dims.n + i] = 1;
      out[name] = eye;
    } else if (name === 's') out[name] = new Float32Array(size).fill(1);
    else out[name] = new Float32Array(size);
  }
  return out;
}

export class RunGroup {
  readonly task: Task;
  readonly dims: ModelDims;
  readonly runs: RunSettings[];
  readonly status: RunStatus[];
  iteration: number;
  dataRng: Rng;

  private readonly records: IterationRecord[] = [];
  private readonly pending = new Set<Promise<void>>();
  private readonly stagingPool: GPUBuffer[] = [];
  private readonly ring: GPUBuffer;
  private ringUsed = 0;
  private ringFirstIteration = 0;
  private flowOn = false;
  private remarginPending = false;
  private readonly remarginMask: Float32Array;
  private destroyed = false;

  private constructor(
    readonly ctx: OpContext,
    readonly group: GroupSettings,
    runs: RunSettings[],
    private readonly buf: GroupBuffers,
    private readonly plan: IterationPlan,
    dims: ModelDims,
    task: Task,
    private readonly options: RunGroupOptions,
  ) {
    this.runs = runs.map((r) => ({ ...r }));
    this.status = runs.map(() => ({ state: 'training' as RunState }));
    this.dims = dims;
    this.task = task;
    this.iteration = options.initial?.iteration ?? 0;
    this.dataRng = options.initial ? Rng.fromState(options.initial.dataRngState) : new Rng(group.dataSeed);
    this.remarginMask = new Float32Array(dims.R);
    this.ring = ctx.device.createBuffer({
      label: 'metricsRing',
      size: RING_SLOTS * dims.R * STATS_PER_RUN * 4,
      usage: GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
    });
  }

  static async create(ctx: OpContext, group: GroupSettings, runs: RunSettings[], options: RunGroupOptions = {}): Promise<RunGroup> {
    const errors = validateExperiment(group, runs);
    if (errors.length) throw new Error(`Invalid experiment: ${errors.join('; ')}`);
    const task = makeTask(group.task, group.T);
    const dims = groupDims(group, task, runs.length);
    const buf = allocateGroupBuffers(ctx.device, dims, task.loss);
    const plan = await prepareIterationPlan(ctx, dims, buf, {
      loss: task.loss,
      optimizer: group.optimizer,
      naive: options.naive,
      anyFactorised: runs.some((r) => r.parameterisation === 'factorised'),
      anySoftOrth: runs.some((r) => r.softOrth > 0),
    });
    const g = new RunGroup(ctx, group, runs, buf, plan, dims, task, options);
    const initial = options.initial;
    runs.forEach((run, r) => {
      g.writeRunSet(g.buf.params, r, initial?.parameters[r] ?? initialParameters(run, dims));
      const state = initial?.optimizerState[r];
      if (state) g.writeRunSet(g.buf.state, r, state);
    });
    g.writeHyper();
    // make W, s consistent with U, V, p on the GPU (factorised runs): W = U diag(relu(s(p))) V^T
    if (plan.recompose.length) {
      const enc = ctx.device.createCommandEncoder({ label: 'initial recompose' });
      const pass = enc.beginComputePass();
      encodeDispatches(pass, plan.recompose);
      pass.end();
      ctx.device.queue.submit([enc.finish()]);
    }
    return g;
  }

  /**
   * Changes a run's settings in place, effective at the next iteration. A margin change keeps the singular
   * values that lie inside the new bounds and clamps the others to the bounds. Structural changes throw.
   */
  updateRun(r: number, next: RunSettings): void {
    const errors = validateExperiment(this.group, this.runs.map((run, i) => (i === r ? next : run)));
    if (errors.length) throw new Error(errors.join('; '));
    const current = this.runs[r];
    if (current.parameterisation !== next.parameterisation || ((current.softOrth > 0) !== (next.softOrth > 0) && !this.plan.hasSoftOrth)) {
      throw new Error(`Changing ${current.parameterisation !== next.parameterisation ? 'the parameterisation' : 'soft orthogonality from off to on'} needs a rebuild of the group`);
    }
    const marginChanged = current.margin !== next.margin && next.parameterisation === 'factorised';
    this.runs[r] = { ...next };
    this.writeHyper();
    if (marginChanged && next.margin !== null && current.margin !== null) {
      // flags accumulate until the next iteration applies them (two sliders moved between iterations)
      this.remarginMask[r] = 1;
      this.ctx.device.queue.writeBuffer(this.buf.remarginMask, 0, this.remarginMask);
      this.remarginPending = true;
    } else if (marginChanged) {
      throw new Error("Switching between a margin and 'none' changes what is trained (p or s) and needs a rebuild");
    }
  }

  setPaused(r: number, paused: boolean): void {
    if (this.status[r].state === 'failed' && !paused) throw new Error(`Run ${this.runs[r].name} failed (${this.status[r].message}); reset it to train again`);
    this.status[r] = { state: paused ? 'paused' : 'training' };
    this.writeHyper();
  }

  private writeHyper(): void {
    const training = this.status.map((s) => s.state === 'training');
    this.ctx.device.queue.writeBuffer(this.buf.hyper, 0, hyperTable(this.runs, training));
  }

  private uploadBatch(batch: TaskBatch): void {
    const q = this.ctx.device.queue;
    q.writeBuffer(this.buf.x, 0, batch.x);
    q.writeBuffer(this.buf.targets, 0, batch.targets);
    q.writeBuffer(this.buf.weight, 0, batch.weight);
    q.writeBuffer(this.buf.accWeight, 0, batch.accWeight);
  }

  /** Loss_last (mean over the batch of the last step's loss) relative to the training loss at that step. */
  private flowScale(batch: TaskBatch): number {
    const wLast = batch.weight[(this.dims.Lout - 1) * this.dims.B];
    return wLast > 0 ? 1 / this.dims.B / wLast : 0;
  }

  /** Runs one training iteration on a fresh batch; metrics arrive through collect(). */
  step(): void {
    if (this.destroyed) throw new Error('This run group was destroyed');
    const batch = this.task.batch(this.dataRng, this.dims.B);
    this.uploadBatch(batch);
    const track = (this.iteration + 1) % this.group.trackEvery === 0 || this.iteration === 0;
    if (track !== this.flowOn) {
      this.plan.setFlow(track, this.flowScale(batch));
      this.flowOn = track;
    } else if (track) this.plan.setFlow(true, this.flowScale(batch));
    const enc = this.ctx.device.createCommandEncoder({ label: `iteration ${this.iteration + 1}` });
    const pass = enc.beginComputePass();
    const remargined = this.remarginPending;
    if (remargined) {
      encodeDispatches(pass, this.plan.remargin);
      this.remarginPending = false;
    }
    encodeDispatches(pass, this.plan.gradients);
    if (track) encodeDispatches(pass, this.plan.drift);
    encodeDispatches(pass, this.plan.update);
    pass.end();
    if (this.ringUsed === 0) this.ringFirstIteration = this.iteration + 1;
    const slotBytes = this.dims.R * STATS_PER_RUN * 4;
    const base = this.ringUsed * slotBytes;
    enc.copyBufferToBuffer(this.buf.lossStats, 0, this.ring, base, this.dims.R * LOSS_STATS * 4);
    enc.copyBufferToBuffer(this.buf.penaltyStats, 0, this.ring, base + this.dims.R * LOSS_STATS * 4, this.dims.R * PENALTY_STATS * 4);
    this.ringUsed++;
    this.iteration++;
    if (track || this.ringUsed === RING_SLOTS) this.flush(enc, track);
    else this.ctx.device.queue.submit([enc.finish()]);
    if (remargined) {
      // queue-ordered after the submit above, so that iteration still saw the flags
      this.remarginMask.fill(0);
      this.ctx.device.queue.writeBuffer(this.buf.remarginMask, 0, this.remarginMask);
    }
  }

  /** Copies the ring (and, on tracking iterations, the traces) to a staging buffer and maps it without waiting. */
  private flush(enc: GPUCommandEncoder, track: boolean): void {
    const { R, L, n } = this.dims;
    const statsBytes = this.ringUsed * R * STATS_PER_RUN * 4;
    const anyPlain = this.runs.some((r) => r.parameterisation === 'plain');
    const trackFloats = track ? R * (L + 1) + R * n + 2 * R + (anyPlain ? R * n * n : 0) : 0;
    const size = statsBytes + trackFloats * 4;
    const staging = this.takeStaging(size);
    enc.copyBufferToBuffer(this.ring, 0, staging, 0, statsBytes);
    if (track) {
      let off = statsBytes;
      const copy = (src: GPUBuffer, floats: number) => {
        enc.copyBufferToBuffer(src, 0, staging, off, floats * 4);
        off += floats * 4;
      };
      copy(this.buf.flow, R * (L + 1));
      copy(this.buf.params.s, R * n);
      copy(this.buf.drift, 2 * R);
      if (anyPlain) copy(this.buf.params.W, R * n * n);
    }
    this.ctx.device.queue.submit([enc.finish()]);
    const slots = this.ringUsed;
    const first = this.ringFirstIteration;
    // the traces were taken during the last iteration of this flush, before its update... except W and s,
    // which are read after the update: they belong to the state the next iteration starts from.
    const runsSnapshot = this.runs.map((r) => ({ ...r }));
    this.ringUsed = 0;
    const done = staging.mapAsync(GPUMapMode.READ, 0, size).then(() => {
      const data = new Float32Array(staging.getMappedRange(0, size).slice(0));
      staging.unmap();
      this.stagingPool.push(staging);
      this.parse(data, slots, first, track, runsSnapshot);
    });
    const tracked = done.finally(() => this.pending.delete(tracked));
    this.pending.add(tracked);
  }

  private takeStaging(size: number): GPUBuffer {
    const i = this.stagingPool.findIndex((b) => b.size >= size);
    if (i >= 0) return this.stagingPool.splice(i, 1)[0];
    return this.ctx.device.createBuffer({ label: 'metricsStaging', size: Math.ceil(size / 256) * 256, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  }

  private parse(data: Float32Array, slots: number, first: number, track: boolean, runs: RunSettings[]): void {
    const { R, L, n } = this.dims;
    const hasAcc = this.task.hasAccuracy;
    for (let k = 0; k < slots; k++) {
      const base = k * R * STATS_PER_RUN;
      const metrics: RunMetrics[] = [];
      for (let r = 0; r < R; r++) {
        metrics.push({
          loss: data[base + r * LOSS_STATS],
          accuracy: hasAcc ? data[base + r * LOSS_STATS + 1] : NaN,
          softOrthPenalty: data[base + R * LOSS_STATS + r * PENALTY_STATS],
          weightDecayPenalty: data[base + R * LOSS_STATS + r * PENALTY_STATS + 1],
        });
      }
      this.records.push({ iteration: first + k, runs: metrics });
      this.checkFinite(first + k, metrics);
    }
    if (track) {
      let off = slots * R * STATS_PER_RUN;
      const flow: Float32Array[] = [];
      for (let r = 0; r < R; r++) flow.push(data.slice(off + r * (L + 1), off + (r + 1) * (L + 1)));
      off += R * (L + 1);
      const sAll = data.slice(off, off + R * n);
      off += R * n;
      const driftAll = data.slice(off, off + 2 * R);
      off += 2 * R;
      const spectrum: (Float32Array | null)[] = [];
      const drift: ([number, number] | null)[] = [];
      const maxSvd = this.options.maxLiveSvd ?? 256;
      for (let r = 0; r < R; r++) {
        if (runs[r].parameterisation === 'factorised') {
          spectrum.push(Float32Array.from(sAll.subarray(r * n, (r + 1) * n), (v) => Math.max(v, 0)));
          drift.push([driftAll[2 * r], driftAll[2 * r + 1]]);
        } else {
          const W = data.subarray(off + r * n * n, off + (r + 1) * n * n);
          spectrum.push(n <= maxSvd && W.every(Number.isFinite) ? Float32Array.from(svd(W, n).s) : null);
          drift.push(null);
        }
      }
      this.records[this.records.length - 1].track = { flow, spectrum, drift };
    }
  }

  private checkFinite(iteration: number, metrics: RunMetrics[]): void {
    metrics.forEach((m, r) => {
      if (this.status[r].state !== 'training' || Number.isFinite(m.loss)) return;
      this.status[r] = {
        state: 'failed',
        message: `loss became ${Number.isNaN(m.loss) ? 'NaN' : 'infinite'} at iteration ${iteration}; the run was stopped and its metrics so far are kept (try a smaller learning rate, a clip, or a margin)`,
      };
      this.writeHyper();
    });
  }

  /** Waits for every readback so far and returns the records not returned before, in order. */
  async collect(): Promise<IterationRecord[]> {
    if (this.ringUsed > 0) this.flush(this.ctx.device.createCommandEncoder(), false);
    while (this.pending.size) await Promise.all([...this.pending]);
    const out = this.records.splice(0, this.records.length);
    out.sort((a, b) => a.iteration - b.iteration);
    return out;
  }

  /**
   * Forward and backward on a given batch without updating anything: afterwards the gradient buffers hold
   * dTrainingLoss/dparam (for evaluation, debugging and the gradient checks). Returns the task metrics.
   */
  async computeGradients(batch: TaskBatch): Promise<RunMetrics[]> {
    this.uploadBatch(batch);
    this.plan.setFlow(true, this.flowScale(batch));
    this.flowOn = true;
    const enc = this.ctx.device.createCommandEncoder();
    const pass = enc.beginComputePass();
    encodeDispatches(pass, this.plan.gradients);
    pass.end();
    this.ctx.device.queue.submit([enc.finish()]);
    const { R } = this.dims;
    const loss = await readF32(this.ctx.device, this.buf.lossStats, R * LOSS_STATS);
    const pen = await readF32(this.ctx.device, this.buf.penaltyStats, R * PENALTY_STATS);
    return Array.from({ length: R }, (_, r) => ({
      loss: loss[r * LOSS_STATS],
      accuracy: this.task.hasAccuracy ? loss[r * LOSS_STATS + 1] : NaN,
      softOrthPenalty: pen[r * PENALTY_STATS],
      weightDecayPenalty: pen[r * PENALTY_STATS + 1],
    }));
  }

  async readFlow(r: number): Promise<Float32Array> {
    const L1 = this.dims.L + 1;
    return readF32(this.ctx.device, this.buf.flow, L1, r * L1);
  }

  private async readRunSet(set: Record<ParamName, GPUBuffer>, r: number): Promise<ParamSet> {
    const out = {} as ParamSet;
    for (const name of PARAM_NAMES) {
      const size = paramSize(name, this.dims);
      out[name] = await readF32(this.ctx.device, set[name], size, r * size);
    }
    return out;
  }

  private writeRunSet(set: Record<ParamName, GPUBuffer>, r: number, values: ParamSet): void {
    for (const name of PARAM_NAMES) {
      const size = paramSize(name, this.dims);
      const v = values[name];
      if (v.length !== size) throw new Error(`${name}: expected ${size} values, got ${v.length}`);
      this.ctx.device.queue.writeBuffer(set[name], r * size * 4, v);
    }
  }

  readParameters(r: number): Promise<ParamSet> {
    return this.readRunSet(this.buf.params, r);
  }
  readGradients(r: number): Promise<ParamSet> {
    return this.readRunSet(this.buf.grads, r);
  }
  readOptimizerState(r: number): Promise<ParamSet> {
    return this.readRunSet(this.buf.state, r);
  }
  writeParameters(r: number, values: ParamSet): void {
    this.writeRunSet(this.buf.params, r, values);
  }

  /** The number of dispatches one training iteration encodes (tracking iterations add the drift pair). */
  get dispatchesPerIteration(): number {
    return this.plan.gradients.length + this.plan.update.length;
  }

  async destroy(): Promise<void> {
    if (this.destroyed) return;
    await Promise.allSettled([...this.pending]);
    this.destroyed = true;
    for (const b of this.buf.all) b.destroy();
    this.ring.destroy();
    for (const b of this.stagingPool) b.destroy();
  }
}
