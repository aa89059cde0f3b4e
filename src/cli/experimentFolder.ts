/**
 * The headless trainer's experiment folder, saved all-or-nothing:
 *
 *   DIR/experiment.json                       the manifest, written last: experiment id, iteration, snapshot
 *   DIR/snapshots/000040-1f2e3d4c/            one complete snapshot (iteration, then the id's first 8 digits)
 *       settings.json metrics.json metrics.csv traces.json checkpoints/00-<run>.checkpoint.json ...
 *   DIR/settings.json metrics.json metrics.csv traces.json   copies of the latest snapshot's, for reading
 *   DIR/evaluations.csv                        with --eval-every: every evaluation round (evaluationFiles.ts)
 *   DIR/best/00-<run>.best.checkpoint.json     with --eval-every: each run's best-validation weights
 *
 * A snapshot is written into a temporary folder, every file synced, renamed into place, and only then does
 * the manifest (replaced atomically) name it; older snapshots are removed after that. A kill at any moment
 * leaves the manifest naming one whole snapshot. Resume trusts only the manifest and its snapshot; the
 * top-level copies are for people and scripts. Every JSON file carries the experiment id and the iteration.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, rmdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { EXPERIMENT_ID_PATTERN } from '../engine/checkpoint.ts';
import { UsageError } from './args.ts';
import { replaceAtomically, syncFolder, writeSynced } from './durableFiles.ts';

export const MANIFEST_FILE = 'experiment.json';
export const MANIFEST_FORMAT = 'orthogonality-lab/experiment-folder';
export const SETTINGS_FORMAT = 'orthogonality-lab/settings';
/**
 * The recurrent kernels an experiment trains with (settings.json `kernels`): the fused and the naive ones
 * agree within float32 rounding, not bit for bit, so a resumed experiment keeps the ones it started with.
 */
export type Kernels = 'fused' | 'naive';
export const SNAPSHOTS = 'snapshots';
export const CHECKPOINTS = 'checkpoints';
/** the evaluation rounds (evaluationFiles.ts), beside metrics.csv */
export const EVALUATIONS_FILE = 'evaluations.csv';
/** the folder of the runs' best-validation checkpoints (evaluationFiles.ts) */
export const BEST = 'best';
/** the snapshot's files that are also copied to the top of the folder */
export const LOG_FILES = ['settings.json', 'metrics.json', 'metrics.csv', 'traces.json'] as const;

export interface Manifest {
  format: typeof MANIFEST_FORMAT;
  version: 1;
  experimentId: string;
  /** iterations completed in the snapshot */
  iteration: number;
  /** the snapshot folder, relative to DIR: snapshots/<iteration>-<id> */
  snapshot: string;
  /** every file of the snapshot, relative to it */
  files: string[];
  savedAt: string;
}

const SNAPSHOT_NAME = /^\d{6,}-[0-9a-z-]{8}$/;
const CHECKPOINT_FILE = /\.checkpoint\.json$/;
/** What an interrupted save leaves, by where it lies: only names this trainer (or its older versions) writes. */
const LEFTOVER_TOP =
  /^(experiment\.json|settings\.json|metrics\.json|metrics\.csv|traces\.json|evaluations\.csv)\.tmp(-\d+)?$|^\.write-probe-\d+$/;
const LEFTOVER_SNAPSHOT = /^\.tmp-\d{6,}-[0-9a-z-]{8}-\d+$/;
const LEFTOVER_CHECKPOINT = /\.checkpoint\.json\.tmp(-\d+)?$/;

/** A new experiment id: 32 random hex digits. */
export function newExperimentId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

export function snapshotName(iteration: number, experimentId: string): string {
  return `${String(iteration).padStart(6, '0')}-${experimentId.slice(0, 8)}`;
}

/** The best-validation checkpoint of run r, relative to the experiment folder. */
export function bestCheckpointFile(r: number, runName: string): string {
  return `${BEST}/${String(r).padStart(2, '0')}-${runName.replace(/[^A-Za-z0-9._=-]+/g, '_')}.best.checkpoint.json`;
}

/** The checkpoint file of run r in a snapshot. */
export function checkpointFile(r: number, runName: string): string {
  return `${CHECKPOINTS}/${String(r).padStart(2, '0')}-${runName.replace(/[^A-Za-z0-9._=-]+/g, '_')}.checkpoint.json`;
}

function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function list(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
}

