/**
 * The one typed settings table: every value a user can set, with its range, unit and meaning. The UI
 * controls, the URL state, the CLI flags and validation all read it, so a bad value gets the same clear
 * message everywhere ("margin must be 'none' or a number from 0 to 100 (got 'abc')").
 *
 * Keys a user wrote (in a link, a file or a flag) are looked up as own properties of the tables
 * (settingSpec, Object.hasOwn), never with `key in TABLE` or `TABLE[key]`: a key such as 'constructor',
 * 'toString' or '__proto__' is an unknown setting like any other, not a property every object inherits.
 */
import {
  isDataTask,
  MNIST_IMAGES,
  type MnistImage,
  TASK_NAMES,
  type TaskName,
  TEXT_CORPUS_CHOICES,
  type TextCorpusChoice,
} from '../tasks/index.ts';
import { MNIST_STEPS, type MnistStep } from '../tasks/mnistTask.ts';
import {
  DEFAULT_RUN_MODEL_SETTINGS,
  type InitScheme,
  type NonlinName,
  type Parameterisation,
  type RunModelSettings,
} from './modelSettings.ts';
import { describeInput, quoteInput } from './quoteInput.ts';

export type { InitScheme, Parameterisation };
export type NonlinearityName = NonlinName;
export type OptimizerName = 'rmsprop' | 'sgd' | 'nesterov';

export interface GroupSettings {
  task: TaskName;
  T: number;
  batchSize: number;
  hidden: number;
  optimizer: OptimizerName;
  dataSeed: number;
  /** record gradient flow, spectrum and orthogonality drift every k iterations */
  trackEvery: number;
  /**
   * how activations are kept (src/engine/recompute.ts): 'auto' (full storage when it fits the GPU, else
   * recomputation with the least memory), 'off' (full storage) or a segment length k; unset reads as 'auto'
   * (files written before the setting existed)
   */
  recompute?: RecomputeSetting;
  /** permuted MNIST: seeds the one pixel permutation every run and split reads (unset: 1) */
  permutationSeed?: number;
  /** MNIST: the image as published (28x28, the paper) or averaged over 2 x 2 blocks (14x14); unset: 28x28 */
  mnistImage?: MnistImage;
  /** MNIST: what one step reads, a pixel (the paper) or a row of pixels; unset: pixel */
  mnistStep?: MnistStep;
  /** MNIST: train on the first trainSubset training images (0 or unset: all 50,000) */
  trainSubset?: number;
  /** text: where the sentences come from, the Brown corpus or the user's files (unset: brown) */
  textCorpus?: TextCorpusChoice;
  /** text: the longest sentence kept, in raw characters with its newline (unset: 75, the paper's Table 3) */
  maxLength?: number;
  /**
   * the lab's evaluation rounds (src/training/openEvaluation.ts): 'off', every k iterations, or every epoch
   * of a data-backed task; unset reads as 'off' (the CLI sets its rounds with --eval-every, not here)
   */
  evaluateEvery?: EvaluateEverySetting;
  /** sequences per batch of the evaluation pass; 0 or unset: the training batch */
  evaluationBatch?: number;
}

/** The evaluateEvery setting: 'off', 'epoch' (data-backed tasks) or a whole number of iterations. */
export type EvaluateEverySetting = 'off' | 'epoch' | number;

/** The recompute setting: 'auto', 'off', or a segment length in steps. */
export type RecomputeSetting = 'auto' | 'off' | number;

/** What the model of a run is (RunModelSettings: parameterisation, margin, init, nonlinearity, slope, gain,
 * clip, penalties) plus how it is trained and shown. */
export interface RunSettings extends RunModelSettings {
  name: string;
  color: string;
  seed: number;
  /** geodesic step size tau for U and V */
  lrGeodesic: number;
  lrFree: number;
  lrSpectrum: number;
  /** divide the spectrum learning rate by 2m (the paper's rescale) */
  rescaleSpectrum: boolean;
  /**
   * the run's training data stream: the group's data seed plus this offset (dataStreamSeed). Unset or 0: the
   * group's stream, shared with every other such run; a data replicate (replicates.ts) sets member i's to i
   */
  dataOffset?: number;
}

