/**
 * The trainer: the one training loop, which the lab drives in the browser and the CLI in Node. It owns a run
 * group (RunGroup, or anything of its shape: TrainableGroup) and its iteration, paces the loop (pacing.ts:
 * chunks of iterations per tick, a bounded number of readbacks in flight, a chunk that adapts to the measured
 * speed and to a tick budget, with the host's clock), and tells the host what happened through typed events
 * of plain data (trainerEvents.ts). It knows no host: no DOM, no node: modules, no store. A host moving the
 * engine into a Worker changes who listens, not the loop.
 *
 *   start({ until })  trains until paused, failed or `until` iterations are complete; resolves once every
 *                     readback of the loop has been delivered, with why it ended
 *   pause()           stops encoding after the current tick; readbacks in flight still arrive as events
 *   halt()            pause() and wait until every readback has been delivered
 *   step()            one iteration and its metrics (halts first)
 *   save()            halts and takes a TrainingSnapshot (trainingSnapshot.ts); the host starts again if it wants
 *   Trainer.create / Trainer.resume   build the group (from its initialisation, an InitialState or a snapshot)
 * Live edits (updateRun, setRunPaused, setTrackEvery, restartData) take effect at the next iteration.
 *
 * Evaluation (issue 8, section 2; evaluationHook.ts): with an evaluator, each stretch of training ends at the
 * next iteration a round is due at (every k iterations, or every epoch of a data-backed task); with every
 * readback delivered the weights are then those of exactly that iteration, the round runs with the loop
 * halted, its results go out as an `evaluation` event, and training goes on. A round due at an iteration the
 * loop reached is never skipped (a pause on the way there still lets it run; halt, step, save and a new
 * start wait for it), and nothing is stepped while one is pending or running.
 */

import type { DataStreamState } from '../engine/dataStreams.ts';
import type { RunEvaluationState } from '../engine/evaluationSchedule.ts';
import { TrainingGpuError } from '../engine/gpuScopes.ts';
import type { ParamSet } from '../engine/parameters.ts';
import type { IterationProfile } from '../engine/profile.ts';
import { type IterationRecord, RunGroup, type RunGroupOptions, type RunStatus } from '../engine/runGroup.ts';
import type { GroupSettings, RunSettings } from '../engine/settings.ts';
import { GpuError } from '../gpu/device.ts';
import type { OpContext } from '../gpu/ops/context.ts';
import type { TrainingPosition } from '../tasks/task.ts';
import type { TrainerEvaluator } from './evaluationHook.ts';
import { Pacing, type PacingSettings, type TrainerClock } from './pacing.ts';
import { TrainerEmitter, type TrainerEventType, type TrainerListener } from './trainerEvents.ts';
import { initialStateOf, type RunState, type TrainingSnapshot } from './trainingSnapshot.ts';

/** What the trainer drives: the run group's training surface (RunGroup has it; the unit tests fake it). */
export interface TrainableGroup {
  readonly iteration: number;
  readonly canStep: boolean;
  readonly group: Readonly<GroupSettings>;
  readonly runs: readonly RunSettings[];
  readonly status: readonly RunStatus[];
  step(): void;
  collect(): Promise<IterationRecord[]>;
  dataRngState(): number[];
  /** where the task's training stream stands (RunGroup.dataPosition) */
  readonly dataPosition: TrainingPosition;
  /** with several data streams, each one's state (RunGroup.dataStreams; optional: the unit tests' fakes lack it) */
  dataStreams?(): DataStreamState[] | undefined;
  readParameters(r: number): Promise<ParamSet>;
  readOptimizerState(r: number): Promise<ParamSet>;
  updateRun(r: number, next: RunSettings): void;
  setPaused(r: number, paused: boolean): void;
  setTrackEvery(trackEvery: number): void;
  restartData(seed: number): void;
  destroy(): Promise<void>;
  /** one iteration like step(), each dispatch timed (RunGroup.profileStep; optional: the unit tests' fakes lack it) */
  profileStep?(): Promise<IterationProfile>;
}

