/**
 * CLI flags for an experiment, read through the settings table (src/engine/settings.ts) so that the CLI,
 * the UI and the URL accept the same values with the same messages. Per-run flags take comma-separated
 * lists: every list has one value (shared by all runs) or one value per run. Each refused value is named
 * once; problems that only follow from a refused value (default run names that clash because a value fell
 * back to its default) are not reported beside it.
 */
import {
  formatValue,
  GROUP_SETTINGS,
  type GroupSettings,
  PAPER_GROUP,
  PAPER_RUN,
  parseValue,
  RUN_COLORS,
  RUN_SETTINGS,
  type RunSettings,
  validateExperiment,
} from '../engine/settings.ts';
import { expandReplicates, SEEDS_SPEC } from '../experiments/replicates.ts';
import { type FlagSpec, UsageError } from './args.ts';

const GROUP_FLAGS: [string, keyof GroupSettings][] = [
  ['task', 'task'],
  ['T', 'T'],
  ['batch', 'batchSize'],
  ['hidden', 'hidden'],
  ['optimizer', 'optimizer'],
  ['data-seed', 'dataSeed'],
  ['track-every', 'trackEvery'],
  ['recompute', 'recompute'],
  ['permutation-seed', 'permutationSeed'],
  ['image', 'mnistImage'],
  ['step', 'mnistStep'],
  ['train-images', 'trainSubset'],
  ['text-corpus', 'textCorpus'],
  ['max-length', 'maxLength'],
];

const RUN_FLAGS: [string, keyof RunSettings][] = [
  ['names', 'name'],
  ['colors', 'color'],
  ['seed', 'seed'],
  ['param', 'parameterisation'],
  ['margins', 'margin'],
  ['init', 'init'],
  ['nonlin', 'nonlinearity'],
  ['slope', 'slope'],
  ['gain', 'gain'],
  ['tau', 'lrGeodesic'],
  ['lr', 'lrFree'],
  ['lr-spectrum', 'lrSpectrum'],
  ['rescale', 'rescaleSpectrum'],
  ['soft-orth', 'softOrth'],
  ['prior', 'prior'],
  ['wd', 'weightDecay'],
  ['clip', 'clip'],
];

export const EXPERIMENT_FLAGS: FlagSpec[] = [
  ...GROUP_FLAGS.map(([flag, key]) => {
    const spec = GROUP_SETTINGS[key];
    return { name: flag, help: `${spec.label}: ${spec.help} (default ${formatValue(spec, PAPER_GROUP[key])})`, value: key };
  }),
  ...RUN_FLAGS.map(([flag, key]) => {
    const spec = RUN_SETTINGS[key];
    const dflt = key === 'name' || key === 'color' ? 'from the settings' : formatValue(spec, PAPER_RUN[key]);
    return { name: flag, help: `${spec.label}, per run (list): ${spec.help} (default ${dflt})`, value: `${key}[,...]` };
  }),
  {
    name: 'seeds',
    help: `${SEEDS_SPEC.help} A whole number from ${SEEDS_SPEC.min} to ${SEEDS_SPEC.max} (default 1); each run's own first seed is --seed.`,
    value: 'k',
  },
  {
    name: 'replicate-data',
    switch: true,
    help: "With --seeds k: each run's members differ in their training data too: member i (from 1) draws its batches from data seed (--data-seed + i - 1), not from the group's one stream (member 1 keeps it; member i of every run shares stream i, so the runs stay paired).",
  },
];

/** The --seeds flag: the replicate count k (1 without it), or the message naming it and its range. */
function seedsFlag(flags: Map<string, string>): { k: number; error?: string } {
  const text = flags.get('seeds');
  if (text === undefined) return { k: 1 };
  const r = parseValue(SEEDS_SPEC, text);
  if (r.ok) return { k: r.value as number };
  const hint = text.includes(',') ? "; each run's own seed is --seed (a list, one per run)" : '';
  return { k: 1, error: `--seeds: ${r.error}${hint}` };
}

