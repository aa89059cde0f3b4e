/**
 * A small, strict command-line parser: `--name value`, `--name=value` and boolean switches. Unknown flags,
 * missing values and repeated flags are errors that name the flag and list what is allowed. Flags are looked
 * up in a Map, so '--constructor' is an unknown flag like any other; messages quote what was typed short.
 */
import { quoteInput } from '../engine/quoteInput.ts';

export interface FlagSpec {
  name: string;
  /** a switch takes no value */
  switch?: boolean;
  help: string;
  /** shown in --help */
  value?: string;
}

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export function parseArgs(argv: readonly string[], specs: readonly FlagSpec[]): Map<string, string> {
  const byName = new Map(specs.map((s) => [s.name, s]));
  const out = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) throw new UsageError(`unexpected argument ${quoteInput(arg)}: flags start with -- (see --help)`);
    const eq = arg.indexOf('=');
    const name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
    const spec = byName.get(name);
    if (!spec)
      throw new UsageError(
        `unknown flag --${name.length > 40 ? quoteInput(name) : name}; allowed: ${specs.map((s) => `--${s.name}`).join(' ')}`,
      );
    if (out.has(name)) throw new UsageError(`--${name} is given twice`);
    if (spec.switch) {
      if (eq >= 0) throw new UsageError(`--${name} is a switch and takes no value`);
      out.set(name, 'true');
      continue;
    }
    let value: string | undefined;
    if (eq >= 0) value = arg.slice(eq + 1);
    else {
      value = argv[i + 1];
      if (value === undefined || value.startsWith('--')) throw new UsageError(`--${name} needs a value (${spec.value ?? 'see --help'})`);
      i++;
    }
    out.set(name, value);
  }
  return out;
}

export function usage(command: string, summary: string, specs: readonly FlagSpec[]): string {
  const rows = specs.map((s) => {
    const left = `  --${s.name}${s.switch ? '' : ` ${s.value ?? 'VALUE'}`}`;
    return `${left.padEnd(34)} ${s.help}`;
  });
  return `${command}\n${summary}\n\n${rows.join('\n')}\n`;
}
