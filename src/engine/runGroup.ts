/**
 * A run group on the GPU: runs that share the task, T, batch and hidden size and train side by side, each
 * with its own seed, model (factorised or plain RNN, or LSTM), margin, initialisation, nonlinearity, gain,
 * learning rates, penalties and clip. The runs of each cell form a block (src/engine/cellBlock.ts) whose
 * kernels serve all its runs at once, so an iteration costs the dispatches of one run per cell present,
 * however many runs train. Every block sees the same batch.
 *
 * The group owns its buffers and its dispatch plan; it publishes plain numbers (IterationRecord) and knows
 * nothing of any UI. Metrics are copied on the GPU into a ring and read back in batches through a pool
 * of staging buffers, so reading never stalls the queue.
 */

import { readF32 } from '../gpu/buffers.ts';
import { encodeDispatches } from '../gpu/kernel.ts';
import type { OpContext } from '../gpu/ops/context.ts';
import { SINGULAR_VALUES_INFO, SingularValuesStatus } from '../gpu/ops/singularValues.ts';
import { makeTask, type Task, type TaskBatch } from '../tasks/index.ts';
import { outputStepCount } from '../tasks/task.ts';
import { CellBlock } from './cellBlock.ts';
import { allocateBatchBuffers, type BatchBuffers, LOSS_STATS, PENALTY_STATS } from './groupBuffers.ts';
import { initRunParameters } from './init.ts';
import { type CellKind, cellOf, type ModelDims, type ParamSet, paramNames, paramSize } from './parameters.ts';
import { Rng } from './random.ts';
import { type GroupSettings, type RunSettings, validateExperiment } from './settings.ts';

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
  /**
   * per run: the singular values of W, descending for plain and LSTM runs (s itself for factorised runs; for
   * plain runs and the stacked [4n][n] W of LSTMs computed on the GPU, shaders/singularValues.wgsl); null
   * where there is no trustworthy spectrum, and spectrumNote says why
   */
  spectrum: (Float32Array | null)[];
  /** per run: why its spectrum is null (W not finite, Jacobi not converged), else null (a run group always sets it) */
  spectrumNote?: (string | null)[];
  /** per run: max|U^T U - I| and max|V^T V - I| (null for plain and LSTM runs) */
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
  /**
   * Train on this task instead of the one the group settings name (their task and T are then labels only):
   * how a task that is not in the settings table yet plugs in (any L, inputs, outputs, loss, scored steps
   * and per-position weights, e.g. padding), and how the tests drive shapes of tasks still to come.
   */
  task?: Task;
}

const RING_SLOTS = 64;
const STATS_PER_RUN = LOSS_STATS + PENALTY_STATS;

export function groupDims(group: GroupSettings, task: Task, R: number): ModelDims {
  const Lout = outputStepCount(task);
  return { R, L: task.L, B: group.batchSize, n: group.hidden, I: task.I, O: task.O, Lout, P: Lout * group.batchSize };
}

