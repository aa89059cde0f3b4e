/**
 * Seed replicates (issue 11): the same run trained over k seeds, side by side, summarised as one line with a
 * band on the charts and as mean +- std in the tables. No React and no GPU: the lab's charts, the reproduce
 * command's reports and the claim verdicts (claims.ts) all read these.
 *
 * A replicate's curve is a Series: the iterations it recorded (strictly increasing) and a value at each. The
 * replicates of one run are trained in one group, so they record at the same iterations; one that stopped
 * early (its loss became non-finite, say) has fewer points. replicateBand therefore works on the union of the
 * iterations and, at each, summarises the replicates that recorded a finite value there: `count` says how many,
 * so that a band over fewer seeds is visible as such rather than silently narrower.
 */
import { type BoolSpec, checkValue, type NumberSpec, RUN_SETTINGS, type RunSettings } from '../engine/settings.ts';

export interface Series {
  /** iterations, strictly increasing */
  x: readonly number[];
  /** the value at each iteration (non-finite values count as not recorded) */
  y: readonly number[];
}

/** Summary of the replicates at each iteration of the union of their iterations. */
export interface Band {
  x: number[];
  mean: number[];
  median: number[];
  /** sample standard deviation (n - 1); 0 where one replicate recorded */
  std: number[];
  min: number[];
  max: number[];
  /** replicates with a finite value at this iteration */
  count: number[];
}

/** Summary statistics of a set of numbers (non-finite values left out, counted in `missing`). */
export interface Summary {
  n: number;
  missing: number;
  mean: number;
  /** sample standard deviation (n - 1); 0 when n = 1, NaN when n = 0 */
  std: number;
  median: number;
  min: number;
  max: number;
}

