/**
 * Every edit the user can make to the experiment, checked by the settings table before anything changes:
 * run and group settings, adding/duplicating/removing/hiding/pausing runs, presets, reset, and loading an
 * experiment. An edit returns null when done (or waiting for confirmation) and the table's message when
 * the value is refused. Live edits apply at the next iteration; structural ones become the store's pending
 * change and are applied by confirm() (at once when nothing has been measured yet). A structural change to
 * settings this device cannot hold (the memory plan) is refused before it is proposed: the group trains on
 * and the store's memoryRefusal says why and what would fit (applyFit takes one of those).
 */

import { formatBytes } from '../../engine/memoryText.ts';
import { dataStreamSeed, evaluateEpochProblem, type GroupSettings, type RunSettings, validateExperiment } from '../../engine/settings.ts';
import {
  type ReplicateSet,
  replicateMembers,
  replicateSets,
  resizeReplicates,
  seedsProblem,
  setOfRun,
  setReplicateData,
  setSetting,
} from '../../experiments/replicates.ts';
import { classifyGroupChange, classifyRunChange, describeGroupChange, describeRunChange } from './changes.ts';
import type { LabController, RebuildPlan } from './controller.ts';
import type { LoadedExperiment } from './experimentFile.ts';
import { labMemoryPlan, type MemoryFit } from './memory.ts';
import { type Experiment, nextRun } from './presets.ts';
import { type LabRun, type PendingChange, pushMessage } from './store.ts';

let idCounter = 0;
export function newRunId(): string {
  idCounter += 1;
  return `run-${Date.now().toString(36)}-${idCounter}`;
}

export function labRuns(settings: RunSettings[]): LabRun[] {
  return settings.map((s) => ({ id: newRunId(), settings: s, hidden: false }));
}

/** The first error that mentions `what` (e.g. "run 2"), else the first error. */
function pickError(errors: string[], what?: string): string {
  return (what && errors.find((e) => e.startsWith(what))) || errors[0];
}

export class LabEdits {
  private pendingApply: (() => Promise<void>) | null = null;

  constructor(private readonly lab: LabController) {}

  private get state() {
    return this.lab.store.getState();
  }

  /** Rebuild now when nothing was measured, else ask first (saying what the GPU memory becomes); refuse what does not fit. */
  private propose(change: PendingChange, group: GroupSettings, runs: LabRun[], plan: RebuildPlan): void {
    const refusal = this.lab.refusalFor(group, runs);
    if (refusal && this.lab.trainer) {
      this.lab.refuseMemory(refusal, group, runs);
      return;
    }
    if (!refusal) {
      const env = this.lab.memoryEnv;
      const before = labMemoryPlan(this.state.group, this.state.runs, env).plan.totalBytes;
      const after = labMemoryPlan(group, runs, env).plan.totalBytes;
      change = { ...change, details: [...change.details, `GPU memory: ${formatBytes(after)} (now ${formatBytes(before)}).`] };
    }
    this.lab.store.setState({ memoryRefusal: null });
    // the store takes the new settings at once, so edits made while the group rebuilds start from them
    const apply = () => {
      this.lab.store.setState({ group, runs });
      return this.lab.serial(() => this.lab.rebuild(group, runs, plan));
    };
    if (this.state.iteration === 0 && !plan.initial) {
      void apply();
      return;
    }
    this.pendingApply = apply;
    this.lab.store.setState({ pending: change });
  }

  confirm(): Promise<void> {
    const apply = this.pendingApply;
    this.pendingApply = null;
    this.lab.store.setState({ pending: null });
    return apply ? apply() : Promise.resolve();
  }

  cancel(): void {
    this.pendingApply = null;
    this.lab.store.setState({ pending: null });
  }

  /** The replicate set of run `id` (src/experiments/replicates.ts): its members' indices in the store's runs. */
  private setOf(id: string): ReplicateSet | undefined {
    const runs = this.state.runs;
    const index = runs.findIndex((r) => r.id === id);
    return index < 0 ? undefined : setOfRun(replicateSets(runs.map((r) => r.settings)), index);
  }