/** Reads and checks DIR/experiment.json; undefined when there is none. */
export function readManifest(dir: string): Manifest | undefined {
  const path = join(dir, MANIFEST_FILE);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new UsageError(`cannot read ${path} (${(e as Error).message})`);
  }
  let m: Partial<Manifest>;
  try {
    m = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${path} is not valid JSON (${(e as Error).message})`);
  }
  const bad = (what: string) => new UsageError(`${path}: ${what}`);
  if (typeof m !== 'object' || m === null || m.format !== MANIFEST_FORMAT)
    throw bad(`not an experiment manifest (format must be '${MANIFEST_FORMAT}')`);
  if (m.version !== 1) throw bad(`version ${String(m.version).slice(0, 20)}; this trainer reads version 1`);
  if (typeof m.experimentId !== 'string' || !EXPERIMENT_ID_PATTERN.test(m.experimentId)) throw bad('experimentId is missing or malformed');
  if (!Number.isInteger(m.iteration) || (m.iteration as number) < 0) throw bad('iteration must be a whole number >= 0');
  const name = typeof m.snapshot === 'string' && m.snapshot.startsWith(`${SNAPSHOTS}/`) ? m.snapshot.slice(SNAPSHOTS.length + 1) : '';
  if (name !== snapshotName(m.iteration as number, m.experimentId))
    throw bad(
      `snapshot must be '${SNAPSHOTS}/${snapshotName(m.iteration as number, m.experimentId)}' (got '${String(m.snapshot).slice(0, 80)}')`,
    );
  if (!Array.isArray(m.files) || !m.files.every((f) => typeof f === 'string' && (LOG_FILES.includes(f as never) || isCheckpointPath(f))))
    throw bad('files must list the snapshot files (settings.json, metrics.json, metrics.csv, traces.json, checkpoints/*.checkpoint.json)');
  return m as Manifest;
}

function isCheckpointPath(f: string): boolean {
  const parts = f.split('/');
  return parts.length === 2 && parts[0] === CHECKPOINTS && CHECKPOINT_FILE.test(parts[1]) && !parts[1].startsWith('.');
}

/**
 * Between the steps of a save the event loop gets a turn, so that a second Ctrl-C aborts at once instead of
 * after the whole save. ORTHO_TEST_SAVE_STEP_MS, a test hook, pauses that long after each step: it widens
 * the moments a kill or a signal can land in.
 */
const STEP_PAUSE_MS = Number(process.env.ORTHO_TEST_SAVE_STEP_MS ?? 0) || 0;
function betweenSteps(): Promise<void> {
  return new Promise((resolve) => (STEP_PAUSE_MS > 0 ? setTimeout(resolve, STEP_PAUSE_MS) : setImmediate(resolve)));
}

/** Writes one snapshot into a temporary folder; commit() makes it the experiment's current snapshot. */
export class SnapshotWriter {
  readonly name: string;
  private readonly tmp: string;
  private readonly files: string[] = [];

  constructor(
    private readonly dir: string,
    private readonly experimentId: string,
    private readonly iteration: number,
  ) {
    this.name = snapshotName(iteration, experimentId);
    const snapshots = join(dir, SNAPSHOTS);
    if (!isFolder(snapshots)) mkdirSync(snapshots);
    this.tmp = join(snapshots, `.tmp-${this.name}-${process.pid}`);
    rmSync(this.tmp, { recursive: true, force: true });
    mkdirSync(this.tmp);
    mkdirSync(join(this.tmp, CHECKPOINTS));
  }

  /** Writes one file of the snapshot (a path from LOG_FILES or checkpointFile), synced. */
  async write(file: string, text: string): Promise<void> {
    writeSynced(join(this.tmp, file), text);
    this.files.push(file);
    await betweenSteps();
  }

  /** Renames the snapshot into place, then writes the manifest that names it. */
  async commit(): Promise<Manifest> {
    syncFolder(join(this.tmp, CHECKPOINTS));
    syncFolder(this.tmp);
    const target = join(this.dir, SNAPSHOTS, this.name);
    // a folder of that name is the leftover of a save killed before its manifest: never the current snapshot
    rmSync(target, { recursive: true, force: true });
    renameSync(this.tmp, target);
    syncFolder(join(this.dir, SNAPSHOTS));
    await betweenSteps();
    const manifest: Manifest = {
      format: MANIFEST_FORMAT,
      version: 1,
      experimentId: this.experimentId,
      iteration: this.iteration,
      snapshot: `${SNAPSHOTS}/${this.name}`,
      files: [...this.files].sort(),
      savedAt: new Date().toISOString(),
    };
    replaceAtomically(join(this.dir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`, this.dir);
    await betweenSteps();
    return manifest;
  }

  /** Removes the temporary folder (a save that failed half-way). */
  abandon(): void {
    rmSync(this.tmp, { recursive: true, force: true });
  }
}

