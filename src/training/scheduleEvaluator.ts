/**
 * The engine's evaluation schedule (src/engine/evaluationSchedule.ts: validation at the current weights,
 * best-validation weights kept, the test set at them) as the trainer's evaluator (evaluationHook.ts). Its
 * results are plain data: the round's validation scores, and, when some run's best weights were taken in the
 * round, every run's test scores at its best weights with the iteration they are from.
 */
import type { SetScore } from '../engine/evaluation.ts';
import type { EvaluationSchedule } from '../engine/evaluationSchedule.ts';
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

export function scheduleEvaluator(schedule: EvaluationSchedule): TrainerEvaluator {
  return {
    due: (iteration) => schedule.due(iteration),
    untilDue: (iteration) => schedule.untilDue(iteration),
    async evaluate(iteration) {
      const round = await schedule.run(iteration);
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