  /**
   * A run setting: on a run of a replicate set every member changes with it (the name renames the set, the
   * seed moves its first seed, member i trains seed + i), so the set stays one set.
   */
  setRunSetting<K extends keyof RunSettings>(id: string, key: K, value: RunSettings[K]): string | null {
    const { group, runs, iteration } = this.state;
    const index = runs.findIndex((r) => r.id === id);
    const set = this.setOf(id);
    if (index < 0 || !set) return 'This run no longer exists';
    const cur = runs[index].settings;
    const nextSettings = setSetting(
      runs.map((r) => r.settings),
      set,
      key,
      value,
    );
    const errors = validateExperiment(group, nextSettings);
    if (errors.length) return pickError(errors, `run ${index + 1}`);
    if (set.members.every((m) => runs[m].settings[key] === nextSettings[m][key])) return null;
    const nextRuns = runs.map((r, i) => (set.members.includes(i) ? { ...r, settings: nextSettings[i] } : r));
    const trainer = this.lab.trainer;
    const kinds = set.members.map((m) => {
      const k = this.lab.groupRunIds.indexOf(runs[m].id);
      return trainer && k >= 0 ? classifyRunChange(trainer.runs[k], nextSettings[m], this.lab.builtSoftOrth) : 'rebuild';
    });
    if (kinds.every((k) => k === 'live') && trainer && this.state.phase === 'ready') {
      try {
        for (const m of set.members) trainer.updateRun(this.lab.groupRunIds.indexOf(runs[m].id), nextSettings[m]);
      } catch (e) {
        return (e as Error).message;
      }
      this.lab.store.setState({ runs: nextRuns });
      return null;
    }
    const kind = kinds.includes('reinit') ? 'reinit' : 'rebuild';
    const { title, details } = describeRunChange(cur, nextSettings[index], kind, key, iteration);
    if (set.members.length > 1) details.unshift(`All ${set.members.length} seeds of '${set.name}' change together.`);
    const reinit = new Set(set.members.filter((_, j) => kinds[j] === 'reinit').map((m) => runs[m].id));
    this.propose({ title, details, confirmLabel: 'Rebuild' }, group, nextRuns, { reinit: reinit.size ? reinit : undefined });
    return null;
  }

  /**
   * The Seeds control: run `id`'s set trained over k seeds side by side (seed, seed + 1, ...). Members that
   * stay keep their parameters and what they measured; new ones start from their initialisation; removed ones
   * go with what they measured.
   */
  setRunSeeds(id: string, k: number): string | null {
    const { group, runs, iteration } = this.state;
    const problem = seedsProblem(k);
    if (problem) return problem;
    const index = runs.findIndex((r) => r.id === id);
    const set = this.setOf(id);
    if (index < 0 || !set) return 'This run no longer exists';
    if (set.members.length === k) return null;
    const resized = resizeReplicates(
      runs.map((r) => r.settings),
      index,
      k,
    );
    const hidden = runs[set.members[0]].hidden;
    const nextRuns: LabRun[] = resized.runs.map((settings, j) => {
      const from = resized.source[j];
      return from === null ? { id: newRunId(), settings, hidden } : { ...runs[from], settings };
    });
    if (nextRuns.length > 16)
      return `${k} seeds of '${set.name}' make ${nextRuns.length} runs; at most 16 train side by side (remove a run, or take fewer seeds)`;
    const errors = validateExperiment(
      group,
      nextRuns.map((r) => r.settings),
    );
    if (errors.length) return errors[0];
    const added = nextRuns.filter((r) => !runs.some((o) => o.id === r.id)).length;
    const removed = runs.filter((r) => !nextRuns.some((n) => n.id === r.id)).length;
    const seeds = replicateMembers({ ...runs[set.members[0]].settings, name: set.name }, k).map((r) => r.seed);
    const details = [
      k === 1
        ? `'${set.name}' trains one seed (${seeds[0]}).`
        : `'${set.name}' trains over ${k} seeds side by side (${seeds.join(', ')}), named '${set.name} · s1' to '${set.name} · s${k}'; the charts draw them as one line with a band.`,
      ...(added
        ? [
            `${added} new run${added === 1 ? '' : 's'} start${added === 1 ? 's' : ''} from the initialisation; their charts begin at iteration ${iteration}.`,
          ]
        : []),
      ...(removed
        ? [`${removed} run${removed === 1 ? ' is' : 's are'} removed, with what ${removed === 1 ? 'it' : 'they'} measured.`]
        : []),
      'Every other run keeps its parameters and optimiser state; everything else measured stays on the charts.',
    ];
    this.propose(
      { title: `Train '${set.name}' over ${k} seed${k === 1 ? '' : 's'}?`, details, confirmLabel: 'Rebuild' },
      group,
      nextRuns,
      {},
    );
    return null;
  }

