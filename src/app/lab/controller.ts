/**
 * LabController: the lab's trainer object (no React). It owns the RunGroup on the page's device, the
 * MetricsBook and the training loop, and publishes plain numbers to the lab store.
 *
 * The loop: each tick encodes a few iterations (sized from the measured speed so a collect arrives several
 * times a second and from the measured JS time so a tick stays well under 50 ms), queues a collect (the
 * RunGroup reads metrics back through its staging ring without stalling the queue) and never has more
 * than two collects in flight: it waits for the oldest readback before queueing more. Collected records go
 * into the MetricsBook; the store gets the iteration, the speed and each run's latest loss/accuracy/status.
 *
 * Settings changes: live ones go to RunGroup.updateRun at once; structural ones (changes.ts) become a pending
 * change that rebuild()s the group after the user confirms, carrying every unchanged run's parameters and
 * optimiser state and keeping everything measured. See also edits.ts (the edits) and loop.ts (the tick).
 */

import { makeCheckpoint } from '../../engine/checkpoint.ts';
import type { TrainingGpuError } from '../../engine/gpuScopes.ts';
import type { MemoryEnvironment } from '../../engine/memoryCheck.ts';
import { pFromSpectrum } from '../../engine/modelSettings.ts';
import type { ParamSet } from '../../engine/parameters.ts';
import { Rng } from '../../engine/random.ts';
import { type InitialState, RunGroup, type RunStatus } from '../../engine/runGroup.ts';
import type { GroupSettings } from '../../engine/settings.ts';
import type { GpuContext } from '../../gpu/device.ts';
import { KernelCache } from '../../gpu/kernel.ts';
import type { OpContext } from '../../gpu/ops/context.ts';
import { browserShaderLibrary } from '../../gpu/shadersBrowser.ts';
import { makeTask } from '../../tasks/index.ts';
import { useProblems } from '../gpuProblems.ts';
import { type ExperimentFile, makeExperimentFile } from './experimentFile.ts';
import { TrainingLoop } from './loop.ts';
import { type MemoryRefusal, memoryRefusal } from './memory.ts';
import { MetricsBook } from './metricsBook.ts';
import { freshView, type LabRun, type LabStore, pushMessage, type RunView } from './store.ts';

export interface RebuildPlan {
  /** runs that restart from their initialisation (by id) */
  reinit?: Set<string>;
  /** every run restarts (task or n changed) */
  reinitAll?: boolean;
  /** the optimiser state restarts for every run */
  resetOptimizer?: boolean;
  /** start again at iteration 0 with an empty MetricsBook (reset, preset, link) */
  resetHistory?: boolean;
  /** a loaded experiment: its parameters, optimiser state, iteration and data state */
  initial?: InitialState;
}

/** How often the run table's live numbers may re-render the controls (ms). */
const VIEW_INTERVAL_MS = 250;

export class LabController {
  readonly book = new MetricsBook();
  readonly ctx: OpContext;
  group: RunGroup | null = null;
  /** ids of the runs in the current RunGroup, in group order */
  groupRunIds: string[] = [];
  private builtWithSoftOrth = false;
  readonly loop: TrainingLoop;
  /** What the memory plan is checked against: this device's limits (what it really got) and the default budget. */
  readonly memoryEnv: MemoryEnvironment;
  /**
   * per run id, the iteration whose step the run guard refused: the run failed there (it keeps its last
   * finite state, from before it) and records nothing from it on
   */
  private readonly failedAt = new Map<string, number>();
  private pendingViews: { runViews: Record<string, RunView>; iteration: number } | undefined;
  private viewsTimer: ReturnType<typeof setTimeout> | undefined;
  private lastViewsAt = 0;
  private destroyed = false;
  private deviceLost = false;
  /** the current group stopped on a GPU error: its parameters are not carried into the next one */
  private groupFailed = false;
  private work: Promise<void> = Promise.resolve();
  private readonly unsubscribe: () => void;

  constructor(
    readonly gpu: GpuContext,
    readonly store: LabStore,
  ) {
    this.ctx = { device: gpu.device, kernels: new KernelCache(gpu.device, browserShaderLibrary()), software: gpu.adapterInfo.isSoftware };
    this.memoryEnv = { software: this.ctx.software, limits: gpu.device.limits };
    this.loop = new TrainingLoop(this);
    // any loss while the lab lives counts, reason 'destroyed' included (the page did not destroy it: the lab
    // is destroyed before its device is released)
    gpu.device.lost.then((info) => {
      if (this.destroyed) return;
      this.deviceLost = true;
      this.stop(
        `The GPU device was lost (${info.message || info.reason}): training stopped. Everything measured so far is kept on the charts: export them (PNG, SVG, CSV), then reload the page. ` +
          'The experiment file cannot be exported: its checkpoints need the trained weights, which were on the lost device.',
      );
    });
    let seen = useProblems.getState().problems.length;
    this.unsubscribe = useProblems.subscribe((s) => {
      const fresh = s.problems.length > seen;
      seen = s.problems.length;
      if (fresh && this.store.getState().playing) {
        this.pause();
        pushMessage(
          this.store,
          'error',
          'Training paused: a GPU problem was reported (see the banner at the top). Everything measured so far is kept.',
        );
      }
    });
  }

