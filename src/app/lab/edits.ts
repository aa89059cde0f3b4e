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
import { evaluateEpochProblem, type GroupSettings, type RunSettings, validateExperiment } from '../../engine/settings.ts';
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

  setRunSetting<K extends keyof RunSettings>(id: string, key: K, value: RunSettings[K]): string | null {
    const { group, runs, iteration } = this.state;
    const index = runs.findIndex((r) => r.id === id);
    if (index < 0) return 'This run no longer exists';
    const cur = runs[index].settings;
    const next: RunSettings = { ...cur, [key]: value };
    const errors = validateExperiment(
      group,
      runs.map((r, i) => (i === index ? next : r.settings)),
    );
    if (errors.length) return pickError(errors, `run ${index + 1}`);
    if (cur[key] === value) return null;
    const nextRuns = runs.map((r, i) => (i === index ? { ...r, settings: next } : r));
    const trainer = this.lab.trainer;
    const k = this.lab.groupRunIds.indexOf(id);
    const kind = trainer && k >= 0 ? classifyRunChange(trainer.runs[k], next, this.lab.builtSoftOrth) : 'rebuild';
    if (kind === 'live' && trainer && this.state.phase === 'ready') {
      try {
        trainer.updateRun(k, next);
      } catch (e) {
        return (e as Error).message;
      }
      this.lab.store.setState({ runs: nextRuns });
      return null;
    }
    const { title, details } = describeRunChange(cur, next, kind === 'live' ? 'rebuild' : kind, key, iteration);
    this.propose({ title, details, confirmLabel: 'Rebuild' }, group, nextRuns, { reinit: kind === 'reinit' ? new Set([id]) : undefined });
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
    const settings = source
      ? { ...source.settings, name: `${source.settings.name} copy`.slice(0, 40) }
      : nextRun(runs.map((r) => r.settings));
    if (source) settings.color = nextRun(runs.map((r) => r.settings)).color;
    const run: LabRun = { id: newRunId(), settings, hidden: false };
    const nextRuns = [...runs, run];
    const errors = validateExperiment(
      group,
      nextRuns.map((r) => r.settings),
    );
    if (errors.length) return errors[0];
    this.propose(
      {
        title: source ? `Duplicate '${source.settings.name}'?` : 'Add a run?',
        details: [
          'The run group is rebuilt with one more run; every other run keeps its parameters and optimiser state.',
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
    if (!run) return null;
    if (runs.length === 1) return 'An experiment needs at least one run';
    this.propose(
      {
        title: `Remove '${run.settings.name}'?`,
        details: [
          'The run group is rebuilt without it; every other run keeps its parameters and optimiser state.',
          `What '${run.settings.name}' measured is removed from the charts (export the experiment first to keep it).`,
        ],
        confirmLabel: 'Remove the run',
      },
      group,
      runs.filter((r) => r.id !== id),
      {},
    );
    return null;
  }

  setHidden(id: string, hidden: boolean): void {
    this.lab.store.setState((s) => ({ runs: s.runs.map((r) => (r.id === id ? { ...r, hidden } : r)) }));
  }

  setRunPaused(id: string, paused: boolean): string | null {
    const trainer = this.lab.trainer;
    const k = this.lab.groupRunIds.indexOf(id);
    if (!trainer || k < 0) return null;
    try {
      trainer.setRunPaused(k, paused);
    } catch (e) {
      return (e as Error).message;
    }
    this.lab.store.setState((s) => ({
      runViews: { ...s.runViews, [id]: { ...s.runViews[id], state: paused ? 'paused' : 'training', message: undefined } },
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