export interface TrainerOptions {
  pacing: PacingSettings;
  clock: TrainerClock;
  /**
   * A GPU error the host saw outside the group's error scopes (Node's uncaptured errors), checked after every
   * readback: one present stops the training as a GPU error, and that readback's records are not delivered.
   */
  hostGpuError?: () => { kind: GpuError['kind']; message: string } | undefined;
  /**
   * The evaluation pass and its schedule (evaluationHook.ts), built by the host beside the group (so a host
   * that evaluates builds the group, then the evaluator, then `new Trainer`); the trainer destroys it.
   */
  evaluator?: TrainerEvaluator;
}

/** Why start() ended: `until` reached, paused (pause, halt, save, step), or a failure (see the events). */
export type TrainerStop = 'reached' | 'paused' | 'failed';

export class Trainer {
  private readonly events = new TrainerEmitter();
  private readonly pacing: Pacing;
  /** bumped by every start and pause: a loop runs while its token is current */
  private token = 0;
  private running = false;
  /** readbacks queued and not yet delivered, oldest first */
  private readonly inFlight: Promise<void>[] = [];
  /** the delivery of the newest readback: each one waits for the one before, so records arrive in order */
  private delivering: Promise<void> = Promise.resolve();
  /** runs whose failure was told (or that had failed before this trainer: InitialState.status) */
  private readonly toldFailed: boolean[];
  private failure: string | null = null;
  /** a GPU error the host saw: records read back from then on are not delivered */
  private untrusted = false;
  /** the iteration of the last record delivered */
  private lastDelivered: number;
  private destroyed = false;
  /** JS time of the last tick's encoding (ms) */
  lastTickMs = 0;
  /** an iteration reached whose evaluation round is due and has not run yet */
  private pendingEvaluation: number | null = null;
  /** the iteration of the last round taken up (a resumed trainer: where it started, whose round was saved) */
  private lastEvaluated: number;
  /** the round running now */
  private evaluating: Promise<void> | null = null;

  constructor(
    private readonly g: TrainableGroup,
    private readonly options: TrainerOptions,
  ) {
    this.pacing = new Pacing(options.pacing, options.clock);
    this.toldFailed = g.status.map((s) => s.state === 'failed');
    this.lastDelivered = g.iteration;
    this.lastEvaluated = g.iteration;
  }

  /**
   * Builds a run group (RunGroup.create: memory plan, kernels, initial parameters) and a trainer for it (with
   * no evaluator: one is built beside a group, so a host that evaluates calls new Trainer itself).
   */
  static async create(
    ctx: OpContext,
    group: GroupSettings,
    runs: RunSettings[],
    options: Omit<TrainerOptions, 'evaluator'> & RunGroupOptions,
  ): Promise<Trainer> {
    const { pacing, clock, hostGpuError, ...groupOptions } = options;
    const rg = await RunGroup.create(ctx, group, runs, groupOptions);
    return new Trainer(rg, { pacing, clock, hostGpuError });
  }

  /** Continues a snapshot exactly: its parameters, optimiser state, iteration, data stream and run status. */
  static resume(
    ctx: OpContext,
    snapshot: TrainingSnapshot,
    options: Omit<TrainerOptions, 'evaluator'> & Omit<RunGroupOptions, 'initial'>,
  ): Promise<Trainer> {
    return Trainer.create(ctx, snapshot.group, snapshot.runs, { ...options, initial: initialStateOf(snapshot) });
  }

  on<K extends TrainerEventType>(type: K, listener: TrainerListener<K>): () => void {
    return this.events.on(type, listener);
  }

  /** Iterations completed (encoded; their records may still be on the way). */
  get iteration(): number {
    return this.g.iteration;
  }
  get group(): Readonly<GroupSettings> {
    return this.g.group;
  }
  get runs(): readonly RunSettings[] {
    return this.g.runs;
  }
  get status(): readonly RunStatus[] {
    return this.g.status;
  }
  /** The group under training (read-only use: its memory plan, its task, its dispatch count). */
  get runGroup(): TrainableGroup {
    return this.g;
  }
  /** Whether the loop is encoding iterations now. */
  get playing(): boolean {
    return this.running;
  }
  /** The message of the failure that stopped this trainer, or null. */
  get failed(): string | null {
    return this.failure;
  }
  /** Readbacks queued and not yet delivered. */
  get pending(): number {
    return this.inFlight.length;
  }
  /** Iterations per second over the last few seconds of the running loop (NaN before it was measured). */
  get itPerSec(): number {
    return this.pacing.itPerSec;
  }
  /** Iterations the next tick encodes. */
  get chunk(): number {
    return this.pacing.chunk;
  }

