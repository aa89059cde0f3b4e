/**
 * `npm run reproduce -- table1|table2|table3|table4 [--classroom] [--epochs E] [--out DIR]`: trains the run
 * set of one of the paper's tables headless (src/experiments/paperTables.ts: Tables 1 and 2, sequential and
 * permuted MNIST: margins 0 .. 1, no margin from three starts, the LSTM; Tables 3 and 4, character
 * prediction on sentences of up to 75 and 300 characters: margins 0 .. 100, no margin from three starts) with
 * a round of validation and test every epoch, and writes the table in the paper's layout, markdown and CSV,
 * the measured test figures at each run's best validation weights beside the paper's (accuracy; for text
 * bpc and accuracy).
 *
 * It is `npm run train` with a run set of its own: the experiment folder, its all-or-nothing snapshots, Ctrl-C
 * (saves, exit 130) and the messages are train's. Run again with the same folder, it resumes where the
 * experiment stopped (an interruption, a machine that went down) and trains only the epochs still missing;
 * when they are all there it only writes the table.
 *
 * The paper's settings take days on a CPU and hours on a GPU; --classroom trains the classroom variant
 * instead (the registry says what it is: for MNIST 14 x 14 images a row a step, 2,000 training images, n = 32;
 * for text shorter sentences and n = 64; larger rates, few epochs), and says so in the table. The text
 * tables train on the Brown corpus unless --text-files gives PTB's three files (or any text); the paper's
 * numbers are PTB's, and the table says so.
 */
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatasetError } from '../data/datasetError.ts';
import { loadBrown, loadTextFiles } from '../data/nodeLoader.ts';
import { corpusUpTo } from '../data/textCorpus.ts';
import {
  GROUP_SETTINGS,
  type GroupSettings,
  PAPER_GROUP,
  parseDecimal,
  RUN_SETTINGS,
  type RunSettings,
  withGroupDefaults,
} from '../engine/settings.ts';
import {
  type FigureVariant,
  PAPER_FIGURE_IDS,
  PAPER_FIGURES,
  REPRODUCE_FIGURE_IDS,
  type ReproduceFigureId,
  TABLE5,
  type Table5Variant,
} from '../experiments/paperFigures.ts';
import { PAPER_TABLE_IDS, PAPER_TABLES, type PaperTableId, paperTableOfGroup, tableRuns } from '../experiments/paperTables.ts';
import { MAX_GROUP_RUNS, SEEDS_MAX } from '../experiments/replicates.ts';
import { resultRows } from '../experiments/resultsTable.ts';
import { tableText } from '../experiments/tableReport.ts';
import { mnistOptionsOf } from '../tasks/index.ts';
import { type FlagSpec, parseArgs, UsageError, usage } from './args.ts';
import { experimentToFlags } from './experimentFlags.ts';
import { readManifest } from './experimentFolder.ts';
import { openNodeEngine } from './nodeContext.ts';
import { reproduceFigure, variantGroups, writeWhole } from './reproduceFigure.ts';
import {
  durationText,
  estimateSeconds,
  measureStepCost,
  type StepCost,
  type Table5Row,
  table5Iterations,
  table5Text,
  timeTable5,
} from './reproduceTiming.ts';
import { loadResume } from './resume.ts';
import { isMain, runCli } from './run.ts';
import { main as train } from './train.ts';

type TableName = PaperTableId;

const FLAGS: FlagSpec[] = [
  {
    name: 'classroom',
    switch: true,
    help: "the table's classroom variant (smaller, larger rates, few epochs: see below): minutes, not days",
  },
  {
    name: 'epochs',
    value: 'E',
    help: "epochs to train (default: the paper's, 120 for MNIST, 200 for text; the classroom's with --classroom)",
  },
  { name: 'out', value: 'DIR', help: 'the experiment folder (default reproduce/<table>[-classroom]); run again to resume' },
  {
    name: 'train-images',
    value: 'K',
    help: 'table1, table2: train on the first K training images (default: all 50,000; 2,000 with --classroom)',
  },
  {
    name: 'text-files',
    value: 'FILE[,FILE,FILE]',
    help: "table3, table4: train on these text files instead of the Brown corpus: PTB's ptb.train.txt,ptb.valid.txt,ptb.test.txt, or one file split by the every-20th rule",
  },
  { name: 'eval-batch', value: 'B', help: 'sequences per batch of the evaluation rounds (default 500)' },
  { name: 'adapter', value: 'auto|hardware|software', help: 'which WebGPU adapter Dawn uses (default auto)' },
  { name: 'quiet', switch: true, help: "no progress lines (train's --quiet)" },
  { name: 'help', switch: true, help: 'show this help' },
];

