/**
 * LabController: the lab's host of the trainer (no React). It holds the Trainer (src/training/trainer.ts,
 * the same loop the CLI drives) of the run group on the page's device, the MetricsBook, and publishes plain
 * numbers to the lab store.
 *
 * The loop is the trainer's, paced for the main thread (LAB_PACING: a tick's JS well under 50 ms, a readback
 * several times a second, at most two in flight). The trainer's events feed the lab: metrics go into the
 * MetricsBook and the store gets the iteration, the speed and each run's latest loss/accuracy/status; a GPU
 * error, a lost device or another failure stops the lab with what to do next.
 *
 * Settings changes: live ones go to the trainer at once (Trainer.updateRun, setTrackEvery, restartData);
 * structural ones (changes.ts) become a pending change that rebuild()s the group after the user confirms,
 * carrying every unchanged run's parameters and optimiser state and keeping everything measured. See also
 * edits.ts (the edits).
 */

import type { TextCorpus } from '../../data/textCorpus.ts';
import { continuedData } from '../../engine/dataStreams.ts';
import type { RunEvaluationState } from '../../engine/evaluationSchedule.ts';
import type { MemoryEnvironment } from '../../engine/memoryCheck.ts';
import { pFromSpectrum } from '../../engine/modelSettings.ts';
import type { ParamSet } from '../../engine/parameters.ts';
import type { IterationProfile } from '../../engine/profile.ts';
import { type InitialState, type IterationRecord, RunGroup, type RunStatus } from '../../engine/runGroup.ts';
import { type EvaluationRequestOf, evaluationOf, type GroupSettings, type RunSettings } from '../../engine/settings.ts';
import type { GpuContext } from '../../gpu/device.ts';
import { KernelCache } from '../../gpu/kernel.ts';
import { type OpContext, opContext } from '../../gpu/ops/context.ts';
import { browserShaderLibrary } from '../../gpu/shadersBrowser.ts';
import { isDataTask, type Task, type TextCorpusChoice, taskShape } from '../../tasks/index.ts';
import { type DatasetLoaders, groupTaskSource } from '../../tasks/taskSource.ts';
import { type CorpusIdentity, corpusIdentity, paddingLine, type TextTask } from '../../tasks/textTask.ts';
import type { TrainerEvaluator } from '../../training/evaluationHook.ts';
import { EvaluationSetupError, openEvaluation } from '../../training/openEvaluation.ts';
import { HOST_CLOCK, LAB_PACING } from '../../training/pacing.ts';
import { scheduleEvaluator } from '../../training/scheduleEvaluator.ts';
import { Trainer } from '../../training/trainer.ts';
import { snapshotCheckpoints } from '../../training/trainingSnapshot.ts';
import { MissingTextFiles } from '../data/labDatasets.ts';
import { reportProblem, useProblems } from '../gpuProblems.ts';
import { keepsEvaluationSets, restartNote } from './changes.ts';
import { type ExperimentFile, makeExperimentFile } from './experimentFile.ts';
import { type MemoryRefusal, memoryRefusal } from './memory.ts';
import { MetricsBook } from './metricsBook.ts';
import { freshView, type LabRun, type LabStore, pushMessage, type RunView, type TextData } from './store.ts';

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
  /** a loaded experiment: per run, its best-validation weights and evaluation rounds (from its checkpoint) */
  evaluation?: (Partial<RunEvaluationState> | undefined)[];
  /** a loaded text experiment's corpus (experimentFile.ts): the group is built on that corpus, or not at all */
  corpus?: CorpusIdentity;
}

/** How often the run table's live numbers may re-render the controls (ms). */
const VIEW_INTERVAL_MS = 250;

export class LabController {
  readonly book = new MetricsBook();
  readonly ctx: OpContext;
  /** the trainer of the current run group (null while none is built) */
  trainer: Trainer | null = null;
  /** ids of the runs in the current run group, in group order */
  groupRunIds: string[] = [];
  private builtWithSoftOrth = false;
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

  /** seconds each evaluation round of the current group took, measured on the page (its last 100) */
  readonly evaluationSeconds: number[] = [];

