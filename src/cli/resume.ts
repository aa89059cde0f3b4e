/**
 * --resume DIR: reads the snapshot that DIR/experiment.json names and checks that every file of it belongs to
 * that experiment and iteration (settings, metrics, traces, one checkpoint per run), naming exactly what is
 * wrong otherwise. Nothing outside the manifest's snapshot is trusted. A run whose checkpoint says it failed
 * stays stopped at its last finite state; the other runs continue.
 */

import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { modelDimsOf, type ParsedCheckpoint, parseCheckpoint } from '../engine/checkpoint.ts';
import { streamLayout } from '../engine/dataStreams.ts';
import { ExperimentLog } from '../engine/experimentLog.ts';
import { checkMetricsFile, checkTracesFile } from '../engine/experimentLogFiles.ts';
import type { InitialState, RunStatus } from '../engine/runGroup.ts';
import {
  GROUP_SETTINGS,
  type GroupSettings,
  RUN_SETTINGS,
  type RunSettings,
  validateExperiment,
  withGroupDefaults,
} from '../engine/settings.ts';
import type { CorpusIdentity } from '../tasks/textTask.ts';
import { UsageError } from './args.ts';
import { CHECKPOINTS, type Kernels, LOG_FILES, type Manifest, readManifest, SETTINGS_FORMAT } from './experimentFolder.ts';
import { CHECKPOINT_SIZE_NOTE, readJson, readText } from './readText.ts';

export interface Resumed {
  manifest: Manifest;
  group: GroupSettings;
  runs: RunSettings[];
  /** the recurrent kernels it was trained with */
  kernels: Kernels;
  initial: InitialState;
  /** per run: its status from its checkpoint ('training' when the checkpoint has none) */
  status: RunStatus[];
  log: ExperimentLog;
  /** per run: its best-validation weights and evaluation history from its checkpoint (null and [] when it has none) */
  evaluation: Pick<ParsedCheckpoint, 'best' | 'evaluations'>[];
  /** the text task's corpus as settings.json recorded it (absent for other tasks, or when it has none) */
  corpus?: CorpusIdentity;
}

const same = (table: object, a: object, b: object) =>
  Object.keys(table).every((k) => (a as Record<string, unknown>)[k] === (b as Record<string, unknown>)[k]);

