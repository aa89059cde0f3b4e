/**
 * When to evaluate, and what a trainer keeps from it: the policy the trainer calls between iterations
 * (evaluateEvery; src/training/scheduleEvaluator.ts hands it to the trainer). Every k iterations, or at the
 * start of every epoch of a data-backed task, it scores the validation set at the current weights
 * (evaluation.ts), takes as best weights those of every run whose validation figures improved (bestWeights.ts
 * isBetter: by accuracy where the task has one, ties to the lower loss; else by loss), and, when some run
 * improved, scores the test set at each run's best weights: the paper's test figure is that of the
 * best-validation weights so far, not of the last weights. Each round is kept per run (RunEvaluation, saved
 * in checkpoints), so a resumed run keeps its history and its best.
 */
import type { Task } from '../tasks/task.ts';
import type { BestRecord } from './bestWeights.ts';
import type { Evaluation, SetScore } from './evaluation.ts';
import type { ParamSet } from './parameters.ts';

/** A set's figures as files keep them (loss null where it was not finite, accuracy null where the task has none). */
export interface ScoreJson {
  loss: number | null;
  accuracy: number | null;
  count: number;
}

/** One evaluation round of one run. */
export interface RunEvaluation {
  /** iterations completed when the round ran */
  iteration: number;
  /** the validation set at the weights of that iteration */
  validation: ScoreJson;
  /** the test set at the run's best weights as of this round (absent when they did not change in it) */
  test?: ScoreJson & { bestIteration: number };
}

/** What the rounds kept of one run (a snapshot's, a checkpoint's): its best-validation weights (null: none yet) and every round. */
export interface RunEvaluationState {
  best: { record: BestRecord; parameters: ParamSet } | null;
  evaluations: RunEvaluation[];
}

export interface EvaluationRound {
  iteration: number;
  /** per run: the validation set at the current weights */
  validation: SetScore[];
  /** the runs whose best weights were taken in this round */
  improved: number[];
  /** per run: the test set at its best weights, when some run improved (null: the last test figures stand) */
  test: SetScore[] | null;
}

/** A round's progress: sequences of `split` scored so far, of `total`. */
export type RoundProgress = (split: 'validation' | 'test', done: number, total: number) => void;

/** Every k iterations, or once per epoch (data-backed tasks: when the training stream enters a new epoch). */
export type EvaluationCadence = { every: number } | { every: 'epoch' };

function toJson(s: SetScore): ScoreJson {
  return { loss: Number.isFinite(s.loss) ? s.loss : null, accuracy: Number.isNaN(s.accuracy) ? null : s.accuracy, count: s.count };
}

export class EvaluationSchedule {
  /** per run, every round so far (from a checkpoint first, when resumed) */
  readonly history: RunEvaluation[][];
  private lastEpoch: number;

  constructor(
    readonly evaluation: Evaluation,
    readonly task: Task,
    readonly cadence: EvaluationCadence,
  ) {
    if (cadence.every !== 'epoch' && (!Number.isInteger(cadence.every) || cadence.every < 1))
      throw new Error(`evaluate every: a whole number of iterations >= 1, or 'epoch' (got ${String(cadence.every)})`);
    if (cadence.every === 'epoch' && task.trainSize === null)
      throw new Error(
        `evaluate every epoch: the ${task.name} task trains on an endless stream and has no epochs; give a number of iterations`,
      );
    this.history = evaluation.group.runs.map(() => []);
    this.lastEpoch = task.position().epoch;
  }

  /** Whether a round is due after `iteration` iterations. */
  due(iteration: number): boolean {
    if (this.cadence.every === 'epoch') return this.task.position().epoch > this.lastEpoch;
    return iteration > 0 && iteration % this.cadence.every === 0;
  }

  /**
   * Iterations from `iteration` until the next round is due (a loop ends its stretch of training there): the
   * next multiple of k after `iteration`; every epoch, the iterations until the training stream enters the
   * next epoch, each drawing the group's batch of B sequences (the batch that ends an epoch may hold the start
   * of the next one), or 0 when it has entered one since the last round.
   */
  untilDue(iteration: number): number {
    if (this.cadence.every !== 'epoch') return this.cadence.every - (iteration % this.cadence.every);
    const at = this.task.position();
    if (at.epoch > this.lastEpoch) return 0;
    return Math.ceil((this.task.trainSize! - at.position) / this.evaluation.group.group.batchSize);
  }

  /**
   * One round at `iteration`: validation at the current weights, best weights, test at the best ones.
   * `onProgress(split, done, total)`, where given, follows each set's batches as the GPU finishes them.
   */
  async run(iteration: number, onProgress?: RoundProgress): Promise<EvaluationRound> {
    const ev = this.evaluation;
    const { scores, improved } = await ev.scoreAndKeepBest(
      this.task.evaluationSet('validation'),
      iteration,
      onProgress && ((done, total) => onProgress('validation', done, total)),
    );
    const test = improved.length
      ? await ev.score(this.task.evaluationSet('test'), 'best', onProgress && ((done, total) => onProgress('test', done, total)))
      : null;
    const records = ev.best!.records;
    scores.forEach((s, r) => {
      const entry: RunEvaluation = { iteration, validation: toJson(s) };
      const rec = records[r];
      if (test && rec && improved.includes(r)) entry.test = { ...toJson(test[r]), bestIteration: rec.iteration };
      this.history[r].push(entry);
    });
    this.lastEpoch = this.task.position().epoch;
    return { iteration, validation: scores, improved, test };
  }

  /** Run r's latest test figures at its best weights, with the iteration those weights are from (null: none yet). */
  testAtBest(r: number): (ScoreJson & { bestIteration: number }) | null {
    for (let k = this.history[r].length - 1; k >= 0; k--) {
      const t = this.history[r][k].test;
      if (t) return t;
    }
    return null;
  }

  /** What every run has kept, read back from the GPU (its best weights) and copied (its rounds). */
  async snapshot(): Promise<RunEvaluationState[]> {
    const best = this.evaluation.best;
    const out: RunEvaluationState[] = [];
    for (let r = 0; r < this.history.length; r++) {
      const record = best?.records[r] ?? null;
      const parameters = record ? await best!.read(r) : null;
      out.push({
        best: record && parameters ? { record: { ...record }, parameters } : null,
        evaluations: this.history[r].map((e) => ({ ...e })),
      });
    }
    return out;
  }

  /** A resumed run: its history and its best weights from its checkpoint. */
  restore(r: number, history: readonly RunEvaluation[], best?: { record: BestRecord; parameters: ParamSet } | null): void {
    this.history[r] = history.map((e) => ({ ...e }));
    if (best) this.evaluation.best!.write(r, best.parameters, best.record);
  }
}

/** The policy object a trainer calls: a round every k iterations (or every epoch), keeping the best weights. */
export function evaluateEvery(k: number | 'epoch', evaluation: Evaluation, task: Task): EvaluationSchedule {
  return new EvaluationSchedule(evaluation, task, { every: k } as EvaluationCadence);
}
