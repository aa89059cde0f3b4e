/**
 * The experiment's settings in the URL hash, readable and complete (seeds included), so any experiment is a
 * link. Every group setting is a `key=value` pair; every run is one `run=` pair whose value lists that run's
 * settings as `key:value` separated by commas (values percent-encoded):
 *
 *   #task=copy&T=10&batchSize=32&hidden=32&optimizer=rmsprop&dataSeed=1&trackEvery=10
 *    &run=name:m%3D0,color:%231f77b4,seed:1,parameterisation:factorised,margin:0,...&run=name:none,...,margin:none,...
 *
 * A run trained over k seeds (src/experiments/replicates.ts: k runs named '<name> · s1' ... '<name> · sk',
 * seeds seed ... seed + k - 1) is written as ONE `run=` pair of the set's name and first seed with `seeds:k`,
 * and read back as its k runs; a set whose members are not exactly that (a member renamed away, seeds not
 * consecutive) is written run by run. `seeds` is a whole number from 1 to 10.
 *
 * Decoding never throws: each value is parsed and checked by the settings table; a junk or out-of-range
 * value gets a message naming the setting and what is allowed, and that setting falls back to its default.
 * A missing setting silently takes its default (so short hand-written links work). Keys are percent-decoded
 * and looked up as own properties of the settings table (settingSpec), so a key such as 'constructor' or
 * '__proto__' is an unknown setting like any other. Messages quote what the link says by a short prefix
 * (quoteInput), however long it is.
 */
import { listProblems, quoteInput } from '../../engine/quoteInput.ts';
import {
  appliesToTask,
  evaluateEpochProblem,
  formatValue,
  GROUP_SETTINGS,
  type GroupSettings,
  parseValue,
  RUN_COLORS,
  RUN_SETTINGS,
  type RunSettings,
  type SettingSpec,
  settingSpec,
  validateExperiment,
} from '../../engine/settings.ts';
import { OVER_DATA_SPEC, replicateMembers, replicateSets, SEEDS_SPEC } from '../../experiments/replicates.ts';
import type { Experiment } from './presets.ts';

const MAX_RUNS = 16;

export function encodeExperiment(e: Experiment): string {
  const parts: string[] = [];
  for (const key of Object.keys(GROUP_SETTINGS) as (keyof GroupSettings)[]) {
    // a setting of another task (T for MNIST, MNIST's for copy) stays out of the link; reading one is fine
    if (!appliesToTask(GROUP_SETTINGS[key], e.group.task)) continue;
    // an unset optional setting (evaluation: off) stays out too, so the link reads back as it was
    if (e.group[key] === undefined && GROUP_SETTINGS[key].unset !== undefined) continue;
    parts.push(`${key}=${encodeURIComponent(formatValue(GROUP_SETTINGS[key], e.group[key]))}`);
  }
  const runText = (run: RunSettings, seeds: number, overData = false) => {
    const fields = (Object.keys(RUN_SETTINGS) as (keyof RunSettings)[])
      // an unset optional setting (a data offset of 0) stays out, so that the link reads back as it was
      .filter((key) => run[key] !== undefined || !RUN_SETTINGS[key].optional)
      .map((key) => `${key}:${encodeURIComponent(formatValue(RUN_SETTINGS[key], run[key]))}`);
    if (seeds > 1) fields.push(`${SEEDS_SPEC.key}:${seeds}`);
    if (overData) fields.push(`${OVER_DATA_SPEC.key}:true`);
    return `run=${fields.join(',')}`;
  };
  for (const set of replicateSets(e.runs)) {
    const first = e.runs[set.members[0]];
    const template = { ...first, name: set.name };
    const k = set.members.length;
    // a set that is exactly its first member over k seeds (names, seeds, colours and data offsets as
    // replicateMembers makes them)
    const exact =
      k > 1 &&
      set.members.every((m, i) => m === set.members[0] + i) &&
      replicateMembers(template, k, { data: set.data }).every((r, i) => JSON.stringify(r) === JSON.stringify(e.runs[set.members[i]]));
    if (exact) parts.push(runText(template, k, set.data));
    else for (const m of set.members) parts.push(runText(e.runs[m], 1));
  }
  return `#${parts.join('&')}`;
}

export interface DecodedExperiment {
  experiment: Experiment;
  /** what was wrong in the link and what the lab did about it; [] for a clean link */
  problems: string[];
}

function decode(text: string): string | null {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return null;
  }
}

/** Sets target[spec.key] from the link's text for it, or names the problem and leaves the default. */
function applyValue<T extends object>(target: T, spec: SettingSpec, raw: string, where: string, problems: string[]): void {
  const rec = target as Record<string, unknown>;
  const text = decode(raw);
  if (text === null) {
    problems.push(
      `${where}: ${spec.label} (${spec.key}) is not readable text (${quoteInput(raw)}); using the default ${formatValue(spec, rec[spec.key])}`,
    );
    return;
  }
  const r = parseValue(spec, text);
  if (r.ok) rec[spec.key] = r.value;
  else problems.push(`${where}: ${r.error}; using the default ${formatValue(spec, rec[spec.key])}`);
}

/** The default run at position i of a decoded link: the defaults' run i, else a copy of their last run. */
function defaultRun(defaults: Experiment, i: number): RunSettings {
  const base = defaults.runs[i] ?? defaults.runs[defaults.runs.length - 1];
  return { ...base, color: defaults.runs[i]?.color ?? RUN_COLORS[i % RUN_COLORS.length], name: defaults.runs[i]?.name ?? `run ${i + 1}` };
}

