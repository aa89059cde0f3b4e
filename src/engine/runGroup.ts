/**
 * A run group on the GPU: runs that share the task, T, batch and hidden size and train side by side, each
 * with its own seed, model (factorised or plain RNN, or LSTM), margin, initialisation, nonlinearity, gain,
 * learning rates, penalties and clip. The runs of each cell form a block (src/engine/cellBlock.ts) whose
 * kernels serve all its runs at once, so an iteration costs the dispatches of one run per cell present,
 * however many runs train. Every block sees the same batch, unless some runs draw from data streams of their
 * own (a data offset, src/engine/dataStreams.ts): then each stream is drawn once per iteration and every run
 * trains on its stream's batch.
 *
 * The group owns its buffers and its dispatch plan; it publishes plain numbers (IterationRecord) and knows
 * nothing of any UI. Metrics are copied on the GPU into a ring and read back in batches through a fixed pool
 * of staging buffers (readback.ts), so reading never stalls the queue.
 *
 * Before anything is built, create() holds the group's memory plan (memoryPlan.ts) against the device's
 * limits and a memory budget and refuses a group that does not fit with a MemoryPlanError (memoryCheck.ts).
 * Building, every iteration and every readback run inside GPU error scopes (gpuScopes.ts): a GPU error or a
 * lost device stops the group, and collect() hands back only what was measured before it.
 *
 * Every iteration the run guard (src/engine/runHealth.ts) checks each run on the GPU after its gradients and
 * before any update; a run whose loss, gradients or parameters leave the finite bounds is frozen there at its
 * last finite state. The guard's health table travels back with the metrics, and the group marks such a run
 * 'failed' with the iteration and the reason; its records after that iteration hold NaN, not measurements.
 */

import { readF32 } from '../gpu/buffers.ts';
import { GpuError } from '../gpu/device.ts';
import { type Dispatch, encodeDispatches } from '../gpu/kernel.ts';
import type { OpContext } from '../gpu/ops/context.ts';
import { SINGULAR_VALUES_INFO, SingularValuesStatus } from '../gpu/ops/singularValues.ts';
import { Rng } from '../random/rng.ts';
import { isDataTask, makeTask, type SyntheticTaskName, type Task, type TaskBatch, type TaskShape } from '../tasks/index.ts';
import { outputStepCount, type TrainingPosition } from '../tasks/task.ts';
import { batchSteps, lengthFor } from './batchLength.ts';
import { CellBlock } from './cellBlock.ts';
import { type DataStreamState, perRunBatches, streamLayout } from './dataStreams.ts';
import { alignedFlow, type FlowRows, flowRowCounts, flowRows } from './flowRows.ts';
import { GpuScopes, TrainingGpuError } from './gpuScopes.ts';
import { allocateBatchBuffers, type BatchBuffers, LOSS_STATS, PENALTY_STATS } from './groupBuffers.ts';
import { initRunParameters } from './init.ts';
import { assertGroupFits, outOfMemoryAdvice } from './memoryCheck.ts';
import type { MemoryPlan } from './memoryPlan.ts';
import { type CellKind, cellOf, type ModelDims, type ParamSet, paramNames, paramSize } from './parameters.ts';
import { type IterationPhase, type IterationProfile, profileFromTimestamps, withFlops } from './profile.ts';
import { RING_SLOTS, STAGING_SLOTS, STATS_PER_RUN, type TracePart, traceParts } from './readback.ts';
import { type FailureReason, failureMessage, failureReason, HEALTH_STRIDE, Health, HealthState } from './runHealth.ts';
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
  /**
   * true when the run failed at an earlier iteration and is frozen: every number above is then NaN, not a
   * measurement (the iteration it failed at itself holds what was measured there, the values that stopped it)
   */
  frozen?: boolean;
}

export interface TrackRecord {
  /**
   * per run: the gradient flow aligned on each row's last scored step (src/engine/flowRows.ts, docs/SCIENCE.md
   * 7.1): index k = L - s sums (dLoss_last/dh)^2 over the units and the rows' states s steps before their last
   * scored step, scaled by B' / flowCounts[k]; NaN where no row reaches k, and everywhere once the run is frozen
   */
  flow: Float32Array[];
  /**
   * [L+1] the batch rows behind each flow index (the same batch for every run; B' everywhere when no row is
   * padded). Absent when the runs' data streams gave batches with different rows (text over data): then
   * flowCountsPerRun has each run's
   */
  flowCounts?: Uint32Array;
  /** per run: its batch's rows behind each flow index, when they differ between runs (several data streams) */
  flowCountsPerRun?: Uint32Array[];
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
  /** 'failed': the iteration whose step failed (the run holds the state it had after iteration - 1) */
  iteration?: number;
  /** 'failed': what happened, where the run stands, what to try */
  message?: string;
  /** 'failed' in this group: what the run guard found (absent for a run that failed before the group was built) */
  reason?: FailureReason;
}