  /**
   * The "also over data" control beside Seeds: run `id`'s set over its data too (member i draws from data
   * seed + i) or over its initialisation only. Every member keeps its parameters and what it measured; a
   * member that moves to another stream draws from there on from that stream (a new one starts at its seed).
   */
  setRunOverData(id: string, on: boolean): string | null {
    const { group, runs } = this.state;
    const set = this.setOf(id);
    if (!set) return 'This run no longer exists';
    if (set.members.length < 2) return `'${set.name}' trains one seed: give it 2 or more seeds first`;
    if (set.data === on) return null;
    const next = setReplicateData(
      runs.map((r) => r.settings),
      set,
      on,
    );
    const errors = validateExperiment(group, next);
    if (errors.length) return errors[0];
    const nextRuns = runs.map((r, i) => (set.members.includes(i) ? { ...r, settings: next[i] } : r));
    const k = set.members.length;
    const details = on
      ? [
          `Member i of '${set.name}' draws its batches from data seed ${group.dataSeed} + (i - 1): ${set.members.map((m) => dataStreamSeed(group, next[m])).join(', ')}; member 1 keeps the group's stream.`,
          `The ${k} seeds then differ in their data as well as their initialisation; the band shows both.`,
        ]
      : [`Every member of '${set.name}' trains on the group's stream (data seed ${dataStreamSeed(group, next[set.members[0]])}) again.`];
    details.push('Every run keeps its parameters and optimiser state; everything measured stays on the charts.');
    this.propose(
      { title: `Train '${set.name}' over ${on ? 'its data too' : 'its initialisation only'}?`, details, confirmLabel: 'Rebuild' },
      group,
      nextRuns,
      {},
    );
    return null;
  }

  setGroupSetting<K extends keyof GroupSettings>(key: K, value: GroupSettings[K]): string | null {
    const { group, runs, iteration } = this.state;
    const next: GroupSettings = { ...group, [key]: value };
    // a task without epochs cannot evaluate every epoch: switching to one turns the rounds off, and says so
    const epochsOff = key === 'task' && evaluateEpochProblem(next) !== null;
    if (epochsOff) next.evaluateEvery = 'off';
    const errors = validateExperiment(
      next,
      runs.map((r) => r.settings),
    );
    if (errors.length) return pickError(errors, 'group');
    if (group[key] === value) return null;
    const kind = classifyGroupChange(key);
    const trainer = this.lab.trainer;
    if (kind === 'live' && trainer && this.state.phase === 'ready') {
      if (key === 'trackEvery') trainer.setTrackEvery(value as number);
      if (key === 'dataSeed') {
        trainer.restartData(value as number);
        if (iteration > 0)
          pushMessage(this.lab.store, 'info', `The data stream restarts from data seed ${value} at iteration ${iteration}.`);
      }
      this.lab.store.setState({ group: next });
      return null;
    }
    const { title, details } = describeGroupChange(key, group, next, iteration);
    if (epochsOff)
      details.splice(
        1,
        0,
        `Evaluate every: epoch becomes off (the ${String(value)} task has no epochs; set a number of iterations to evaluate it).`,
      );
    this.propose({ title, details, confirmLabel: 'Rebuild' }, next, runs, {
      reinitAll: kind === 'restart',
      resetOptimizer: kind === 'carry-parameters',
    });
    return null;
  }