  get builtSoftOrth(): boolean {
    return this.builtWithSoftOrth;
  }

  get isDeviceLost(): boolean {
    return this.deviceLost;
  }

  /** null when (group, runs) fits this device; else why not and what would. */
  refusalFor(group: GroupSettings, runs: LabRun[]): MemoryRefusal | null {
    return memoryRefusal(group, runs, this.memoryEnv);
  }

  /**
   * Settings this device cannot hold were asked for: nothing is built. A group that trains keeps training
   * with its settings (the refusal says why the change was not applied); without one the lab stops there,
   * keeping the asked-for settings, and the refusal offers sizes that fit.
   */
  refuseMemory(refusal: MemoryRefusal, group: GroupSettings, runs: LabRun[]): void {
    if (this.group) {
      this.store.setState({ memoryRefusal: { ...refusal, message: `Not applied: ${refusal.message}` } });
      return;
    }
    this.store.setState({
      group,
      runs,
      playing: false,
      phase: 'stopped',
      phaseText: 'Not built: these settings do not fit this GPU (see below)',
      memoryRefusal: refusal,
    });
  }

  /** The loop's group stopped on a GPU error: keep what was measured before it, stop with the reason. */
  gpuFailed(rg: RunGroup, e: TrainingGpuError): void {
    if (rg !== this.group || this.destroyed) return;
    this.absorb(rg, e.records);
    this.groupFailed = true;
    // a lost device is told by the device.lost handler
    if (e.kind === 'device-lost') return;
    this.stop(
      `${e.message} Everything measured before it stays on the charts. Reset (R) to train again from the start, or change a setting to rebuild the group.`,
    );
  }

  /** Resolves true when the device is lost now or within `graceMs` (a failed readback often comes just before the loss event). */
  deviceLostSoon(graceMs = 250): Promise<boolean> {
    if (this.deviceLost) return Promise.resolve(true);
    return Promise.race([
      this.gpu.device.lost.then(() => true),
      new Promise<boolean>((r) => setTimeout(() => r(this.deviceLost), graceMs)),
    ]);
  }

  /** Runs `fn` after every earlier rebuild/export finished (they never overlap). */
  serial(fn: () => Promise<void>): Promise<void> {
    this.work = this.work.then(fn, fn);
    return this.work;
  }

  start(): Promise<void> {
    return this.serial(() => this.rebuild(this.store.getState().group, this.store.getState().runs, { resetHistory: true }));
  }

  play(): void {
    const s = this.store.getState();
    if (s.phase !== 'ready' || s.playing || !this.group) return;
    if (this.group.status.every((st) => st.state !== 'training')) {
      pushMessage(this.store, 'warning', 'No run is training (all are paused or failed): resume a run or reset.');
      return;
    }
    this.store.setState({ playing: true });
    this.loop.start();
  }

  pause(): void {
    if (!this.store.getState().playing) return;
    this.store.setState({ playing: false });
    this.loop.stop();
    // numbers held back by the while-playing throttle show now, not a moment after the pause
    this.flushViews();
  }

  togglePlay(): void {
    if (this.store.getState().playing) this.pause();
    else this.play();
  }

  /** One iteration (while paused). */
  step(): Promise<void> {
    if (this.store.getState().playing || this.store.getState().phase !== 'ready') return Promise.resolve();
    return this.serial(() => this.loop.single());
  }

  /** Stops the lab for good (device lost) with a reason shown in place of the controls' status. */
  stop(reason: string): void {
    this.loop.stop();
    // numbers held back by the while-playing throttle show now, not a moment after the lab has stopped
    this.flushViews();
    this.store.setState({ playing: false, phase: 'stopped', phaseText: reason });
    pushMessage(this.store, 'error', reason);
  }