export interface InitialState {
  /** per run: its parameters, or undefined to initialise that run from its settings (a run added to a group) */
  parameters: (ParamSet | undefined)[];
  /** per run: optimiser state, or undefined to start it at zero */
  optimizerState: (ParamSet | undefined)[];
  iteration: number;
  dataRngState: number[];
  /** where the task's training stream stood (a data-backed task's epoch and position); absent: the start */
  dataPosition?: TrainingPosition;
  /**
   * a group with several data streams (src/engine/dataStreams.ts): each stream's state, by its data offset
   * (dataRngState and dataPosition are then the first stream's). A stream of the group that is not listed
   * starts at its seed; without the list, dataRngState and dataPosition are the stream at offset 0's.
   */
  dataStreams?: DataStreamState[];
  /**
   * per run: its status when saved, or undefined for 'training'. A 'failed' run stays frozen on the GPU (it
   * never trains again in this group) and says so; a 'paused' one starts paused.
   */
  status?: (RunStatus | undefined)[];
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
  /** bytes the group may take on the GPU in all (default DEFAULT_MEMORY_BUDGET, see memoryCheck.ts) */
  memoryBudget?: number;
  /**
   * every batch runs all L steps. By default a text group prepares its gradients for shorter lengths too and
   * runs each batch to its last scored step, rounded up (src/engine/batchLength.ts): the same gradients
   */
  fullLength?: boolean;
}