function wholeFlag(flags: Map<string, string>, name: string, min: number, max: number): number | undefined {
  const text = flags.get(name);
  if (text === undefined) return undefined;
  const v = parseDecimal(text);
  if (v === null || !Number.isInteger(v) || v < min || v > max)
    throw new UsageError(`--${name} must be a whole number from ${min} to ${max} (got '${text.slice(0, 40)}')`);
  return v;
}

/** --text-files: one path or three, comma-separated, none empty. */
function textFilesFlag(text: string): string[] {
  const paths = text.split(',').map((p) => p.trim());
  if (paths.some((p) => p === '') || (paths.length !== 1 && paths.length !== 3))
    throw new UsageError(
      `--text-files takes one file or three, comma-separated (ptb.train.txt,ptb.valid.txt,ptb.test.txt) (got '${text.slice(0, 80)}')`,
    );
  return paths;
}

/** The Brown corpus or the user's files, as the text task reads them, for the number of training sentences. */
export function textTrainingSentences(maxLength: number, textFiles: readonly string[] | undefined): { sentences: number; corpus: string } {
  try {
    const corpus = corpusUpTo(textFiles ? loadTextFiles(textFiles) : loadBrown(), maxLength);
    return { sentences: corpus.train.count, corpus: corpus.name };
  } catch (e) {
    if (e instanceof DatasetError) throw new UsageError(e.message);
    throw e;
  }
}

/**
 * What the command trains: the group, the runs and how many iterations make the epochs asked for. A text
 * table needs the number of training sentences under its length limit (`trainSize`, from the corpus:
 * textTrainingSentences); an MNIST table knows its own.
 */
export function reproduction(
  table: TableName,
  opts: { classroom: boolean; epochs?: number; trainImages?: number; textFiles?: readonly string[]; trainSize?: number; corpus?: string },
): { group: GroupSettings; runs: RunSettings[]; epochs: number; iterations: number; trained: string } {
  const t = PAPER_TABLES[table];
  const v = opts.classroom ? t.classroom : t.paper;
  const command = `\`npm run reproduce -- ${table}${opts.classroom ? ' --classroom' : ''}${opts.textFiles ? ' --text-files ...' : ''}\``;
  const runs = tableRuns(t, v);
  const epochs = opts.epochs ?? v.epochs;
  if (t.task === 'text') {
    const group: GroupSettings = { ...v.group, trackEvery: 100, ...(opts.textFiles ? { textCorpus: 'files' as const } : {}) };
    const trainSize = opts.trainSize;
    if (trainSize === undefined || !Number.isInteger(trainSize) || trainSize < 1)
      throw new Error(`${table}: the number of training sentences is needed to count an epoch (got ${String(trainSize)})`);
    // an epoch of sentences in batches: whole batches an epoch, so every epoch's round is reached even when the
    // task cuts its last batch of an epoch short rather than running on into the next one
    const iterations = epochs * Math.ceil(trainSize / group.batchSize);
    const corpus = opts.corpus ?? (opts.textFiles ? opts.textFiles.join(', ') : 'Brown corpus');
    const trained = `Trained by ${command}: ${v.settings}; corpus: ${corpus}, ${trainSize.toLocaleString('en-US')} training sentences of up to ${group.maxLength} characters; ${epochs} epochs (${iterations} iterations) with a round of validation and test every epoch. The paper trained ${t.paper.epochs} epochs on PTB.`;
    return { group, runs, epochs, iterations, trained };
  }
  const group: GroupSettings = {
    ...v.group,
    trackEvery: 100,
    ...(opts.trainImages !== undefined ? { trainSubset: opts.trainImages } : {}),
  };
  const trainSize = mnistOptionsOf(group).trainLimit ?? 50_000;
  const iterations = Math.ceil((epochs * trainSize) / group.batchSize);
  const rates = opts.classroom ? 'tau, lr and spectrum lr 0.01' : 'tau 1e-6, lr 1e-4, spectrum lr 1e-4';
  const layout = opts.classroom
    ? `the classroom variant, not the paper's setting: 14 x 14 images read a row a step (14 steps), the first ${trainSize.toLocaleString('en-US')} training images`
    : "the paper's setting: 784 one-pixel steps, all 50,000 training images";
  const trained = `Trained by ${command}: ${layout}; n = ${group.hidden}, batch ${group.batchSize}, tanh, ${rates}; ${epochs} epochs (${iterations} iterations) with a round of validation (10,000 images) and test (10,000) every epoch. The paper trained 120 epochs (its LSTM 150).`;
  return { group, runs, epochs, iterations, trained };
}

