/**
 * The evaluation rounds of the headless trainer (--eval-every N, --eval-batch B): the engine's evaluation
 * pass and policy (src/engine/evaluation.ts, evaluationSchedule.ts) opened beside the run group the way the
 * lab opens them (src/training/openEvaluation.ts) and restored from the checkpoints on --resume, then handed to the trainer, which runs the rounds
 * (src/training/scheduleEvaluator.ts); and their lines: one per round (the trainer's `evaluation` event) and
 * the test figures at the best validation weights at the end.
 */
import type { EvaluationSchedule } from '../engine/evaluationSchedule.ts';
import { formatBytes } from '../engine/memoryText.ts';
import { quoteInput } from '../engine/quoteInput.ts';
import type { RunGroup } from '../engine/runGroup.ts';
import { parseDecimal, type RunSettings } from '../engine/settings.ts';
import { type EvaluationRequest, EvaluationSetupError, openEvaluation as openSharedEvaluation } from '../training/openEvaluation.ts';
import type { TrainerEvents } from '../training/trainerEvents.ts';
import { type FlagSpec, UsageError } from './args.ts';
import type { Resumed } from './resume.ts';

export const EVALUATION_FLAGS: FlagSpec[] = [
  {
    name: 'eval-every',
    value: 'N|epoch',
    help: "score the validation set every N iterations (or every epoch of a data-backed task), keep each run's best-validation weights and score the test set at them",
  },
  { name: 'eval-batch', value: 'B', help: 'sequences per batch of the evaluation pass (default: the training batch; needs --eval-every)' },
];

export type { EvaluationRequest };

/** The evaluation flags, or null when there is no --eval-every. */
export function evaluationFlags(flags: Map<string, string>): EvaluationRequest | null {
  const every = flags.get('eval-every');
  const batch = flags.get('eval-batch');
  if (every === undefined) {
    if (batch !== undefined) throw new UsageError('--eval-batch sizes the evaluation pass; give --eval-every N too');
    return null;
  }
  const whole = (text: string, name: string, max: number) => {
    const v = parseDecimal(text);
    if (v === null || !Number.isInteger(v) || v < 1 || v > max)
      throw new UsageError(
        `--${name} must be a whole number from 1 to ${max}${name === 'eval-every' ? " or 'epoch'" : ''} (got ${quoteInput(text)})`,
      );
    return v;
  };
  return {
    every: every === 'epoch' ? 'epoch' : whole(every, 'eval-every', 10_000_000),
    batchSize: batch === undefined ? undefined : whole(batch, 'eval-batch', 100_000),
  };
}

/**
 * The evaluation pass and its schedule beside `rg` (the shared construction, src/training/openEvaluation.ts;
 * a refused batch or cadence becomes a usage error naming its flag, in one line); a resumed experiment gets
 * back each run's best weights and history from its checkpoint.
 */
export async function openEvaluation(
  rg: RunGroup,
  request: EvaluationRequest,
  opts: { naive: boolean; memoryBudget: number; resumed?: Resumed },
): Promise<EvaluationSchedule> {
  try {
    return await openSharedEvaluation(rg, request, {
      naive: opts.naive,
      memoryBudget: opts.memoryBudget,
      restore: opts.resumed?.evaluation,
    });
  } catch (e) {
    if (e instanceof EvaluationSetupError) throw new UsageError(`--eval-${e.setting}: ${e.message}`);
    throw e;
  }
}

export function evaluationMemoryLine(schedule: EvaluationSchedule): string {
  const ev = schedule.evaluation;
  const sets = ['validation', 'test'] as const;
  const sizes = sets.map((s) => `${s} ${schedule.task.evaluationSet(s).size}`).join(', ');
  return `Evaluation every ${schedule.cadence.every === 'epoch' ? 'epoch' : `${schedule.cadence.every} iterations`} (${sizes} sequences, batch ${ev.dims.B}): ${formatBytes(ev.memory.totalBytes)} of GPU memory besides the group`;
}

const pct = (a: number) => (Number.isNaN(a) ? '' : ` acc ${(100 * a).toFixed(1)}%`);

/** A loss as the lines show it: for the text task in bits per character (the loss in nats / ln 2). */
export function lossText(loss: number, bits: boolean): string {
  return bits ? `${(loss / Math.LN2).toPrecision(4)} bpc` : loss.toPrecision(4);
}

/**
 * A round in one line: every run's validation loss, and, for the runs whose best weights were taken in it,
 * their test figures at them.
 */
export function roundLine(runs: readonly RunSettings[], round: TrainerEvents['evaluation'], bits = false): string {
  const validation = round.results.find((e) => e.split === 'validation');
  const test = round.results.find((e) => e.split === 'test');
  const perRun = runs
    .map((run, r) => {
      const v = validation?.runs[r];
      const val = !v ? 'not scored' : v.problem ? `validation: ${v.problem}` : `val ${lossText(v.loss, bits)}${pct(v.accuracy)}`;
      const t = test?.runs[r];
      const best = t && t.bestIteration === round.iteration ? ` (best; test ${lossText(t.loss, bits)}${pct(t.accuracy)})` : '';
      return `${run.name}: ${val}${best}`;
    })
    .join(' | ');
  return `eval at it ${round.iteration}  ${perRun}`;
}

/** At the end: each run's test figures at its best-validation weights. */
export function finalEvaluationLine(runs: readonly RunSettings[], schedule: EvaluationSchedule, bits = false): string {
  const perRun = runs
    .map((run, r) => {
      const t = schedule.testAtBest(r);
      if (!t) return `${run.name}: no evaluation yet`;
      return `${run.name}: test ${t.loss === null ? 'not finite' : lossText(t.loss, bits)}${t.accuracy === null ? '' : ` acc ${(100 * t.accuracy).toFixed(1)}%`} at the weights of iteration ${t.bestIteration}`;
    })
    .join(' | ');
  return `Test at the best validation weights: ${perRun}`;
}
