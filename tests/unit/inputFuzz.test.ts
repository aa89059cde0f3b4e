/**
 * Seeded fuzz tests of everything that reads what a user wrote (issue 7, section 1): the link parser
 * (decodeExperiment), the experiment-file checker (parseExperimentFile) and the checkpoint checker
 * (parseCheckpoint). Keys are drawn from the real settings, tensor and field names, every name on
 * Object.prototype, junk and very long strings; values from valid values, numbers, junk text, huge strings,
 * percent-encodings and broken encodings. Each case asserts:
 * - nothing throws, except the file checkers' own ExperimentFileError / CheckpointError;
 * - each refused part of a link gets a message naming it, and a setting whose every part was refused keeps
 *   its default; a refused key or value in a file is named in the file's message;
 * - whatever is returned passes validateExperiment, and no object's prototype (nor Object.prototype) changed;
 * - no message is longer than 400 characters, however long the input.
 * A failing case prints its seed and index: rerun with that seed to see it again.
 */
import { describe, expect, it } from 'vitest';
import { ExperimentFileError, parseExperimentFile } from '../../src/app/lab/experimentFile.ts';
import { defaultExperiment, type Experiment } from '../../src/app/lab/presets.ts';
import { type DecodedExperiment, decodeExperiment } from '../../src/app/lab/urlState.ts';
import { CheckpointError, parseCheckpoint } from '../../src/engine/checkpoint.ts';
import { paramNames } from '../../src/engine/parameters.ts';
import { quoteInput } from '../../src/engine/quoteInput.ts';
import {
  checkValue,
  GROUP_SETTINGS,
  parseValue,
  RUN_COLORS,
  RUN_SETTINGS,
  type RunSettings,
  type SettingSpec,
  settingSpec,
  validateExperiment,
} from '../../src/engine/settings.ts';
import { Rng } from '../../src/random/rng.ts';
import { sampleFile } from '../helpers/experimentSample.ts';

const SEEDS = [1, 2, 3];
const MAX_MESSAGE = 400;
const PROTO_NAMES = Object.getOwnPropertyNames(Object.prototype);
const GROUP_KEYS = Object.keys(GROUP_SETTINGS);
const RUN_KEYS = Object.keys(RUN_SETTINGS);
const FIELD_NAMES = [
  ...new Set([
    ...paramNames('rnn'),
    ...paramNames('lstm'),
    ...['format', 'version', 'group', 'runs', 'run', 'id', 'hidden', 'settings', 'iteration', 'runIndex', 'checkpoints', 'metrics'],
    ...['capacity', 'loss', 'accuracy', 'flow', 'spectrum', 'drift', 'iterations', 'values', 'stride', 'rows', 'shape', 'data', 'state'],
  ]),
];
const prototypeNamesBefore = [...PROTO_NAMES];

const pick = <T>(rng: Rng, items: readonly T[]): T => items[rng.int(0, items.length - 1)];
const chance = (rng: Rng, p: number) => rng.uniform() < p;

// no '&', ',', ':' or '=': those separate a link's parts (a value may hold them only percent-encoded)
const ALPHABET = 'abcxyzAQZ0123456789._-~+% #!é😀\u0000\n\t/?';
function junk(rng: Rng, length = rng.int(1, 12)): string {
  let s = '';
  for (let i = 0; i < length; i++) s += pick(rng, [...ALPHABET]);
  return s;
}
const longText = (rng: Rng) => pick(rng, ['x', 'é', '9', '%41', '😀']).repeat(rng.int(2_000, 50_000));
const BROKEN = ['%', '%Z', '%ZZ', '%E0%A4%A', '%C3', '%C3%28', '%ED%A0%80', '%%41', '%4'];
// '1%2C5' is '1,5' (a comma would split a run's fields)
const NOTATIONS = ['0x1', '0b1', '0o7', 'Infinity', '-Infinity', 'NaN', '1_000', '  ', '', '1%2C5', '1e', '.', '1e999', '０'];