/** --help: every table with its run set, the paper's settings and the classroom variant. */
export function tablesHelp(): string {
  const lines: string[] = ['Tables:'];
  for (const id of PAPER_TABLE_IDS) {
    const t = PAPER_TABLES[id];
    lines.push(
      `  ${id}  ${t.title}`,
      `          runs: ${t.rows.map((r) => r.name).join(', ')}`,
      `          ${t.paper.settings}; ${t.paper.epochs} epochs`,
      `          --classroom: ${t.classroom.settings}; ${t.classroom.epochs} epochs`,
    );
    if (t.dataNote) lines.push(`          ${t.dataNote}`);
  }
  return `${lines.join('\n')}\n`;
}

/** The first setting in which a saved experiment differs from what this command trains, in words; null when none. */
export function settingsDifference(
  group: GroupSettings,
  runs: readonly RunSettings[],
  savedGroup: GroupSettings,
  savedRuns: readonly RunSettings[],
): string | null {
  const g = withGroupDefaults(group);
  const s = withGroupDefaults(savedGroup);
  for (const key of Object.keys(GROUP_SETTINGS) as (keyof GroupSettings)[]) {
    // the evaluation cadence is train's flag here, not a group setting of the run set
    if (key === 'evaluateEvery' || key === 'evaluationBatch' || key === 'recompute') continue;
    if (g[key] !== s[key]) return `${key} ${String(s[key])} there, ${String(g[key])} here`;
  }
  for (const [k, run] of runs.entries())
    for (const key of Object.keys(RUN_SETTINGS) as (keyof RunSettings)[])
      if (run[key] !== savedRuns[k][key]) return `run ${k + 1}'s ${key} ${String(savedRuns[k][key])} there, ${String(run[key])} here`;
  return null;
}

/**
 * Why a folder holding `saved` cannot be resumed as `table` with this group and these runs, in words ("another
 * experiment (task text, 8 runs, sentences of up to 300 characters)", "Table 3 with other settings (hidden
 * 64 there, 512 here)"), or null when it can. Another table is another experiment: Table 3's and Table 4's
 * folders hold the same task and runs but not the same sentence limit. The same table with other settings
 * (--classroom or not, another --train-images or corpus) is refused too: resuming it would write a table that
 * says it trained what it did not.
 */
export function savedExperimentProblem(
  table: TableName,
  group: GroupSettings,
  runs: readonly RunSettings[],
  savedGroup: GroupSettings,
  savedRuns: readonly RunSettings[],
): string | null {
  if (savedGroup.task !== group.task || savedRuns.length !== runs.length || paperTableOfGroup(savedGroup)?.id !== table) {
    const sentences = savedGroup.task === 'text' ? `, sentences of up to ${savedGroup.maxLength ?? 75} characters` : '';
    return `another experiment (task ${savedGroup.task}, ${savedRuns.length} runs${sentences})`;
  }
  const differs = settingsDifference(group, runs, savedGroup, savedRuns);
  return differs ? `${PAPER_TABLES[table].label} with other settings (${differs})` : null;
}

const ALL_IDS: readonly string[] = [...PAPER_TABLE_IDS, ...REPRODUCE_FIGURE_IDS];

