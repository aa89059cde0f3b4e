/** --memory-budget of train and bench: the GPU memory a run group may take in all (src/engine/memoryCheck.ts). */
import { DEFAULT_MEMORY_BUDGET } from '../engine/memoryCheck.ts';
import { formatBytes, parseByteSize } from '../engine/memoryText.ts';
import { type FlagSpec, UsageError } from './args.ts';

export const MEMORY_BUDGET_FLAG: FlagSpec = {
  name: 'memory-budget',
  value: 'SIZE',
  help: `GPU memory a run group may take, e.g. 8GiB or 512MiB (default ${formatBytes(DEFAULT_MEMORY_BUDGET)}; WebGPU cannot tell how much is free)`,
};

/** --memory-budget in bytes (DEFAULT_MEMORY_BUDGET when absent). */
export function memoryBudgetFlag(flags: Map<string, string>): number {
  const text = flags.get('memory-budget');
  if (text === undefined) return DEFAULT_MEMORY_BUDGET;
  const bytes = parseByteSize(text);
  if (bytes === null) throw new UsageError(`--memory-budget must be a size such as 4GiB, 512MiB, 2GB or a number of bytes (got '${text}')`);
  return bytes;
}