interface SpecBase<K extends string> {
  key: K;
  label: string;
  help: string;
  unit?: string;
  /** a setting that objects may leave out (read as its default): added after files existed without it */
  optional?: boolean;
  /** the tasks a group setting applies to (unset: every task); the lab shows it and links carry it only for those */
  tasks?: readonly TaskName[];
  /** what an unset optional setting that PAPER_GROUP leaves out reads as, in its text form */
  unset?: string;
}
export interface NumberSpec<K extends string = string> extends SpecBase<K> {
  kind: 'number' | 'integer';
  min: number;
  max: number;
  /** log-scale slider (with an explicit 0 where min is 0) */
  log?: boolean;
}
export interface EnumSpec<K extends string = string> extends SpecBase<K> {
  kind: 'enum';
  choices: readonly string[];
}
export interface MarginSpec<K extends string = string> extends SpecBase<K> {
  kind: 'margin';
  min: number;
  max: number;
}
/** 'auto', 'off' or a whole number from min to max (recompute). */
export interface RecomputeSpec<K extends string = string> extends SpecBase<K> {
  kind: 'recompute';
  min: number;
  max: number;
}
/** 'off', 'epoch' or a whole number from min to max (evaluateEvery). */
export interface CadenceSpec<K extends string = string> extends SpecBase<K> {
  kind: 'cadence';
  min: number;
  max: number;
}
export interface BoolSpec<K extends string = string> extends SpecBase<K> {
  kind: 'boolean';
}
export interface TextSpec<K extends string = string> extends SpecBase<K> {
  kind: 'text' | 'color';
  maxLength: number;
}
export type SettingSpec<K extends string = string> =
  | NumberSpec<K>
  | EnumSpec<K>
  | MarginSpec<K>
  | RecomputeSpec<K>
  | CadenceSpec<K>
  | BoolSpec<K>
  | TextSpec<K>;

const SEED_MAX = 2 ** 32 - 1;
/** The longest run name (it names output files and legends). */
const NAME_MAX = 40;

