/**
 * `npm run bench:lab`: how responsive the lab stays while it trains, in the browser (a benchmark that writes
 * a report, not a test). It builds the production bundle (what `npm start` serves), opens it in Chromium
 * with WebGPU (the system Chromium, CHROME_PATH, else /usr/bin/chromium; the software adapter unless
 * --hardware), starts the default experiment and measures several windows of training: iterations per
 * second, loss-chart refreshes per second, the browser's long tasks (wall-clock > 50 ms) and every
 * main-thread task's wall and CPU time from a Chrome trace (see e2e/mainThread.ts for why both).
 * Writes bench-reports/lab-<time>.json and .md and prints the table, with the target: no main-thread task
 * over RESPONSIVE_TASK_MS (50 ms) of CPU, met or missed in each window.
 *
 * --experiment picks what trains: `default` (the lab's opening preset) or `plain-lstm-128` (plain RNNs and
 * an LSTM at n = 128 beside a factorised run, e2e/spectrumExperiment.ts: the spectra of free matrices).
 *
 *   npm run bench:lab -- [--experiment default|plain-lstm-128] [--windows 3] [--seconds 12] [--hardware] [--out bench-reports]
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from '@playwright/test';
import { build, preview } from 'vite';
import { type MainThreadWindow, measureMainThread, observeLongTasks, quantile, RESPONSIVE_TASK_MS } from './mainThread.ts';
import { benchChromiumArgs } from './servers.ts';
import { PLAIN_AND_LSTM_128 } from './spectrumExperiment.ts';

/** The experiments --experiment names: the hash of the link to open ('' = the lab's default). */
const EXPERIMENTS: Record<string, string> = { default: '', 'plain-lstm-128': PLAIN_AND_LSTM_128 };

interface Options {
  experiment: string;
  windows: number;
  seconds: number;
  hardware: boolean;
  out: string;
}

function parseArgs(argv: string[]): Options {
  const o: Options = { experiment: 'default', windows: 3, seconds: 12, hardware: false, out: 'bench-reports' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const num = (what: string, min: number, max: number) => {
      const v = Number(argv[++i]);
      if (!Number.isInteger(v) || v < min || v > max)
        throw new Error(`${what} must be a whole number from ${min} to ${max} (got '${argv[i] ?? ''}')`);
      return v;
    };
    if (a === '--experiment') {
      o.experiment = argv[++i] ?? '';
      if (!(o.experiment in EXPERIMENTS))
        throw new Error(`--experiment must be one of ${Object.keys(EXPERIMENTS).join(', ')} (got '${o.experiment}')`);
    } else if (a === '--windows') o.windows = num('--windows', 1, 20);
    else if (a === '--seconds') o.seconds = num('--seconds', 3, 120);
    else if (a === '--hardware') o.hardware = true;
    else if (a === '--out') o.out = argv[++i] ?? o.out;
    else if (a === '--help' || a === '-h') {
      console.log(
        `npm run bench:lab -- [--experiment ${Object.keys(EXPERIMENTS).join('|')} (default)] [--windows N (3)] [--seconds S (12)] [--hardware] [--out DIR (bench-reports)]`,
      );
      process.exit(0);
    } else throw new Error(`unknown flag '${a}' (see --help)`);
  }
  return o;
}

interface WindowRow {
  seconds: number;
  itPerSec: number;
  refreshesPerSec: number;
  longTasks: number;
  longestLongTaskMs: number;
  tasks: number;
  longestWallMs: number;
  longestCpuMs: number;
  p99CpuMs: number;
  tasksOver50CpuMs: number;
  busyPercent: number;
}