/** A value a user could have meant for `spec`, written as the link writes it. */
function validText(rng: Rng, spec: SettingSpec): string {
  switch (spec.kind) {
    case 'integer':
      return String(rng.int(spec.min, Math.min(spec.max, spec.min + 40)));
    case 'number':
      return String(Number(rng.range(spec.min, Math.min(spec.max, 1)).toPrecision(3)));
    case 'margin':
      return chance(rng, 0.3) ? 'none' : String(Number(rng.range(0, 2).toPrecision(2)));
    case 'recompute':
      return chance(rng, 0.5) ? pick(rng, ['auto', 'off', 'AUTO']) : String(rng.int(spec.min, spec.min + 40));
    case 'cadence':
      return chance(rng, 0.5) ? pick(rng, ['off', 'epoch', 'EPOCH']) : String(rng.int(spec.min, spec.min + 40));
    case 'enum':
      return pick(rng, spec.choices);
    case 'boolean':
      return pick(rng, ['true', 'false', 'on', '0']);
    case 'color':
      return encodeURIComponent(pick(rng, RUN_COLORS));
    case 'text':
      return encodeURIComponent(junk(rng, rng.int(1, 40)));
  }
}

function linkValue(rng: Rng, spec: SettingSpec | undefined): string {
  const u = rng.uniform();
  if (u < 0.35 && spec) return validText(rng, spec);
  if (u < 0.5) return String(Number(rng.range(-1e4, 1e4).toPrecision(rng.int(1, 6))));
  if (u < 0.6) return pick(rng, NOTATIONS);
  if (u < 0.72) return junk(rng);
  if (u < 0.82) return encodeURIComponent(junk(rng));
  if (u < 0.92) return pick(rng, BROKEN);
  if (u < 0.96) return longText(rng);
  return '9'.repeat(rng.int(400, 5000));
}

/** Junk for a key: no whitespace (a link is trimmed, which would change a first key that starts with it). */
const junkKey = (rng: Rng) => junk(rng).replace(/\s/g, 'w');

function linkKey(rng: Rng, table: readonly string[]): string {
  const u = rng.uniform();
  if (u < 0.45) return pick(rng, table);
  if (u < 0.7) return pick(rng, PROTO_NAMES);
  if (u < 0.8)
    return encodeURIComponent(pick(rng, [...table, ...PROTO_NAMES])).replace(/[a-z_]/g, (c) => `%${c.charCodeAt(0).toString(16)}`);
  if (u < 0.9) return junkKey(rng);
  if (u < 0.95) return longText(rng);
  return pick(rng, BROKEN);
}

function decodeText(text: string): string | null {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return null;
  }
}

/** What a link's part does: sets a setting, or is refused (and must be named). */
type Part =
  | { key: string; spec: SettingSpec; value: unknown }
  | { key: string; spec: SettingSpec; refused: 'value' }
  | { key: string; refused: 'key' };

function readPart(table: { [k: string]: SettingSpec }, rawKey: string, rawValue: string): Part {
  const key = decodeText(rawKey) ?? rawKey;
  const spec = settingSpec(table, key);
  if (!spec) return { key, refused: 'key' };
  const text = decodeText(rawValue);
  const r = text === null ? null : parseValue(spec, text);
  return r?.ok ? { key, spec, value: r.value } : { key, spec, refused: 'value' };
}

/** The default run at position i (as urlState's defaultRun). */
function defaultRunAt(defaults: Experiment, i: number): RunSettings {
  const base = defaults.runs[i] ?? defaults.runs[defaults.runs.length - 1];
  return { ...base, color: defaults.runs[i]?.color ?? RUN_COLORS[i % RUN_COLORS.length], name: defaults.runs[i]?.name ?? `run ${i + 1}` };
}

function messageFailures(messages: readonly string[]): string[] {
  return messages.filter((m) => m.length > MAX_MESSAGE).map((m) => `a message of ${m.length} characters: ${m.slice(0, 200)}`);
}

function prototypeFailures(objects: readonly object[]): string[] {
  const failures = objects.filter((o) => Object.getPrototypeOf(o) !== Object.prototype).map(() => 'an object has another prototype');
  const names = Object.getOwnPropertyNames(Object.prototype);
  if (names.length !== prototypeNamesBefore.length) failures.push(`Object.prototype changed: ${names.join(', ')}`);
  return failures;
}