/**
 * Reads an experiment from a URL hash (with or without '#'). Returns null for an empty hash (no link
 * settings: the caller uses its defaults). Never throws.
 */
export function decodeExperiment(hash: string, defaults: Experiment): DecodedExperiment | null {
  const body = hash.replace(/^#/, '').trim();
  if (body === '') return null;
  const problems: string[] = [];
  const group: GroupSettings = { ...defaults.group };
  const runTexts: string[] = [];
  for (const pair of body.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const rawKey = eq < 0 ? pair : pair.slice(0, eq);
    const key = decode(rawKey) ?? rawKey;
    const value = eq < 0 ? '' : pair.slice(eq + 1);
    const spec = settingSpec(GROUP_SETTINGS, key);
    if (key === 'run') runTexts.push(value);
    else if (spec) applyValue(group, spec, value, 'link', problems);
    else
      problems.push(
        `link: unknown setting ${quoteInput(key)} was ignored (group settings: ${Object.keys(GROUP_SETTINGS).join(', ')}; runs: run=...)`,
      );
  }
  if (runTexts.length > MAX_RUNS) {
    problems.push(`link: at most ${MAX_RUNS} runs train side by side; the link has ${runTexts.length}, the first ${MAX_RUNS} are used`);
    runTexts.length = MAX_RUNS;
  }
  const seedsOf: number[] = [];
  const overDataOf: boolean[] = [];
  let runs: RunSettings[] = runTexts.map((text, i) => {
    const run = defaultRun(defaults, i);
    const where = `link, run ${i + 1}`;
    const count = { seeds: 1 };
    const over = { overData: false };
    seedsOf.push(1);
    overDataOf.push(false);
    for (const field of text.split(',')) {
      if (field === '') continue;
      const colon = field.indexOf(':');
      const rawKey = colon < 0 ? field : field.slice(0, colon);
      const key = decode(rawKey) ?? rawKey;
      if (key === SEEDS_SPEC.key) {
        applyValue(count, SEEDS_SPEC, colon < 0 ? '' : field.slice(colon + 1), where, problems);
        seedsOf[i] = count.seeds;
        continue;
      }
      if (key === OVER_DATA_SPEC.key) {
        applyValue(over, OVER_DATA_SPEC, colon < 0 ? '' : field.slice(colon + 1), where, problems);
        overDataOf[i] = over.overData;
        continue;
      }
      const spec = settingSpec(RUN_SETTINGS, key);
      if (!spec) {
        problems.push(
          `${where}: unknown setting ${quoteInput(key)} was ignored (run settings: ${Object.keys(RUN_SETTINGS).join(', ')}, ${SEEDS_SPEC.key}, ${OVER_DATA_SPEC.key})`,
        );
        continue;
      }
      applyValue(run, spec, colon < 0 ? '' : field.slice(colon + 1), where, problems);
    }
    // a data offset of 0 is the unset one (what a run without it has)
    if (run.dataOffset === 0) delete run.dataOffset;
    if (overDataOf[i] && seedsOf[i] < 2) {
      problems.push(
        `${where}: ${OVER_DATA_SPEC.label} (${OVER_DATA_SPEC.key}) needs ${SEEDS_SPEC.key} 2 or more (got ${seedsOf[i]}); ignored`,
      );
      overDataOf[i] = false;
    }
    return run;
  });
  // each run over its seeds; more than a group trains side by side: every run takes one seed
  const total = seedsOf.reduce((a, b) => a + b, 0);
  if (total > MAX_RUNS) {
    problems.push(`link: the runs over their seeds make ${total} runs; at most ${MAX_RUNS} train side by side, so each run takes one seed`);
  } else if (total > runs.length) runs = runs.flatMap((r, i) => replicateMembers(r, seedsOf[i], { data: overDataOf[i] }));
  if (runs.length === 0) {
    if (runTexts.length === 0) problems.push('link: it names no runs (run=...); the default runs are used');
    runs = defaults.runs.map((r) => ({ ...r }));
  }
  // evaluating every epoch of a task without epochs: the rounds are off, the rest of the link stands
  const epochProblem = evaluateEpochProblem(group);
  if (epochProblem) {
    problems.push(`link: ${epochProblem}; using 'off'`);
    group.evaluateEvery = 'off';
  }
  // settings that are fine one by one but not together (OPLU needs an even n): fall back step by step
  let errors = validateExperiment(group, runs);
  if (errors.length) {
    problems.push(`link: ${listProblems(errors)}; using the default hidden size n = ${defaults.group.hidden}`);
    group.hidden = defaults.group.hidden;
    errors = validateExperiment(group, runs);
  }
  if (errors.length) {
    problems.push(`link: ${listProblems(errors)}; using the default experiment`);
    return { experiment: { group: { ...defaults.group }, runs: defaults.runs.map((r) => ({ ...r })) }, problems };
  }
  return { experiment: { group, runs }, problems };
}

/**
 * A link's problems as the page shows them: the lab keeps its last 8 messages, so a link with many bad parts
 * would push its first problems out. The first `max - 1` are shown and the rest counted in one more message.
 */
export function linkMessages(problems: readonly string[], max = 6): string[] {
  if (problems.length <= max) return [...problems];
  const rest = problems.length - (max - 1);
  return [
    ...problems.slice(0, max - 1),
    `link: ${rest} more problems were found; Copy link gives the lab's own link for the settings now in use`,
  ];
}

/** The full link to an experiment on this page. */
export function experimentLink(e: Experiment, location: Pick<Location, 'origin' | 'pathname' | 'search'>): string {
  return `${location.origin}${location.pathname}${location.search}${encodeExperiment(e)}`;
}
