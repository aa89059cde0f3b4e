/**
 * The engine's evaluation schedule (src/engine/evaluationSchedule.ts: validation at the current weights,
 * best-validation weights kept, the test set at them) as the trainer's evaluator (evaluationHook.ts). Its
 * results are plain data: the round's validation scores, and, when some run's best weights were taken in the
 * round, every run's test scores at its best weights with the iteration they are from.
 */
import type { SetScore } from '../engine/evaluation.ts';
import type { EvaluationSchedule, RoundProgress } from '../engine/evaluationSchedule.ts';
import type { TrainerEvaluation, TrainerEvaluator, TrainerRunScore } from './evaluationHook.ts';

function plainScore(s: SetScore, bestIteration?: number): TrainerRunScore {
  return {
    loss: s.loss,
    accuracy: s.accuracy,
    count: s.count,
    ...(s.problem ? { problem: s.problem } : {}),
    ...(bestIteration === undefined ? {} : { bestIteration }),
  };
}

/**
 * `onProgress`, where given, follows each round's sets batch by batch as the GPU finishes them (the lab's
 * toolbar shows it); it only watches: the round, and the trainer waiting for it, are the same without it.
 */
export function scheduleEvaluator(schedule: EvaluationSchedule, onProgress?: RoundProgress): TrainerEvaluator {
  return {
    due: (iteration) => schedule.due(iteration),
    untilDue: (iteration) => schedule.untilDue(iteration),
    async evaluate(iteration) {
      const round = await schedule.run(iteration, onProgress);
      const out: TrainerEvaluation[] = [{ iteration, split: 'validation', runs: round.validation.map((s) => plainScore(s)) }];
      if (round.test) {
        const records = schedule.evaluation.best!.records;
        out.push({
          iteration,
          split: 'test',
          runs: round.test.map((s, r) => plainScore(s, records[r]?.iteration)),
        });
      }
      return out;
    },
    snapshot: () => schedule.snapshot(),
    destroy: () => schedule.evaluation.destroy(),
  };
}