  /** Called by the loop with records read back from `rg`. */
  absorb(rg: RunGroup, records: Parameters<MetricsBook['add']>[0]): void {
    if (rg !== this.group || !records.length) return;
    const margins = rg.runs.map((r) => (r.parameterisation === 'factorised' ? r.margin : null));
    // a failed run keeps what it measured before the failing iteration, and gathers no points from it on
    this.noteFailures(rg);
    this.book.add(
      records,
      this.groupRunIds,
      margins,
      this.groupRunIds.map((id) => this.failedAt.get(id) ?? Infinity),
    );
    const last = records[records.length - 1];
    const prev = this.store.getState().runViews;
    const views: Record<string, RunView> = { ...prev };
    let anyTraining = false;
    let stateChanged = false;
    this.groupRunIds.forEach((id, k) => {
      const st = rg.status[k];
      if (st.state === 'failed' && prev[id]?.state !== 'failed')
        pushMessage(this.store, 'error', `Run '${rg.runs[k].name}': ${st.message}`);
      if (st.state === 'training') anyTraining = true;
      if (prev[id]?.state !== st.state) stateChanged = true;
      views[id] = { state: st.state, message: st.message, loss: last.runs[k].loss, accuracy: last.runs[k].accuracy };
    });
    // throttled only while playing: a step, or the readbacks that land after a pause, show at once
    this.publishViews({ runViews: views, iteration: last.iteration }, stateChanged || !this.store.getState().playing);
    if (!anyTraining && this.store.getState().playing) {
      this.pause();
      pushMessage(this.store, 'warning', 'Training paused: no run is training any more (every run failed or is paused).');
    }
  }

  /** Records the failure iteration of every failed run of `rg` not seen yet (the run guard's, from its status). */
  private noteFailures(rg: RunGroup): void {
    this.groupRunIds.forEach((id, k) => {
      const st = rg.status[k];
      if (st.state === 'failed' && !this.failedAt.has(id)) this.failedAt.set(id, st.iteration ?? rg.iteration + 1);
    });
  }

  /**
   * The run table's numbers (loss, accuracy, iteration) reach React at most every VIEW_INTERVAL_MS: each
   * update re-renders the controls, and collects arrive up to ten times a second. A change of a run's state
   * (failed, paused) is published at once; the newest numbers always follow (trailing update).
   */
  private publishViews(update: { runViews: Record<string, RunView>; iteration: number }, now: boolean): void {
    this.pendingViews = update;
    const wait = this.lastViewsAt + VIEW_INTERVAL_MS - performance.now();
    if (now || wait <= 0) {
      this.flushViews();
      return;
    }
    this.viewsTimer ??= setTimeout(() => this.flushViews(), wait);
  }

  private flushViews(): void {
    if (this.viewsTimer !== undefined) clearTimeout(this.viewsTimer);
    this.viewsTimer = undefined;
    const update = this.pendingViews;
    this.pendingViews = undefined;
    if (!update || this.destroyed) return;
    this.lastViewsAt = performance.now();
    this.store.setState(update);
  }

  /** Reads a run's parameters for carrying into a new group, converting between margin and 'none'. */
  private async carried(rg: RunGroup, k: number, next: LabRun, resetOptimizer: boolean): Promise<[ParamSet, ParamSet | undefined]> {
    const params = await rg.readParameters(k);
    const state = resetOptimizer ? undefined : await rg.readOptimizerState(k);
    const before = rg.runs[k];
    const after = next.settings;
    if (after.parameterisation === 'factorised' && (before.margin === null) !== (after.margin === null)) {
      if (after.margin !== null) params.p = Float32Array.from(pFromSpectrum(params.s, after.margin));
      if (state) {
        state.s = new Float32Array(state.s.length);
        state.p = new Float32Array(state.p.length);
      }
    }
    return [params, state];
  }