export function summarise(values: readonly number[]): Summary {
  const v = values.filter((a) => Number.isFinite(a)).sort((a, b) => a - b);
  const n = v.length;
  const missing = values.length - n;
  if (n === 0) return { n, missing, mean: NaN, std: NaN, median: NaN, min: NaN, max: NaN };
  const mean = v.reduce((s, a) => s + a, 0) / n;
  const std = n > 1 ? Math.sqrt(v.reduce((s, a) => s + (a - mean) * (a - mean), 0) / (n - 1)) : 0;
  const median = n % 2 === 1 ? v[(n - 1) / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
  return { n, missing, mean, std, median, min: v[0], max: v[n - 1] };
}

/** Checks a series' form; returns a message naming what is wrong, or null. */
export function seriesProblem(s: Series): string | null {
  if (s.x.length !== s.y.length) return `the series has ${s.x.length} iterations but ${s.y.length} values`;
  for (let i = 0; i < s.x.length; i++) {
    if (!Number.isFinite(s.x[i])) return `iteration ${i} is not a number (${s.x[i]})`;
    if (i > 0 && !(s.x[i] > s.x[i - 1])) return `the iterations must increase (${s.x[i - 1]} then ${s.x[i]})`;
  }
  return null;
}

/** The band of the replicates over the union of their iterations (an iteration no replicate recorded finitely is left out). */
export function replicateBand(replicates: readonly Series[]): Band {
  replicates.forEach((s, i) => {
    const problem = seriesProblem(s);
    if (problem) throw new Error(`replicate ${i + 1}: ${problem}`);
  });
  const xs = [...new Set(replicates.flatMap((s) => s.x))].sort((a, b) => a - b);
  const cursor = replicates.map(() => 0);
  const band: Band = { x: [], mean: [], median: [], std: [], min: [], max: [], count: [] };
  for (const x of xs) {
    const values: number[] = [];
    replicates.forEach((s, r) => {
      while (cursor[r] < s.x.length && s.x[cursor[r]] < x) cursor[r]++;
      if (cursor[r] < s.x.length && s.x[cursor[r]] === x && Number.isFinite(s.y[cursor[r]])) values.push(s.y[cursor[r]]);
    });
    if (values.length === 0) continue;
    const sum = summarise(values);
    band.x.push(x);
    band.mean.push(sum.mean);
    band.median.push(sum.median);
    band.std.push(sum.std);
    band.min.push(sum.min);
    band.max.push(sum.max);
    band.count.push(sum.n);
  }
  return band;
}

/**
 * A figure over seeds as a table writes it: "93.24 +- 0.41 (5 seeds)"; one seed: "93.24 (1 seed)"; seeds
 * without a finite value are named: "93.24 +- 0.41 (4 of 5 seeds)". `scale` multiplies (100 for a fraction
 * shown in %), `digits` the decimals.
 */
export function formatSummary(s: Summary, digits = 2, scale = 1): string {
  const seeds = s.n + s.missing;
  const of = s.missing > 0 ? `${s.n} of ${seeds} seeds` : `${s.n} seed${s.n === 1 ? '' : 's'}`;
  if (s.n === 0) return `none (${of})`;
  const mean = (s.mean * scale).toFixed(digits);
  return s.n > 1 ? `${mean} ± ${(s.std * scale).toFixed(digits)} (${of})` : `${mean} (${of})`;
}

// ---------------------------------------------------------------------------------------------------------
// Replicate sets: a run over k seeds is k concrete runs trained side by side in one group.
//
// The concrete runs are ordinary runs (each its own parameters, checkpoint and curves), so everything that
// handles runs (the memory plan, the 16-run limit, links, experiment files, settings.json, --resume) handles
// replicates as they are. A set's members are named `<name> · s1` ... `<name> · sk` and have the same settings
// but their seed: seeds base, base + 1, ..., base + k - 1 (wrapping past 2^32 - 1 to 0). replicateSets reads
// the sets back from the concrete runs: runs with the suffix, the same name before it and the same settings
// (the seed and the colour aside) are one set; every other run is a set of one. Renaming a member or changing
// one of its settings alone takes it out of its set (it is then a run of its own), which is what it is.
// ---------------------------------------------------------------------------------------------------------

/** The most seeds one run may be replicated over. */
export const SEEDS_MAX = 10;

/** The replicate count as the settings table would describe it (CLI flag, the lab's control, messages). */
export const SEEDS_SPEC: NumberSpec<'seeds'> = {
  key: 'seeds',
  kind: 'integer',
  label: 'Seeds',
  min: 1,
  max: SEEDS_MAX,
  help: "Train each run over this many initialisation seeds side by side (seed, seed + 1, ...), named '<name> · s1' ... '<name> · sk'; the charts draw each set as one line (mean or median) with a band, the tables give mean ± std.",
};

/** A set's members over their training data too (the lab's control beside Seeds, a link's `overData`). */
export const OVER_DATA_SPEC: BoolSpec<'overData'> = {
  key: 'overData',
  kind: 'boolean',
  label: 'Also over data',
  help: "Each member also draws its batches from a data stream of its own: member i (from 1) from data seed (the group's + i - 1), so member 1 keeps the group's. Off: every member trains on the same batches, only the initialisation differs. Member i of every set shares stream i, so the sets stay paired.",
};

/** The longest run name (RUN_SETTINGS.name). */
const NAME_MAX = RUN_SETTINGS.name.kind === 'text' ? RUN_SETTINGS.name.maxLength : 40;
const SEED_RANGE = 2 ** 32;
const SUFFIX = /^(.*) · s(\d+)$/;

/** The name of member i (0-based) of a set named `base`: `base · s{i+1}`, the base cut to keep it within the name limit. */
export function replicateName(base: string, i: number): string {
  const suffix = ` · s${i + 1}`;
  return `${base.slice(0, NAME_MAX - suffix.length)}${suffix}`;
}

/** A run's set name and its replicate number (1-based), or null when its name has no replicate suffix. */
export function replicateOf(name: string): { base: string; index: number } | null {
  const m = SUFFIX.exec(name);
  if (!m || m[1] === '') return null;
  const index = Number(m[2]);
  return Number.isSafeInteger(index) && index >= 1 ? { base: m[1], index } : null;
}

/** Seed of member i of a set whose first seed is `base`. */
export function replicateSeed(base: number, i: number): number {
  return (base + i) % SEED_RANGE;
}

/** Checks a replicate count; a message naming it and the range, or null. */
export function seedsProblem(k: unknown): string | null {
  const r = checkValue(SEEDS_SPEC, k);
  return r.ok ? null : r.error;
}

/** How a run is replicated: over its initialisation only (the default), or over its training data too. */
export interface ReplicateOptions {
  /**
   * member i also draws its batches from its own data stream, data seed (group data seed + the run's offset
   * + i) (RunSettings.dataOffset); false: every member trains on the run's stream
   */
  data?: boolean;
}

/** The data offset of member i of a set over data whose first member's is `base` (unset when 0). */
function memberDataOffset(base: number | undefined, i: number): number | undefined {
  const offset = ((base ?? 0) + i) % SEED_RANGE;
  return offset === 0 ? undefined : offset;
}

/** A run with its data offset set (removed when unset, so that a run at 0 reads as one that never had one). */
function withDataOffset(run: RunSettings, offset: number | undefined): RunSettings {
  const { dataOffset: _d, ...rest } = run;
  return offset === undefined ? rest : { ...rest, dataOffset: offset };
}

/**
 * The k members of one run (k = 1: the run itself, unchanged). Member i has seed (seed + i); over data
 * (opts.data) also data offset (the run's + i), so that members 2..k train on data streams of their own.
 */
export function replicateMembers(run: RunSettings, k: number, opts: ReplicateOptions = {}): RunSettings[] {
  const problem = seedsProblem(k);
  if (problem) throw new Error(problem);
  if (k === 1) return [{ ...run }];
  return Array.from({ length: k }, (_, i) => {
    const member = { ...run, name: replicateName(run.name, i), seed: replicateSeed(run.seed, i) };
    return opts.data ? withDataOffset(member, memberDataOffset(run.dataOffset, i)) : member;
  });
}

/**
 * Every run over k seeds: run r becomes k concrete runs, in order (r's members, then r + 1's). Refuses a k
 * out of range by name, and a result over the runs one group trains side by side (16). opts.data: each set's
 * members over the data too (replicateMembers): member i of every set draws from stream i, so the sets stay
 * paired seed by seed (s2 of one run sees the batches s2 of another sees, as the runs of a group always do).
 */
export function expandReplicates(runs: readonly RunSettings[], k: number, opts: ReplicateOptions = {}): RunSettings[] {
  const problem = seedsProblem(k);
  if (problem) throw new Error(problem);
  if (runs.length * k > MAX_GROUP_RUNS)
    throw new Error(
      `${SEEDS_SPEC.label} (seeds) ${k} makes ${runs.length * k} runs of the ${runs.length} given; at most ${MAX_GROUP_RUNS} train side by side (at most ${Math.max(1, Math.floor(MAX_GROUP_RUNS / runs.length))} seeds for ${runs.length} run${runs.length === 1 ? '' : 's'})`,
    );
  return runs.flatMap((r) => replicateMembers(r, k, opts));
}

/** The most runs one group trains side by side (validateExperiment). */
export const MAX_GROUP_RUNS = 16;

/** One replicate set of a group's concrete runs. */
export interface ReplicateSet {
  /** the set's name: the members' name without the ' · sK' suffix (a run of its own: its name) */
  name: string;
  /** the first member's colour */
  color: string;
  /** indices of the members in the group's runs, in order */
  members: number[];
  /** each member's seed, in the same order */
  seeds: number[];
  /** each member's data offset (RunSettings.dataOffset; 0 when unset), in the same order */
  dataOffsets: number[];
  /** the members differ in their training data too (a set over data: offsets first + 0, 1, ..., k - 1) */
  data: boolean;
}

/** The settings that make runs replicates of each other: all but the name, the seed, the colour and the data offset. */
function replicateKey(run: RunSettings, base: string): string {
  const { name: _n, seed: _s, color: _c, dataOffset: _d, ...rest } = run;
  const keys = Object.keys(rest).sort();
  return JSON.stringify([base, keys.map((k) => [k, (rest as Record<string, unknown>)[k]])]);
}

/**
 * The replicate sets of a group's concrete runs, in the order of their first members: runs named
 * `<base> · sK` with the same base and the same settings (seed, colour and data offset aside) are one set; any
 * other run is a set of one. A set's members keep their order in the group. A set is over data when its
 * members' data offsets are the first one's + 0, 1, ..., k - 1 (k > 1).
 */
export function replicateSets(runs: readonly RunSettings[]): ReplicateSet[] {
  const sets: ReplicateSet[] = [];
  const byKey = new Map<string, ReplicateSet>();
  const one = (run: RunSettings, i: number, name: string): ReplicateSet => ({
    name,
    color: run.color,
    members: [i],
    seeds: [run.seed],
    dataOffsets: [run.dataOffset ?? 0],
    data: false,
  });
  runs.forEach((run, i) => {
    const rep = replicateOf(run.name);
    if (!rep) {
      sets.push(one(run, i, run.name));
      return;
    }
    const key = replicateKey(run, rep.base);
    const found = byKey.get(key);
    if (found) {
      found.members.push(i);
      found.seeds.push(run.seed);
      found.dataOffsets.push(run.dataOffset ?? 0);
      return;
    }
    const set = one(run, i, rep.base);
    byKey.set(key, set);
    sets.push(set);
  });
  for (const set of sets) set.data = set.members.length > 1 && set.dataOffsets.every((o, i) => o === (set.dataOffsets[0] + i) % SEED_RANGE);
  return sets;
}

/** The set (of replicateSets) holding run i. */
export function setOfRun(sets: readonly ReplicateSet[], i: number): ReplicateSet | undefined {
  return sets.find((s) => s.members.includes(i));
}

/**
 * The runs with run `index`'s set resized to k members (the lab's Seeds control): its members become
 * replicateMembers(first member as a run named after the set, k), in the place of the set's first member.
 * `source[j]` is the index of the old run that new run j continues (the same seed), or null for a new run.
 */
export function resizeReplicates(
  runs: readonly RunSettings[],
  index: number,
  k: number,
): { runs: RunSettings[]; source: (number | null)[] } {
  const sets = replicateSets(runs);
  const set = setOfRun(sets, index);
  if (!set) throw new Error(`there is no run ${index + 1}`);
  const first = runs[set.members[0]];
  const members = replicateMembers({ ...first, name: set.name }, k, { data: set.data });
  const out: RunSettings[] = [];
  const source: (number | null)[] = [];
  runs.forEach((run, i) => {
    if (i === set.members[0]) {
      members.forEach((m) => {
        out.push(m);
        const j = set.members.findIndex((old) => runs[old].seed === m.seed);
        source.push(j >= 0 ? set.members[j] : null);
      });
    } else if (!set.members.includes(i)) {
      out.push({ ...run });
      source.push(i);
    }
  });
  return { runs: out, source };
}

/**
 * One setting changed on a whole set: every member gets the value; the name renames the set (each member
 * keeps its suffix) and the seed moves the set's first seed (member i: seed + i). A set of one is the run.
 */
export function setSetting<K extends keyof RunSettings>(
  runs: readonly RunSettings[],
  set: ReplicateSet,
  key: K,
  value: RunSettings[K],
): RunSettings[] {
  const out = runs.map((r) => ({ ...r }));
  set.members.forEach((m, i) => {
    const run = out[m];
    if (set.members.length > 1 && key === 'name') run.name = replicateName(value as string, i);
    else if (set.members.length > 1 && key === 'seed') run.seed = replicateSeed(value as number, i);
    else run[key] = value;
  });
  return out;
}

/**
 * A set's members over the data too (on) or over their initialisation only (off): over data, member i gets
 * data offset (the first member's + i); off, every member takes the first member's. A set of one is unchanged.
 */
export function setReplicateData(runs: readonly RunSettings[], set: ReplicateSet, on: boolean): RunSettings[] {
  const out = runs.map((r) => ({ ...r }));
  const base = runs[set.members[0]].dataOffset;
  if (set.members.length < 2) return out;
  set.members.forEach((m, i) => {
    out[m] = withDataOffset(out[m], on ? memberDataOffset(base, i) : base === 0 ? undefined : base);
  });
  return out;
}
