/**
 * How an evaluation pass plugs into the trainer (issue 8, section 2): TrainerOptions.evaluator. The trainer
 * ends each stretch of training at the next iteration the evaluator says is due (as it ends at `until`, with
 * every readback delivered, so the weights scored are those of exactly that iteration), awaits
 * evaluate(iteration) with the loop halted, emits an `evaluation` event with the results, and trains on.
 * An evaluation due at an iteration the loop reaches is never skipped: it runs even when the loop was paused
 * on the way there, and halt(), step() and save() wait for it. A failure inside the evaluator stops the
 * trainer as the loop's failures do (gpuError, deviceLost, error). The evaluator's state (each run's
 * best-validation weights and rounds) goes into the trainer's snapshots.
 *
 * The evaluator the CLI uses is the engine's evaluation schedule (src/engine/evaluationSchedule.ts) behind
 * scheduleEvaluator.ts: every k iterations or every epoch of a data-backed task.
 */
import type { RunEvaluationState } from '../engine/evaluationSchedule.ts';

/** One run's figures on one split. */
export interface TrainerRunScore {
  /** the weighted mean task loss (NaN, with `problem`, when it was not finite) */
  loss: number;
  /** NaN when the task scores none */
  accuracy: number;
  /** sequences scored */
  count: number;
  /** why there is no loss */
  problem?: string;
  /** test split: the iteration whose weights (the run's best-validation ones) were scored */
  bestIteration?: number;
}

/** One split scored at one iteration, per run. */
export interface TrainerEvaluation {
  /** the iteration (iterations completed) at which it was scored */
  iteration: number;
  /**
   * validation: at the weights of `iteration`; test: at each run's best-validation weights (as they stand
   * after this round's validation)
   */
  split: 'validation' | 'test';
  runs: TrainerRunScore[];
}

/** What an evaluation pass offers the trainer. */
export interface TrainerEvaluator {
  /** whether a round is due after `iteration` iterations (the trainer asks at the iterations it reaches) */
  due(iteration: number): boolean;
  /**
   * iterations from `iteration` to the next iteration a round is due at (>= 1), the round at `iteration`
   * (when due) being done: every k iterations, the next multiple of k; every epoch, the iterations until
   * the training stream enters the next epoch
   */
  untilDue(iteration: number): number;
  /** scores the group's current weights; resolves with one result per split it scored */
  evaluate(iteration: number): Promise<TrainerEvaluation[]>;
  /** what it keeps of each run (best-validation weights read from the GPU, every round), for a snapshot */
  snapshot(): Promise<RunEvaluationState[]>;
  /** frees what it holds on the GPU (the trainer calls it when it is destroyed) */
  destroy(): void;
}