  addRun(copyOf?: string): string | null {
    const { group, runs, iteration } = this.state;
    if (runs.length >= 16) return 'At most 16 runs train side by side';
    const source = runs.find((r) => r.id === copyOf);
    const sourceSet = copyOf ? this.setOf(copyOf) : undefined;
    // a run of a replicate set is duplicated with its seeds: a new set of as many members
    const settings = source
      ? { ...source.settings, name: `${sourceSet?.name ?? source.settings.name} copy`.slice(0, 40) }
      : nextRun(runs.map((r) => r.settings));
    if (source) settings.color = nextRun(runs.map((r) => r.settings)).color;
    if (source && sourceSet) settings.seed = runs[sourceSet.members[0]].settings.seed;
    const copies = replicateMembers(settings, sourceSet?.members.length ?? 1);
    if (runs.length + copies.length > 16) return `At most 16 runs train side by side (this would make ${runs.length + copies.length})`;
    const nextRuns = [...runs, ...copies.map((c) => ({ id: newRunId(), settings: c, hidden: false }))];
    const errors = validateExperiment(
      group,
      nextRuns.map((r) => r.settings),
    );
    if (errors.length) return errors[0];
    this.propose(
      {
        title: source ? `Duplicate '${sourceSet?.name ?? source.settings.name}'?` : 'Add a run?',
        details: [
          `The run group is rebuilt with ${copies.length === 1 ? 'one more run' : `${copies.length} more runs (the ${copies.length} seeds)`}; every other run keeps its parameters and optimiser state.`,
          `'${settings.name}' starts from its initialisation${source ? " (a copy of the other run's settings, not of its trained weights)" : ''}; its charts begin at iteration ${iteration}.`,
          'Everything measured so far stays on the charts.',
        ],
        confirmLabel: 'Add the run',
      },
      group,
      nextRuns,
      {},
    );
    return null;
  }

  removeRun(id: string): string | null {
    const { group, runs } = this.state;
    const run = runs.find((r) => r.id === id);
    const set = this.setOf(id);
    if (!run || !set) return null;
    // a run of a replicate set goes with its seeds
    const ids = new Set(set.members.map((m) => runs[m].id));
    if (ids.size === runs.length) return 'An experiment needs at least one run';
    const what = ids.size > 1 ? `'${set.name}' (${ids.size} seeds)` : `'${run.settings.name}'`;
    this.propose(
      {
        title: `Remove ${what}?`,
        details: [
          'The run group is rebuilt without it; every other run keeps its parameters and optimiser state.',
          `What ${what} measured is removed from the charts (export the experiment first to keep it).`,
        ],
        confirmLabel: 'Remove the run',
      },
      group,
      runs.filter((r) => !ids.has(r.id)),
      {},
    );
    return null;
  }

  /** Hides a run from the charts (a run of a replicate set: the whole set). */
  setHidden(id: string, hidden: boolean): void {
    const set = this.setOf(id);
    const ids = new Set(set ? set.members.map((m) => this.state.runs[m].id) : [id]);
    this.lab.store.setState((s) => ({ runs: s.runs.map((r) => (ids.has(r.id) ? { ...r, hidden } : r)) }));
  }