/** Builds and validates the group and its runs from parsed flags; throws UsageError with every problem. */
export function experimentFromFlags(flags: Map<string, string>): { group: GroupSettings; runs: RunSettings[] } {
  const errors: string[] = [];
  const group: GroupSettings = { ...PAPER_GROUP };
  for (const [flag, key] of GROUP_FLAGS) {
    const text = flags.get(flag);
    if (text === undefined) continue;
    const r = parseValue(GROUP_SETTINGS[key], text);
    if (r.ok) (group as unknown as Record<string, unknown>)[key] = r.value;
    else errors.push(`--${flag}: ${r.error}`);
  }
  const lists = new Map<keyof RunSettings, string[]>();
  let R = 1;
  let longest = '';
  // default names are built from the lists that vary: a refused value in one of them, or lists of different
  // lengths, leave runs at a default value, and their names may clash only because of that
  let namesFromDefaults = false;
  for (const [flag, key] of RUN_FLAGS) {
    const text = flags.get(flag);
    if (text === undefined) continue;
    const items = text.split(',').map((s) => s.trim());
    lists.set(key, items);
    if (items.length > 1) {
      if (R > 1 && items.length !== R) {
        errors.push(`--${flag} lists ${items.length} values but --${longest} lists ${R}: give one value or one per run`);
        namesFromDefaults = true;
      }
      if (items.length > R) {
        R = items.length;
        longest = flag;
      }
    }
  }
  const runs: RunSettings[] = [];
  for (let r = 0; r < R; r++) {
    const run: RunSettings = { ...PAPER_RUN, color: RUN_COLORS[r % RUN_COLORS.length] };
    for (const [flag, key] of RUN_FLAGS) {
      const items = lists.get(key);
      if (!items) continue;
      const text = items.length === 1 ? items[0] : items[r];
      if (text === undefined) continue;
      const parsed = parseValue(RUN_SETTINGS[key], text);
      if (parsed.ok) (run as unknown as Record<string, unknown>)[key] = parsed.value;
      else {
        // a value shared by every run, or written twice, is named once
        const message = `--${flag}: ${parsed.error}`;
        if (!errors.includes(message)) errors.push(message);
        if (items.length > 1) namesFromDefaults = true;
      }
    }
    if (!lists.has('name')) run.name = defaultRunName(run, r, lists);
    runs.push(run);
  }
  // the combined checks only make sense for values that were all accepted
  if (!errors.length) errors.push(...validateExperiment(group, runs));
  // names the user gave, or default names of values that really repeat, clash for real; default names that
  // clash because a value was refused are no problem of their own (that value's message says it)
  const names = new Set(runs.map((r) => r.name));
  if (names.size !== runs.length && (lists.has('name') || !namesFromDefaults))
    errors.push('run names must differ (they name the output files); pass --names');
  const seeds = seedsFlag(flags);
  if (seeds.error) errors.push(seeds.error);
  const overData = flags.has('replicate-data');
  if (overData && !seeds.error && seeds.k === 1)
    errors.push('--replicate-data replicates each run over its data as well as its seed: give --seeds k with k >= 2 too');
  if (errors.length) throw new UsageError(errors.join('\n'));
  if (seeds.k === 1) return { group, runs };
  // every run over k seeds, side by side in the group (src/experiments/replicates.ts)
  let expanded: RunSettings[];
  try {
    expanded = expandReplicates(runs, seeds.k, { data: overData });
  } catch (e) {
    throw new UsageError(`--seeds: ${(e as Error).message}`);
  }
  const more = validateExperiment(group, expanded);
  if (more.length) throw new UsageError(more.join('\n'));
  return { group, runs: expanded };
}

/** A run's default name says what varies across the runs (the margin first, as in the paper's figures). */
function defaultRunName(run: RunSettings, r: number, lists: Map<keyof RunSettings, string[]>): string {
  const parts: string[] = [];
  for (const [key, items] of lists) {
    if (items.length < 2 || key === 'color') continue;
    const v = run[key];
    const shown = key === 'margin' ? `m=${v === null ? 'none' : v}` : `${key}=${String(v)}`;
    parts.push(shown);
  }
  return parts.length ? parts.join(' ').slice(0, 40) : `run${r + 1}`;
}

/**
 * The flags that make experimentFromFlags build this group and these runs (for commands that start
 * `train` with a run set of their own, such as reproduce): every group setting, and every run setting as a
 * list of one value per run. Run names must not hold commas (lists are comma-separated).
 */
export function experimentToFlags(group: GroupSettings, runs: readonly RunSettings[]): string[] {
  const bad = runs.find((r) => r.name.includes(','));
  if (bad) throw new Error(`run name ${JSON.stringify(bad.name)} holds a comma, which a list flag cannot carry`);
  const offset = runs.find((r) => (r.dataOffset ?? 0) !== 0);
  if (offset)
    throw new Error(
      `run ${JSON.stringify(offset.name)} has a data offset (${offset.dataOffset}), which no train flag sets; replicate over data with --seeds k --replicate-data`,
    );
  const out: string[] = [];
  for (const [flag, key] of GROUP_FLAGS) {
    const v = group[key];
    if (v !== undefined) out.push(`--${flag}`, formatValue(GROUP_SETTINGS[key], v));
  }
  for (const [flag, key] of RUN_FLAGS) out.push(`--${flag}`, runs.map((r) => formatValue(RUN_SETTINGS[key], r[key])).join(','));
  return out;
}