export const GROUP_SETTINGS: { [K in keyof GroupSettings]-?: SettingSpec<K> } = {
  task: {
    key: 'task',
    kind: 'enum',
    label: 'Task',
    choices: TASK_NAMES,
    help: 'copy: repeat 10 symbols after T blanks; adding: sum the two marked values of T; mnist: classify a digit read one pixel a step (784 steps); pmnist: the same with the pixels in one fixed random order; text: predict the next character of each sentence.',
  },
  T: {
    key: 'T',
    kind: 'integer',
    label: 'T',
    min: 2,
    max: 10000,
    unit: 'steps',
    log: true,
    tasks: ['copy', 'adding'],
    help: 'Delay: copy sequences are T+20 long, adding sequences T long.',
  },
  batchSize: { key: 'batchSize', kind: 'integer', label: 'Batch size', min: 1, max: 1024, help: 'Sequences per iteration (paper: 50).' },
  hidden: { key: 'hidden', kind: 'integer', label: 'Hidden units n', min: 2, max: 1024, help: 'Size of the recurrent state (paper: 128).' },
  optimizer: {
    key: 'optimizer',
    kind: 'enum',
    label: 'Free optimiser',
    choices: ['rmsprop', 'sgd', 'nesterov'],
    help: 'For every parameter except U and V (geodesic steps): RMSprop (paper), plain SGD or Nesterov momentum 0.9.',
  },
  dataSeed: {
    key: 'dataSeed',
    kind: 'integer',
    label: 'Data seed',
    min: 0,
    max: SEED_MAX,
    help: "Seeds the batches; every run in the group sees the same data, except a run with a data offset (a seed replicate 'also over data'), which draws from data seed + its offset.",
  },
  trackEvery: {
    key: 'trackEvery',
    kind: 'integer',
    label: 'Track every',
    min: 1,
    max: 100000,
    unit: 'iterations',
    help: 'How often gradient flow, the spectrum and orthogonality drift are recorded.',
  },
  recompute: {
    key: 'recompute',
    kind: 'recompute',
    label: 'Recompute',
    min: 1,
    max: 10020,
    unit: 'steps',
    optional: true,
    help: "Keep the state every k steps and recompute each segment in the backward pass (less memory, about 1.5x the recurrent work): 'auto' when full storage does not fit the GPU, 'off', or a segment length k (above L counts as L).",
  },
  permutationSeed: {
    key: 'permutationSeed',
    kind: 'integer',
    label: 'Permutation seed',
    min: 0,
    max: SEED_MAX,
    optional: true,
    tasks: ['pmnist'],
    help: 'Seeds the one fixed order of the 784 pixels that every run and every split (training, validation, test) reads.',
  },
  mnistImage: {
    key: 'mnistImage',
    kind: 'enum',
    label: 'Image',
    choices: MNIST_IMAGES,
    optional: true,
    tasks: ['mnist', 'pmnist'],
    help: '28x28: the digits as published (the paper); 14x14: each 2 x 2 block averaged, four times fewer steps (for a classroom).',
  },
  mnistStep: {
    key: 'mnistStep',
    kind: 'enum',
    label: 'A step reads',
    choices: MNIST_STEPS,
    optional: true,
    tasks: ['mnist', 'pmnist'],
    help: 'pixel: one pixel a step (the paper: 784 steps); row: a row of pixels a step (28 steps of 28 inputs), far quicker and far easier.',
  },
  trainSubset: {
    key: 'trainSubset',
    kind: 'integer',
    label: 'Training images',
    min: 0,
    max: 50000,
    optional: true,
    tasks: ['mnist', 'pmnist'],
    help: 'Train on the first this many of the 50,000 training images (0: all, the paper); validation and test always use all 10,000.',
  },
  textCorpus: {
    key: 'textCorpus',
    kind: 'enum',
    label: 'Corpus',
    choices: TEXT_CORPUS_CHOICES,
    optional: true,
    tasks: ['text'],
    help: "brown: the Brown corpus, served by the lab; files: the text files loaded in the Data sets panel (PTB's ptb.train.txt, ptb.valid.txt, ptb.test.txt, or any one plain-text file); nothing is uploaded.",
  },
  maxLength: {
    key: 'maxLength',
    kind: 'integer',
    label: 'Longest sentence',
    min: 3,
    max: 1000,
    unit: 'characters',
    optional: true,
    tasks: ['text'],
    help: "Sentences longer than this many characters (with the newline) are left out: 75 in the paper's Table 3, 300 in Table 4. One step reads a character, so a sequence has at most this minus 1 steps.",
  },
  evaluateEvery: {
    key: 'evaluateEvery',
    kind: 'cadence',
    label: 'Evaluate every',
    min: 1,
    max: 10_000_000,
    unit: 'iterations',
    optional: true,
    unset: 'off',
    help: "Score the validation set every k iterations, or every 'epoch' (MNIST), keep each run's best-validation weights and score the test set at them (the paper's test figure); 'off': no evaluation.",
  },
  evaluationBatch: {
    key: 'evaluationBatch',
    kind: 'integer',
    label: 'Evaluation batch',
    min: 0,
    max: 10_000,
    optional: true,
    unset: '0',
    help: 'Sequences per batch of the evaluation pass (forward only); 0: the training batch. A larger batch scores faster and needs more GPU memory.',
  },
};