  /** Pauses or resumes a run (a run of a replicate set: each member that has not failed). */
  setRunPaused(id: string, paused: boolean): string | null {
    const trainer = this.lab.trainer;
    const set = this.setOf(id);
    const ids = set ? set.members.map((m) => this.state.runs[m].id) : [id];
    const targets = ids.filter((m) => m === id || this.state.runViews[m]?.state !== 'failed');
    if (!trainer) return null;
    const done: string[] = [];
    for (const m of targets) {
      const k = this.lab.groupRunIds.indexOf(m);
      if (k < 0) continue;
      try {
        trainer.setRunPaused(k, paused);
      } catch (e) {
        return (e as Error).message;
      }
      done.push(m);
    }
    this.lab.store.setState((s) => ({
      runViews: {
        ...s.runViews,
        ...Object.fromEntries(done.map((m) => [m, { ...s.runViews[m], state: paused ? 'paused' : 'training', message: undefined }])),
      },
    }));
    return null;
  }

  /** Replaces the whole experiment (a preset or a link) and starts again at iteration 0. */
  replace(e: Experiment, title: string): void {
    const runs = labRuns(e.runs.map((r) => ({ ...r })));
    this.propose(
      {
        title,
        details: [
          `The current runs and the ${this.state.iteration} iterations measured so far are discarded (export the experiment first to keep them).`,
        ],
        confirmLabel: 'Discard and load',
      },
      { ...e.group },
      runs,
      { resetHistory: true },
    );
  }

  /** Takes one of the sizes a memory refusal offered (several group settings may differ from the current ones). */
  applyFit(fit: MemoryFit): void {
    const { group, runs } = this.state;
    const keys = (Object.keys(group) as (keyof GroupSettings)[]).filter((k) => group[k] !== fit.group[k]);
    const kinds = keys.map(classifyGroupChange);
    const dropped = runs.filter((r) => !fit.runs.some((f) => f.id === r.id));
    const details = ['The run group is rebuilt with these settings.'];
    if (kinds.includes('restart')) details.push('Every run restarts from its initialisation (its parameters depend on n or the task).');
    if (dropped.length) details.push(`Removed: ${dropped.map((r) => `'${r.settings.name}'`).join(', ')} (and what they measured).`);
    details.push('Everything else measured so far stays on the charts.');
    this.propose({ title: `Use ${fit.label}?`, details, confirmLabel: 'Rebuild' }, fit.group, fit.runs, {
      reinitAll: kinds.includes('restart'),
      resetOptimizer: kinds.includes('carry-parameters'),
    });
  }

  /** Re-initialises every run from its settings (the 'r' key). */
  reset(): void {
    const { group, runs, iteration } = this.state;
    const apply = () => this.lab.serial(() => this.lab.rebuild(group, runs, { resetHistory: true }));
    if (iteration === 0) {
      void apply();
      return;
    }
    this.pendingApply = apply;
    this.lab.store.setState({
      pending: {
        title: 'Reset every run?',
        details: [
          `Every run restarts from its initialisation at iteration 0; the ${iteration} iterations measured so far are discarded (export the experiment first to keep them).`,
        ],
        confirmLabel: 'Reset',
      },
    });
  }

  /** Loads a parsed experiment file: its settings, its measurements and its checkpoints (to continue). */
  load(loaded: LoadedExperiment): Promise<void> {
    return this.lab.serial(async () => {
      await this.lab.rebuild(loaded.group, loaded.runs, {
        initial: loaded.initial,
        evaluation: loaded.evaluation,
        resetHistory: true,
        ...(loaded.corpus ? { corpus: loaded.corpus } : {}),
      });
      if (this.lab.trainer) {
        this.lab.book.load(loaded.metrics);
        // the evaluation rounds travel in the checkpoints (each run's history)
        this.lab.book.setEvaluations(new Map(loaded.runs.map((r, k) => [r.id, loaded.evaluation[k].evaluations])));
        const last = (id: string) => this.lab.book.traces.get(id);
        this.lab.store.setState((s) => ({
          runViews: Object.fromEntries(
            s.runs.map((r) => [
              r.id,
              { ...s.runViews[r.id], loss: last(r.id)?.loss.last ?? NaN, accuracy: last(r.id)?.accuracy.last ?? NaN },
            ]),
          ),
        }));
      }
    });
  }
}
