/**
 * `npm run reproduce -- table1|table2 [--classroom] [--epochs E] [--out DIR]`: trains the run set of one of
 * the paper's tables headless (src/experiments/mnistTables.ts: margins 0 .. 1, no margin from three starts,
 * the LSTM) with a round of validation and test every epoch, and writes the table in the paper's layout,
 * markdown and CSV, the measured test accuracy at each run's best validation weights beside the paper's.
 *
 * It is `npm run train` with a run set of its own: the experiment folder, its all-or-nothing snapshots, Ctrl-C
 * (saves, exit 130) and the messages are train's. Run again with the same folder, it resumes where the
 * experiment stopped (an interruption, a machine that went down) and trains only the epochs still missing;
 * when they are all there it only writes the table.
 *
 * The paper's settings (784 one-pixel steps, n = 128, batch 50, tau 1e-6, lr 1e-4, 120 epochs) take days on
 * a CPU and hours on a GPU; --classroom trains the classroom variant instead (14 x 14 images a row a step,
 * 2,000 training images, n = 32, batch 32, rates 0.01, 5 epochs: minutes on a CPU), and says so in the table.
 */
import { existsSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GROUP_SETTINGS, type GroupSettings, parseDecimal, RUN_SETTINGS, type RunSettings, withGroupDefaults } from '../engine/settings.ts';
import { INTERACTIVE_RATES, mnistClassroomGroup, mnistPaperGroup, mnistTableRuns, PAPER_RATES } from '../experiments/mnistTables.ts';
import { resultRows } from '../experiments/resultsTable.ts';
import { tableText } from '../experiments/tableReport.ts';
import { mnistOptionsOf } from '../tasks/index.ts';
import { type FlagSpec, parseArgs, UsageError, usage } from './args.ts';
import { experimentToFlags } from './experimentFlags.ts';
import { readManifest } from './experimentFolder.ts';
import { loadResume } from './resume.ts';
import { isMain, runCli } from './run.ts';
import { main as train } from './train.ts';

const TABLES = {
  table1: { task: 'mnist', title: 'Table 1: sequential MNIST, test accuracy (%)' },
  table2: { task: 'pmnist', title: 'Table 2: permuted MNIST, test accuracy (%)' },
} as const;
type TableName = keyof typeof TABLES;

