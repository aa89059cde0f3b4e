/**
 * Runs a CLI entry point: usage and file errors print a clear message and exit 2, and so does a run group
 * the GPU cannot hold (MemoryPlanError, one line); a GPU error or a lost device during the work prints one
 * line and exits 3; bugs print a stack and exit 1.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { UsageError } from './args.ts';

export async function runCli(fn: (argv: string[]) => Promise<number>): Promise<void> {
  try {
    process.exitCode = await fn(process.argv.slice(2));
  } catch (e) {
    const name = (e as Error).name;
    if (name === 'MemoryPlanError' || name === 'GpuError' || name === 'TrainingGpuError') {
      process.stderr.write(`error: ${(e as Error).message}\n`);
      process.exitCode = name === 'MemoryPlanError' ? 2 : 3;
    } else if (e instanceof UsageError || name === 'CheckpointError') {
      process.stderr.write(`error: ${(e as Error).message}\n(see --help)\n`);
      process.exitCode = 2;
    } else {
      process.stderr.write(`error: ${(e as Error).stack ?? String(e)}\n`);
      process.exitCode = 1;
    }
  }
}

/** True when the module at `url` is the script node was started with. */
export function isMain(url: string): boolean {
  try {
    return realpathSync(fileURLToPath(url)) === realpathSync(process.argv[1] ?? '');
  } catch {
    return false;
  }
}