describe('fuzz: links', () => {
  const defaults = defaultExperiment(true);
  for (const seed of SEEDS) {
    it(`seed ${seed}: 400 random links, each refused part named, the rest applied, every result valid`, () => {
      const rng = new Rng(seed);
      for (let c = 0; c < 400; c++) {
        const context = `seed ${seed}, case ${c}`;
        const parts: string[] = [];
        const groupParts: Part[] = [];
        const runParts: Part[][] = [];
        for (let k = rng.int(1, 10); k > 0; k--) {
          if (chance(rng, 0.45)) {
            const fields: string[] = [];
            const read: Part[] = [];
            for (let f = rng.int(0, 6); f > 0; f--) {
              const key = linkKey(rng, RUN_KEYS);
              const value = linkValue(rng, settingSpec(RUN_SETTINGS, decodeText(key) ?? key));
              fields.push(`${key}:${value}`);
              read.push(readPart(RUN_SETTINGS, key, value));
            }
            parts.push(`run=${fields.join(',')}`);
            runParts.push(read);
          } else {
            const key = linkKey(rng, GROUP_KEYS);
            if ((decodeText(key) ?? key) === 'run') continue;
            const value = linkValue(rng, settingSpec(GROUP_SETTINGS, decodeText(key) ?? key));
            parts.push(`${key}=${value}`);
            groupParts.push(readPart(GROUP_SETTINGS, key, value));
          }
        }
        const hash = `#${parts.join('&')}`;
        let decoded: ReturnType<typeof decodeExperiment> = null;
        expect(() => {
          decoded = decodeExperiment(hash, defaults);
        }, context).not.toThrow();
        if (hash.slice(1).trim() === '') continue;
        // collected, then asserted once per case (an expect per setting would make the test slow)
        expect(linkFailures(decoded!, defaults, groupParts, runParts), context).toEqual([]);
      }
    });
  }
});

/** What is wrong with a decoded link, given what its parts should do; [] when all is well. */
function linkFailures(decoded: DecodedExperiment, defaults: Experiment, groupParts: Part[], runParts: Part[][]): string[] {
  const { experiment, problems } = decoded;
  const failures = [...messageFailures(problems), ...prototypeFailures([experiment.group, ...experiment.runs])];
  const invalid = validateExperiment(experiment.group, experiment.runs);
  if (invalid.length) failures.push(`the result is not valid: ${invalid.join('; ')}`);

  // each refused part is named, where it was
  const named = (where: string, part: Part) => {
    if (!('refused' in part)) return;
    const found =
      part.refused === 'key'
        ? problems.some((p) => p.startsWith(`${where}: unknown setting ${quoteInput(part.key)} was ignored`))
        : problems.some((p) => p.startsWith(`${where}: `) && p.includes(`(${part.spec.key})`));
    if (!found)
      failures.push(`${where}: the refused ${part.refused} of ${quoteInput(part.key)} is not named in ${JSON.stringify(problems)}`);
  };
  for (const part of groupParts) named('link', part);
  runParts.slice(0, 16).forEach((fields, i) => {
    for (const part of fields) named(`link, run ${i + 1}`, part);
  });

  // settings take the last value the link gave them, else keep their default (all of them, when the
  // settings do not go together and the lab falls back)
  const fellBack = problems.some((p) => / using the default (experiment|hidden size)/.test(p));
  const check = (actual: unknown, dflt: unknown, given: Part[], key: string, where: string) => {
    const set = given.filter((p) => 'value' in p && p.spec.key === key) as { value: unknown }[];
    if (set.length === 0 && !Object.is(actual, dflt))
      failures.push(`${where} ${key} is ${String(actual)}, not its default ${String(dflt)}`);
    const last = set[set.length - 1]?.value;
    if (set.length > 0 && !fellBack && !Object.is(actual, last))
      failures.push(`${where} ${key} is ${String(actual)}, the link gave ${String(last)}`);
  };
  // evaluating every epoch of a task without epochs: named, and the rounds are off (the rest stands)
  const epochOff = problems.some((p) => p.startsWith("link: Evaluate every (evaluateEvery) 'epoch' needs a task with epochs"));
  const lastEvery = (groupParts.filter((p) => 'value' in p && p.spec.key === 'evaluateEvery') as { value: unknown }[]).at(-1)?.value;
  const epochWanted = (lastEvery ?? defaults.group.evaluateEvery) === 'epoch' && !['mnist', 'pmnist'].includes(experiment.group.task);
  if (epochOff !== epochWanted) failures.push(`'epoch' on ${experiment.group.task}: ${epochOff ? 'refused without cause' : 'not refused'}`);
  if (epochOff && experiment.group.evaluateEvery !== 'off')
    failures.push(`a refused 'epoch' left evaluateEvery ${experiment.group.evaluateEvery}`);
  for (const key of GROUP_KEYS) {
    const k = key as keyof typeof experiment.group;
    if (k === 'evaluateEvery' && epochOff) continue;
    check(experiment.group[k], defaults.group[k], groupParts, key, 'group');
  }
  if (runParts.length === 0) {
    if (JSON.stringify(experiment.runs) !== JSON.stringify(defaults.runs))
      failures.push('a link without runs did not get the default runs');
  } else if (!problems.some((p) => p.endsWith('using the default experiment'))) {
    if (experiment.runs.length !== Math.min(runParts.length, 16))
      failures.push(`${experiment.runs.length} runs for ${runParts.length} in the link`);
    experiment.runs.forEach((run, i) => {
      const dflt = defaultRunAt(defaults, i);
      for (const key of RUN_KEYS) check(run[key as keyof RunSettings], dflt[key as keyof RunSettings], runParts[i], key, `run ${i + 1}`);
    });
  }
  return failures;
}

