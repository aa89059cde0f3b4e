/**
 * What the headless trainer writes of its evaluation rounds (--eval-every) outside the snapshots, as the
 * rounds come (experimentFolder.ts has the layout):
 *
 *   DIR/evaluations.csv                     every round: one row per run per split
 *   DIR/best/NN-<run>.best.checkpoint.json  each run's best-validation weights (checkpoint.ts
 *                                           BestValidationCheckpoint), rewritten when a round takes new ones
 *
 * Both are written all-or-nothing (a temporary file, synced, renamed over the old one: durableFiles.ts),
 * inside the round, while the trainer waits for it, so that a halt or a save sees them complete. The CSV is
 * written whole from the rounds the trainer keeps (the schedule's history, the same that the checkpoints
 * carry), so it never holds a partial or a duplicated row. On --resume both are first put back to what the
 * snapshot holds: rounds (and best weights) of a session killed after its last snapshot are dropped, and
 * the resumed session, which trains the same iterations again, scores them again.
 */
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { BestRecord } from '../engine/bestWeights.ts';
import { makeBestValidationCheckpoint } from '../engine/checkpoint.ts';
import type { RunEvaluation, RunEvaluationState } from '../engine/evaluationSchedule.ts';
import type { ParamSet } from '../engine/parameters.ts';
import type { GroupSettings, RunSettings } from '../engine/settings.ts';
import { csvField } from '../experiments/csvField.ts';
import { replaceAtomically, syncFolder } from './durableFiles.ts';
import { BEST, bestCheckpointFile, EVALUATIONS_FILE } from './experimentFolder.ts';
import { SaveError } from './saveExperiment.ts';

export const EVALUATIONS_HEADER = 'run,name,iteration,epoch,split,loss,accuracy,sequences,best_validation_iteration';

/**
 * The rounds as CSV: per round (in iteration order), per run, a validation row (the weights of that
 * iteration) and, once the run has best-validation weights, a test row at them as they stood after the
 * round (the figures of the round that took them, repeated while they stay best), with their iteration.
 * `epoch`: epochs of training data drawn at that iteration (iterations x batch / training set), empty for a
 * task without epochs.
 */
export function evaluationsCsv(
  runs: readonly RunSettings[],
  history: readonly (readonly RunEvaluation[])[],
  epochOf: (iteration: number) => number | null,
): string {
  const rows = [EVALUATIONS_HEADER];
  const iterations = [...new Set(history.flatMap((h) => h.map((e) => e.iteration)))].sort((a, b) => a - b);
  const at = history.map(() => 0);
  const lastTest: (RunEvaluation['test'] | undefined)[] = history.map(() => undefined);
  for (const it of iterations) {
    runs.forEach((run, r) => {
      const h = history[r] ?? [];
      while (at[r] < h.length && h[at[r]].iteration === it) {
        const e = h[at[r]++];
        const lead = [r, run.name, it, epochOf(it)].map(csvField);
        rows.push([...lead, 'validation', csvField(e.validation.loss), csvField(e.validation.accuracy), e.validation.count, ''].join(','));
        if (e.test) lastTest[r] = e.test;
        const t = lastTest[r];
        if (t) rows.push([...lead, 'test', csvField(t.loss), csvField(t.accuracy), t.count, t.bestIteration].join(','));
      }
    });
  }
  return `${rows.join('\n')}\n`;
}

export class EvaluationFiles {
  /** paths (relative to the folder) written for this experiment: a save keeps them */
  private readonly written = new Set<string>();

  constructor(
    private readonly dir: string,
    private readonly experimentId: string,
    private readonly group: GroupSettings,
    private readonly runs: readonly RunSettings[],
    private readonly epochOf: (iteration: number) => number | null,
  ) {}

  /** What this experiment wrote outside its snapshots (saveExperiment keeps them). */
  get files(): string[] {
    return [...this.written].sort();
  }

  /** evaluations.csv from `history` (every run's rounds), whole. */
  writeRounds(history: readonly (readonly RunEvaluation[])[]): void {
    this.guard(EVALUATIONS_FILE, () =>
      replaceAtomically(join(this.dir, EVALUATIONS_FILE), evaluationsCsv(this.runs, history, this.epochOf), this.dir),
    );
  }

  /** Run r's best-validation checkpoint: `record` and `parameters`, with the test figures of the round that took them. */
  writeBest(r: number, record: BestRecord, parameters: ParamSet, rounds: readonly RunEvaluation[]): void {
    const file = bestCheckpointFile(r, this.runs[r].name);
    const taken = rounds.findLast((e) => e.test?.bestIteration === record.iteration);
    const folder = join(this.dir, BEST);
    this.guard(file, () => {
      mkdirSync(folder, { recursive: true });
      const ck = makeBestValidationCheckpoint({
        experimentId: this.experimentId,
        group: { ...this.group },
        run: this.runs[r],
        runIndex: r,
        record,
        validationCount: rounds.find((e) => e.iteration === record.iteration)?.validation.count,
        test: taken?.test ?? null,
        parameters,
      });
      replaceAtomically(join(this.dir, file), JSON.stringify(ck), folder);
    });
  }

  /**
   * On --resume: both put back to the snapshot's rounds and best weights (`kept`, per run), and best files
   * of runs that have none there removed.
   */
  restore(kept: readonly Partial<RunEvaluationState>[]): void {
    const history = kept.map((k) => k.evaluations ?? []);
    if (history.some((h) => h.length)) this.writeRounds(history);
    else this.guard(EVALUATIONS_FILE, () => rmSync(join(this.dir, EVALUATIONS_FILE), { force: true }), false);
    const mine = new Set<string>();
    kept.forEach((k, r) => {
      if (!k.best) return;
      this.writeBest(r, k.best.record, k.best.parameters, history[r]);
      mine.add(bestCheckpointFile(r, this.runs[r].name));
    });
    let names: string[] = [];
    try {
      names = readdirSync(join(this.dir, BEST));
    } catch {
      return;
    }
    // a best file of this experiment's runs that the snapshot has no best weights for (written after it)
    const ours = new Set(this.runs.map((run, r) => bestCheckpointFile(r, run.name)));
    for (const name of names) {
      const rel = `${BEST}/${name}`;
      if (ours.has(rel) && !mine.has(rel)) this.guard(rel, () => rmSync(join(this.dir, rel), { force: true }), false);
    }
    this.guard(BEST, () => syncFolder(join(this.dir, BEST)), false);
  }

  private guard(file: string, write: () => void, owned = true): void {
    try {
      write();
      if (owned) this.written.add(file);
      else this.written.delete(file);
    } catch (e) {
      throw new SaveError(`cannot write ${join(this.dir, file)} (${(e as Error).message})`);
    }
  }
}