/** Copies the latest snapshot's small files to the top of the folder (for people; resume never reads them). */
export function writeTopLevelCopies(dir: string, texts: Record<(typeof LOG_FILES)[number], string>): void {
  for (const f of LOG_FILES) replaceAtomically(join(dir, f), texts[f], dir, false);
}

export interface FolderSurvey {
  /** what this trainer wrote there and would remove when replacing the experiment (paths relative to DIR) */
  ours: string[];
  /** what it does not recognise: never removed */
  foreign: string[];
}

/**
 * What in DIR belongs to an experiment of this trainer (any experiment, and the old layout of one folder
 * with checkpoints/ at the top), except `keep` (the current snapshot, the manifest and the top-level copies)
 * and `keepFiles` (paths relative to DIR that the current experiment wrote outside its snapshots:
 * evaluations.csv, best/*).
 */
export function surveyFolder(dir: string, keep?: Manifest, keepFiles: readonly string[] = []): FolderSurvey {
  const ours: string[] = [];
  const foreign: string[] = [];
  for (const e of list(dir)) {
    const path = join(dir, e);
    if (e === MANIFEST_FILE || LOG_FILES.includes(e as never)) {
      if (!keep) ours.push(e);
    } else if (e === EVALUATIONS_FILE) {
      if (!keepFiles.includes(e)) ours.push(e);
    } else if (LEFTOVER_TOP.test(e)) ours.push(e);
    else if (e === BEST && isFolder(path)) {
      for (const c of list(path)) {
        const rel = `${BEST}/${c}`;
        if (keepFiles.includes(rel)) continue;
        (CHECKPOINT_FILE.test(c) || LEFTOVER_CHECKPOINT.test(c) ? ours : foreign).push(rel);
      }
    } else if (e === SNAPSHOTS && isFolder(path)) {
      for (const s of list(path)) {
        if (keep && `${SNAPSHOTS}/${s}` === keep.snapshot) continue;
        if (SNAPSHOT_NAME.test(s) || LEFTOVER_SNAPSHOT.test(s)) surveySnapshot(join(path, s), `${SNAPSHOTS}/${s}`, ours, foreign);
        else foreign.push(`${SNAPSHOTS}/${s}`);
      }
    } else if (e === CHECKPOINTS && isFolder(path)) {
      for (const c of list(path)) (CHECKPOINT_FILE.test(c) || LEFTOVER_CHECKPOINT.test(c) ? ours : foreign).push(`${CHECKPOINTS}/${c}`);
    } else foreign.push(e);
  }
  return { ours, foreign };
}

function surveySnapshot(path: string, rel: string, ours: string[], foreign: string[]): void {
  if (!isFolder(path)) {
    ours.push(rel);
    return;
  }
  for (const f of list(path)) {
    if (LOG_FILES.includes(f as never)) ours.push(`${rel}/${f}`);
    else if (f === CHECKPOINTS && isFolder(join(path, f))) {
      for (const c of list(join(path, f))) (CHECKPOINT_FILE.test(c) ? ours : foreign).push(`${rel}/${f}/${c}`);
    } else foreign.push(`${rel}/${f}`);
  }
}

/**
 * Removes what surveyFolder found to be ours, then the folders that left empty (a folder still holding a
 * foreign file stays). Returns the removed paths in short form (a snapshot or checkpoints/ as one entry).
 */
export function removeOurs(dir: string, survey: FolderSurvey): string[] {
  for (const p of survey.ours) rmSync(join(dir, p), { recursive: true, force: true });
  const removed = new Set<string>();
  for (const p of survey.ours) {
    const parts = p.split('/');
    removed.add(
      parts[0] === SNAPSHOTS && parts.length > 1
        ? `${SNAPSHOTS}/${parts[1]}`
        : parts[0] === CHECKPOINTS || parts[0] === BEST
          ? `${parts[0]}/`
          : p,
    );
  }
  for (const p of removed) {
    if (!p.startsWith(`${SNAPSHOTS}/`)) continue;
    removeIfEmpty(join(dir, p, CHECKPOINTS));
    removeIfEmpty(join(dir, p));
  }
  removeIfEmpty(join(dir, CHECKPOINTS));
  removeIfEmpty(join(dir, SNAPSHOTS));
  removeIfEmpty(join(dir, BEST));
  return [...removed].sort();
}

function removeIfEmpty(path: string): void {
  try {
    rmdirSync(path);
  } catch {
    // not empty (a foreign file, or the current snapshot) or not there: left as it is
  }
}