/** A random JSON value: numbers, text (junk, long, encoded, broken), null, booleans, lists and objects. */
function jsonValue(rng: Rng, depth = 0): unknown {
  const u = rng.uniform();
  if (u < 0.2) return pick(rng, [0, 1, -1, 0.5, 2 ** 32, -3.25, 1e308, 1e-300, rng.int(-1000, 1000), rng.range(-10, 10)]);
  if (u < 0.4) return junk(rng);
  if (u < 0.47) return longText(rng);
  if (u < 0.55) return pick(rng, [...BROKEN, ...NOTATIONS, encodeURIComponent(junk(rng))]);
  if (u < 0.62) return pick(rng, [null, true, false]);
  if (u < 0.75 && depth < 2) return Array.from({ length: rng.int(0, 4) }, () => jsonValue(rng, depth + 1));
  if (u < 0.78) return new Array(rng.int(100, 3000)).fill(rng.range(-1, 1));
  if (u < 0.9 && depth < 2) {
    const o: Record<string, unknown> = {};
    for (let k = rng.int(0, 3); k > 0; k--) defineOwn(o, fileKey(rng), jsonValue(rng, depth + 1));
    return o;
  }
  return pick(rng, RUN_COLORS);
}

function fileKey(rng: Rng): string {
  const u = rng.uniform();
  if (u < 0.35) return pick(rng, PROTO_NAMES);
  if (u < 0.55) return pick(rng, [...GROUP_KEYS, ...RUN_KEYS]);
  if (u < 0.75) return pick(rng, FIELD_NAMES);
  if (u < 0.92) return junk(rng);
  return longText(rng);
}

/** Sets an own property, as JSON.parse does (even for '__proto__', where an assignment would set the prototype). */
function defineOwn(o: object, key: string, value: unknown): void {
  Object.defineProperty(o, key, { value, enumerable: true, configurable: true, writable: true });
}

type Node = { path: string; value: Record<string, unknown> | unknown[] };

/** Every object and list in a parsed JSON tree, with its path. */
function nodesOf(value: unknown, path = '$', out: Node[] = []): Node[] {
  if (typeof value !== 'object' || value === null) return out;
  out.push({ path, value: value as Node['value'] });
  for (const k of Object.keys(value)) {
    const child = (value as Record<string, unknown>)[k];
    // long numeric lists (tensor data) are one node: their elements are not worth a node each
    if (Array.isArray(value) && value.length > 8 && Number(k) > 2) break;
    nodesOf(child, `${path}.${k}`, out);
  }
  return out;
}

