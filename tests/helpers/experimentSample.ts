/**
 * A small, valid experiment file (copy T=10, n=6, two runs with three measured iterations and one checkpoint
 * each) for the experiment-file tests and the input fuzz test.
 */
import { type ExperimentFile, makeExperimentFile } from '../../src/app/lab/experimentFile.ts';
import { MetricsBook } from '../../src/app/lab/metricsBook.ts';
import { defaultExperiment } from '../../src/app/lab/presets.ts';
import type { LabRun } from '../../src/app/lab/store.ts';
import { makeCheckpoint } from '../../src/engine/checkpoint.ts';
import { groupDims, type IterationRecord, initialParameters } from '../../src/engine/runGroup.ts';
import type { RunSettings } from '../../src/engine/settings.ts';
import { Rng } from '../../src/random/rng.ts';
import { taskShape } from '../../src/tasks/index.ts';

/** `runSettings`: the two runs' settings instead of the default experiment's first two. */
export function sampleFile(lstmSecond = false, runSettings?: [RunSettings, RunSettings]): ExperimentFile {
  const e = defaultExperiment(true);
  e.group = { ...e.group, hidden: 6 };
  e.runs = runSettings ? [...runSettings] : e.runs.slice(0, 2);
  if (lstmSecond) e.runs[1] = { ...e.runs[1], name: 'LSTM', parameterisation: 'lstm' };
  const runs: LabRun[] = e.runs.map((settings, i) => ({ id: `r${i}`, settings, hidden: i === 1 }));
  const dims = groupDims(e.group, taskShape(e.group), runs.length);
  const rng = new Rng(7);
  rng.uniform();
  const dataRngState = rng.getState();
  const book = new MetricsBook(100);
  const records: IterationRecord[] = [1, 2, 3].map((it) => ({
    iteration: it,
    runs: runs.map((_, k) => ({ loss: 1 / it + k, accuracy: 0.1 * it, softOrthPenalty: 0, weightDecayPenalty: 1e-4 })),
    track:
      it === 3
        ? {
            flow: runs.map(() => Float32Array.from([1, 2, 3])),
            spectrum: runs.map(() => Float32Array.from([0.9, 1, 1.05])),
            drift: runs.map(() => [1e-7, 2e-7] as [number, number]),
          }
        : undefined,
  }));
  book.add(records, ['r0', 'r1'], [0, 0.01]);
  const checkpoints = runs.map((r, k) => {
    const params = initialParameters(r.settings, dims);
    const state = initialParameters(r.settings, dims);
    return makeCheckpoint({
      group: e.group,
      run: r.settings,
      runIndex: k,
      iteration: 3,
      dataRngState,
      parameters: params,
      optimizerState: state,
    });
  });
  return makeExperimentFile({ group: e.group, runs, iteration: 3, dataRngState, metrics: book.toJSON(), checkpoints });
}
