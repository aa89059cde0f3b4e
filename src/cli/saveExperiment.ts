/**
 * Saves a run group and its measured history as one snapshot of the experiment folder (experimentFolder.ts):
 * settings, metrics, traces and one checkpoint per run, each tagged with the experiment id and iteration,
 * committed all-or-nothing; then the top-level copies, then the removal of older snapshots.
 */
import type { ExperimentLog } from '../engine/experimentLog.ts';
import type { GroupSettings, RunSettings } from '../engine/settings.ts';
import type { CorpusIdentity } from '../tasks/textTask.ts';
import { snapshotCheckpoints, type TrainingSnapshot } from '../training/trainingSnapshot.ts';
import {
  checkpointFile,
  type Kernels,
  LOG_FILES,
  type Manifest,
  removeOurs,
  SETTINGS_FORMAT,
  SnapshotWriter,
  surveyFolder,
  writeTopLevelCopies,
} from './experimentFolder.ts';

/** A save the file system refused (disk full, folder removed, ...): one line, exit 1. */
export class SaveError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SaveError';
  }
}

export interface Saved {
  manifest: Manifest;
  /** what was removed after the commit: older snapshots, and a replaced experiment's files (short paths) */
  removed: string[];
}

/**
 * After a GPU error: writes the metrics and traces measured before it (all valid) as the top-level copies,
 * marked with the error (`stoppedBy`), and nothing else. No checkpoint is written, since the GPU's state after
 * the error is not trusted; the snapshot experiment.json names (if any) stays the experiment's, and --resume
 * continues from it.
 */
export function writeMeasuredBeforeGpuError(
  dir: string,
  experimentId: string,
  trained: { group: Readonly<GroupSettings>; runs: readonly RunSettings[] },
  log: ExperimentLog,
  kernels: Kernels,
  error: string,
  corpus?: CorpusIdentity,
): void {
  const iteration = log.metrics.iterations.at(-1) ?? 0;
  const tag = { experimentId, iteration, stoppedBy: { gpuError: error } };
  const settings = {
    format: SETTINGS_FORMAT,
    version: 1,
    ...tag,
    kernels,
    group: trained.group,
    runs: trained.runs,
    ...(corpus ? { corpus } : {}),
  };
  try {
    writeTopLevelCopies(dir, {
      'settings.json': `${JSON.stringify(settings, null, 2)}\n`,
      'metrics.json': JSON.stringify({ ...log.metrics, ...tag }),
      'metrics.csv': log.toCsv(),
      'traces.json': JSON.stringify({ ...log.traces, ...tag }),
    });
  } catch (e) {
    throw new SaveError(`cannot write the metrics measured before the GPU error into ${dir} (${(e as Error).message})`);
  }
}

/**
 * Saves a snapshot of training (Trainer.save(), with `log` complete up to its iteration), trained with
 * `kernels`. `previous` is the snapshot that stays the experiment's until this one is complete (named in
 * the error message when this save fails).
 */
export async function saveExperiment(
  dir: string,
  experimentId: string,
  snapshot: TrainingSnapshot,
  log: ExperimentLog,
  kernels: Kernels,
  previous?: Manifest,
  /** what the experiment wrote outside its snapshots (evaluations.csv, best/*): kept, not removed as older files */
  keepFiles: readonly string[] = [],
  /** the text task's corpus (its name and digest), which a --resume must train on again */
  corpus?: CorpusIdentity,
): Promise<Saved> {
  const iteration = snapshot.iteration;
  const tag = { experimentId, iteration };
  const settings = {
    format: SETTINGS_FORMAT,
    version: 1,
    ...tag,
    kernels,
    group: snapshot.group,
    runs: snapshot.runs,
    ...(corpus ? { corpus } : {}),
  };
  const texts: Record<(typeof LOG_FILES)[number], string> = {
    'settings.json': `${JSON.stringify(settings, null, 2)}\n`,
    'metrics.json': JSON.stringify({ ...log.metrics, ...tag }),
    'metrics.csv': log.toCsv(),
    'traces.json': JSON.stringify({ ...log.traces, ...tag }),
  };
  let writer: SnapshotWriter | undefined;
  let manifest: Manifest;
  try {
    writer = new SnapshotWriter(dir, experimentId, iteration);
    for (const f of LOG_FILES) await writer.write(f, texts[f]);
    // a failed run's checkpoint says so (with its iteration), and it stays frozen on resume; each carries the
    // data position and its run's best-validation weights and evaluation history when the snapshot has them
    const checkpoints = snapshotCheckpoints(snapshot, experimentId);
    for (let r = 0; r < snapshot.runs.length; r++)
      await writer.write(checkpointFile(r, snapshot.runs[r].name), JSON.stringify(checkpoints[r]));
    manifest = await writer.commit();
  } catch (e) {
    try {
      writer?.abandon();
    } catch {
      // the temporary folder is removed by the next save
    }
    const kept = previous
      ? `the snapshot of iteration ${previous.iteration} (${dir}/${previous.snapshot}) is still the experiment's`
      : 'nothing was saved before';
    throw new SaveError(`cannot save the snapshot of iteration ${iteration} in ${dir} (${(e as Error).message}); ${kept}`);
  }
  try {
    writeTopLevelCopies(dir, texts);
    return { manifest, removed: removeOurs(dir, surveyFolder(dir, manifest, keepFiles)) };
  } catch (e) {
    throw new SaveError(
      `saved ${dir}/${manifest.snapshot}, but could not update the copies at the top of ${dir} or remove older snapshots (${(e as Error).message})`,
    );
  }
}