type Mutation = { op: 'add' | 'replace' | 'delete' | 'list'; path: string; key: string; value?: unknown; old?: unknown };

function mutate(rng: Rng, root: unknown): Mutation {
  const nodes = nodesOf(root);
  const node = pick(rng, nodes);
  if (Array.isArray(node.value)) {
    const list = node.value;
    if (list.length && chance(rng, 0.6)) {
      const i = rng.int(0, list.length - 1);
      list[i] = jsonValue(rng);
      return { op: 'list', path: node.path, key: String(i) };
    }
    if (list.length && chance(rng, 0.5)) list.pop();
    else list.push(jsonValue(rng));
    return { op: 'list', path: node.path, key: '' };
  }
  const rec = node.value;
  const keys = Object.keys(rec);
  const u = rng.uniform();
  if (u < 0.45 || keys.length === 0) {
    let key = fileKey(rng);
    if (Object.hasOwn(rec, key)) key = `${key}_extra`;
    const value = jsonValue(rng);
    defineOwn(rec, key, value);
    return { op: 'add', path: node.path, key, value };
  }
  const key = pick(rng, keys);
  if (u < 0.85) {
    const old = rec[key];
    const value = jsonValue(rng);
    rec[key] = value;
    return { op: 'replace', path: node.path, key, value, old };
  }
  delete rec[key];
  return { op: 'delete', path: node.path, key };
}

/** Where a file refuses a key it does not know (and names it); elsewhere an unknown key is ignored. */
const REFUSES_UNKNOWN_KEYS = [
  /^\$\.group$/,
  /^\$\.runs\.\d+\.settings$/,
  /^\$\.checkpoints\.\d+\.(group|run|parameters)$/,
  /^\$\.checkpoints\.\d+\.optimizer\.state$/,
  /^\$\.metrics\.runs$/,
];
const IGNORES_UNKNOWN_KEYS = [
  /^\$$/,
  /^\$\.runs\.\d+$/,
  /^\$\.checkpoints\.\d+$/,
  /^\$\.checkpoints\.\d+\.optimizer$/,
  /^\$\.metrics$/,
  /^\$\.metrics\.runs\.r\d$/,
  /^\$\.metrics\.runs\.r\d\.(loss|accuracy|softOrthPenalty|weightDecayPenalty|flow|drift)$/,
  /^\$\.metrics\.runs\.r\d\.spectrum\.\d+$/,
];
const SETTINGS_AT = /^\$\.(group|runs\.\d+\.settings)$/;

/** Parses and returns what was thrown (or null); anything but the checker's own error fails the test. */
function attempt<E extends Error>(parse: () => unknown, Own: new (m: string) => E, context: string): { error: E | null; result: unknown } {
  try {
    return { error: null, result: parse() };
  } catch (e) {
    expect(e, `${context}: threw ${(e as Error).name}: ${(e as Error).message?.slice(0, 300)}\n${(e as Error).stack}`).toBeInstanceOf(Own);
    return { error: e as E, result: undefined };
  }
}