  /**
   * Trains until pause(), a failure, or `until` iterations completed (default: no end). Resolves once every
   * readback queued by this loop has been delivered. A call while the loop runs starts a new loop in its
   * place (the old one ends as 'paused').
   */
  async start(options: { until?: number } = {}): Promise<TrainerStop> {
    const until = options.until ?? Infinity;
    if (this.failure || this.destroyed) return 'failed';
    const token = ++this.token;
    this.running = true;
    this.pacing.restart();
    const { maxInFlight, yieldEachTick } = this.options.pacing;
    const { clock, evaluator } = this.options;
    try {
      while (token === this.token && this.g.iteration < until) {
        // a round due where an earlier loop or step stopped runs first; nothing steps while one is pending
        // (awaited only then: with none, the first tick is encoded at once, as start() is called)
        if (this.evaluating || this.pendingEvaluation !== null) {
          await this.evaluatePending();
          if (this.failure || token !== this.token) break;
        }
        // a stretch ends at `until` or at the next iteration a round is due at
        const stop = evaluator ? Math.min(until, this.g.iteration + evaluator.untilDue(this.g.iteration)) : until;
        while (token === this.token && this.g.iteration < stop) {
          const todo = Math.min(this.pacing.chunk, stop - this.g.iteration);
          const t0 = clock.now();
          try {
            for (let k = 0; k < todo && this.g.canStep; k++) this.g.step();
          } catch (e) {
            this.fail(e);
            break;
          }
          const ms = clock.now() - t0;
          this.lastTickMs = ms;
          this.pacing.ticked(ms);
          this.queueCollect(true);
          // taken up before any await: whoever runs next (this loop, halt, step, save) runs the round first
          this.notePendingEvaluation();
          if (this.inFlight.length >= maxInFlight) await this.inFlight[0];
          if (yieldEachTick) await clock.yield();
        }
        if (this.failure) break;
        if (this.evaluating || this.pendingEvaluation !== null) await this.evaluatePending();
      }
    } finally {
      if (token === this.token) this.running = false;
    }
    // a round due where this loop stopped (a pause on the way there) runs before it resolves
    await this.evaluatePending();
    await this.settle();
    if (this.failure) return 'failed';
    return this.g.iteration >= until ? 'reached' : 'paused';
  }

  /** Stops encoding after the current tick; readbacks in flight are still delivered. */
  pause(): void {
    this.token++;
    this.running = false;
  }

  /** Pauses and waits until every queued readback has been delivered. */
  async halt(): Promise<void> {
    this.pause();
    await this.evaluatePending();
    await this.settle();
  }

  /** One iteration and its metrics (halts first). */
  async step(): Promise<void> {
    await this.halt();
    if (this.failure || this.destroyed) return;
    try {
      this.g.step();
    } catch (e) {
      this.fail(e);
      return;
    }
    this.queueCollect(false);
    this.notePendingEvaluation();
    await this.evaluatePending();
    await this.settle();
  }

  /**
   * One iteration like step() (halts first; its metrics and any evaluation round due go out as usual) with
   * every dispatch timed by the GPU (RunGroup.profileStep, src/engine/profile.ts); resolves with the profile.
   * A group or adapter that cannot be profiled (no 'timestamp-query') refuses before training anything, and
   * that refusal does not stop the trainer.
   */
  async profileStep(): Promise<IterationProfile> {
    await this.halt();
    if (this.failure || this.destroyed)
      throw new Error(`the training has stopped${this.failure ? ` (${this.failure})` : ''}: nothing to profile`);
    if (!this.g.profileStep) throw new Error('this run group cannot time its ops');
    const before = this.g.iteration;
    const profiled = this.g.profileStep();
    // profileStep encodes its iteration before its first await: when the iteration count did not move, it
    // refused (or step() threw) and trained nothing
    if (this.g.iteration === before) return profiled;
    profiled.catch(() => {}); // awaited below, after the iteration's metrics are in
    this.queueCollect(false);
    this.notePendingEvaluation();
    await this.evaluatePending();
    await this.settle();
    return profiled;
  }