export async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (first === '--help' || first === undefined) {
    process.stdout.write(
      `${usage(
        `npm run reproduce -- ${ALL_IDS.join('|')} [flags]`,
        "Trains the run set of one of the paper's tables or figures headless and writes it beside the paper's numbers and claims: Tables 1 and 2 (sequential and permuted MNIST, test accuracy), Tables 3 and 4 (character prediction on sentences of up to 75 and 300 characters, test bpc and accuracy), Figures 1, 2, 4 and 5 and appendix 5.2 (curves, SVG and PNG, a verdict per claim counted over seeds), Table 5 (seconds per 1000 iterations on this adapter).",
        FLAGS,
      )}\nFigure flags (figure1, figure2, figure4, figure5, appendix, table5): --classroom, --out DIR, --adapter, --quiet as above, and\n${usage('', '', FIGURE_FLAGS).split('\n').slice(3).join('\n')}\n${tablesHelp()}\n${await figuresHelp(rest)}`,
    );
    return first === undefined ? 2 : 0;
  }
  if ((REPRODUCE_FIGURE_IDS as readonly string[]).includes(first)) return figureMain(first as ReproduceFigureId, rest);
  if (!(PAPER_TABLE_IDS as readonly string[]).includes(first))
    throw new UsageError(`the first argument names the table or figure: ${ALL_IDS.join(', ')} (got '${first.slice(0, 40)}'); see --help`);
  const table = first as TableName;
  const t = PAPER_TABLES[table];
  const flags = parseArgs(rest, FLAGS);
  if (flags.has('help')) return main(['--help']);
  const classroom = flags.has('classroom');
  const text = t.task === 'text';
  if (text && flags.has('train-images'))
    throw new UsageError(`--train-images is MNIST's (table1, table2); ${table} trains on every sentence under its length limit`);
  if (!text && flags.has('text-files')) throw new UsageError(`--text-files is the text tables' (table3, table4); ${table} trains on MNIST`);
  const textFiles = flags.has('text-files') ? textFilesFlag(flags.get('text-files')!) : undefined;
  const epochs = wholeFlag(flags, 'epochs', 1, 1000);
  const textSize = text ? textTrainingSentences((classroom ? t.classroom : t.paper).group.maxLength ?? 75, textFiles) : undefined;
  const r = reproduction(table, {
    classroom,
    epochs,
    trainImages: wholeFlag(flags, 'train-images', 1, 50_000),
    textFiles,
    trainSize: textSize?.sentences,
    corpus: textSize?.corpus,
  });
  const evalBatch = String(wholeFlag(flags, 'eval-batch', 1, 100_000) ?? 500);
  const dir = flags.get('out') ?? join('reproduce', `${table}${classroom ? '-classroom' : ''}`);
  const pass = [
    ...(flags.has('adapter') ? ['--adapter', flags.get('adapter')!] : []),
    ...(flags.has('quiet') ? ['--quiet'] : []),
    // the files are read again by train, on a resume too (which refuses files other than the experiment's)
    ...(textFiles ? ['--text-files', textFiles.join(',')] : []),
  ];

  const manifest = existsSync(dir) ? readManifest(dir) : undefined;
  const done = manifest?.iteration ?? 0;
  if (manifest) {
    const resumed = loadResume(dir);
    const problem = savedExperimentProblem(table, r.group, r.runs, resumed.group, resumed.runs);
    if (problem) throw new UsageError(`--out ${dir} holds ${problem}; give a new folder`);
  }
  if (done < r.iterations) {
    const evalFlags = ['--eval-every', 'epoch', '--eval-batch', evalBatch];
    const argvTrain = manifest
      ? ['--resume', dir, '--iters', String(r.iterations - done), ...evalFlags, ...pass]
      : [...experimentToFlags(r.group, r.runs), '--iters', String(r.iterations), '--out', dir, ...evalFlags, ...pass];
    process.stderr.write(
      `${t.title}: ${manifest ? `resuming at iteration ${done} of ${r.iterations}` : `training ${r.iterations} iterations (${r.epochs} epochs)`} in ${dir}\n`,
    );
    const code = await train(argvTrain);
    if (code !== 0) {
      process.stderr.write(`The table is not written yet; run the same command again to continue from ${dir}.\n`);
      return code;
    }
  }
  // the table from the snapshot's checkpoints: each run's rounds, its best weights' test score
  const saved = loadResume(dir);
  const rows = resultRows(
    saved.group,
    saved.runs.map((settings, k) => ({ id: String(k), settings })),
    (id) => saved.evaluation[Number(id)].evaluations,
  );
  // what the table reports is what the folder holds (a rerun asking for fewer epochs than were trained trains none)
  const held = saved.manifest.iteration;
  const trained = held === r.iterations ? r.trained : `${r.trained} The folder holds ${held} iterations; the table reports them.`;
  const written = tableText(t.title, trained, saved.group, rows);
  // each file whole or not at all: written beside, then renamed into place
  for (const [name, body] of [
    [`${table}.md`, written.markdown],
    [`${table}.csv`, written.csv],
  ] as const) {
    const path = join(dir, name);
    writeFileSync(`${path}.tmp`, body);
    renameSync(`${path}.tmp`, path);
  }
  process.stdout.write(`\n${written.markdown}\nWrote ${join(dir, `${table}.md`)} and ${table}.csv\n`);
  return 0;
}