export function loadResume(dir: string): Resumed {
  let isDir = false;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    throw new UsageError(`--resume ${dir}: no such folder`);
  }
  if (!isDir)
    throw new UsageError(
      /\.best\.checkpoint\.json$/.test(dir)
        ? `--resume ${dir} is a best-validation checkpoint: it holds a run's best weights without optimiser state or data position, so it cannot be resumed or trained on (npm run evaluate -- --checkpoint ${dir} scores it); --resume takes the experiment's folder (the --out of npm run train)`
        : `--resume ${dir} is a file; give the experiment's folder (the --out of npm run train)`,
    );
  const manifest = readManifest(dir);
  if (!manifest) {
    let legacy = false;
    try {
      legacy = readdirSync(join(dir, CHECKPOINTS)).some((f) => f.endsWith('.checkpoint.json'));
    } catch {}
    throw new UsageError(
      legacy
        ? `--resume ${dir}: no experiment.json there; the folder was written by an older npm run train (checkpoints/ at the top), whose folders cannot be resumed safely (npm run evaluate still reads its checkpoints)`
        : `--resume ${dir}: no experiment.json there; is it an experiment folder of npm run train (its --out)?`,
    );
  }
  const snap = join(dir, manifest.snapshot);
  const where = `${dir}/${manifest.snapshot}`;
  const owner = `experiment ${manifest.experimentId} at iteration ${manifest.iteration} (${dir}/experiment.json)`;
  let ckFiles: string[];
  try {
    ckFiles = readdirSync(join(snap, CHECKPOINTS))
      .filter((f) => f.endsWith('.checkpoint.json'))
      .sort();
  } catch {
    throw new UsageError(`--resume ${dir}: experiment.json names ${manifest.snapshot}, but ${where}/${CHECKPOINTS} is missing`);
  }
  for (const f of manifest.files)
    if (!ckFiles.includes(f.slice(CHECKPOINTS.length + 1)) && !LOG_FILES.includes(f as never)) {
      throw new UsageError(`--resume ${dir}: ${where}/${f} is missing (experiment.json lists it)`);
    }
  const tagCheck = (tagged: { experimentId?: unknown; iteration?: unknown }, file: string) => {
    if (tagged.experimentId !== manifest.experimentId)
      throw new UsageError(
        `--resume ${dir}: ${where}/${file} belongs to ${tagged.experimentId === undefined ? 'no experiment (it has no experimentId)' : `experiment ${String(tagged.experimentId).slice(0, 64)}`}, not to ${owner}`,
      );
    if (tagged.iteration !== manifest.iteration)
      throw new UsageError(
        `--resume ${dir}: ${where}/${file} was saved at iteration ${String(tagged.iteration)}, but the snapshot is of ${owner}`,
      );
  };

  // settings.json: the experiment's settings, which every other file must match
  const settings = readJson(join(snap, 'settings.json'), `${where}/settings.json`) as Record<string, unknown>;
  if (typeof settings !== 'object' || settings === null || settings.format !== SETTINGS_FORMAT)
    throw new UsageError(`--resume ${dir}: ${where}/settings.json is not a settings file of this trainer (format '${SETTINGS_FORMAT}')`);
  tagCheck(settings, 'settings.json');
  const fileGroup = settings.group as GroupSettings;
  const runs = settings.runs as RunSettings[];
  if (!Array.isArray(runs) || runs.length === 0) throw new UsageError(`--resume ${dir}: ${where}/settings.json lists no runs`);
  const kernels = settings.kernels ?? 'fused';
  if (kernels !== 'fused' && kernels !== 'naive')
    throw new UsageError(
      `--resume ${dir}: ${where}/settings.json: kernels must be 'fused' or 'naive' (got '${String(kernels).slice(0, 40)}')`,
    );
  const errors = validateExperiment(fileGroup, runs);
  if (errors.length) throw new UsageError(`--resume ${dir}: ${where}/settings.json has invalid settings: ${errors.join('; ')}`);
  const group = withGroupDefaults(fileGroup);
  const corpus = settings.corpus as Partial<CorpusIdentity> | undefined;
  if (
    corpus !== undefined &&
    (typeof corpus?.name !== 'string' || typeof corpus.digest !== 'string' || !/^[0-9a-f]{16}$/.test(corpus.digest))
  )
    throw new UsageError(`--resume ${dir}: ${where}/settings.json: corpus must be { name, digest of 16 hex digits }`);

  // one checkpoint per run, all of this experiment and iteration
  const byRun = new Map<number, { file: string; ck: ParsedCheckpoint }>();
  for (const f of ckFiles) {
    const file = `${CHECKPOINTS}/${f}`;
    const path = join(snap, CHECKPOINTS, f);
    const ck = parseCheckpoint(readText(path, `${where}/${file}`, CHECKPOINT_SIZE_NOTE), `${where}/${file}`);
    const c = ck.checkpoint;
    tagCheck(c, file);
    const r = c.runIndex;
    if (r >= runs.length)
      throw new UsageError(`--resume ${dir}: ${where}/${file} is of run ${r}, but settings.json lists ${runs.length} run(s)`);
    const twin = byRun.get(r);
    if (twin) {
      // the file the manifest lists first, the extra one second
      const [a, b] = manifest.files.includes(file) ? [file, twin.file] : [twin.file, file];
      throw new UsageError(`--resume ${dir}: run ${r} appears twice (files ${where}/${a} and ${where}/${b})`);
    }
    if (!same(GROUP_SETTINGS, c.group, group))
      throw new UsageError(`--resume ${dir}: ${where}/${file} has other group settings than settings.json`);
    if (!same(RUN_SETTINGS, c.run, runs[r]))
      throw new UsageError(`--resume ${dir}: ${where}/${file} has other settings than run ${r} of settings.json`);
    byRun.set(r, { file, ck });
  }
  const parsed = runs.map((run, r) => {
    const got = byRun.get(r);
    if (!got) throw new UsageError(`--resume ${dir}: run ${r} ('${run.name}') has no checkpoint in ${where}/${CHECKPOINTS}`);
    return got;
  });
  const rng = JSON.stringify(parsed[0].ck.checkpoint.dataRngState);
  for (const p of parsed)
    if (JSON.stringify(p.ck.checkpoint.dataRngState) !== rng)
      throw new UsageError(`--resume ${dir}: ${where}/${p.file} holds another data-generator state than ${parsed[0].file}`);
  // several data streams: every file holds all of them, the same, and one for each offset the runs draw from
  const streams = JSON.stringify(parsed[0].ck.checkpoint.dataStreams ?? null);
  for (const p of parsed)
    if (JSON.stringify(p.ck.checkpoint.dataStreams ?? null) !== streams)
      throw new UsageError(`--resume ${dir}: ${where}/${p.file} holds other data streams than ${parsed[0].file}`);
  const saved = parsed[0].ck.checkpoint.dataStreams;
  const offsets = streamLayout(group, runs).offsets;
  if (offsets.length > 1 && (!saved || offsets.some((o) => !saved.some((st) => st.offset === o))))
    throw new UsageError(
      `--resume ${dir}: the runs draw from data offsets ${offsets.join(', ')}, but ${where}/${parsed[0].file} holds ${saved ? `the streams of offsets ${saved.map((st) => st.offset).join(', ')}` : 'one data stream'}`,
    );

  // the measured history, up to the snapshot's iteration exactly
  const dims = modelDimsOf(group);
  const expect = { group, runs, flowLength: dims.L + 1, spectrumLength: group.hidden };
  const metrics = checkMetricsFile(readJson(join(snap, 'metrics.json'), `${where}/metrics.json`), `${where}/metrics.json`, expect);
  tagCheck(metrics, 'metrics.json');
  const last = metrics.iterations.at(-1) ?? 0;
  if (last !== manifest.iteration)
    throw new UsageError(
      `--resume ${dir}: ${where}/metrics.json ends at iteration ${last}, but the snapshot is of iteration ${manifest.iteration}`,
    );
  const traces = checkTracesFile(readJson(join(snap, 'traces.json'), `${where}/traces.json`), `${where}/traces.json`, expect);
  tagCheck(traces, 'traces.json');
  if ((traces.iterations.at(-1) ?? 0) > manifest.iteration)
    throw new UsageError(`--resume ${dir}: ${where}/traces.json goes past the snapshot's iteration ${manifest.iteration}`);

  const first = parsed[0].ck.checkpoint;
  return {
    manifest,
    group,
    runs,
    kernels,
    initial: {
      parameters: parsed.map((p) => p.ck.parameters),
      optimizerState: parsed.map((p) => p.ck.optimizerState),
      iteration: first.iteration,
      dataRngState: first.dataRngState,
      ...(first.dataPosition ? { dataPosition: first.dataPosition } : {}),
      ...(first.dataStreams ? { dataStreams: first.dataStreams } : {}),
      status: parsed.map((p) => p.ck.status),
    },
    status: parsed.map((p) => p.ck.status),
    log: ExperimentLog.from(metrics, traces),
    evaluation: parsed.map((p) => ({ best: p.ck.best, evaluations: p.ck.evaluations })),
    ...(corpus ? { corpus: corpus as CorpusIdentity } : {}),
  };
}
