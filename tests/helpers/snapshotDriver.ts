/**
 * A stand-in trainer for the tests of the experiment folder: it saves snapshots exactly as npm run train
 * does (saveExperiment, loadResume), but without a GPU, with parameters, optimiser state, metrics and traces
 * that are a known function of the iteration. A test can then kill it at random moments of a save many
 * times in a few seconds each and check that what is left is one consistent snapshot, or write folders
 * (more runs, a failed run) for the real command to meet.
 *   node --import tsx tests/helpers/snapshotDriver.ts DIR RUNS ITERS [resume]
 * With `resume` it continues the experiment in DIR (through loadResume) for ITERS more iterations.
 */

import { type Manifest, newExperimentId } from '../../src/cli/experimentFolder.ts';
import { prepareOutputFolder } from '../../src/cli/outputFolder.ts';
import { loadResume } from '../../src/cli/resume.ts';
import { isMain } from '../../src/cli/run.ts';
import { saveExperiment } from '../../src/cli/saveExperiment.ts';
import { modelDimsOf } from '../../src/engine/checkpoint.ts';
import { ExperimentLog } from '../../src/engine/experimentLog.ts';
import { cellOf, type ParamSet, paramNames, paramSize } from '../../src/engine/parameters.ts';
import type { IterationRecord, RunStatus } from '../../src/engine/runGroup.ts';
import { type GroupSettings, PAPER_GROUP, PAPER_RUN, type RunSettings } from '../../src/engine/settings.ts';
import { Rng } from '../../src/random/rng.ts';
import type { TrainingSnapshot } from '../../src/training/trainingSnapshot.ts';

export const driverGroup: GroupSettings = { ...PAPER_GROUP, task: 'copy', T: 3, hidden: 8, batchSize: 4, trackEvery: 5 };

export function driverRuns(R: number): RunSettings[] {
  return Array.from({ length: R }, (_, r) => ({ ...PAPER_RUN, name: `run${r}`, seed: r + 1, margin: r % 2 ? null : 0.1 }));
}

const dims = modelDimsOf(driverGroup);

function tensors(seed: number, run: RunSettings, scale: number): ParamSet {
  const rng = new Rng(seed);
  const cell = cellOf(run);
  const out: ParamSet = {};
  for (const name of paramNames(cell)) out[name] = Float32Array.from({ length: paramSize(cell, name, dims) }, () => scale * rng.normal());
  return out;
}

/** What run r holds after `iteration` iterations. */
export const parametersAt = (iteration: number, r: number, run: RunSettings) => tensors(1000 * iteration + r, run, 0.1);
export const optimizerStateAt = (iteration: number, r: number, run: RunSettings) => tensors(1000 * iteration + r + 500, run, 1e-3);

/** The metrics of run r measured at `iteration`: [loss, accuracy, soft orth, weight decay]. */
export function metricsAt(iteration: number, r: number): [number, number, number, number] {
  return [1 / (iteration + r), (iteration % 7) / 7, 0, 1e-4 * iteration];
}

/** The data generator's state after `iteration` iterations (one draw each). */
export function rngStateAt(iteration: number): number[] {
  const rng = new Rng(driverGroup.dataSeed);
  for (let i = 0; i < iteration; i++) rng.nextU32();
  return rng.getState();
}

function record(iteration: number, R: number): IterationRecord {
  const runs = Array.from({ length: R }, (_, r) => {
    const [loss, accuracy, softOrthPenalty, weightDecayPenalty] = metricsAt(iteration, r);
    return { loss, accuracy, softOrthPenalty, weightDecayPenalty };
  });
  const tracked = iteration % driverGroup.trackEvery === 0 || iteration === 1;
  return {
    iteration,
    runs,
    track: tracked
      ? {
          flow: runs.map((_, r) => Float32Array.from({ length: dims.L + 1 }, (_, t) => (t + 1) * (r + 1) * iteration)),
          spectrum: runs.map(() => Float32Array.from({ length: driverGroup.hidden }, (_, i) => 1 + i / 100)),
          drift: runs.map((): [number, number] => [1e-7, 2e-7]),
        }
      : undefined,
  };
}

export async function drive(dir: string, R: number, iters: number, resume = false, report = false): Promise<void> {
  let runs = driverRuns(R);
  let experimentId = newExperimentId();
  let log: ExperimentLog;
  let iteration = 0;
  let latest: Manifest | undefined;
  let status: RunStatus[] = runs.map(() => ({ state: 'training' }));
  if (resume) {
    const r = loadResume(dir);
    ({ runs, log } = r);
    experimentId = r.manifest.experimentId;
    iteration = r.manifest.iteration;
    latest = r.manifest;
    status = r.status;
  } else {
    prepareOutputFolder(dir, false);
    log = new ExperimentLog(driverGroup, runs, 0.9);
  }
  const dataRng = Rng.fromState(rngStateAt(iteration));
  for (let k = 0; k < iters; k++) {
    iteration++;
    dataRng.nextU32();
    log.add([record(iteration, R)]);
    // what Trainer.save() would hand over at this iteration
    const snapshot: TrainingSnapshot = {
      group: driverGroup,
      runs,
      iteration,
      dataRngState: dataRng.getState(),
      status,
      state: runs.map((run, r) => ({ parameters: parametersAt(iteration, r, run), optimizerState: optimizerStateAt(iteration, r, run) })),
    };
    latest = (await saveExperiment(dir, experimentId, snapshot, log, 'fused', latest)).manifest;
    if (report) process.stdout.write(`saved ${iteration}\n`);
  }
}

if (isMain(import.meta.url)) {
  const [dir, R, iters, mode] = process.argv.slice(2);
  await drive(dir, Number(R), Number(iters), mode === 'resume', true);
}