describe('fuzz: experiment files', () => {
  const baseText = JSON.stringify(sampleFile());
  const clean = parseExperimentFile(baseText);
  for (const seed of SEEDS) {
    it(`seed ${seed}: 150 mutated files, refused with their own error naming what is wrong, or loaded valid`, () => {
      const rng = new Rng(100 + seed);
      for (let c = 0; c < 150; c++) {
        const f = JSON.parse(baseText);
        const mutations = Array.from({ length: chance(rng, 0.6) ? 1 : rng.int(2, 4) }, () => mutate(rng, f));
        let text = JSON.stringify(f);
        const corrupt = chance(rng, 0.05);
        if (corrupt)
          text = chance(rng, 0.5) ? text.slice(0, rng.int(0, text.length - 1)) : `${text.slice(0, 100)}${junk(rng)}${text.slice(100)}`;
        const context = `seed ${seed}, case ${c}: ${mutations.map((m) => `${m.op} ${m.path} '${m.key.slice(0, 40)}'`).join('; ')}`;
        const { error, result } = attempt(() => parseExperimentFile(text, "'fuzz.json'"), ExperimentFileError, context);
        if (error) expect(messageFailures([error.message]), context).toEqual([]);
        else {
          const loaded = result as ReturnType<typeof parseExperimentFile>;
          const settings = loaded.runs.map((r) => r.settings);
          expect(validateExperiment(loaded.group, settings), context).toEqual([]);
          expect(prototypeFailures([loaded.group, ...settings, loaded.metrics, loaded.metrics.runs]), context).toEqual([]);
        }
        if (mutations.length !== 1 || corrupt) continue;
        const [m] = mutations;
        if (m.op === 'add' && REFUSES_UNKNOWN_KEYS.some((r) => r.test(m.path))) {
          expect(error?.message, context).toContain(quoteInput(m.key));
        }
        if (m.op === 'add' && IGNORES_UNKNOWN_KEYS.some((r) => r.test(m.path))) {
          expect(error, context).toBeNull();
          const loaded = result as ReturnType<typeof parseExperimentFile>;
          expect([loaded.group, loaded.runs, loaded.metrics, loaded.initial], context).toEqual([
            clean.group,
            clean.runs,
            clean.metrics,
            clean.initial,
          ]);
        }
        if (m.op === 'delete' && SETTINGS_AT.test(m.path)) expect(error?.message, context).toContain(`missing setting '${m.key}'`);
        if (m.op === 'replace' && SETTINGS_AT.test(m.path) && JSON.stringify(m.value) !== JSON.stringify(m.old)) {
          const spec = settingSpec(m.path === '$.group' ? GROUP_SETTINGS : RUN_SETTINGS, m.key)!;
          // a refused value is named; an accepted one differs from the checkpoint's settings
          if (!checkValue(spec, m.value).ok) expect(error?.message, context).toContain(`(${spec.key}) must be`);
          else expect(error?.message, context).toMatch(/its settings differ|OPLU pairs units|applies to RNNs only/);
        }
      }
    });
  }
});

describe('fuzz: checkpoint files', () => {
  for (const seed of SEEDS) {
    // an RNN run's checkpoint and an LSTM run's, in turn
    const baseText = JSON.stringify(sampleFile(true).checkpoints[seed % 2]);
    const clean = parseCheckpoint(baseText);
    it(`seed ${seed}: 200 mutated checkpoints, refused with a CheckpointError naming what is wrong, or loaded valid`, () => {
      const rng = new Rng(200 + seed);
      for (let c = 0; c < 200; c++) {
        const ck = JSON.parse(baseText);
        const mutations = Array.from({ length: chance(rng, 0.6) ? 1 : rng.int(2, 4) }, () => mutate(rng, ck));
        const context = `seed ${seed}, case ${c}: ${mutations.map((m) => `${m.op} ${m.path} '${m.key.slice(0, 40)}'`).join('; ')}`;
        const { error, result } = attempt(() => parseCheckpoint(JSON.stringify(ck), 'fuzz.checkpoint.json'), CheckpointError, context);
        if (error) expect(messageFailures([error.message]), context).toEqual([]);
        else {
          const parsed = result as ReturnType<typeof parseCheckpoint>;
          expect(validateExperiment(parsed.checkpoint.group, [parsed.checkpoint.run]), context).toEqual([]);
          expect(prototypeFailures([parsed.checkpoint.group, parsed.checkpoint.run, parsed.parameters]), context).toEqual([]);
        }
        if (mutations.length !== 1) continue;
        const [m] = mutations;
        if (m.op === 'add' && /^\$\.(group|run|parameters|optimizer\.state)$/.test(m.path))
          expect(error?.message, context).toContain(quoteInput(m.key));
        if (m.op === 'add' && /^\$(\.optimizer)?$/.test(m.path)) {
          expect(error, context).toBeNull();
          const parsed = result as ReturnType<typeof parseCheckpoint>;
          expect([parsed.parameters, parsed.optimizerState], context).toEqual([clean.parameters, clean.optimizerState]);
        }
      }
    });
  }
});