export function groupDims(group: GroupSettings, task: TaskShape, R: number): ModelDims {
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

/** A dispatch of an iteration with the block and phase it belongs to (iterationOps). */
interface ProfiledDispatch {
  dispatch: Dispatch;
  cell: CellKind;
  phase: IterationPhase;
}

/** What a profiled iteration leaves for profileStep to read. */
interface ProfilerCapture {
  iteration: number;
  ops: ProfiledDispatch[];
  querySet: GPUQuerySet;
  resolved: GPUBuffer;
  read: GPUBuffer;
}

export class RunGroup {
  readonly task: Task;
  readonly dims: ModelDims;
  readonly runs: RunSettings[];
  readonly status: RunStatus[];
  /** one block per cell present (RNN first), each training its runs in shared dispatches */
  readonly blocks: CellBlock[];

  /** iterations completed (encoded; their metrics arrive through collect()) */
  private completed: number;
  /**
   * the data streams, one per distinct data offset among the runs (dataStreams.ts), in order of their first
   * run: every iteration draws one batch from each. With one stream the task keeps its training position
   * itself; with several each stream keeps its own and hands it to the task to draw (Task.start)
   */
  private streams: { offset: number; seed: number; rng: Rng; position?: TrainingPosition }[];
  /** per run: the index of its stream */
  private readonly streamOf: readonly number[];
  /** the group settings, a copy: changed only through setTrackEvery and restartData */
  private readonly settings: GroupSettings;

  private readonly records: IterationRecord[] = [];
  private readonly pending = new Set<Promise<void>>();
  /** the staging buffers not being read back now (STAGING_SLOTS in all, made with the group) */
  private readonly stagingPool: GPUBuffer[] = [];
  private readonly staging: GPUBuffer[] = [];
  private readonly ring: GPUBuffer;
  private readonly scopes: GpuScopes;
  private lost: GPUDeviceLostInfo | null = null;
  private ringUsed = 0;
  private ringFirstIteration = 0;
  private flowOn = false;
  private readonly steps = { computed: 0, full: 0, lastLength: 0 };
  /** per run, the flow rows of its batch of each tracking iteration whose readback has not been parsed yet */
  private readonly flowRowsAt = new Map<number, FlowRows[]>();
  /** per run, the flow rows of the last batch the flow delta ran on (readFlow aligns with them) */
  private flowRowsNow: FlowRows[] | null = null;
  private remarginPending = false;
  /** set by profileStep for the one iteration it encodes (each dispatch in its own timed pass) */
  private profiler: { taken: ProfilerCapture | null } | null = null;
  /** per RNN-block run: 1 = its margin changed since the last iteration */
  private readonly remarginMask: Float32Array;
  private destroyed = false;

  private constructor(
    readonly ctx: OpContext,
    group: GroupSettings,
    runs: RunSettings[],
    /** the batch buffers: one set shared by every block, or (several data streams) one per block, as blocks */
    private readonly batchBufs: BatchBuffers[],
    blocks: CellBlock[],
    dims: ModelDims,
    task: Task,
    options: RunGroupOptions,
    /** every buffer the group holds, as planned before it was built */
    readonly memory: MemoryPlan,
  ) {
    this.settings = { ...group };
    this.runs = runs.map((r) => ({ ...r }));
    this.status = runs.map((_, r) => statusFromFile(options.initial?.status?.[r], runs[r].name));
    this.blocks = blocks;
    this.dims = dims;
    this.task = task;
    this.completed = options.initial?.iteration ?? 0;
    const layout = streamLayout(group, runs);
    this.streamOf = layout.of;
    const initial = options.initial;
    if (layout.offsets.length === 1) {
      const seed = layout.seeds[0];
      // a group that had several streams hands over the one of this offset (none: it starts at its seed)
      const saved = initial?.dataStreams
        ? initial.dataStreams.find((st) => st.offset === layout.offsets[0])
        : initial && { rngState: initial.dataRngState, position: initial.dataPosition };
      this.streams = [{ offset: layout.offsets[0], seed, rng: saved ? Rng.fromState(saved.rngState) : new Rng(seed) }];
      // the task's training stream starts from the stream's data seed, or continues where a checkpoint left it
      task.start(seed, saved?.position);
    } else {
      this.streams = layout.offsets.map((offset, i) => {
        const seed = layout.seeds[i];
        const saved = initial?.dataStreams
          ? initial.dataStreams.find((st) => st.offset === offset)
          : initial && offset === 0
            ? { offset, rngState: initial.dataRngState, position: initial.dataPosition }
            : undefined;
        // checked here, where it is read (Task.start checks a position against the training split)
        task.start(seed, saved?.position);
        return { offset, seed, rng: saved ? Rng.fromState(saved.rngState) : new Rng(seed), position: task.position() };
      });
    }
    this.remarginMask = new Float32Array(this.block('rnn')?.dims.R ?? 0);
    this.scopes = new GpuScopes(ctx.device);
    ctx.device.lost.then((info) => {
      if (!this.destroyed) this.lost = info;
    });
    const ring = memory.shared.find((b) => b.name === 'metricsRing')!;
    this.ring = ctx.device.createBuffer({
      label: 'metricsRing',
      size: ring.bytes,
      usage: GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
    });
    const staging = memory.shared.find((b) => b.name === 'metricsStaging')!;
    for (let k = 0; k < STAGING_SLOTS; k++) {
      const b = ctx.device.createBuffer({
        label: 'metricsStaging',
        size: staging.bytes,
        usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
      });
      this.staging.push(b);
      this.stagingPool.push(b);
    }
  }

  /**
   * Builds the group. Refuses, before anything is created, a group whose memory plan the device's limits or
   * the memory budget do not allow (MemoryPlanError); a GPU error while building (out of memory, say)
   * destroys what was made and throws a GpuError.
   */
  static async create(ctx: OpContext, group: GroupSettings, runs: RunSettings[], options: RunGroupOptions = {}): Promise<RunGroup> {
    const errors = validateExperiment(group, runs);
    if (errors.length) throw new Error(`Invalid experiment: ${errors.join('; ')}`);
    const named = group.task;
    if (!options.task && isDataTask(named))
      throw new Error(
        `the ${named} task trains on a data set: load it first and pass the task (groupTaskSource in src/tasks/taskSource.ts)`,
      );
    const task = options.task ?? makeTask(named as SyntheticTaskName, group.T);
    const dims = groupDims(group, task, runs.length);
    const memory = assertGroupFits(group, runs, {
      software: ctx.software,
      quads: ctx.quads,
      limits: ctx.device.limits,
      budget: options.memoryBudget,
      naive: options.naive,
      task: options.task,
      fullLength: options.fullLength,
    });
    const device = ctx.device;
    device.pushErrorScope('internal');
    device.pushErrorScope('out-of-memory');
    device.pushErrorScope('validation');
    let g: RunGroup | undefined;
    let failure: unknown;
    try {
      g = await RunGroup.build(ctx, group, runs, options, task, dims, memory);
    } catch (e) {
      failure = e;
    }
    // the scopes are popped whatever happened; a GPU error outranks the build's own (it is usually the cause)
    const [validation, outOfMemory, internal] = await Promise.all([device.popErrorScope(), device.popErrorScope(), device.popErrorScope()]);
    const scoped = outOfMemory ?? validation ?? internal;
    if (scoped || failure) {
      await g?.destroy();
      if (scoped) {
        const kind =
          scoped instanceof GPUOutOfMemoryError ? 'out-of-memory' : scoped instanceof GPUValidationError ? 'validation' : 'internal';
        const advice =
          kind === 'out-of-memory'
            ? ` ${outOfMemoryAdvice(group, runs, { software: ctx.software, quads: ctx.quads, limits: ctx.device.limits, budget: options.memoryBudget, naive: options.naive, task: options.task }, memory)}`
            : '';
        throw new GpuError(
          kind,
          `The GPU could not build the run group (${kind}): ${kind === 'out-of-memory' ? `${scoped.message.trim().split('\n')[0]}.${advice}` : scoped.message}`,
        );
      }
      throw failure;
    }
    return g!;
  }

  private static async build(
    ctx: OpContext,
    group: GroupSettings,
    runs: RunSettings[],
    options: RunGroupOptions,
    task: Task,
    dims: ModelDims,
    memory: MemoryPlan,
  ): Promise<RunGroup> {
    // one batch shared by every block, or (runs on several data streams) one per run in each block
    const perRun = perRunBatches(runs);
    const batches: BatchBuffers[] = perRun ? [] : [allocateBatchBuffers(ctx.device, dims, task.loss)];
    const blocks: CellBlock[] = [];
    try {
      for (const cell of ['rnn', 'lstm'] as const) {
        const members = runs.flatMap((r, i) => (cellOf(r) === cell ? [i] : []));
        if (!members.length) continue;
        if (perRun) batches.push(allocateBatchBuffers(ctx.device, dims, task.loss, { cell, R: members.length }));
        blocks.push(
          await CellBlock.create(ctx, cell, members, runs, dims, batches[batches.length - 1], {
            loss: task.loss,
            optimizer: group.optimizer,
            naive: options.naive,
            storage: memory.storage,
            lengths: memory.lengths,
            perRunBatch: perRun,
          }),
        );
      }
    } catch (e) {
      for (const b of blocks) b.destroy();
      for (const b of batches.flatMap((x) => x.all)) b.destroy();
      throw e;
    }
    const g = new RunGroup(ctx, group, runs, batches, blocks, dims, task, options, memory);
    const initial = options.initial;
    runs.forEach((run, r) => {
      const { block, k } = g.place(r);
      block.writeRunSet(block.buf.params, k, initial?.parameters[r] ?? initialParameters(run, dims));
      const state = initial?.optimizerState[r];
      if (state) block.writeRunSet(block.buf.state, k, state);
    });
    g.writeHyper();
    g.writeHealth();
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

  /** Iterations completed so far (1-based records: the next step measures iteration + 1). */
  get iteration(): number {
    return this.completed;
  }

  /** The group's settings as it trains them now (change them through setTrackEvery and restartData). */
  get group(): Readonly<GroupSettings> {
    return this.settings;
  }

  /**
   * The data generator's state now (Rng.getState): what a checkpoint saves so that training resumes exactly
   * (with several data streams, the first stream's; dataStreams() has them all).
   */
  dataRngState(): number[] {
    return this.streams[0].rng.getState();
  }

  /** With several data streams, each one's state by its offset (what a checkpoint saves); undefined with one. */
  dataStreams(): DataStreamState[] | undefined {
    if (this.streams.length === 1) return undefined;
    return this.streams.map((st) => ({
      offset: st.offset,
      rngState: st.rng.getState(),
      ...(st.position ? { position: { ...st.position } } : {}),
    }));
  }

  /** Restarts the data streams from `seed` (each at seed + its offset) at the next iteration (a live change of the data seed). */
  restartData(seed: number): void {
    const errors = validateExperiment({ ...this.settings, dataSeed: seed }, this.runs);
    if (errors.length) throw new Error(errors.join('; '));
    this.settings.dataSeed = seed;
    const layout = streamLayout(this.settings, this.runs);
    // a data-backed task's epoch order is drawn from the seed: its stream restarts at the first epoch
    this.streams = layout.offsets.map((offset, i) => {
      this.task.start(layout.seeds[i]);
      return { offset, seed: layout.seeds[i], rng: new Rng(layout.seeds[i]), position: this.task.position() };
    });
    if (this.streams.length === 1) this.streams[0].position = undefined;
    else this.task.start(layout.seeds[0]);
  }

  /** One batch from each data stream, in stream order (a data-backed task draws each from its stream's position). */
  private drawBatches(): TaskBatch[] {
    const B = this.dims.B;
    if (this.streams.length === 1) return [this.task.batch(this.streams[0].rng, B)];
    return this.streams.map((st) => {
      this.task.start(st.seed, st.position);
      const batch = this.task.batch(st.rng, B);
      st.position = this.task.position();
      return batch;
    });
  }

  /** Traces are recorded every `trackEvery` iterations from the next one on (a live change). */
  setTrackEvery(trackEvery: number): void {
    const errors = validateExperiment({ ...this.settings, trackEvery }, this.runs);
    if (errors.length) throw new Error(errors.join('; '));
    this.settings.trackEvery = trackEvery;
  }

  /**
   * Where the task's training stream stands (saved in checkpoints: a resumed run continues the same order);
   * with several data streams, the first stream's (dataStreams() has them all).
   */
  get dataPosition(): TrainingPosition {
    const first = this.streams[0];
    return this.streams.length === 1 || !first.position ? this.task.position() : { ...first.position };
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
    if (this.status[r].state === 'failed')
      throw new Error(`Run ${this.runs[r].name} failed (${this.status[r].message}); reset it to train again`);
    this.status[r] = { state: paused ? 'paused' : 'training' };
    this.writeHyper();
  }

  /**
   * The health tables at creation: runs that failed before (InitialState.status) start frozen, marked
   * RESTORED with the iteration they failed at; the others healthy. Only a new group clears a frozen run.
   */
  private writeHealth(): void {
    for (const b of this.blocks) {
      const table = new Uint32Array(b.dims.R * HEALTH_STRIDE);
      b.members.forEach((r, k) => {
        const st = this.status[r];
        if (st.state !== 'failed') return;
        table[k * HEALTH_STRIDE + Health.STATE] = HealthState.RESTORED;
        table[k * HEALTH_STRIDE + Health.ITERATION] = st.iteration ?? 0;
      });
      this.ctx.device.queue.writeBuffer(b.buf.health, 0, table);
    }
  }

  private writeHyper(): void {
    const training = this.status.map((s) => s.state === 'training');
    for (const b of this.blocks) b.writeHyper(this.runs, training);
  }

  /** Writes one batch per data stream (stream order): the shared batch, or each block's runs' batches in block order. */
  private uploadBatch(batches: readonly TaskBatch[]): void {
    const q = this.ctx.device.queue;
    if (this.streams.length === 1) {
      const [batch] = batches;
      const buf = this.batchBufs[0];
      q.writeBuffer(buf.x, 0, batch.x);
      q.writeBuffer(buf.targets, 0, batch.targets);
      q.writeBuffer(buf.weight, 0, batch.weight);
      q.writeBuffer(buf.accWeight, 0, batch.accWeight);
      return;
    }
    this.blocks.forEach((b, i) => {
      const buf = this.batchBufs[i];
      const mine = b.members.map((r) => batches[this.streamOf[r]]);
      const stack = <T extends Float32Array | Uint32Array>(part: (x: TaskBatch) => T): T => {
        const first = part(mine[0]);
        const out = new (first.constructor as new (n: number) => T)(first.length * mine.length);
        for (const [k, x] of mine.entries()) out.set(part(x), k * first.length);
        return out;
      };
      for (const part of ['x', 'targets', 'weight', 'accWeight'] as const)
        q.writeBuffer(
          buf[part],
          0,
          stack((x) => x[part]),
        );
    });
  }

  /**
   * Turns the flow delta on or off for this batch: Loss_last = (1/B') sum over the B' rows scoring anything of
   * the loss at the row's last scored step t_b, each row injecting at its own t_b with scale 1 / (B' w(t_b, b))
   * (src/engine/flowRows.ts). Returns the rows (their counts align the flow read back).
   */
  private setFlow(track: boolean, batches: readonly TaskBatch[]): FlowRows[] {
    if (this.streams.length === 1) {
      const rows = flowRows(batches[0]);
      for (const b of this.blocks) b.plan.setFlow(track, rows);
      this.flowOn = track;
      const all = this.runs.map(() => rows);
      if (track) this.flowRowsNow = all;
      return all;
    }
    // one batch per run: each block's backward takes each of its runs' rows (a row table per run)
    const byStream = batches.map((batch) => flowRows(batch));
    const all = this.runs.map((_, r) => byStream[this.streamOf[r]]);
    for (const b of this.blocks)
      b.plan.setFlow(
        track,
        b.members.map((r) => all[r]),
      );
    this.flowOn = track;
    if (track) this.flowRowsNow = all;
    return all;
  }

  /** Whether iteration `it` (1-based) records traces. */
  private tracks(it: number): boolean {
    return it % this.group.trackEvery === 0 || it === 1;
  }

  /**
   * Whether step() may run now: false while every staging buffer is being read back and the next iteration
   * would need one (it tracks, or it fills the ring). Then await collect() first.
   */
  get canStep(): boolean {
    const flushes = this.tracks(this.iteration + 1) || this.ringUsed + 1 === RING_SLOTS;
    return !flushes || this.stagingPool.length > 0;
  }

  /** Throws when the group cannot train any more: destroyed, failed on the GPU, or its device lost. */
  private assertUsable(): void {
    if (this.destroyed) throw new Error('This run group was destroyed');
    const f = this.scopes.failure;
    if (f) throw new TrainingGpuError(f.kind, f.iteration, f.message, []);
    if (this.lost) throw new TrainingGpuError('device-lost', this.iteration + 1, this.lost.message || this.lost.reason, []);
  }

  /**
   * Runs one training iteration on a fresh batch; metrics arrive through collect(). Its commands are
   * recorded and submitted inside GPU error scopes: an error spoils this iteration's numbers, and those of
   * the earlier iterations its readback carries (collect() keeps only what came before).
   */
  step(): void {
    this.assertUsable();
    if (!this.canStep) throw new Error('RunGroup.step(): every staging buffer is still being read back; await collect() first');
    const it = this.iteration + 1;
    const flushes = this.tracks(it) || this.ringUsed + 1 === RING_SLOTS;
    const spoils = flushes && this.ringUsed > 0 ? this.ringFirstIteration : it;
    this.scopes.run(spoils, () => this.encodeIteration());
  }

  /**
   * One iteration's dispatches in encoding order, each with its block's cell and its phase: the remargin
   * (after a margin change), the gradients, on tracking iterations the orthogonality drift, the guard (it
   * decides on this iteration's loss and gradients before anything is updated), the update, and on tracking
   * iterations the spectrum of free matrices (of the W the next iteration starts from).
   */
  private iterationOps(track: boolean, remargined: boolean, length: number): ProfiledDispatch[] {
    const ops: ProfiledDispatch[] = [];
    const add = (phase: IterationPhase) => {
      for (const b of this.blocks)
        for (const dispatch of phase === 'gradients' ? b.plan.gradientsFor(length) : b.plan[phase])
          ops.push({ dispatch, cell: b.cell, phase });
    };
    if (remargined) add('remargin');
    add('gradients');
    if (track) add('drift');
    add('guard');
    add('update');
    if (track) add('spectrum');
    return ops;
  }

  /**
   * Trains one iteration, like step(), with every dispatch in a compute pass of its own between two GPU
   * timestamps, and resolves with its per-op profile (profile.ts) once the timestamps are read back (its
   * metrics arrive through collect() like any iteration's). Needs an adapter with 'timestamp-query'.
   */
  async profileStep(): Promise<IterationProfile> {
    if (!this.ctx.device.features.has('timestamp-query'))
      throw new Error("this adapter offers no 'timestamp-query' feature: WebGPU cannot time the ops of an iteration here");
    const profiler: { taken: ProfilerCapture | null } = { taken: null };
    this.profiler = profiler;
    try {
      this.step();
    } finally {
      this.profiler = null;
    }
    const taken = profiler.taken as ProfilerCapture | null;
    if (!taken) throw new Error('RunGroup.profileStep(): the iteration recorded no timestamps');
    try {
      await taken.read.mapAsync(GPUMapMode.READ);
      const stamps = new BigUint64Array(taken.read.getMappedRange().slice(0));
      taken.read.unmap();
      const d = this.dims;
      // each block's dispatches cover all its runs (the factorised and soft-orthogonality work too)
      const blocks = this.blocks.map((b) => ({
        cell: b.cell,
        runs: b.members.length,
        anyFactorised: b.members.some((r) => this.runs[r].parameterisation === 'factorised'),
        anySoftOrth: b.plan.hasSoftOrth,
        optimizer: this.settings.optimizer,
      }));
      return withFlops(
        profileFromTimestamps(
          taken.iteration,
          taken.ops.map((o) => ({ label: o.dispatch.label, cell: o.cell, phase: o.phase })),
          stamps,
        ),
        { L: d.L, B: d.B, I: d.I, O: d.O, n: d.n, outputSteps: d.Lout, loss: this.task.loss },
        blocks,
      );
    } finally {
      taken.querySet.destroy();
      taken.resolved.destroy();
      taken.read.destroy();
    }
  }

  private encodeIteration(): void {
    const batches = this.drawBatches();
    this.uploadBatch(batches);
    const track = this.tracks(this.iteration + 1);
    if (track || track !== this.flowOn) {
      const rows = this.setFlow(track, batches);
      if (track) this.flowRowsAt.set(this.iteration + 1, rows);
    }
    for (const b of this.blocks) b.plan.setGuardIteration(this.iteration + 1);
    const enc = this.ctx.device.createCommandEncoder({ label: `iteration ${this.iteration + 1}` });
    const remargined = this.remarginPending;
    this.remarginPending = false;
    const length = this.lengthOf(batches);
    const ops = this.iterationOps(track, remargined, length);
    const profiler = this.profiler;
    if (!profiler) {
      const pass = enc.beginComputePass();
      for (const o of ops) encodeDispatches(pass, [o.dispatch]);
      pass.end();
    } else {
      // profileStep: the same dispatches in the same order, each in a pass of its own between two timestamps
      const querySet = this.ctx.device.createQuerySet({ type: 'timestamp', count: 2 * ops.length });
      ops.forEach((o, i) => {
        const pass = enc.beginComputePass({
          label: o.dispatch.label,
          timestampWrites: { querySet, beginningOfPassWriteIndex: 2 * i, endOfPassWriteIndex: 2 * i + 1 },
        });
        encodeDispatches(pass, [o.dispatch]);
        pass.end();
      });
      const bytes = 16 * ops.length;
      const resolved = this.ctx.device.createBuffer({ size: bytes, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC });
      const read = this.ctx.device.createBuffer({ size: bytes, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
      enc.resolveQuerySet(querySet, 0, 2 * ops.length, resolved, 0);
      enc.copyBufferToBuffer(resolved, 0, read, 0, bytes);
      profiler.taken = { iteration: this.iteration + 1, ops, querySet, resolved, read };
    }
    if (this.ringUsed === 0) this.ringFirstIteration = this.iteration + 1;
    // a ring slot holds, block after block, the block's loss stats, its penalty stats and its health table
    let off = this.ringUsed * this.dims.R * STATS_PER_RUN * 4;
    for (const b of this.blocks) {
      for (const [src, words] of [
        [b.buf.lossStats, LOSS_STATS],
        [b.buf.penaltyStats, PENALTY_STATS],
        [b.buf.health, HEALTH_STRIDE],
      ] as const) {
        enc.copyBufferToBuffer(src, 0, this.ring, off, b.dims.R * words * 4);
        off += b.dims.R * words * 4;
      }
    }
    this.ringUsed++;
    this.completed++;
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
   * The traces one block copies out on a tracking iteration (readback.ts traceParts: flow; for RNN blocks s
   * and drift; where the block has free matrices their singular values and info), with their buffers.
   */
  private traceParts(b: CellBlock): { src: GPUBuffer; floats: number }[] {
    const buf = b.buf;
    const source = (part: TracePart): GPUBuffer => {
      if (part === 'flow') return buf.flow;
      if (part === 's') return buf.params.s;
      if (part === 'drift' && buf.cell === 'rnn') return buf.drift;
      if (part === 'sv' && buf.spectrum) return buf.spectrum.sv;
      if (part === 'info' && buf.spectrum) return buf.spectrum.info;
      throw new Error(`no trace '${part}' in a ${buf.cell} block`);
    };
    return traceParts(b.cell, b.dims.R, this.dims.L, this.dims.n, buf.spectrum !== null).map(({ part, floats }) => ({
      src: source(part),
      floats,
    }));
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
    const done = staging.mapAsync(GPUMapMode.READ, 0, size).then(
      () => {
        const data = new Float32Array(staging.getMappedRange(0, size).slice(0));
        staging.unmap();
        this.stagingPool.push(staging);
        this.parse(data, slots, first, track, runsSnapshot);
      },
      async (e: unknown) => {
        // nothing of this readback arrived: its iterations are lost. That is usually a lost device, whose
        // lost promise may settle a moment after the failed map: give it that moment to say so
        this.stagingPool.push(staging);
        const lost = await Promise.race([
          this.ctx.device.lost.then(() => true),
          new Promise<boolean>((r) => setTimeout(() => r(false), 250)),
        ]);
        this.scopes.fail(lost ? 'device-lost' : 'internal', first, `the metrics readback failed: ${(e as Error)?.message ?? String(e)}`);
      },
    );
    const tracked = done.finally(() => this.pending.delete(tracked));
    this.pending.add(tracked);
  }

  /** A free staging buffer (step() and collect() make sure there is one). */
  private takeStaging(size: number): GPUBuffer {
    const b = this.stagingPool.pop();
    if (!b) throw new Error('RunGroup: no free staging buffer (a flush without a free slot is a bug)');
    if (b.size < size) throw new Error(`RunGroup: a flush of ${size} bytes does not fit the planned staging buffer of ${b.size}`);
    return b;
  }

  private parse(data: Float32Array, slots: number, first: number, track: boolean, runs: RunSettings[]): void {
    const { R, L, n } = this.dims;
    const hasAcc = this.task.hasAccuracy;
    const words = new Uint32Array(data.buffer, data.byteOffset, data.length);
    /** per run, the iteration it failed at as the guard recorded it by the last slot (Infinity while healthy) */
    const failedAt: number[] = new Array(R).fill(Infinity);
    for (let slot = 0; slot < slots; slot++) {
      const iteration = first + slot;
      const metrics: RunMetrics[] = new Array(R);
      let off = slot * R * STATS_PER_RUN;
      for (const b of this.blocks) {
        const Rb = b.dims.R;
        const pen = off + Rb * LOSS_STATS;
        const health = pen + Rb * PENALTY_STATS;
        b.members.forEach((r, k) => {
          const row = health + k * HEALTH_STRIDE;
          const frozenAt = words[row + Health.STATE] === HealthState.HEALTHY ? Infinity : words[row + Health.ITERATION];
          failedAt[r] = frozenAt;
          metrics[r] =
            frozenAt < iteration
              ? { loss: NaN, accuracy: NaN, softOrthPenalty: NaN, weightDecayPenalty: NaN, frozen: true }
              : {
                  loss: data[off + k * LOSS_STATS],
                  accuracy: hasAcc ? data[off + k * LOSS_STATS + 1] : NaN,
                  softOrthPenalty: data[pen + k * PENALTY_STATS],
                  weightDecayPenalty: data[pen + k * PENALTY_STATS + 1],
                };
          if (frozenAt === iteration) this.markFailed(r, iteration, words[row + Health.FLAGS], metrics[r].loss);
        });
        off += Rb * STATS_PER_RUN;
      }
      this.records.push({ iteration, runs: metrics });
    }
    if (!track) return;
    const last = first + slots - 1;
    const rows = this.flowRowsAt.get(last);
    if (!rows) throw new Error(`RunGroup: no flow rows recorded for tracking iteration ${last} (a bug)`);
    // counted once per distinct rows (one stream: one count for every run)
    const countOf = new Map<FlowRows, Uint32Array>();
    const counts = rows.map((x) => countOf.get(x) ?? countOf.set(x, flowRowCounts(L, x)).get(x)!);
    const sameCounts = counts.every((c) => c === counts[0] || c.every((v, k) => v === counts[0][k]));
    this.flowRowsAt.delete(last);
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
        // the traces of a run frozen before this iteration were taken from a state it no longer trains from
        if (failedAt[r] < last) {
          flow[r] = new Float32Array(L + 1).fill(NaN);
          spectrum[r] = null;
          drift[r] = null;
          return;
        }
        flow[r] = alignedFlow(parts[0].subarray(k * (L + 1), (k + 1) * (L + 1)), rows[r]);
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
    this.records[this.records.length - 1].track = {
      flow,
      ...(sameCounts ? { flowCounts: counts[0] } : { flowCountsPerRun: counts }),
      spectrum,
      spectrumNote,
      drift,
    };
  }

  /** Run r was frozen by the guard at `iteration` (flags: what it found there; loss: the loss measured there). */
  private markFailed(r: number, iteration: number, flags: number, loss: number): void {
    if (this.status[r].state === 'failed') return;
    const reason = failureReason(flags) ?? 'loss-nan';
    this.status[r] = { state: 'failed', iteration, reason, message: failureMessage(reason, iteration, loss) };
    // its learning rates go to zero too (the GPU already ignores them for a frozen run)
    this.writeHyper();
  }

  /**
   * Waits for every readback and every error scope so far and returns the records not returned before, in
   * order. When a GPU error or a device loss spoiled some iteration, throws a TrainingGpuError holding the
   * records measured before it (the only valid ones); the group then trains no more.
   */
  async collect(): Promise<IterationRecord[]> {
    if (this.ringUsed > 0 && !this.scopes.failure && !this.lost && !this.destroyed) {
      while (!this.stagingPool.length && this.pending.size) await Promise.race([...this.pending]);
      const first = this.ringFirstIteration;
      this.scopes.run(first, () => this.flush(this.ctx.device.createCommandEncoder({ label: 'collect' }), false));
    }
    while (this.pending.size) await Promise.all([...this.pending]);
    await this.scopes.settle();
    const out = this.records.splice(0, this.records.length);
    out.sort((a, b) => a.iteration - b.iteration);
    // a loss with every readback in: what arrived is valid, nothing after it will come
    if (this.lost) this.scopes.fail('device-lost', this.iteration + 1, this.lost.message || this.lost.reason);
    const f = this.scopes.failure;
    if (f)
      throw new TrainingGpuError(
        f.kind,
        f.iteration,
        f.message,
        out.filter((r) => r.iteration < f.iteration),
      );
    return out;
  }

  /**
   * Forward and backward on a given batch without updating anything: afterwards the gradient buffers hold
   * dTrainingLoss/dparam (for evaluation, debugging and the gradient checks). Returns the task metrics.
   */
  async computeGradients(batch: TaskBatch): Promise<RunMetrics[]> {
    this.assertUsable();
    this.scopes.run(this.iteration + 1, () => {
      // every run computes its gradients on this one batch, whatever stream it trains on
      const batches = this.streams.map(() => batch);
      this.uploadBatch(batches);
      this.setFlow(true, batches);
      const length = this.lengthOf(batches);
      const enc = this.ctx.device.createCommandEncoder();
      const pass = enc.beginComputePass();
      for (const b of this.blocks) encodeDispatches(pass, b.plan.gradientsFor(length));
      pass.end();
      this.ctx.device.queue.submit([enc.finish()]);
    });
    await this.scopes.settle();
    this.assertUsable();
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

  /** Run r's gradient flow of the last computeGradients (or tracking iteration), aligned as TrackRecord.flow. */
  async readFlow(r: number): Promise<Float32Array> {
    const L1 = this.dims.L + 1;
    const { block, k } = this.place(r);
    if (!this.flowRowsNow) throw new Error('RunGroup.readFlow: no batch has run the flow delta yet');
    return alignedFlow(await readF32(this.ctx.device, block.buf.flow, L1, k * L1), this.flowRowsNow[r]);
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

  /**
   * The number of dispatches one training iteration of all L steps encodes (tracking iterations add the drift
   * pair and the spectrum of free matrices); dispatchesAt(length) for a shorter batch's.
   */
  get dispatchesPerIteration(): number {
    return this.dispatchesAt(this.dims.L);
  }

  /** The dispatches of a training iteration that runs `length` steps (one of `lengths`). */
  dispatchesAt(length: number): number {
    return this.blocks.reduce((a, b) => a + b.plan.gradientsFor(length).length + b.plan.guard.length + b.plan.update.length, 0);
  }

  /** The lengths (steps) the group's gradients are prepared for, ascending, the last one L (src/engine/batchLength.ts). */
  get lengths(): readonly number[] {
    return this.memory.lengths;
  }

  /**
   * The steps the iterations so far computed per batch row, and what all L steps would have been (trained
   * iterations and computeGradients): their ratio is what shorter batches save.
   */
  get stepsComputed(): { computed: number; full: number; lastLength: number } {
    return { ...this.steps };
  }

  /**
   * The prepared length an iteration runs: the last scored step over the rows of every stream's batch, rounded
   * up to a prepared length.
   */
  private lengthOf(batches: readonly TaskBatch[]): number {
    // one prepared length (every task but text): no need to scan the batch's rows
    const lengths = this.memory.lengths;
    const length = lengths.length === 1 ? lengths[0] : lengthFor(lengths, Math.max(...batches.map((batch) => batchSteps(flowRows(batch)))));
    this.steps.computed += length;
    this.steps.full += this.dims.L;
    this.steps.lastLength = length;
    return length;
  }

  async destroy(): Promise<void> {
    if (this.destroyed) return;
    await Promise.allSettled([...this.pending]);
    this.destroyed = true;
    for (const b of this.blocks) b.destroy();
    for (const b of this.batchBufs.flatMap((x) => x.all)) b.destroy();
    this.ring.destroy();
    for (const b of this.staging) b.destroy();
  }
}

/** A run's status from InitialState: 'training' when absent; a failed one keeps its iteration and message. */
function statusFromFile(st: RunStatus | undefined, name: string): RunStatus {
  if (!st || st.state === 'training') return { state: 'training' };
  if (st.state === 'paused') return { state: 'paused' };
  if (st.state !== 'failed') throw new Error(`Run ${name}: unknown status '${String(st.state)}' (training, paused or failed)`);
  const message = st.message ?? `it failed at iteration ${st.iteration ?? 'unknown'} and stays stopped at its last finite state`;
  return { state: 'failed', iteration: st.iteration, message };
}