export const RUN_SETTINGS: { [K in keyof RunSettings]-?: SettingSpec<K> } = {
  name: { key: 'name', kind: 'text', label: 'Name', maxLength: NAME_MAX, help: 'A label for this run.' },
  color: { key: 'color', kind: 'color', label: 'Colour', maxLength: 7, help: 'Its colour on every chart (#rrggbb).' },
  seed: { key: 'seed', kind: 'integer', label: 'Seed', min: 0, max: SEED_MAX, help: 'Seeds the initialisation of this run.' },
  parameterisation: {
    key: 'parameterisation',
    kind: 'enum',
    label: 'Model',
    choices: ['factorised', 'plain', 'lstm'],
    help: 'factorised: an RNN with W = U diag(s) V^T and geodesic steps on U, V; plain: an RNN with a free W; lstm: the LSTM baseline (peepholes, forget-gate bias 1).',
  },
  margin: {
    key: 'margin',
    kind: 'margin',
    label: 'Spectral margin m',
    min: 0,
    max: 100,
    help: "Singular values stay in (1-m, 1+m); 0 is a hard orthogonal RNN, 'none' trains s freely.",
  },
  init: {
    key: 'init',
    kind: 'enum',
    label: 'Initialisation',
    choices: ['orthogonal', 'glorot', 'identity'],
    help: 'How W starts; factorised runs take the SVD of it.',
  },
  nonlinearity: {
    key: 'nonlinearity',
    kind: 'enum',
    label: 'Nonlinearity',
    choices: ['linear', 'tanh', 'relu', 'leaky', 'prelu', 'oplu'],
    help: 'h = f(g a); OPLU sorts unit pairs and needs an even n.',
  },
  slope: {
    key: 'slope',
    kind: 'number',
    label: 'Slope',
    min: 0,
    max: 1,
    help: "Leaky ReLU's fixed slope, or PReLU's initial (trained) slope, for a < 0.",
  },
  gain: {
    key: 'gain',
    kind: 'number',
    label: 'Gain g',
    min: 0.01,
    max: 10,
    help: 'Pre-activation gain: h = f(g a) (paper section 3.1.3: 1.05).',
  },
  lrGeodesic: {
    key: 'lrGeodesic',
    kind: 'number',
    label: 'Geodesic step tau',
    min: 0,
    max: 10,
    log: true,
    help: 'Cayley step size for U and V (paper: 1e-6).',
  },
  lrFree: {
    key: 'lrFree',
    kind: 'number',
    label: 'Free learning rate',
    min: 0,
    max: 1,
    log: true,
    help: 'For W_in, b, h0, W_out, b_out, a plain W and a margin-less s (paper: 1e-4).',
  },
  lrSpectrum: {
    key: 'lrSpectrum',
    kind: 'number',
    label: 'Spectrum learning rate',
    min: 0,
    max: 1,
    log: true,
    help: 'For p, the margin parameters (paper: 1e-4, divided by 2m).',
  },
  rescaleSpectrum: {
    key: 'rescaleSpectrum',
    kind: 'boolean',
    label: 'Rescale by 1/2m',
    help: 'Divide the spectrum learning rate by 2m so steps in s do not depend on m (RMSprop).',
  },
  softOrth: {
    key: 'softOrth',
    kind: 'number',
    label: 'Soft orthogonality',
    min: 0,
    max: 100,
    log: true,
    help: 'lambda in lambda ||W^T W - I||_F^2 added to the loss.',
  },
  prior: {
    key: 'prior',
    kind: 'number',
    label: 'Spectral prior',
    min: 0,
    max: 100,
    log: true,
    help: 'lambda in lambda sum (s_i - 1)^2, a Gaussian prior pulling s to 1.',
  },
  weightDecay: {
    key: 'weightDecay',
    kind: 'number',
    label: 'Weight decay',
    min: 0,
    max: 1,
    log: true,
    help: 'wd (||W_in||^2 + ||W||^2 + ||W_out||^2) (paper: 1e-4).',
  },
  clip: {
    key: 'clip',
    kind: 'number',
    label: 'Gradient clip',
    min: 0,
    max: 1e6,
    log: true,
    help: 'Each element of dLoss/da_t is clipped to [-c, c] (paper: 100; 0 = off).',
  },
  dataOffset: {
    key: 'dataOffset',
    kind: 'integer',
    label: 'Data offset',
    min: 0,
    max: SEED_MAX,
    optional: true,
    unset: '0',
    help: "This run's batches come from data seed (the group's data seed + this offset); 0: the group's stream, shared with every run at 0. A run over seeds 'also over data' gives member i the offset i.",
  },
};