const FIGURE_FLAGS: FlagSpec[] = [
  {
    name: 'classroom',
    switch: true,
    help: "the figure's classroom variant (smaller, larger rates, fewer iterations): minutes on a CPU adapter",
  },
  {
    name: 'seeds',
    value: 'k',
    help: 'figures: train every run over k seeds (1 to 10; default 1), side by side where they fit in one group, else in groups by seed one after the other; each verdict counted over them, each chart a mean with a min-max band; with --help, the estimates are over k seeds',
  },
  {
    name: 'group-runs',
    value: 'N',
    help: `figures: train at most N runs side by side in one group (1 to ${MAX_GROUP_RUNS}, at least a part's runs; default ${MAX_GROUP_RUNS}); a part over more runs (its runs x seeds) trains as several groups split by seed, the same numbers as one group`,
  },
  {
    name: 'iters',
    value: 'N',
    help: 'train each part N iterations instead of its budget (the claims keep the budget: what needs the rest is undecided); table5: timed iterations at n = 128',
  },
  { name: 'out', value: 'DIR', help: 'the output folder (default reproduce/<figure>[-classroom]); run again to resume' },
  { name: 'adapter', value: 'auto|hardware|software', help: 'which WebGPU adapter Dawn uses (default auto)' },
  { name: 'quiet', switch: true, help: "no progress lines (train's --quiet)" },
  { name: 'help', switch: true, help: 'show this help' },
];

/** --help's list of the figures and Table 5: parts, settings and each variant's estimated time on this adapter. */
async function figuresHelp(rest: readonly string[]): Promise<string> {
  const adapter = rest[rest.indexOf('--adapter') + 1];
  let cost: StepCost | null = null;
  let adapterLine = '';
  const first = (e: unknown) => (e instanceof Error ? e.message : String(e)).split('\n')[0];
  let engine: Awaited<ReturnType<typeof openNodeEngine>> | undefined;
  try {
    process.stderr.write('Timing two probe groups on this adapter for the estimates ...\n');
    engine = await openNodeEngine(
      rest.includes('--adapter') && ['auto', 'hardware', 'software'].includes(adapter) ? (adapter as 'auto') : 'auto',
    );
  } catch (e) {
    adapterLine = `No estimates: no WebGPU adapter could be opened (${first(e)}).`;
  }
  if (engine)
    try {
      cost = await measureStepCost(engine);
      adapterLine = `Estimated times on ${engine.describe()} (${cost.how}; tracking, evaluation and saving left out: a guide, not a promise):`;
    } catch (e) {
      adapterLine = `No estimates: timing the probe groups on ${engine.describe()} failed (${first(e)}).`;
    } finally {
      engine.close();
    }
  const flags = parseArgs(
    rest.filter((a) => a !== '--help'),
    FIGURE_FLAGS.concat(FLAGS.filter((f) => !FIGURE_FLAGS.some((g) => g.name === f.name))),
  );
  const seeds = wholeFlag(flags, 'seeds', 1, SEEDS_MAX) ?? 1;
  const groupRuns = wholeFlag(flags, 'group-runs', 1, MAX_GROUP_RUNS) ?? MAX_GROUP_RUNS;
  // every group of every part: a part split by seed pays each group's own fixed cost
  const est = (v: FigureVariant) => {
    const largest = Math.max(...v.parts.map((p) => p.runs.length));
    if (groupRuns < largest) return `no estimate (--group-runs ${groupRuns} is less than a part's ${largest} runs)`;
    if (!cost) return 'no estimate';
    const groups = variantGroups(v.parts, seeds, groupRuns);
    const seconds = v.parts.reduce(
      (t, p, k) => t + groups[k].reduce((u, g) => u + estimateSeconds(cost!, p.group, g.runs.length, p.iterations), 0),
      0,
    );
    const count = groups.reduce((t, g) => t + g.length, 0);
    return `about ${durationText(seconds)}${seeds > 1 ? ` over ${seeds} seeds (${count} group${count === 1 ? '' : 's'} of at most ${groupRuns} runs)` : ''}`;
  };
  const lines = ['Figures:', adapterLine];
  if (seeds > 1 || groupRuns !== MAX_GROUP_RUNS)
    lines.push(`Figure estimates over ${seeds} seed${seeds === 1 ? '' : 's'}, at most ${groupRuns} runs a group (--seeds, --group-runs).`);
  for (const id of PAPER_FIGURE_IDS) {
    const f = PAPER_FIGURES[id];
    lines.push(
      `  ${id}  ${f.title}`,
      `          parts: ${f.paper.parts.map((p) => `${p.id} (${p.runs.length} runs, ${p.iterations} iterations)`).join(', ')}`,
      `          ${f.paper.settings}; ${est(f.paper)}`,
      `          --classroom: ${f.classroom.settings}; parts ${f.classroom.parts.map((p) => `${p.id} (${p.iterations} iterations)`).join(', ')}; ${est(f.classroom)}`,
    );
  }
  const t5 = (v: Table5Variant) =>
    cost
      ? `about ${durationText(
          v.sizes.reduce(
            (t, n) => t + 2 * estimateSeconds(cost!, { ...PAPER_GROUP, T: v.T, hidden: n, batchSize: 50 }, 1, table5Iterations(v, n) + 2),
            0,
          ),
        )}`
      : 'no estimate';
  lines.push(
    `  table5  ${TABLE5.title}`,
    `          ${TABLE5.paper.settings}; ${t5(TABLE5.paper)}`,
    `          --classroom: ${TABLE5.classroom.settings}; ${t5(TABLE5.classroom)}`,
  );
  return `${lines.join('\n')}\n`;
}