const FLAGS: FlagSpec[] = [
  {
    name: 'classroom',
    switch: true,
    help: 'the classroom variant (14 x 14 a row a step, 2,000 images, n = 32, rates 0.01): minutes, not days',
  },
  { name: 'epochs', value: 'E', help: 'epochs to train (default: 120, the paper; 5 with --classroom)' },
  { name: 'out', value: 'DIR', help: 'the experiment folder (default reproduce/<table>[-classroom]); run again to resume' },
  { name: 'train-images', value: 'K', help: 'train on the first K training images (default: all 50,000; 2,000 with --classroom)' },
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

/** What the command trains: the group, the runs and how many iterations make the epochs asked for. */
export function reproduction(
  table: TableName,
  opts: { classroom: boolean; epochs?: number; trainImages?: number },
): { group: GroupSettings; runs: RunSettings[]; epochs: number; iterations: number; trained: string } {
  const { task } = TABLES[table];
  const base = opts.classroom ? mnistClassroomGroup(task, true) : mnistPaperGroup(task);
  const group: GroupSettings = { ...base, trackEvery: 100, ...(opts.trainImages !== undefined ? { trainSubset: opts.trainImages } : {}) };
  const runs = mnistTableRuns(opts.classroom ? INTERACTIVE_RATES : PAPER_RATES);
  const epochs = opts.epochs ?? (opts.classroom ? 5 : 120);
  const trainSize = mnistOptionsOf(group).trainLimit ?? 50_000;
  const iterations = Math.ceil((epochs * trainSize) / group.batchSize);
  const rates = opts.classroom ? 'tau, lr and spectrum lr 0.01' : 'tau 1e-6, lr 1e-4, spectrum lr 1e-4';
  const layout = opts.classroom
    ? `the classroom variant, not the paper's setting: 14 x 14 images read a row a step (14 steps), the first ${trainSize.toLocaleString('en-US')} training images`
    : "the paper's setting: 784 one-pixel steps, all 50,000 training images";
  const trained = `Trained by \`npm run reproduce -- ${table}${opts.classroom ? ' --classroom' : ''}\`: ${layout}; n = ${group.hidden}, batch ${group.batchSize}, tanh, ${rates}; ${epochs} epochs (${iterations} iterations) with a round of validation (10,000 images) and test (10,000) every epoch. The paper trained 120 epochs (its LSTM 150).`;
  return { group, runs, epochs, iterations, trained };
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

export async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (first === '--help' || first === undefined) {
    process.stdout.write(
      usage(
        'npm run reproduce -- table1|table2 [flags]',
        "Trains the run set of the paper's Table 1 (sequential MNIST) or Table 2 (permuted MNIST) headless and writes the table beside the paper's numbers.",
        FLAGS,
      ),
    );
    return first === undefined ? 2 : 0;
  }
  if (!Object.hasOwn(TABLES, first))
    throw new UsageError(`the first argument names the table: table1 or table2 (got '${first.slice(0, 40)}'); see --help`);
  const table = first as TableName;
  const flags = parseArgs(rest, FLAGS);
  if (flags.has('help')) return main(['--help']);
  const classroom = flags.has('classroom');
  const r = reproduction(table, {
    classroom,
    epochs: wholeFlag(flags, 'epochs', 1, 1000),
    trainImages: wholeFlag(flags, 'train-images', 1, 50_000),
  });
  const evalBatch = String(wholeFlag(flags, 'eval-batch', 1, 100_000) ?? 500);
  const dir = flags.get('out') ?? join('reproduce', `${table}${classroom ? '-classroom' : ''}`);
  const pass = [...(flags.has('adapter') ? ['--adapter', flags.get('adapter')!] : []), ...(flags.has('quiet') ? ['--quiet'] : [])];

  const manifest = existsSync(dir) ? readManifest(dir) : undefined;
  const done = manifest?.iteration ?? 0;
  if (manifest) {
    const resumed = loadResume(dir);
    if (resumed.group.task !== r.group.task || resumed.runs.length !== r.runs.length)
      throw new UsageError(
        `--out ${dir} holds another experiment (task ${resumed.group.task}, ${resumed.runs.length} runs); give a new folder`,
      );
    // the same table with other settings (--classroom or not, another --train-images) is another experiment too:
    // resuming it would write a table that says it trained what it did not
    const differs = settingsDifference(r.group, r.runs, resumed.group, resumed.runs);
    if (differs)
      throw new UsageError(`--out ${dir} holds ${TABLES[table].title.split(':')[0]} with other settings (${differs}); give a new folder`);
  }
  if (done < r.iterations) {
    const evalFlags = ['--eval-every', 'epoch', '--eval-batch', evalBatch];
    const argvTrain = manifest
      ? ['--resume', dir, '--iters', String(r.iterations - done), ...evalFlags, ...pass]
      : [...experimentToFlags(r.group, r.runs), '--iters', String(r.iterations), '--out', dir, ...evalFlags, ...pass];
    process.stderr.write(
      `${TABLES[table].title}: ${manifest ? `resuming at iteration ${done} of ${r.iterations}` : `training ${r.iterations} iterations (${r.epochs} epochs)`} in ${dir}\n`,
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
  const text = tableText(TABLES[table].title, trained, saved.group, rows);
  // each file whole or not at all: written beside, then renamed into place
  for (const [name, body] of [
    [`${table}.md`, text.markdown],
    [`${table}.csv`, text.csv],
  ] as const) {
    const path = join(dir, name);
    writeFileSync(`${path}.tmp`, body);
    renameSync(`${path}.tmp`, path);
  }
  process.stdout.write(`\n${text.markdown}\nWrote ${join(dir, `${table}.md`)} and ${table}.csv\n`);
  return 0;
}

if (isMain(import.meta.url)) await runCli(main);