export const PAPER_GROUP: GroupSettings = {
  task: 'copy',
  T: 100,
  batchSize: 50,
  hidden: 128,
  optimizer: 'rmsprop',
  dataSeed: 1,
  trackEvery: 10,
  recompute: 'auto',
  permutationSeed: 1,
  mnistImage: '28x28',
  mnistStep: 'pixel',
  trainSubset: 0,
  textCorpus: 'brown',
  maxLength: 75,
};

export const PAPER_RUN: RunSettings = {
  ...DEFAULT_RUN_MODEL_SETTINGS,
  name: 'run',
  color: '#1f77b4',
  seed: 1,
  lrGeodesic: 1e-6,
  lrFree: 1e-4,
  lrSpectrum: 1e-4,
  rescaleSpectrum: true,
};

export const RUN_COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

/** The allowed values of a setting, in words, for messages and tooltips. */
export function describeAllowed(spec: SettingSpec): string {
  switch (spec.kind) {
    case 'integer':
      return `a whole number from ${spec.min} to ${spec.max}`;
    case 'number':
      return `a number from ${spec.min} to ${spec.max}`;
    case 'margin':
      return `'none' or a number from ${spec.min} to ${spec.max}`;
    case 'recompute':
      return `'auto', 'off' or a whole number from ${spec.min} to ${spec.max}`;
    case 'cadence':
      return `'off', 'epoch' or a whole number from ${spec.min} to ${spec.max}`;
    case 'enum':
      return `one of ${spec.choices.join(', ')}`;
    case 'boolean':
      return 'true or false';
    case 'color':
      return 'a colour #rrggbb';
    case 'text':
      return `text of 1 to ${spec.maxLength} characters`;
  }
}

export type Checked<T> = { ok: true; value: T } | { ok: false; error: string };

function fail(spec: SettingSpec, got: unknown): { ok: false; error: string } {
  return { ok: false, error: `${spec.label} (${spec.key}) must be ${describeAllowed(spec)} (got ${describeInput(got)})` };
}

/** The spec of the setting named `key` in `table`, or undefined: an own-property lookup, so 'constructor' or '__proto__' is no setting. */
export function settingSpec(table: Readonly<Record<string, SettingSpec>>, key: string): SettingSpec | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}

// Decimal and exponent notation, nothing else: '1', '-2.5', '.5', '5.', '1e-4', '1E+3'. Number() would also
// take '0x1', '0b1', '0o7', 'Infinity', '' and '  ' (as 0), which are no way to write a learning rate.
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** The number written in `text` in decimal or exponent notation (spaces around allowed), else null (also when too large for a double). */
export function parseDecimal(text: string): number | null {
  const t = text.trim();
  if (!DECIMAL.test(t)) return null;
  const v = Number(t);
  return Number.isFinite(v) ? v : null;
}

/** Checks a typed value (from a form, a file or the URL after parsing) against its spec. */
export function checkValue(spec: SettingSpec, value: unknown): Checked<unknown> {
  switch (spec.kind) {
    case 'integer':
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value) || value < spec.min || value > spec.max) return fail(spec, value);
      if (spec.kind === 'integer' && !Number.isInteger(value)) return fail(spec, value);
      return { ok: true, value };
    case 'margin':
      if (value === null) return { ok: true, value };
      if (typeof value !== 'number' || !Number.isFinite(value) || value < spec.min || value > spec.max) return fail(spec, value);
      return { ok: true, value };
    case 'recompute':
      if (value === 'auto' || value === 'off') return { ok: true, value };
      if (typeof value !== 'number' || !Number.isInteger(value) || value < spec.min || value > spec.max) return fail(spec, value);
      return { ok: true, value };
    case 'cadence':
      if (value === 'off' || value === 'epoch') return { ok: true, value };
      if (typeof value !== 'number' || !Number.isInteger(value) || value < spec.min || value > spec.max) return fail(spec, value);
      return { ok: true, value };
    case 'enum':
      return typeof value === 'string' && spec.choices.includes(value) ? { ok: true, value } : fail(spec, value);
    case 'boolean':
      return typeof value === 'boolean' ? { ok: true, value } : fail(spec, value);
    case 'color':
      return typeof value === 'string' && /^#[0-9a-fA-F]{6}$/.test(value) ? { ok: true, value } : fail(spec, value);
    case 'text':
      return typeof value === 'string' && value.length >= 1 && value.length <= spec.maxLength ? { ok: true, value } : fail(spec, value);
  }
}