  /**
   * Halts, then takes a snapshot of every run (parameters, optimiser state, status) with the iteration, the
   * data state and, with an evaluator, what it keeps (best-validation weights, rounds): every record and every
   * round up to snapshot.iteration has been delivered when it resolves. Refused after a failure (the GPU's
   * state is not trusted then). The loop stays halted.
   */
  async save(): Promise<TrainingSnapshot> {
    await this.halt();
    if (this.failure) throw new Error(`Cannot save after the training stopped (${this.failure})`);
    const state: RunState[] = [];
    for (let r = 0; r < this.g.runs.length; r++) state.push(await this.readRun(r));
    return {
      group: { ...this.g.group },
      runs: this.g.runs.map((r) => ({ ...r })),
      iteration: this.g.iteration,
      dataRngState: this.g.dataRngState(),
      dataPosition: { ...this.g.dataPosition },
      ...(this.g.dataStreams?.() ? { dataStreams: this.g.dataStreams!() } : {}),
      status: this.g.status.map((s) => ({ ...s })),
      state,
      ...(this.options.evaluator ? { evaluation: await this.options.evaluator.snapshot() } : {}),
    };
  }

  /**
   * What the evaluator keeps of each run now (best-validation weights read from the GPU, every round), or
   * null without an evaluator: what a host carries into a rebuilt group. Halts first.
   */
  async evaluationState(): Promise<RunEvaluationState[] | null> {
    await this.halt();
    return this.options.evaluator ? this.options.evaluator.snapshot() : null;
  }

  /** Whether an evaluation round is due (reached, not run yet) or running now. */
  get evaluationPending(): boolean {
    return this.evaluating !== null || this.pendingEvaluation !== null;
  }

  /** Whether this trainer runs evaluation rounds. */
  get evaluates(): boolean {
    return this.options.evaluator !== undefined;
  }

  /** The data generator's state now (what continues the data stream exactly). */
  dataRngState(): number[] {
    return this.g.dataRngState();
  }

  /** With several data streams, each one's state now (undefined with one). */
  dataStreams(): DataStreamState[] | undefined {
    return this.g.dataStreams?.();
  }

  /** Where the task's training stream stands now (a data-backed task's epoch and position). */
  get dataPosition(): TrainingPosition {
    return { ...this.g.dataPosition };
  }

  /**
   * Run r's parameters now, with the iteration they are at: halts first (every readback delivered), so that they
   * are exactly those of that iteration; the loop stays halted (the host starts it again). Refused after a
   * failure (the GPU's state is not trusted then).
   */
  async readParametersNow(r: number): Promise<{ iteration: number; parameters: ParamSet }> {
    await this.halt();
    if (this.failure) throw new Error(`Cannot read the parameters after the training stopped (${this.failure})`);
    const iteration = this.g.iteration;
    return { iteration, parameters: await this.g.readParameters(r) };
  }

  /** One run's parameters and optimiser state as the GPU holds them now (halt first for a consistent pair). */
  async readRun(r: number): Promise<RunState> {
    return { parameters: await this.g.readParameters(r), optimizerState: await this.g.readOptimizerState(r) };
  }

  /** A live change of run r's settings (RunGroup.updateRun: structural changes throw). */
  updateRun(r: number, next: RunSettings): void {
    this.g.updateRun(r, next);
  }

  /** Pauses or resumes run r alone (a failed run throws: it trains no more in this group). */
  setRunPaused(r: number, paused: boolean): void {
    this.g.setPaused(r, paused);
  }

  setTrackEvery(trackEvery: number): void {
    this.g.setTrackEvery(trackEvery);
  }

  /** The data stream restarts from `seed` at the next iteration. */
  restartData(seed: number): void {
    this.g.restartData(seed);
  }

  /** Halts and destroys the group (its GPU buffers). */
  async destroy(): Promise<void> {
    if (this.destroyed) return;
    await this.halt();
    this.destroyed = true;
    this.options.evaluator?.destroy();
    await this.g.destroy();
  }