  /**
   * Replaces the run group by one built from (group, runs). Must run inside serial(). Unchanged runs carry
   * their parameters and optimiser state; measured metrics stay in the book unless plan.resetHistory.
   */
  async rebuild(group: GroupSettings, runs: LabRun[], plan: RebuildPlan): Promise<void> {
    if (this.destroyed || this.deviceLost) return;
    // the memory plan first: settings this device cannot hold are refused before the old group is touched
    const refusal = this.refusalFor(group, runs);
    if (refusal) {
      this.refuseMemory(refusal, group, runs);
      return;
    }
    // parameters of a group that stopped on a GPU error are not trusted: every run restarts
    if (this.groupFailed) plan = { ...plan, reinitAll: true };
    const wasPlaying = this.store.getState().playing;
    // settings the store holds now: an edit made while this group builds replaces them (and queues its own
    // rebuild), and must not be overwritten by this build's older snapshot when it completes
    const settingsAtStart = { group: this.store.getState().group, runs: this.store.getState().runs };
    await this.loop.halt();
    this.flushViews(); // the old group's last numbers land before the rebuild replaces the views
    if (this.destroyed || this.deviceLost) return;
    this.store.setState({ phase: 'building', phaseText: 'Preparing the training kernels…', playing: false });
    const old = this.group;
    let initial: InitialState | undefined = plan.initial;
    if (!initial && old && !plan.resetHistory) {
      const parameters: (ParamSet | undefined)[] = [];
      const optimizerState: (ParamSet | undefined)[] = [];
      // a carried run keeps its status: a failed one stays frozen at its last finite state, a paused one paused;
      // a run that restarts from its initialisation trains
      const status: (RunStatus | undefined)[] = [];
      for (const run of runs) {
        const k = this.groupRunIds.indexOf(run.id);
        const keep =
          k >= 0 && !plan.reinitAll && !plan.reinit?.has(run.id) && old.runs[k].parameterisation === run.settings.parameterisation;
        const [p, s] = keep ? await this.carried(old, k, run, !!plan.resetOptimizer) : [undefined, undefined];
        parameters.push(p);
        optimizerState.push(s);
        status.push(keep ? old.status[k] : undefined);
      }
      const dataRngState = group.dataSeed === old.group.dataSeed ? old.dataRngState() : new Rng(group.dataSeed).getState();
      initial = { parameters, optimizerState, iteration: old.iteration, dataRngState, status };
    }
    this.group = null;
    await old?.destroy();
    const removed = [...this.book.traces.keys()].filter((id) => !runs.some((r) => r.id === id));
    if (plan.resetHistory) this.book.clear();
    else for (const id of removed) this.book.remove(id);
    const prevViews = this.store.getState().runViews;
    try {
      const rg = await RunGroup.create(
        this.ctx,
        { ...group },
        runs.map((r) => r.settings),
        { initial },
      );
      if (this.destroyed) {
        await rg.destroy();
        return;
      }
      this.group = rg;
      this.groupFailed = false;
      this.groupRunIds = runs.map((r) => r.id);
      // runs that failed before (carried or loaded) are failed in the new group too; the others train
      this.failedAt.clear();
      this.noteFailures(rg);
      this.builtWithSoftOrth = runs.some((r) => r.settings.softOrth > 0);
      const keptViews = (id: string, k: number) => ({
        ...(!plan.resetHistory && !plan.initial && prevViews[id] && !plan.reinitAll && !plan.reinit?.has(id) ? prevViews[id] : freshView()),
        state: rg.status[k].state,
        message: rg.status[k].message,
      });
      const st = this.store.getState();
      const editedMeanwhile = st.group !== settingsAtStart.group || st.runs !== settingsAtStart.runs;
      this.store.setState({
        ...(editedMeanwhile ? {} : { group, runs }),
        phase: 'ready',
        phaseText: '',
        memoryRefusal: null,
        iteration: rg.iteration,
        itPerSec: 0,
        runViews: Object.fromEntries(runs.map((r, k) => [r.id, keptViews(r.id, k)])),
      });
      if (wasPlaying) this.play();
    } catch (e) {
      if (this.destroyed || this.deviceLost) return;
      const msg = `Could not build the run group: ${(e as Error).message}`;
      this.store.setState({
        group,
        runs,
        phase: 'stopped',
        phaseText: `${msg}. Change the settings (fewer runs, smaller n or batch) or reset.`,
      });
      pushMessage(this.store, 'error', msg);
    }
  }

  /** The whole experiment as one file (pauses the loop while it reads the parameters, then goes on). */
  async exportExperiment(): Promise<ExperimentFile> {
    let file: ExperimentFile | undefined;
    await this.serial(async () => {
      const rg = this.group;
      if (!rg) throw new Error('There is no run group to export (the lab is not ready)');
      await this.loop.halt();
      try {
        const { group, runs } = this.store.getState();
        const checkpoints = [];
        for (let k = 0; k < rg.runs.length; k++) {
          checkpoints.push(
            makeCheckpoint({
              group: { ...rg.group },
              run: rg.runs[k],
              runIndex: k,
              iteration: rg.iteration,
              dataRngState: rg.dataRngState(),
              parameters: await rg.readParameters(k),
              optimizerState: await rg.readOptimizerState(k),
              status: rg.status[k],
            }),
          );
        }
        file = makeExperimentFile({
          group,
          runs,
          iteration: rg.iteration,
          dataRngState: rg.dataRngState(),
          metrics: this.book.toJSON(),
          checkpoints,
        });
      } finally {
        if (this.store.getState().playing) this.loop.start();
      }
    });
    if (!file) throw new Error('Export failed');
    return file;
  }

  baselineLoss(): number {
    const g = this.store.getState().group;
    return makeTask(g.task, g.T).baselineLoss;
  }

  async destroy(): Promise<void> {
    this.destroyed = true;
    this.unsubscribe();
    await this.loop.halt();
    await this.work.catch(() => undefined);
    await this.group?.destroy();
    this.group = null;
  }
}
