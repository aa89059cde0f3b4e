/**
 * The evaluation rounds beside a run group, built the same way for every host (the CLI's --eval-every and
 * --eval-batch, the lab's evaluateEvery and evaluationBatch settings): the engine's evaluation pass
 * (src/engine/evaluation.ts, refused by its memory check when it does not fit beside the group) and its
 * schedule (evaluationSchedule.ts: every k iterations or every epoch of a data-backed task), with each run's
 * best-validation weights and rounds restored where the host carries them (a resumed checkpoint, a rebuilt
 * lab group). The host hands scheduleEvaluator(schedule) to the trainer, which runs the rounds.
 */
import { Evaluation } from '../engine/evaluation.ts';
import { type EvaluationSchedule, evaluateEvery, type RunEvaluationState } from '../engine/evaluationSchedule.ts';
import type { RunGroup } from '../engine/runGroup.ts';

/** What a host asks for: a round every k iterations or every epoch, at a batch size (undefined: the training batch). */
export interface EvaluationRequest {
  every: number | 'epoch';
  batchSize?: number;
}

/**
 * Why the rounds could not be built, with the setting at fault: 'batch' (the pass does not fit beside the
 * group at that batch; the message names the largest that fits), 'every' (a cadence the task cannot have:
 * every epoch of an endless stream).
 */
export class EvaluationSetupError extends Error {
  constructor(
    readonly setting: 'batch' | 'every',
    message: string,
  ) {
    super(message);
    this.name = 'EvaluationSetupError';
  }
}

/**
 * The evaluation pass and its schedule beside `rg`; `restore[r]`, where given, is what run r kept (its rounds
 * and its best-validation weights, null: none yet). Throws EvaluationSetupError for a refused batch or
 * cadence (nothing stays allocated then).
 */
export async function openEvaluation(
  rg: RunGroup,
  request: EvaluationRequest,
  opts: { naive: boolean; memoryBudget?: number; restore?: readonly (Partial<RunEvaluationState> | undefined)[] },
): Promise<EvaluationSchedule> {
  let evaluation: Evaluation;
  try {
    evaluation = await Evaluation.create(rg, {
      batchSize: request.batchSize,
      naive: opts.naive,
      ...(opts.memoryBudget === undefined ? {} : { memoryBudget: opts.memoryBudget }),
    });
  } catch (e) {
    if (e instanceof Error && e.name === 'EvaluationMemoryError') throw new EvaluationSetupError('batch', e.message);
    throw e;
  }
  let schedule: EvaluationSchedule;
  try {
    schedule = evaluateEvery(request.every, evaluation, rg.task);
  } catch (e) {
    evaluation.destroy();
    throw new EvaluationSetupError('every', (e as Error).message);
  }
  opts.restore?.forEach((ev, r) => {
    if (ev) schedule.restore(r, ev.evaluations ?? [], ev.best);
  });
  return schedule;
}
