/**
 * How the evaluation pass (issue 8, section 2: a forward-only pass over the validation and test sets) will
 * plug into the trainer. Types only: the trainer does not take an evaluator until that pass exists, so that
 * nothing in its API runs nothing. When it does:
 *   - TrainerOptions gains `evaluator?: TrainerEvaluator`;
 *   - start() ends each stretch of training at the next multiple of `evaluator.every` (as it ends at `until`,
 *     with every readback delivered, so the weights are those of exactly that iteration), awaits
 *     `evaluate(iteration)` with the loop halted, emits its result, and trains on;
 *   - TrainerEvents gains `evaluation: TrainerEvaluation` (plain data, like every other event).
 * A failure inside the evaluator stops the trainer as the loop's failures do (gpuError, deviceLost, error).
 */

/** One split scored at one iteration, per run (NaN accuracy when the task scores none). */
export interface TrainerEvaluation {
  /** the iteration whose weights were scored (iterations completed) */
  iteration: number;
  split: 'validation' | 'test';
  runs: { loss: number; accuracy: number }[];
}

/** What an evaluation pass offers the trainer. */
export interface TrainerEvaluator {
  /** iterations between two evaluations (a whole number >= 1) */
  every: number;
  /** scores the group's current weights; resolves with one result per split it evaluated */
  evaluate(iteration: number): Promise<TrainerEvaluation[]>;
}