/**
 * Parses the text form of a value (a CLI flag, a URL parameter, an input box) and checks it. Numbers are
 * decimal or exponent notation only (parseDecimal); a whole-number setting takes exponent notation when the
 * value is whole ('1e1' is 10, '1e-1' is refused). Margins also take 'none' (any case).
 */
export function parseValue(spec: SettingSpec, text: string): Checked<unknown> {
  const t = text.trim();
  switch (spec.kind) {
    case 'integer':
    case 'number': {
      const v = parseDecimal(t);
      return v === null ? fail(spec, t) : checkValue(spec, v);
    }
    case 'margin': {
      if (t.toLowerCase() === 'none') return { ok: true, value: null };
      const v = parseDecimal(t);
      return v === null ? fail(spec, t) : checkValue(spec, v);
    }
    case 'recompute': {
      const word = t.toLowerCase();
      if (word === 'auto' || word === 'off') return { ok: true, value: word };
      const v = parseDecimal(t);
      return v === null ? fail(spec, t) : checkValue(spec, v);
    }
    case 'cadence': {
      const word = t.toLowerCase();
      if (word === 'off' || word === 'epoch') return { ok: true, value: word };
      const v = parseDecimal(t);
      return v === null ? fail(spec, t) : checkValue(spec, v);
    }
    case 'boolean':
      if (['true', '1', 'yes', 'on'].includes(t.toLowerCase())) return { ok: true, value: true };
      if (['false', '0', 'no', 'off'].includes(t.toLowerCase())) return { ok: true, value: false };
      return fail(spec, t);
    default:
      return checkValue(spec, t);
  }
}

export function formatValue(spec: SettingSpec, value: unknown): string {
  if (spec.kind === 'margin' && value === null) return 'none';
  if (spec.kind === 'recompute' && value === undefined) return 'auto';
  if (value === undefined && spec.unset !== undefined) return spec.unset;
  if (value === undefined && spec.key in PAPER_GROUP) return String(PAPER_GROUP[spec.key as keyof GroupSettings]);
  return String(value);
}

function checkAll<T extends object>(table: { [K in keyof T]-?: SettingSpec }, obj: unknown, what: string): string[] {
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) return [`${what} must be an object`];
  const errors: string[] = [];
  const rec = obj as Record<string, unknown>;
  for (const key of Object.keys(table) as (keyof T & string)[]) {
    if (!Object.hasOwn(rec, key) || (rec[key] === undefined && table[key].optional)) {
      if (!table[key].optional) errors.push(`${what}: missing setting '${key}'`);
      continue;
    }
    const r = checkValue(table[key], rec[key]);
    if (!r.ok) errors.push(`${what}: ${r.error}`);
  }
  for (const key of Object.keys(rec)) if (!settingSpec(table, key)) errors.push(`${what}: unknown setting ${quoteInput(key)}`);
  return errors;
}

/**
 * A checked group with its optional settings filled in (PAPER_GROUP's values): a file written before
 * `recompute` existed reads as 'auto', one written before MNIST as the paper's MNIST settings.
 */
export function withGroupDefaults(group: GroupSettings): GroupSettings {
  return {
    ...group,
    recompute: group.recompute ?? PAPER_GROUP.recompute,
    permutationSeed: group.permutationSeed ?? PAPER_GROUP.permutationSeed,
    mnistImage: group.mnistImage ?? PAPER_GROUP.mnistImage,
    mnistStep: group.mnistStep ?? PAPER_GROUP.mnistStep,
    trainSubset: group.trainSubset ?? PAPER_GROUP.trainSubset,
    textCorpus: group.textCorpus ?? PAPER_GROUP.textCorpus,
    maxLength: group.maxLength ?? PAPER_GROUP.maxLength,
  };
}

