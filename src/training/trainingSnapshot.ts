/**
 * A snapshot of training, as Trainer.save() takes it with every readback in: the settings, the iteration,
 * the data generator's state and the task's training position, each run's status, parameters and optimiser
 * state, and (with an evaluator) each run's best-validation weights and evaluation history. Plain data (typed arrays
 * and numbers): the host persists it (the CLI as an experiment folder's checkpoints, the lab in an
 * experiment file), beside the metrics it gathered from the trainer's events, which are complete up to
 * snapshot.iteration when save() resolves. Trainer.resume() continues from one.
 */
import { type Checkpoint, makeCheckpoint } from '../engine/checkpoint.ts';
import type { DataStreamState } from '../engine/dataStreams.ts';
import type { RunEvaluationState } from '../engine/evaluationSchedule.ts';
import type { ParamSet } from '../engine/parameters.ts';
import type { InitialState, RunStatus } from '../engine/runGroup.ts';
import type { GroupSettings, RunSettings } from '../engine/settings.ts';
import type { TrainingPosition } from '../tasks/task.ts';

export interface RunState {
  parameters: ParamSet;
  optimizerState: ParamSet;
}

export interface TrainingSnapshot {
  group: GroupSettings;
  runs: RunSettings[];
  /** iterations completed */
  iteration: number;
  /** the data generator's state (Rng.getState) */
  dataRngState: number[];
  /** where the task's training stream stands (a data-backed task's epoch and position in it) */
  dataPosition?: TrainingPosition;
  /** with several data streams (src/engine/dataStreams.ts), each one's state; absent with one */
  dataStreams?: DataStreamState[];
  /** per run, as the run group has it (a failed run keeps its iteration and message) */
  status: RunStatus[];
  /** per run */
  state: RunState[];
  /** per run, what the evaluation rounds kept (absent: no evaluation, and none carried from a resumed file) */
  evaluation?: RunEvaluationState[];
}

/** One checkpoint per run (src/engine/checkpoint.ts), tagged with `experimentId` when given (the CLI's folders). */
export function snapshotCheckpoints(s: TrainingSnapshot, experimentId?: string): Checkpoint[] {
  return s.runs.map((run, r) =>
    makeCheckpoint({
      experimentId,
      group: { ...s.group },
      run,
      runIndex: r,
      iteration: s.iteration,
      dataRngState: s.dataRngState,
      dataPosition: s.dataPosition,
      dataStreams: s.dataStreams,
      parameters: s.state[r].parameters,
      optimizerState: s.state[r].optimizerState,
      // a failed run says so (with its iteration) and stays frozen on resume
      status: s.status[r],
      best: s.evaluation?.[r].best,
      evaluations: s.evaluation?.[r].evaluations,
    }),
  );
}

/** What a run group is built from to continue a snapshot exactly. */
export function initialStateOf(s: TrainingSnapshot): InitialState {
  return {
    parameters: s.state.map((st) => st.parameters),
    optimizerState: s.state.map((st) => st.optimizerState),
    iteration: s.iteration,
    dataRngState: [...s.dataRngState],
    ...(s.dataPosition ? { dataPosition: { ...s.dataPosition } } : {}),
    ...(s.dataStreams ? { dataStreams: s.dataStreams.map((st) => ({ ...st, rngState: [...st.rngState] })) } : {}),
    status: s.status.map((st) => ({ ...st })),
  };
}