  /** the loaded task of the group being trained, for a data-backed task (its baseline comes from its labels) */
  private loadedTask: Task | null = null;
  /** the corpus the text group trains on (kept when a rebuild carries its runs, see taskFor) */
  private textInUse: { choice: TextCorpusChoice; corpus: TextCorpus; identity?: CorpusIdentity } | null = null;

  /**
   * @param datasets where a data-backed group's data set comes from (the page loads each one once:
   *   src/app/data/labDatasets.ts); without it such a group cannot be built, and says so
   */
  constructor(
    readonly gpu: GpuContext,
    readonly store: LabStore,
    private readonly datasets?: DatasetLoaders,
  ) {
    this.ctx = opContext(gpu, new KernelCache(gpu.device, browserShaderLibrary()));
    this.memoryEnv = { software: this.ctx.software, quads: this.ctx.quads, limits: gpu.device.limits };
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
    if (this.trainer) {
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

  /** The trainer's events: records to the book and the views, the speed to the store, failures stop the lab. */
  private listen(t: Trainer): void {
    t.on('metrics', (e) => this.absorb(t, e.records));
    t.on('evaluation', (e) => {
      if (t === this.trainer) this.book.addEvaluation(e, this.groupRunIds);
    });
    t.on('progress', (e) => {
      if (t === this.trainer) this.store.setState({ itPerSec: e.itPerSec });
    });
    t.on('gpuError', (e) => this.gpuFailed(t, e.message));
    // a lost device is told by the device.lost handler
    t.on('deviceLost', () => this.gpuFailed(t, null));
    t.on('error', (e) => {
      if (t !== this.trainer || this.destroyed) return;
      this.store.setState({ playing: false });
      // a readback that fails because the device is being lost is that loss's consequence, reported as such
      void this.deviceLostSoon().then((lost) => lost || reportProblem('app', `Training stopped: ${e.message}`));
    });
  }

  /**
   * The trainer stopped on a GPU error (the records before it have arrived) or a lost device (message null):
   * stop with the reason; the group's parameters are not carried into the next one.
   */
  private gpuFailed(t: Trainer, message: string | null): void {
    if (t !== this.trainer || this.destroyed) return;
    this.store.setState({ playing: false });
    this.groupFailed = true;
    if (message === null) return;
    this.stop(
      `${message} Everything measured before it stays on the charts. Reset (R) to train again from the start, or change a setting to rebuild the group.`,
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
    const t = this.trainer;
    if (s.phase !== 'ready' || s.playing || !t) return;
    if (t.status.every((st) => st.state !== 'training')) {
      pushMessage(this.store, 'warning', 'No run is training (all are paused or failed): resume a run or reset.');
      return;
    }
    this.store.setState({ playing: true });
    void t.start();
  }

  pause(): void {
    if (!this.store.getState().playing) return;
    this.store.setState({ playing: false });
    this.trainer?.pause();
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
    return this.serial(async () => {
      await this.trainer?.step();
    });
  }

  /**
   * Profiles one iteration (the trainer's profileStep: it trains, like a step, with every dispatch timed by
   * the GPU). While playing, the loop is paused for it and plays on after. Resolves with the profile, or with
   * the reason there is none (no timestamp-query, no group, the training stopped).
   */
  async profileIteration(): Promise<IterationProfile | string> {
    let result: IterationProfile | string = 'no run group is built yet';
    const wasPlaying = this.store.getState().playing;
    if (this.store.getState().phase !== 'ready') return 'the lab is not ready to train';
    if (wasPlaying) this.pause();
    await this.serial(async () => {
      const t = this.trainer;
      if (!t) return;
      try {
        result = await t.profileStep();
      } catch (e) {
        result = e instanceof Error ? e.message : String(e);
      }
    });
    if (wasPlaying && this.store.getState().phase === 'ready') this.play();
    return result;
  }

  /** Stops the lab for good (device lost) with a reason shown in place of the controls' status. */
  stop(reason: string): void {
    this.trainer?.pause();
    // numbers held back by the while-playing throttle show now, not a moment after the lab has stopped
    this.flushViews();
    this.store.setState({ playing: false, phase: 'stopped', phaseText: reason });
    pushMessage(this.store, 'error', reason);
  }

  /** Records the trainer `tr` delivered (its metrics event). */
  private absorb(tr: Trainer, records: IterationRecord[]): void {
    if (tr !== this.trainer || !records.length) return;
    const margins = tr.runs.map((r) => (r.parameterisation === 'factorised' ? r.margin : null));
    // a failed run keeps what it measured before the failing iteration, and gathers no points from it on
    this.noteFailures(tr);
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
      const st = tr.status[k];
      if (st.state === 'failed' && prev[id]?.state !== 'failed')
        pushMessage(this.store, 'error', `Run '${tr.runs[k].name}': ${st.message}`);
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

  /** Records the failure iteration of every failed run of `tr` not seen yet (the run guard's, from its status). */
  private noteFailures(tr: Trainer): void {
    this.groupRunIds.forEach((id, k) => {
      const st = tr.status[k];
      if (st.state === 'failed' && !this.failedAt.has(id)) this.failedAt.set(id, st.iteration ?? tr.iteration + 1);
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
  private async carried(tr: Trainer, k: number, next: LabRun, resetOptimizer: boolean): Promise<[ParamSet, ParamSet | undefined]> {
    const read = await tr.readRun(k);
    const params = read.parameters;
    const state = resetOptimizer ? undefined : read.optimizerState;
    const before = tr.runs[k];
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
    const afterGpuError = this.groupFailed;
    if (afterGpuError) plan = { ...plan, reinitAll: true };
    const wasPlaying = this.store.getState().playing;
    // settings the store holds now: an edit made while this group builds replaces them (and queues its own
    // rebuild), and must not be overwritten by this build's older snapshot when it completes
    const settingsAtStart = { group: this.store.getState().group, runs: this.store.getState().runs };
    await this.trainer?.halt();
    this.flushViews(); // the old group's last numbers land before the rebuild replaces the views
    if (this.destroyed || this.deviceLost) return;
    this.store.setState({ phase: 'building', phaseText: 'Preparing the training kernels…', playing: false });
    const old = this.trainer;
    let initial: InitialState | undefined = plan.initial;
    const request = evaluationOf(group);
    let evaluationRestore = plan.evaluation;
    /** the runs of the old group that restart from their initialisation, their history kept (marked on the charts) */
    const restarted: LabRun[] = [];
    if (!initial && old && !plan.resetHistory) {
      const parameters: (ParamSet | undefined)[] = [];
      const optimizerState: (ParamSet | undefined)[] = [];
      // a carried run keeps its status: a failed one stays frozen at its last finite state, a paused one paused;
      // a run that restarts from its initialisation trains
      const status: (RunStatus | undefined)[] = [];
      /** per new run, its index in the old group when it carries its parameters */
      const keptFrom: (number | undefined)[] = [];
      for (const run of runs) {
        const k = this.groupRunIds.indexOf(run.id);
        const keep =
          k >= 0 && !plan.reinitAll && !plan.reinit?.has(run.id) && old.runs[k].parameterisation === run.settings.parameterisation;
        const [p, s] = keep ? await this.carried(old, k, run, !!plan.resetOptimizer) : [undefined, undefined];
        parameters.push(p);
        optimizerState.push(s);
        status.push(keep ? old.status[k] : undefined);
        keptFrom.push(keep ? k : undefined);
        if (k >= 0 && !keep) restarted.push(run);
      }
      // a run that keeps its parameters keeps its best-validation weights and rounds, unless the validation
      // and test sets change with the settings (copy or adding with another T): then its rounds restart
      if (request && old.evaluates && keptFrom.some((k) => k !== undefined)) {
        if (keepsEvaluationSets(old.group, group)) {
          const kept = await old.evaluationState();
          if (kept) evaluationRestore = keptFrom.map((k) => (k === undefined ? undefined : kept[k]));
        } else
          pushMessage(
            this.store,
            'info',
            `The evaluation rounds restart (the validation and test sets of ${group.task} change with T): each run's best-validation weights are taken anew from the next round; the earlier points stay on the charts.`,
          );
      }
      // the same data seed continues the data stream (and a data-backed task's epoch order) where it stood
      // several data streams: each continues where it stood (a stream new to the group starts at its seed)
      initial = {
        parameters,
        optimizerState,
        iteration: old.iteration,
        ...continuedData(old, group.dataSeed === old.group.dataSeed, group.dataSeed),
        status,
      };
    }
    this.trainer = null;
    await old?.destroy();
    const removed = [...this.book.traces.keys()].filter((id) => !runs.some((r) => r.id === id));
    if (plan.resetHistory) this.book.clear();
    else for (const id of removed) this.book.remove(id);
    // a run of the old group that restarts from its initialisation keeps its history: its charts say where
    // the new model starts (what they drew before is the earlier model's)
    for (const run of restarted) {
      if (!old || !this.book.traces.has(run.id)) continue;
      const note = restartNote(old.runs[this.groupRunIds.indexOf(run.id)], run.settings, old.group, group, old.iteration, afterGpuError);
      this.book.markRestart(run.id, old.iteration, note);
    }
    const prevViews = this.store.getState().runViews;
    try {
      // runs carried from the old group keep its corpus; a loaded experiment's runs take the page's (checked)
      const task = await this.taskFor(group, initial !== undefined && old !== undefined && plan.initial === undefined);
      const built = group.task === 'text' && task ? (task as TextTask).corpus : null;
      if (plan.corpus && built && (built.name !== plan.corpus.name || built.digest !== plan.corpus.digest)) {
        throw new Error(
          `the experiment's runs trained on ${plan.corpus.name} (digest ${plan.corpus.digest}), but the corpus now is ${built.name} (digest ${built.digest}); import it again once the same corpus is loaded`,
        );
      }
      if (this.destroyed) return;
      const tr = request
        ? await this.evaluatingTrainer(group, runs, { initial, task, request, restore: evaluationRestore })
        : await Trainer.create(
            this.ctx,
            { ...group },
            runs.map((r) => r.settings),
            { initial, pacing: LAB_PACING, clock: HOST_CLOCK, ...(task ? { task } : {}) },
          );
      this.loadedTask = task ?? null;
      this.store.setState({ textData: group.task === 'text' && task ? textDataOf(task as TextTask, group.batchSize) : null });
      if (this.destroyed) {
        await tr.destroy();
        return;
      }
      this.listen(tr);
      this.trainer = tr;
      this.groupFailed = false;
      this.groupRunIds = runs.map((r) => r.id);
      // runs that failed before (carried or loaded) are failed in the new group too; the others train
      this.failedAt.clear();
      this.noteFailures(tr);
      this.builtWithSoftOrth = runs.some((r) => r.settings.softOrth > 0);
      const keptViews = (id: string, k: number) => ({
        ...(!plan.resetHistory && !plan.initial && prevViews[id] && !plan.reinitAll && !plan.reinit?.has(id) ? prevViews[id] : freshView()),
        state: tr.status[k].state,
        message: tr.status[k].message,
      });
      const st = this.store.getState();
      const editedMeanwhile = st.group !== settingsAtStart.group || st.runs !== settingsAtStart.runs;
      this.store.setState({
        ...(editedMeanwhile ? {} : { group, runs }),
        phase: 'ready',
        phaseText: '',
        memoryRefusal: null,
        iteration: tr.iteration,
        itPerSec: 0,
        runViews: Object.fromEntries(runs.map((r, k) => [r.id, keptViews(r.id, k)])),
      });
      if (wasPlaying) this.play();
    } catch (e) {
      if (this.destroyed || this.deviceLost) return;
      const msg = `Could not build the run group: ${(e as Error).message}`;
      // a text group on 'files' with none loaded: the message says what to do
      const hint = e instanceof MissingTextFiles ? '' : ' Change the settings (fewer runs, smaller n or batch) or reset.';
      this.store.setState({
        group,
        runs,
        phase: 'stopped',
        phaseText: `${msg}.${hint}`,
      });
      pushMessage(this.store, 'error', msg);
    }
  }

  /**
   * A trainer with evaluation rounds: the run group, the evaluation pass and its schedule beside it (the
   * CLI's construction, src/training/openEvaluation.ts; restored from `restore` per run), whose rounds say
   * so in the toolbar while they run. A pass that does not fit, or a cadence the task cannot have, is
   * refused by its setting, and nothing stays allocated.
   */
  private async evaluatingTrainer(
    group: GroupSettings,
    runs: LabRun[],
    opts: {
      initial?: InitialState;
      task?: Task;
      request: EvaluationRequestOf;
      restore?: (Partial<RunEvaluationState> | undefined)[];
    },
  ): Promise<Trainer> {
    const rg = await RunGroup.create(
      this.ctx,
      { ...group },
      runs.map((r) => r.settings),
      { ...(opts.initial ? { initial: opts.initial } : {}), ...(opts.task ? { task: opts.task } : {}) },
    );
    const sizes = (['validation', 'test'] as const).map((split) => rg.task.evaluationSet(split).size);
    const unit = isDataTask(group.task) ? 'images' : 'sequences';
    const count = (v: number) => v.toLocaleString('en-US');
    // the round's progress in the toolbar, as the GPU finishes its batches: at most once a frame, and never
    // after the round (a frame still pending then is cancelled, a late report ignored)
    let round: { iteration: number; text: string | null; frame: number | null } | null = null;
    const show = (iteration: number, split: 'validation' | 'test', done: number, total: number) =>
      `Evaluating at iteration ${iteration}: ${split}: ${count(done)} of ${count(total)} ${unit}${split === 'test' ? ' (at the best weights)' : ''}`;
    const progress = (split: 'validation' | 'test', done: number, total: number) => {
      const r = round;
      if (!r) return;
      r.text = show(r.iteration, split, done, total);
      if (r.frame !== null) return;
      r.frame = requestAnimationFrame(() => {
        r.frame = null;
        if (round === r) this.store.setState({ evaluating: r.text });
      });
    };
    let inner: TrainerEvaluator;
    try {
      inner = scheduleEvaluator(await openEvaluation(rg, opts.request, { naive: false, restore: opts.restore }), progress);
    } catch (e) {
      await rg.destroy();
      if (e instanceof EvaluationSetupError) {
        const spec = e.setting === 'batch' ? 'Evaluation batch (evaluationBatch)' : 'Evaluate every (evaluateEvery)';
        throw new Error(`${spec}: ${e.message}`);
      }
      throw e;
    }
    const evaluator: TrainerEvaluator = {
      ...inner,
      evaluate: async (iteration) => {
        round = { iteration, text: null, frame: null };
        this.store.setState({ evaluating: show(iteration, 'validation', 0, sizes[0]) });
        const started = performance.now();
        try {
          return await inner.evaluate(iteration);
        } finally {
          this.evaluationSeconds.push((performance.now() - started) / 1000);
          if (this.evaluationSeconds.length > 100) this.evaluationSeconds.shift();
          if (round?.frame != null) cancelAnimationFrame(round.frame);
          round = null;
          this.store.setState({ evaluating: null });
        }
      },
    };
    this.evaluationSeconds.length = 0;
    return new Trainer(rg, { pacing: LAB_PACING, clock: HOST_CLOCK, evaluator });
  }

  /** The whole experiment as one file (the trainer halts while it reads the parameters, then goes on). */
  async exportExperiment(): Promise<ExperimentFile> {
    let file: ExperimentFile | undefined;
    await this.serial(async () => {
      const t = this.trainer;
      if (!t) throw new Error('There is no run group to export (the lab is not ready)');
      try {
        const snapshot = await t.save();
        const { group, runs } = this.store.getState();
        file = makeExperimentFile({
          group,
          runs,
          iteration: snapshot.iteration,
          dataRngState: snapshot.dataRngState,
          metrics: this.book.toJSON(),
          checkpoints: snapshotCheckpoints(snapshot),
          // a text group's corpus travels with its runs (an import checks it against the page's)
          ...(group.task === 'text' && this.loadedTask ? { corpus: (this.loadedTask as TextTask).corpus } : {}),
        });
      } finally {
        if (this.store.getState().playing) void t.start();
      }
    });
    if (!file) throw new Error('Export failed');
    return file;
  }

  /**
   * One run's parameters now, for the text panel's samples and gradient view (src/app/text): read in the
   * controller's serial order (never during a rebuild or an export), with the trainer halted for the readback
   * (every record delivered, so the parameters are exactly those of `iteration`) and started again if the lab
   * is playing, as exportExperiment does.
   */
  async readRunParameters(runId: string): Promise<{ iteration: number; settings: RunSettings; parameters: ParamSet }> {
    let out: { iteration: number; settings: RunSettings; parameters: ParamSet } | undefined;
    await this.serial(async () => {
      const t = this.trainer;
      if (!t) throw new Error('There is no trained run group (the lab is not ready)');
      const k = this.groupRunIds.indexOf(runId);
      if (k < 0) throw new Error('That run is not in the group being trained (it was added or changed: wait for the rebuild)');
      try {
        const read = await t.readParametersNow(k);
        out = { iteration: read.iteration, settings: { ...t.runs[k] }, parameters: read.parameters };
      } finally {
        if (this.store.getState().playing) void t.start();
      }
    });
    if (!out) throw new Error('The parameters could not be read');
    return out;
  }

  /**
   * The corpus a text group on `choice` would be built on now (the Brown corpus loads if it has not), or null
   * when the page has none (no files read): what an imported experiment's recorded corpus is checked against.
   */
  async corpusFor(choice: TextCorpusChoice): Promise<CorpusIdentity | null> {
    const text = this.datasets?.text;
    if (!text) return null;
    try {
      const got = await text(choice);
      return got.identity ?? corpusIdentity(got.corpus);
    } catch (e) {
      if (e instanceof MissingTextFiles) return null;
      throw e;
    }
  }

  baselineLoss(): number {
    const g = this.store.getState().group;
    const loaded = this.loadedTask;
    return loaded && isDataTask(g.task) && loaded.name === taskShape(g).name ? loaded.baselineLoss : taskShape(g).baselineLoss;
  }

  /**
   * The task a data-backed group trains on, loaded (once per page: the data set is kept) while the toolbar
   * says so; undefined for copy and adding, which the run group makes itself.
   */
  private async taskFor(group: GroupSettings, carrying: boolean): Promise<Task | undefined> {
    if (!isDataTask(group.task)) return undefined;
    if (group.task === 'text' && this.datasets?.text) {
      // a text group rebuilt with its runs carried (a run's setting changed) keeps the corpus it trained on,
      // even if other files were loaded since; a group built afresh takes the page's corpus of now
      const text = this.datasets.text;
      const kept = carrying && this.textInUse?.choice === (group.textCorpus ?? 'brown') ? this.textInUse : null;
      const loaders: DatasetLoaders = {
        ...this.datasets,
        text: async (choice) => {
          const got = kept ?? { choice, ...(await text(choice)) };
          this.textInUse = { choice, corpus: got.corpus, identity: got.identity };
          return got;
        },
      };
      this.store.setState({
        phaseText: `Loading ${group.textCorpus === 'files' ? 'your text files' : 'the Brown corpus'} for ${taskShape(group).name} (once per page)…`,
      });
      return groupTaskSource(group, loaders).load();
    }
    this.store.setState({
      phaseText: `Loading MNIST for ${taskShape(group).name} (once per page)…`,
    });
    return groupTaskSource(group, this.datasets).load();
  }

  async destroy(): Promise<void> {
    this.destroyed = true;
    this.unsubscribe();
    await this.trainer?.halt();
    await this.work.catch(() => undefined);
    await this.trainer?.destroy();
    this.trainer = null;
  }
}

/** The toolbar's description of a text group's data (store.ts TextData). */
function textDataOf(task: TextTask, B: number): TextData {
  const s = task.sentences;
  return {
    corpus: task.corpus.name,
    digest: task.corpus.digest,
    sentences: [s.train.count, s.valid.count, s.test.count],
    epochIterations: task.epochBatches(B),
    padding: paddingLine(task, B),
    paddingShare: task.padding(B).bucketed.ofShorterSteps,
  };
}