/** Whether a group setting applies to a task (T to copy and adding, the MNIST settings to MNIST, the rest to all). */
export function appliesToTask(spec: SettingSpec, task: TaskName): boolean {
  return !spec.tasks || spec.tasks.includes(task);
}

/**
 * Why a group cannot evaluate every epoch (its task trains on an endless stream, without epochs), or null
 * (it can, or it does not ask to).
 */
export function evaluateEpochProblem(group: Pick<GroupSettings, 'task' | 'evaluateEvery'>): string | null {
  if (group?.evaluateEvery !== 'epoch' || typeof group.task !== 'string' || !TASK_NAMES.includes(group.task) || isDataTask(group.task))
    return null;
  return `${GROUP_SETTINGS.evaluateEvery.label} (evaluateEvery) 'epoch' needs a task with epochs (mnist, pmnist, text): the ${group.task} task trains on an endless stream; give a number of iterations or 'off'`;
}

/** The evaluation rounds a group asks for: every k iterations or every epoch, at a batch (undefined: the training batch); null when off. */
export interface EvaluationRequestOf {
  every: number | 'epoch';
  batchSize?: number;
}

export function evaluationOf(group: GroupSettings): EvaluationRequestOf | null {
  const every = group.evaluateEvery;
  if (every === undefined || every === 'off') return null;
  const b = group.evaluationBatch;
  return { every, ...(b ? { batchSize: b } : {}) };
}

/** Every problem with a group and its runs, including those that involve two settings; [] when valid. */
export function validateExperiment(group: GroupSettings, runs: RunSettings[]): string[] {
  const errors = checkAll<GroupSettings>(GROUP_SETTINGS, group, 'group');
  const epochProblem = evaluateEpochProblem(group);
  if (epochProblem) errors.push(`group: ${epochProblem}`);
  if (!Array.isArray(runs) || runs.length === 0) errors.push('an experiment needs at least one run');
  else if (runs.length > 16) errors.push(`at most 16 runs train side by side (got ${runs.length})`);
  (Array.isArray(runs) ? runs : []).forEach((run, i) => {
    const what = `run ${i + 1}${run && typeof run.name === 'string' ? ` (${quoteInput(run.name, NAME_MAX)})` : ''}`;
    errors.push(...checkAll<RunSettings>(RUN_SETTINGS, run, what));
    if (run?.nonlinearity === 'oplu' && run.parameterisation !== 'lstm' && typeof group?.hidden === 'number' && group.hidden % 2 !== 0) {
      errors.push(`${what}: OPLU pairs units, so the hidden size must be even (got n = ${group.hidden})`);
    }
    if (run?.parameterisation === 'lstm') {
      for (const key of ['softOrth', 'prior'] as const) {
        if (typeof run[key] === 'number' && run[key] !== 0)
          errors.push(`${what}: ${RUN_SETTINGS[key].label} (${key}) applies to RNNs only; an LSTM run needs 0 (got ${run[key]})`);
      }
    }
  });
  return errors;
}

/** The data seed of a run's training stream: the group's data seed plus the run's offset (unset: 0), modulo 2^32. */
export function dataStreamSeed(group: Pick<GroupSettings, 'dataSeed'>, run: Pick<RunSettings, 'dataOffset'>): number {
  return (group.dataSeed + (run.dataOffset ?? 0)) % 2 ** 32;
}

/** The effective learning rate of p: lrSpectrum / (2m) when the rescale is on and m > 0. */
export function effectiveSpectrumLr(run: Pick<RunSettings, 'lrSpectrum' | 'margin' | 'rescaleSpectrum'>): number {
  if (run.margin === null) return 0;
  if (run.rescaleSpectrum && run.margin > 0) return run.lrSpectrum / (2 * run.margin);
  return run.lrSpectrum;
}
