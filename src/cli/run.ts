/**
 * Runs a CLI entry point. Usage and file errors (a data file that is not what it must be too, and a bad ORTHO_DAWN_POLL_MS) print one line and exit 2, and so does a run group the GPU
 * cannot hold (MemoryPlanError); a GPU error or a lost device during the work prints one line and exits 3; an
 * interrupted run exits 130 (SIGINT) or 143 (SIGTERM); bugs print a stack and exit 1. Started by a user, the
 * command first becomes a parent that filters native start-up noise from the real work's stderr (supervise.ts).
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isSupervisedChild, supervise } from './supervise.ts';

/** Errors that are the user's input or environment, not a bug: one line, no stack. */
const INPUT_ERRORS = new Set(['UsageError', 'CheckpointError', 'LogFileError', 'MemoryPlanError', 'DatasetError', 'EnvironmentError']);
/** Errors of the work (a save the disk refused, no WebGPU adapter): one line, exit 1. */
const WORK_ERRORS = new Set(['SaveError', 'NoWebGpuError']);

export async function runCli(fn: (argv: string[]) => Promise<number>): Promise<void> {
  if (!isSupervisedChild()) return supervise();
  try {
    process.exitCode = await fn(process.argv.slice(2));
  } catch (e) {
    const name = (e as Error)?.name;
    if (name === 'GpuError' || name === 'TrainingGpuError') {
      process.stderr.write(`error: ${(e as Error).message}\n`);
      process.exitCode = 3;
    } else if (INPUT_ERRORS.has(name)) {
      process.stderr.write(`error: ${(e as Error).message}\n`);
      process.exitCode = 2;
    } else if (WORK_ERRORS.has(name)) {
      process.stderr.write(`error: ${(e as Error).message}\n`);
      process.exitCode = 1;
    } else {
      process.stderr.write(`error: ${(e as Error)?.stack ?? String(e)}\n`);
      process.exitCode = 1;
    }
  }
}

/**
 * True when the module at `url` is the script node was started with. In a bundle (`npm run bench:gpu:pack`)
 * every module shares the bundle's url: there the bundle names its entry (globalThis.__orthoBundleEntry) and
 * only the module that passes that `name` is main.
 */
export function isMain(url: string, name?: string): boolean {
  const entry = (globalThis as { __orthoBundleEntry?: string }).__orthoBundleEntry;
  if (entry !== undefined) return name === entry;
  try {
    return realpathSync(fileURLToPath(url)) === realpathSync(process.argv[1] ?? '');
  } catch {
    return false;
  }
}
