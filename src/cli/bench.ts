/**
 * The benchmark (a program that writes a report, not a test): on the adapter Dawn finds, it times
 *  - the paper's Table 5 setting (copy T=100, batch 50, n = 128, 500, 1000): a plain RNN with RMSprop
 *    against a factorised one with geodesic steps, beside the paper's GTX-770 seconds per 1000 iterations;
 *  - the fused recurrent kernels against the naive ones (one dispatch per time step);
 *  - a group of 6 runs against 1 run;
 *  - the live spectrum of free matrices on the GPU (a plain W [n][n], an LSTM's stacked W [4n][n]) at the
 *    --spectrum-sizes (src/cli/benchSpectrum.ts);
 * all in one process, side by side, and writes bench-reports/bench-<time>.json and .md.
 *   npm run bench -- [--sizes 128,500,1000] [--iters 5] [--spectrum-sizes 128] [--out bench-reports]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RunGroup } from '../engine/runGroup.ts';
import { type GroupSettings, PAPER_GROUP, PAPER_RUN, type RunSettings } from '../engine/settings.ts';
import { type FlagSpec, parseArgs, UsageError, usage } from './args.ts';
import { type SpectrumRow, spectrumTable, timeSpectrum } from './benchSpectrum.ts';
import { type NodeEngine, openNodeEngine } from './nodeContext.ts';
import { isMain, runCli } from './run.ts';

const FLAGS: FlagSpec[] = [
  { name: 'sizes', value: 'n[,n...]', help: 'hidden sizes of the Table 5 rows (default 128,500,1000)' },
  { name: 'iters', value: 'N', help: 'timed iterations per configuration at n = 128 (scaled down for larger n; default 10)' },
  { name: 'T', value: 'T', help: "copy task delay (default 100, the paper's Table 5)" },
  {
    name: 'spectrum-sizes',
    value: 'n[,n...]',
    help: 'hidden sizes at which the GPU spectrum of a plain W and an LSTM W is timed (default 128,256,512,1024 on a GPU, 128 on a CPU adapter; none to skip)',
  },
  { name: 'out', value: 'DIR', help: 'report folder (default bench-reports)' },
  { name: 'adapter', value: 'auto|hardware|software', help: 'which WebGPU adapter Dawn uses (default auto)' },
  { name: 'help', switch: true, help: 'show this help' },
];

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
  paperSecondsPer1000: number | null;
}

async function timeConfig(
  engine: NodeEngine,
  group: GroupSettings,
  runs: RunSettings[],
  naive: boolean,
  iters: number,
): Promise<{ itPerSec: number; dispatches: number }> {
  const rg = await RunGroup.create(engine.ops, group, runs, { naive });
  try {
    // warm up: pipelines compile lazily in drivers, first submissions allocate
    for (let k = 0; k < 2; k++) rg.step();
    await rg.collect();
    const t0 = performance.now();
    for (let k = 0; k < iters; k++) rg.step();
    await rg.collect();
    const dt = (performance.now() - t0) / 1000;
    return { itPerSec: iters / dt, dispatches: rg.dispatchesPerIteration };
  } finally {
    await rg.destroy();
  }
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
  const sizes = (flags.get('sizes') ?? '128,500,1000').split(',').map((s) => Number(s.trim()));
  if (sizes.some((n) => !Number.isInteger(n) || n < 2 || n > 1024))
    throw new UsageError(`--sizes must list whole numbers from 2 to 1024 (got '${flags.get('sizes')}')`);
  const baseIters = Number(flags.get('iters') ?? 10);
  if (!Number.isInteger(baseIters) || baseIters < 1)
    throw new UsageError(`--iters must be a whole number >= 1 (got '${flags.get('iters')}')`);
  const T = Number(flags.get('T') ?? 100);
  if (!Number.isInteger(T) || T < 1 || T > 10000)
    throw new UsageError(`--T must be a whole number from 1 to 10000 (got '${flags.get('T')}')`);
  const outDir = flags.get('out') ?? 'bench-reports';
  const adapter = flags.get('adapter') ?? 'auto';
  if (!['auto', 'hardware', 'software'].includes(adapter))
    throw new UsageError(`--adapter must be auto, hardware or software (got '${adapter}')`);

  const engine = await openNodeEngine(adapter as 'auto');
  const spectrumText = flags.get('spectrum-sizes') ?? (engine.ops.software ? '128' : '128,256,512,1024');
  const spectrumSizes = spectrumText === 'none' ? [] : spectrumText.split(',').map((s) => Number(s.trim()));
  if (spectrumSizes.some((n) => !Number.isInteger(n) || n < 2 || n > 1024)) {
    engine.close();
    throw new UsageError(`--spectrum-sizes must list whole numbers from 2 to 1024, or be none (got '${spectrumText}')`);
  }
  const rows: Row[] = [];
  const spectra: SpectrumRow[] = [];
  const group = (n: number): GroupSettings => ({ ...PAPER_GROUP, task: 'copy', T, batchSize: 50, hidden: n, trackEvery: 100_000 });
  const plain: RunSettings = { ...PAPER_RUN, name: 'plain', parameterisation: 'plain' };
  const factorised: RunSettings = { ...PAPER_RUN, name: 'factorised', parameterisation: 'factorised', margin: 0 };
  const itersFor = (n: number) => Math.max(2, Math.round((baseIters * 128 * 128) / (n * n)));
  const add = async (section: string, config: string, n: number, runs: RunSettings[], naive: boolean, paper: number | null) => {
    const iters = itersFor(n);
    process.stderr.write(`${section}: ${config}, n=${n}, ${runs.length} run(s), ${naive ? 'naive' : 'fused'}, ${iters} iterations ... `);
    const { itPerSec, dispatches } = await timeConfig(engine, group(n), runs, naive, iters);
    process.stderr.write(`${itPerSec.toPrecision(3)} it/s\n`);
    rows.push({
      section,
      config,
      n,
      runs: runs.length,
      recurrent: naive ? 'naive' : 'fused',
      iterations: iters,
      itPerSec,
      secondsPer1000: 1000 / itPerSec,
      dispatchesPerIteration: dispatches,
      paperSecondsPer1000: paper,
    });
  };
  try {
    process.stderr.write(`Adapter: ${engine.describe()}\n`);
    for (const n of sizes) {
      await add('Table 5', 'plain RNN, RMSprop', n, [plain], false, PAPER_TABLE5[n]?.plain ?? null);
      await add('Table 5', 'factorised, geodesic (m=0)', n, [factorised], false, PAPER_TABLE5[n]?.factorised ?? null);
    }
    await add('fused vs naive', 'factorised, geodesic (m=0)', 128, [factorised], false, null);
    await add('fused vs naive', 'factorised, geodesic (m=0)', 128, [factorised], true, null);
    const margins = [0, 0.001, 0.01, 0.1, 1, null];
    const six = margins.map((m, i) => ({ ...factorised, name: `m=${m ?? 'none'}`, margin: m, seed: i + 1 }));
    await add('6 runs vs 1', '1 run (m=0)', 128, [factorised], false, null);
    await add('6 runs vs 1', '6 runs (m=0..none)', 128, six, false, null);
    // the paper's LSTM baseline alone, and beside the margin sweep in one group (two blocks, one pass)
    const lstm: RunSettings = { ...PAPER_RUN, name: 'lstm', parameterisation: 'lstm', clip: 1 };
    await add('LSTM baseline', 'LSTM (peepholes), RMSprop', 128, [lstm], false, null);
    await add('LSTM baseline', '6 margin runs + LSTM in one group', 128, [...six, { ...lstm, seed: 7 }], false, null);
    for (const n of spectrumSizes) {
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
  const summary = {
    fusedOverNaive: fused && naive ? fused.itPerSec / naive.itPerSec : null,
    sixRunsCostOverOneRun: one && six ? one.itPerSec / six.itPerSec : null,
  };
  const report = {
    format: 'orthogonality-lab/bench',
    version: 1,
    date: new Date().toISOString(),
    adapter: engine.gpu.adapterInfo,
    node: process.version,
    task: { name: 'copy', T, batchSize: 50 },
    rows,
    spectra,
    summary,
    paperNote: 'paper Table 5: seconds for 1000 iterations on a GTX-770, copy T=100, batch 50 (Theano)',
  };
  mkdirSync(outDir, { recursive: true });
  const stamp = report.date.replace(/[:.]/g, '-');
  const md =
    `# Orthogonality Lab benchmark\n\n${report.date}, adapter: ${engine.describe()}, Node ${process.version}\n\n${table(rows)}\n\n` +
    `Fused over naive recurrent path: ${summary.fusedOverNaive?.toFixed(2) ?? '?'}x faster. ` +
    `6 runs in one group cost ${summary.sixRunsCostOverOneRun?.toFixed(2) ?? '?'}x the time of 1 run (6 runs trained).\n` +
    (spectra.length
      ? `\nLive spectrum of free matrices on the GPU (one Glorot matrix, submit to readback; a tracking iteration of a plain or LSTM run costs this once per run, in one dispatch list for all runs of a block):\n\n${spectrumTable(spectra)}\n`
      : '');
  writeFileSync(join(outDir, `bench-${stamp}.json`), JSON.stringify(report, null, 2));
  writeFileSync(join(outDir, `bench-${stamp}.md`), md);
  process.stdout.write(`\n${md}\nWrote ${join(outDir, `bench-${stamp}.json`)} and .md\n`);
  return 0;
}

if (isMain(import.meta.url)) await runCli(main);