/** Initial parameters of one run as f32, every parameter of its cell present (unused ones get neutral values). */
export function initialParameters(run: RunSettings, dims: ModelDims): ParamSet {
  const init = initRunParameters(run, run.seed, dims);
  const cell = cellOf(run);
  const out: ParamSet = {};
  for (const name of paramNames(cell)) {
    const size = paramSize(cell, name, dims);
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

/**
 * A free matrix's spectrum as the GPU left it (sv descending, info = sweeps, converged, largest cosine of the
 * last sweep, status), or null with the reason (short: charts print it): no number is shown that the kernel
 * did not stand behind.
 */
export function freeSpectrum(sv: Float32Array, info: Float32Array, what: string): { values: Float32Array | null; note: string | null } {
  const [sweeps, converged, cosine, status] = info;
  if (status === SingularValuesStatus.nonFinite) return { values: null, note: `${what} has a NaN or infinite entry` };
  if (status !== SingularValuesStatus.computed) return { values: null, note: `${what} was not decomposed` };
  if (converged !== 1) return { values: null, note: `Jacobi did not converge in ${sweeps} sweeps (cosine ${cosine.toExponential(1)})` };
  if (!sv.every(Number.isFinite)) return { values: null, note: 'singular values beyond float32' };
  return { values: sv.slice(), note: null };
}

export class RunGroup {
  readonly task: Task;
  readonly dims: ModelDims;
  readonly runs: RunSettings[];
  readonly status: RunStatus[];
  /** one block per cell present (RNN first), each training its runs in shared dispatches */
  readonly blocks: CellBlock[];
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
  /** per RNN-block run: 1 = its margin changed since the last iteration */
  private readonly remarginMask: Float32Array;
  private destroyed = false;

  private constructor(
    readonly ctx: OpContext,
    readonly group: GroupSettings,
    runs: RunSettings[],
    private readonly batchBuf: BatchBuffers,
    blocks: CellBlock[],
    dims: ModelDims,
    task: Task,
    options: RunGroupOptions,
  ) {
    this.runs = runs.map((r) => ({ ...r }));
    this.status = runs.map(() => ({ state: 'training' as RunState }));
    this.blocks = blocks;
    this.dims = dims;
    this.task = task;
    this.iteration = options.initial?.iteration ?? 0;
    this.dataRng = options.initial ? Rng.fromState(options.initial.dataRngState) : new Rng(group.dataSeed);
    this.remarginMask = new Float32Array(this.block('rnn')?.dims.R ?? 0);
    this.ring = ctx.device.createBuffer({
      label: 'metricsRing',
      size: RING_SLOTS * dims.R * STATS_PER_RUN * 4,
      usage: GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
    });
  }

  static async create(ctx: OpContext, group: GroupSettings, runs: RunSettings[], options: RunGroupOptions = {}): Promise<RunGroup> {
    const errors = validateExperiment(group, runs);
    if (errors.length) throw new Error(`Invalid experiment: ${errors.join('; ')}`);
    const task = options.task ?? makeTask(group.task, group.T);
    const dims = groupDims(group, task, runs.length);
    const batch = allocateBatchBuffers(ctx.device, dims, task.loss);
    const blocks: CellBlock[] = [];
    try {
      for (const cell of ['rnn', 'lstm'] as const) {
        const members = runs.flatMap((r, i) => (cellOf(r) === cell ? [i] : []));
        if (members.length)
          blocks.push(
            await CellBlock.create(ctx, cell, members, runs, dims, batch, {
              loss: task.loss,
              optimizer: group.optimizer,
              naive: options.naive,
            }),
          );
      }
    } catch (e) {
      for (const b of blocks) b.destroy();
      for (const b of batch.all) b.destroy();
      throw e;
    }
    const g = new RunGroup(ctx, group, runs, batch, blocks, dims, task, options);
    const initial = options.initial;
    runs.forEach((run, r) => {
      const { block, k } = g.place(r);
      block.writeRunSet(block.buf.params, k, initial?.parameters[r] ?? initialParameters(run, dims));
      const state = initial?.optimizerState[r];
      if (state) block.writeRunSet(block.buf.state, k, state);
    });
    g.writeHyper();
    // make W, s consistent with U, V, p on the GPU (factorised runs): W = U diag(relu(s(p))) V^T
    const recompose = blocks.flatMap((b) => b.plan.recompose);
    if (recompose.length) {
      const enc = ctx.device.createCommandEncoder({ label: 'initial recompose' });
      const pass = enc.beginComputePass();
      encodeDispatches(pass, recompose);
      pass.end();
      ctx.device.queue.submit([enc.finish()]);
    }
    return g;
  }

  /** The block of a cell (undefined when the group has no run of it). */
  private block(cell: CellKind): CellBlock | undefined {
    return this.blocks.find((b) => b.cell === cell);
  }

  /** Where group run r lives: its block and its index there. */
  private place(r: number): { block: CellBlock; k: number } {
    for (const block of this.blocks) {
      const k = block.local(r);
      if (k >= 0) return { block, k };
    }
    throw new Error(`no run ${r} in this group (it has ${this.runs.length})`);
  }

  /**
   * Changes a run's settings in place, effective at the next iteration. A margin change keeps the singular
   * values that lie inside the new bounds and clamps the others to the bounds. Structural changes throw.
   */
  updateRun(r: number, next: RunSettings): void {
    const errors = validateExperiment(
      this.group,
      this.runs.map((run, i) => (i === r ? next : run)),
    );
    if (errors.length) throw new Error(errors.join('; '));
    const current = this.runs[r];
    const { block, k } = this.place(r);
    if (current.parameterisation !== next.parameterisation || (current.softOrth > 0 !== next.softOrth > 0 && !block.plan.hasSoftOrth)) {
      throw new Error(
        `Changing ${current.parameterisation !== next.parameterisation ? 'the model' : 'soft orthogonality from off to on'} needs a rebuild of the group`,
      );
    }
    const marginChanged = current.margin !== next.margin && next.parameterisation === 'factorised';
    if (marginChanged && (next.margin === null) !== (current.margin === null)) {
      throw new Error("Switching between a margin and 'none' changes what is trained (p or s) and needs a rebuild");
    }
    this.runs[r] = { ...next };
    this.writeHyper();
    if (marginChanged && block.cell === 'rnn' && 'remarginMask' in block.buf) {
      // flags accumulate until the next iteration applies them (two sliders moved between iterations)
      this.remarginMask[k] = 1;
      this.ctx.device.queue.writeBuffer(block.buf.remarginMask, 0, this.remarginMask);
      this.remarginPending = true;
    }
  }

  setPaused(r: number, paused: boolean): void {
    if (this.status[r].state === 'failed' && !paused)
      throw new Error(`Run ${this.runs[r].name} failed (${this.status[r].message}); reset it to train again`);
    this.status[r] = { state: paused ? 'paused' : 'training' };
    this.writeHyper();
  }

  private writeHyper(): void {
    const training = this.status.map((s) => s.state === 'training');
    for (const b of this.blocks) b.writeHyper(this.runs, training);
  }

  private uploadBatch(batch: TaskBatch): void {
    const q = this.ctx.device.queue;
    q.writeBuffer(this.batchBuf.x, 0, batch.x);
    q.writeBuffer(this.batchBuf.targets, 0, batch.targets);
    q.writeBuffer(this.batchBuf.weight, 0, batch.weight);
    q.writeBuffer(this.batchBuf.accWeight, 0, batch.accWeight);
  }

  /**
   * Loss_last (the mean over the batch of the last step's loss, at its scored positions) relative to the
   * training loss there: 1 / (B w) where w is the weight of a scored position at the last step (tasks give
   * every scored position of a step the same weight; padded rows have 0 and are left out either way).
   */
  private flowScale(batch: TaskBatch): number {
    const { B, Lout } = this.dims;
    let wLast = 0;
    for (let b = 0; b < B; b++) wLast = Math.max(wLast, batch.weight[(Lout - 1) * B + b]);
    return wLast > 0 ? 1 / B / wLast : 0;
  }

  private setFlow(track: boolean, batch: TaskBatch): void {
    const scale = this.flowScale(batch);
    for (const b of this.blocks) b.plan.setFlow(track, scale);
    this.flowOn = track;
  }

  /** Runs one training iteration on a fresh batch; metrics arrive through collect(). */
  step(): void {
    if (this.destroyed) throw new Error('This run group was destroyed');
    const batch = this.task.batch(this.dataRng, this.dims.B);
    this.uploadBatch(batch);
    const track = (this.iteration + 1) % this.group.trackEvery === 0 || this.iteration === 0;
    if (track || track !== this.flowOn) this.setFlow(track, batch);
    const enc = this.ctx.device.createCommandEncoder({ label: `iteration ${this.iteration + 1}` });
    const pass = enc.beginComputePass();
    const remargined = this.remarginPending;
    if (remargined) {
      for (const b of this.blocks) encodeDispatches(pass, b.plan.remargin);
      this.remarginPending = false;
    }
    for (const b of this.blocks) encodeDispatches(pass, b.plan.gradients);
    if (track) for (const b of this.blocks) encodeDispatches(pass, b.plan.drift);
    for (const b of this.blocks) encodeDispatches(pass, b.plan.update);
    // the spectrum of free matrices, of the W the next iteration starts from (only n values per run are read back)
    if (track) for (const b of this.blocks) encodeDispatches(pass, b.plan.spectrum);
    pass.end();
    if (this.ringUsed === 0) this.ringFirstIteration = this.iteration + 1;
    // a ring slot holds, block after block, the block's loss stats then its penalty stats
    let off = this.ringUsed * this.dims.R * STATS_PER_RUN * 4;
    for (const b of this.blocks) {
      enc.copyBufferToBuffer(b.buf.lossStats, 0, this.ring, off, b.dims.R * LOSS_STATS * 4);
      off += b.dims.R * LOSS_STATS * 4;
      enc.copyBufferToBuffer(b.buf.penaltyStats, 0, this.ring, off, b.dims.R * PENALTY_STATS * 4);
      off += b.dims.R * PENALTY_STATS * 4;
    }
    this.ringUsed++;
    this.iteration++;
    if (track || this.ringUsed === RING_SLOTS) this.flush(enc, track);
    else this.ctx.device.queue.submit([enc.finish()]);
    const rnn = this.block('rnn');
    if (remargined && rnn && 'remarginMask' in rnn.buf) {
      // queue-ordered after the submit above, so that iteration still saw the flags
      this.remarginMask.fill(0);
      this.ctx.device.queue.writeBuffer(rnn.buf.remarginMask, 0, this.remarginMask);
    }
  }

  /**
   * The traces one block copies out on a tracking iteration, in this order, with their sizes in floats:
   * flow; for RNN blocks s and drift; where the block has free matrices their singular values and info.
   */
  private traceParts(b: CellBlock): { src: GPUBuffer; floats: number }[] {
    const { L, n } = this.dims;
    const R = b.dims.R;
    const parts = [{ src: b.buf.flow, floats: R * (L + 1) }];
    if (b.buf.cell === 'rnn') parts.push({ src: b.buf.params.s, floats: R * n }, { src: b.buf.drift, floats: 2 * R });
    if (b.buf.spectrum)
      parts.push({ src: b.buf.spectrum.sv, floats: R * n }, { src: b.buf.spectrum.info, floats: R * SINGULAR_VALUES_INFO });
    return parts;
  }

  /** Copies the ring (and, on tracking iterations, the traces) to a staging buffer and maps it without waiting. */
  private flush(enc: GPUCommandEncoder, track: boolean): void {
    const statsBytes = this.ringUsed * this.dims.R * STATS_PER_RUN * 4;
    const parts = track ? this.blocks.flatMap((b) => this.traceParts(b)) : [];
    const size = statsBytes + parts.reduce((a, p) => a + p.floats * 4, 0);
    const staging = this.takeStaging(size);
    enc.copyBufferToBuffer(this.ring, 0, staging, 0, statsBytes);
    let off = statsBytes;
    for (const p of parts) {
      enc.copyBufferToBuffer(p.src, 0, staging, off, p.floats * 4);
      off += p.floats * 4;
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
    return this.ctx.device.createBuffer({
      label: 'metricsStaging',
      size: Math.ceil(size / 256) * 256,
      usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
    });
  }

  private parse(data: Float32Array, slots: number, first: number, track: boolean, runs: RunSettings[]): void {
    const { R, L, n } = this.dims;
    const hasAcc = this.task.hasAccuracy;
    for (let slot = 0; slot < slots; slot++) {
      const metrics: RunMetrics[] = new Array(R);
      let off = slot * R * STATS_PER_RUN;
      for (const b of this.blocks) {
        const Rb = b.dims.R;
        b.members.forEach((r, k) => {
          metrics[r] = {
            loss: data[off + k * LOSS_STATS],
            accuracy: hasAcc ? data[off + k * LOSS_STATS + 1] : NaN,
            softOrthPenalty: data[off + Rb * LOSS_STATS + k * PENALTY_STATS],
            weightDecayPenalty: data[off + Rb * LOSS_STATS + k * PENALTY_STATS + 1],
          };
        });
        off += Rb * STATS_PER_RUN;
      }
      this.records.push({ iteration: first + slot, runs: metrics });
      this.checkFinite(first + slot, metrics);
    }
    if (!track) return;
    const flow: Float32Array[] = new Array(R);
    const spectrum: (Float32Array | null)[] = new Array(R);
    const spectrumNote: (string | null)[] = new Array(R).fill(null);
    const drift: ([number, number] | null)[] = new Array(R);
    let off = slots * R * STATS_PER_RUN;
    for (const b of this.blocks) {
      const parts = this.traceParts(b).map((p) => {
        const view = data.subarray(off, off + p.floats);
        off += p.floats;
        return view;
      });
      // the free spectrum's parts come last: sv [R][n], info [R][4]
      const [sv, info] = b.buf.spectrum ? parts.slice(-2) : [];
      b.members.forEach((r, k) => {
        flow[r] = parts[0].slice(k * (L + 1), (k + 1) * (L + 1));
        if (runs[r].parameterisation === 'factorised') {
          spectrum[r] = Float32Array.from(parts[1].subarray(k * n, (k + 1) * n), (v) => Math.max(v, 0));
          drift[r] = [parts[2][2 * k], parts[2][2 * k + 1]];
        } else {
          const what = b.cell === 'lstm' ? 'the stacked W' : 'W';
          const free = freeSpectrum(
            sv.subarray(k * n, (k + 1) * n),
            info.subarray(k * SINGULAR_VALUES_INFO, (k + 1) * SINGULAR_VALUES_INFO),
            what,
          );
          spectrum[r] = free.values;
          spectrumNote[r] = free.note;
          drift[r] = null;
        }
      });
    }
    this.records[this.records.length - 1].track = { flow, spectrum, spectrumNote, drift };
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
    this.setFlow(true, batch);
    const enc = this.ctx.device.createCommandEncoder();
    const pass = enc.beginComputePass();
    for (const b of this.blocks) encodeDispatches(pass, b.plan.gradients);
    pass.end();
    this.ctx.device.queue.submit([enc.finish()]);
    const out: RunMetrics[] = new Array(this.dims.R);
    for (const b of this.blocks) {
      const loss = await readF32(this.ctx.device, b.buf.lossStats, b.dims.R * LOSS_STATS);
      const pen = await readF32(this.ctx.device, b.buf.penaltyStats, b.dims.R * PENALTY_STATS);
      b.members.forEach((r, k) => {
        out[r] = {
          loss: loss[k * LOSS_STATS],
          accuracy: this.task.hasAccuracy ? loss[k * LOSS_STATS + 1] : NaN,
          softOrthPenalty: pen[k * PENALTY_STATS],
          weightDecayPenalty: pen[k * PENALTY_STATS + 1],
        };
      });
    }
    return out;
  }

  async readFlow(r: number): Promise<Float32Array> {
    const L1 = this.dims.L + 1;
    const { block, k } = this.place(r);
    return readF32(this.ctx.device, block.buf.flow, L1, k * L1);
  }

  private readSet(which: 'params' | 'grads' | 'state', r: number): Promise<ParamSet> {
    const { block, k } = this.place(r);
    return block.readRunSet(block.buf[which], k);
  }

  readParameters(r: number): Promise<ParamSet> {
    return this.readSet('params', r);
  }
  readGradients(r: number): Promise<ParamSet> {
    return this.readSet('grads', r);
  }
  readOptimizerState(r: number): Promise<ParamSet> {
    return this.readSet('state', r);
  }
  writeParameters(r: number, values: ParamSet): void {
    const { block, k } = this.place(r);
    block.writeRunSet(block.buf.params, k, values);
  }

  /** The number of dispatches one training iteration encodes (tracking iterations add the drift pair and the spectrum of free matrices). */
  get dispatchesPerIteration(): number {
    return this.blocks.reduce((a, b) => a + b.plan.gradients.length + b.plan.update.length, 0);
  }

  async destroy(): Promise<void> {
    if (this.destroyed) return;
    await Promise.allSettled([...this.pending]);
    this.destroyed = true;
    for (const b of this.blocks) b.destroy();
    for (const b of this.batchBuf.all) b.destroy();
    this.ring.destroy();
    for (const b of this.stagingPool) b.destroy();
  }
}