function row(w: MainThreadWindow): WindowRow {
  const cpu = w.tasks.map((t) => t.cpu);
  return {
    seconds: w.seconds,
    itPerSec: w.iterations / w.seconds,
    refreshesPerSec: w.lossRefreshes / w.seconds,
    longTasks: w.longTasks.length,
    longestLongTaskMs: Math.max(0, ...w.longTasks),
    tasks: w.tasks.length,
    longestWallMs: Math.max(0, ...w.tasks.map((t) => t.wall)),
    longestCpuMs: Math.max(0, ...cpu),
    p99CpuMs: quantile(cpu, 0.99),
    tasksOver50CpuMs: cpu.filter((c) => c > RESPONSIVE_TASK_MS).length,
    busyPercent: (100 * cpu.reduce((a, b) => a + b, 0)) / 1000 / w.seconds,
  };
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const executablePath = [process.env.CHROME_PATH, '/usr/bin/chromium'].find((p): p is string => !!p && existsSync(p));
  if (!executablePath) throw new Error('no Chromium found: set CHROME_PATH or apt-get install chromium');
  const outDir = mkdtempSync(join(tmpdir(), 'lab-bench-'));
  console.log('building the production bundle…');
  await build({ logLevel: 'warn', build: { outDir, emptyOutDir: true } });
  const server = await preview({ logLevel: 'warn', build: { outDir }, preview: { host: '127.0.0.1', port: 0 } });
  const url = server.resolvedUrls?.local[0];
  if (!url) throw new Error('the preview server did not report its address');
  const args = benchChromiumArgs(opts.hardware);
  const browser = await chromium.launch({ executablePath, headless: true, args });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const errors: string[] = [];
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    page.on('pageerror', (e) => errors.push(e.message));
    await observeLongTasks(page);
    await page.goto(url + EXPERIMENTS[opts.experiment]);
    await page.getByTestId('play').waitFor();
    await page.waitForFunction(() => !(document.querySelector('[data-testid="play"]') as HTMLButtonElement).disabled, null, {
      timeout: 120_000,
    });
    const adapter = (
      await page
        .getByTestId('adapter-name')
        .innerText()
        .catch(() => 'unknown')
    ).replace(/\s+/g, ' ');
    await page.getByTestId('play').click();
    await page.waitForFunction(() => window.__lab!.snapshot().iteration >= 5, null, { timeout: 120_000 });
    const windows: WindowRow[] = [];
    for (let k = 0; k < opts.windows; k++) {
      const w = await measureMainThread(browser, page, opts.seconds);
      windows.push(row(w));
      console.log(
        `window ${k + 1}/${opts.windows}: ${windows[k].itPerSec.toFixed(1)} it/s, ${windows[k].longTasks} long tasks, longest task ${windows[k].longestCpuMs.toFixed(1)} ms CPU`,
      );
    }
    await page.getByTestId('play').click();
    const snap = await page.evaluate(() => window.__lab!.snapshot());
    if (errors.length) throw new Error(`the page reported errors: ${errors.join('; ')}`);
    const report = {
      kind: 'orthogonality-lab/bench-lab',
      createdAt: new Date().toISOString(),
      machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', chromium: browser.version() },
      adapter,
      experiment: { name: opts.experiment, link: new URL(page.url()).hash, runs: snap.runs.length, names: snap.runs.map((r) => r.name) },
      options: opts,
      windows,
    };
    mkdirSync(opts.out, { recursive: true });
    const stamp = report.createdAt.replace(/[:.]/g, '-');
    const base = join(opts.out, `lab-${stamp}`);
    writeFileSync(`${base}.json`, JSON.stringify(report, null, 2));
    const md = markdown(report);
    writeFileSync(`${base}.md`, md);
    console.log(`\n${md}\nwrote ${base}.json and ${base}.md`);
  } finally {
    await browser.close();
    await new Promise<void>((resolve) => server.httpServer.close(() => resolve()));
    rmSync(outDir, { recursive: true, force: true });
  }
}

function markdown(r: {
  createdAt: string;
  machine: { cpus: number; cpuModel: string; chromium: string };
  adapter: string;
  experiment: { name: string; link: string; runs: number; names: string[] };
  windows: WindowRow[];
}): string {
  const f = (v: number, d = 1) => v.toFixed(d);
  const lines = [
    `# Lab responsiveness while training (${r.createdAt})`,
    '',
    `Machine: ${r.machine.cpus} cores (${r.machine.cpuModel}), Chromium ${r.machine.chromium}, adapter: ${r.adapter}.`,
    `Experiment: \`${r.experiment.name}\` (${r.experiment.runs} runs: ${r.experiment.names.join(', ')}; its link is in the .json), production build.`,
    '',
    '| window | s | it/s | loss-chart refreshes/s | long tasks (wall > 50 ms) | longest long task ms | main-thread tasks | longest task ms wall | longest task ms CPU | p99 task ms CPU | tasks > 50 ms CPU | main thread busy % |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...r.windows.map(
      (w, i) =>
        `| ${i + 1} | ${f(w.seconds)} | ${f(w.itPerSec)} | ${f(w.refreshesPerSec)} | ${w.longTasks} | ${f(w.longestLongTaskMs, 0)} | ${w.tasks} | ${f(w.longestWallMs)} | ${f(w.longestCpuMs)} | ${f(w.p99CpuMs)} | ${w.tasksOver50CpuMs} | ${f(w.busyPercent, 0)} |`,
    ),
    '',
    targetLine(r.windows),
    '',
    "CPU: the main thread's own time in the task (the lab's work). Wall: what the browser sees; where WebGPU runs on the CPU (SwiftShader) it competes with the main thread for the cores, so wall time exceeds CPU time.",
  ];
  return lines.join('\n');
}

/** The responsiveness target, met or missed, in words. */
function targetLine(windows: readonly WindowRow[]): string {
  const met = windows.filter((w) => w.longestCpuMs < RESPONSIVE_TASK_MS).length;
  const longest = Math.max(0, ...windows.map((w) => w.longestCpuMs));
  const verdict = met === windows.length ? 'met' : 'missed';
  return `Target: no main-thread task takes ${RESPONSIVE_TASK_MS} ms of CPU. ${verdict} in ${met} of ${windows.length} windows (longest task ${longest.toFixed(1)} ms CPU).`;
}

main().catch((e: unknown) => {
  console.error(`bench:lab failed: ${(e as Error).message}`);
  process.exit(1);
});