async function figureMain(id: ReproduceFigureId, rest: string[]): Promise<number> {
  const flags = parseArgs(rest, FIGURE_FLAGS);
  if (flags.has('help')) return main(['--help', ...rest.filter((a) => a !== '--help')]);
  const classroom = flags.has('classroom');
  const seeds = wholeFlag(flags, 'seeds', 1, SEEDS_MAX) ?? 1;
  const groupRuns = wholeFlag(flags, 'group-runs', 1, MAX_GROUP_RUNS);
  const iters = wholeFlag(flags, 'iters', 1, 10_000_000);
  const out = flags.get('out') ?? join('reproduce', `${id}${classroom ? '-classroom' : ''}`);
  const adapter = flags.get('adapter');
  if (adapter !== undefined && !['auto', 'hardware', 'software'].includes(adapter))
    throw new UsageError(`--adapter must be auto, hardware or software (got '${adapter.slice(0, 40)}')`);
  const pass = [...(adapter ? ['--adapter', adapter] : []), ...(flags.has('quiet') ? ['--quiet'] : [])];
  if (id !== 'table5')
    return reproduceFigure(id, { classroom, seeds, iters, out, pass, ...(groupRuns !== undefined ? { groupRuns } : {}) });
  if (groupRuns !== undefined) throw new UsageError(`--group-runs ${groupRuns}: Table 5 times one run at a time; leave the flag out`);
  if (seeds !== 1)
    throw new UsageError(
      `--seeds ${seeds}: Table 5 times iterations (seconds per 1000), it has no curves to count over seeds; leave the flag out`,
    );
  const v = classroom ? TABLE5.classroom : TABLE5.paper;
  const variant = iters === undefined ? v : { ...v, iterations: iters };
  const engine = await openNodeEngine((adapter ?? 'auto') as 'auto');
  let rows: Table5Row[];
  const described = engine.describe();
  try {
    process.stderr.write(`Adapter: ${described}\n`);
    rows = await timeTable5(engine, variant, (l) => {
      if (!flags.has('quiet')) process.stderr.write(l);
    });
  } finally {
    engine.close();
  }
  mkdirSync(out, { recursive: true });
  const command = `npm run reproduce -- table5${classroom ? ' --classroom' : ''}${iters !== undefined ? ` --iters ${iters}` : ''}`;
  const written = table5Text(rows, described, classroom, command);
  writeWhole(join(out, 'table5.md'), written.markdown);
  writeWhole(join(out, 'table5.csv'), written.csv);
  process.stdout.write(
    `\n${written.markdown}\nWrote ${join(out, 'table5.md')} and table5.csv (measured again on every run: a timing has nothing to resume)\n`,
  );
  return 0;
}

if (isMain(import.meta.url)) await runCli(main);