  /** After encoding: when the iteration reached is one a round is due at (and not taken up yet), marks it pending. */
  private notePendingEvaluation(): void {
    const evaluator = this.options.evaluator;
    const iteration = this.g.iteration;
    if (!evaluator || this.failure || iteration === this.lastEvaluated || !evaluator.due(iteration)) return;
    this.lastEvaluated = iteration;
    this.pendingEvaluation = iteration;
  }

  /** Runs the pending round, if any (once, whoever asks first; the others wait for it). */
  private evaluatePending(): Promise<void> {
    if (!this.evaluating && this.pendingEvaluation !== null)
      this.evaluating = this.runPendingEvaluation().finally(() => {
        this.evaluating = null;
      });
    return this.evaluating ?? Promise.resolve();
  }

  /**
   * The round at the pending iteration, with every readback of the iterations before it delivered (the
   * weights are those of exactly that iteration): its results go out as an `evaluation` event; a failure
   * inside it stops the trainer like the loop's.
   */
  private async runPendingEvaluation(): Promise<void> {
    const evaluator = this.options.evaluator!;
    await this.settle();
    const iteration = this.pendingEvaluation!;
    this.pendingEvaluation = null;
    if (this.failure) return;
    try {
      const results = await evaluator.evaluate(iteration);
      this.events.emit('evaluation', { iteration, results });
    } catch (e) {
      this.fail(e);
      await this.settle();
    }
  }

  /** Waits until no readback is in flight. */
  private async settle(): Promise<void> {
    while (this.inFlight.length) await Promise.allSettled([...this.inFlight]);
  }

  /** Reads back what was encoded; delivers it after every earlier readback. `measure`: the loop's speed counts it. */
  private queueCollect(measure: boolean): void {
    const collected = this.g.collect();
    // handled below once the earlier deliveries are done; this keeps a rejection from counting as unhandled meanwhile
    collected.catch(() => undefined);
    const p: Promise<void> = this.delivering
      .then(() => collected)
      .then(
        (records) => this.deliver(records, measure),
        (e: unknown) => this.fail(e),
      )
      .catch((e: unknown) => this.fail(e))
      .finally(() => this.inFlight.splice(this.inFlight.indexOf(p), 1));
    this.delivering = p;
    this.inFlight.push(p);
  }

  private deliver(records: IterationRecord[], measure: boolean): void {
    if (this.untrusted) return;
    const host = this.options.hostGpuError?.();
    if (host) {
      // this readback may hold what the error spoiled: nothing from it on is delivered
      this.untrusted = true;
      this.fail(new GpuError(host.kind, `Training stopped: ${host.message}`));
      return;
    }
    if (records.length) {
      this.lastDelivered = records[records.length - 1].iteration;
      this.events.emit('metrics', { records });
    }
    this.g.status.forEach((status, run) => {
      if (status.state === 'failed' && !this.toldFailed[run]) {
        this.toldFailed[run] = true;
        this.events.emit('runFailed', { run, status: { ...status } });
      }
    });
    if (!measure) return;
    const itPerSec = this.pacing.delivered(this.g.iteration);
    if (itPerSec !== undefined) this.events.emit('progress', { iteration: this.g.iteration, itPerSec });
  }

  /**
   * The first failure stops the trainer for good. It is told once, after every readback queued before it has
   * been delivered (the valid records come first); a later failure is its consequence and only hands over the
   * valid records it carries.
   */
  private fail(e: unknown): void {
    if (e instanceof TrainingGpuError && e.records.length && !this.untrusted) {
      this.lastDelivered = e.records[e.records.length - 1].iteration;
      this.events.emit('metrics', { records: e.records });
    }
    if (this.failure) return;
    this.pause();
    const message = e instanceof Error ? e.message : String(e);
    this.failure = message;
    const tell = () => {
      if (e instanceof GpuError) {
        const iteration = e instanceof TrainingGpuError ? e.iteration : this.lastDelivered + 1;
        if (e.kind === 'device-lost') this.events.emit('deviceLost', { iteration, message });
        else this.events.emit('gpuError', { kind: e.kind, iteration, message });
      } else this.events.emit('error', { message });
    };
    const p: Promise<void> = this.delivering.then(tell).finally(() => this.inFlight.splice(this.inFlight.indexOf(p), 1));
    this.delivering = p;
    this.inFlight.push(p);
  }
}
