/**
 * `npm run bench:peers`: the lab's training step against the same step in TensorFlow.js (webgpu, wasm, cpu
 * backends) and jax-js (webgpu, wasm devices), in one Chromium page (e2e/peers/page.ts says what the step is),
 * and against the lab's own step in this Node process on Dawn, as the headless trainer runs it ('node') and
 * with dawn.node's busy polling loop ('node-busy'; e2e/peers/node.ts), interleaved: every repeat times each system in turn (the order rotates from repeat to repeat), so that a
 * change in the machine's load falls on all of them alike. A benchmark that writes a report, not a test.
 * The peers are dev dependencies served by this benchmark's own dev server (their wasm files too): nothing is
 * fetched from another host, and nothing of theirs is in the lab's bundle.
 * Writes <out>/<date>-peers.json and .md: per system its first loss (it must equal the lab's: every peer
 * starts from the lab's parameters on the lab's first batch), the median, min and max ms per iteration over
 * every timed iteration of every repeat, and the load average before and after each measurement.
 *
 *   npm run bench:peers -- [--n 128] [--T 100] [--repeats 3] [--iters 3] [--warmup 2] [--systems lab,tfjs-webgpu,...]
 *                          [--out docs/bench] [--hardware]
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { chromium } from '@playwright/test';
import { createServer, mergeConfig } from 'vite';
import base from '../vite.config.ts';
import type { PeerTiming } from './peers/labStep.ts';
import { closeNodeEngine, NODE_SYSTEMS, nodeTiming } from './peers/node.ts';
import { benchChromiumArgs } from './servers.ts';

const SYSTEMS = ['lab', 'tfjs-webgpu', 'tfjs-wasm', 'tfjs-cpu', 'jax-webgpu', 'jax-wasm', ...NODE_SYSTEMS];
/** The systems that run the lab's own step (and can be profiled op by op) */
const LAB_SYSTEMS = ['lab', ...NODE_SYSTEMS];
/** The slow peers get fewer timed iterations (TF.js webgpu on SwiftShader: ~8 s an iteration). */
const SLOW: Record<string, number> = { 'tfjs-webgpu': 1, 'jax-webgpu': 2 };

interface Options {
  n: number;
  T: number;
  B: number;
  repeats: number;
  iters: number;
  warmup: number;
  systems: string[];
  out: string;
  hardware: boolean;
  /** profiled iterations per repeat of the lab's systems (lab, node, node-busy) */
  profile: number;
}

function parseArgs(argv: string[]): Options {
  const o: Options = {
    n: 128,
    T: 100,
    B: 50,
    repeats: 3,
    iters: 3,
    warmup: 2,
    systems: SYSTEMS,
    out: 'docs/bench',
    hardware: false,
    profile: 1,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const num = (what: string, min: number, max: number) => {
      const v = Number(argv[++i]);
      if (!Number.isInteger(v) || v < min || v > max)
        throw new Error(`${what} must be a whole number from ${min} to ${max} (got '${argv[i] ?? ''}')`);
      return v;
    };
    if (a === '--n') o.n = num('--n', 2, 1024);
    else if (a === '--T') o.T = num('--T', 1, 10000);
    else if (a === '--batch') o.B = num('--batch', 1, 1000);
    else if (a === '--repeats') o.repeats = num('--repeats', 1, 100);
    else if (a === '--iters') o.iters = num('--iters', 1, 1000);
    else if (a === '--warmup') o.warmup = num('--warmup', 1, 100);
    else if (a === '--profile') o.profile = num('--profile', 0, 20);
    else if (a === '--systems') {
      o.systems = (argv[++i] ?? '').split(',').filter(Boolean);
      const bad = o.systems.filter((s) => !SYSTEMS.includes(s));
      if (!o.systems.length || bad.length) throw new Error(`--systems must list some of ${SYSTEMS.join(', ')} (got '${argv[i] ?? ''}')`);
    } else if (a === '--out') o.out = argv[++i] ?? o.out;
    else if (a === '--hardware') o.hardware = true;
    else if (a === '--help' || a === '-h') {
      console.log(
        `npm run bench:peers -- [--n 128] [--T 100] [--batch 50] [--repeats 3] [--iters 3] [--warmup 2] [--systems ${SYSTEMS.join(',')}] [--out docs/bench] [--hardware] [--profile 1]`,
      );
      process.exit(0);
    } else throw new Error(`unknown flag '${a}' (see --help)`);
  }
  return o;
}

interface Measurement extends PeerTiming {
  repeat: number;
  loadBefore: number[];
  loadAfter: number[];
}

interface SystemRow {
  system: string;
  detail: string;
  firstLoss: number;
  /** the loss on the lab's second batch after one step from the first */
  secondLoss: number;
  iterations: number;
  medianMs: number;
  minMs: number;
  maxMs: number;
  /** this system's median over the lab's */
  vsLab: number;
  /** median CPU ms of the process's main thread per iteration, where measured (the Node systems) */
  mainThreadCpuMs: number | null;
}

function median(v: readonly number[]): number {
  const s = [...v].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const executablePath = [process.env.CHROME_PATH, '/usr/bin/chromium'].find((p): p is string => !!p && existsSync(p));
  if (!executablePath) throw new Error('no Chromium found: set CHROME_PATH or apt-get install chromium');
  // cross-origin isolated, so that the wasm peers may use SharedArrayBuffer (threads) where they can
  const server = await createServer(
    mergeConfig(base, {
      configFile: false,
      logLevel: 'warn',
      server: {
        host: '127.0.0.1',
        port: 0,
        hmr: false,
        watch: null,
        headers: { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' },
      },
      optimizeDeps: {
        include: [
          '@tensorflow/tfjs-core',
          '@tensorflow/tfjs-core/dist/register_all_gradients',
          '@tensorflow/tfjs-backend-cpu',
          '@tensorflow/tfjs-backend-wasm',
          '@tensorflow/tfjs-backend-webgpu',
          '@jax-js/jax',
        ],
      },
    }),
  );
  await server.listen();
  const url = server.resolvedUrls?.local[0];
  if (!url) throw new Error('the dev server did not report its address');
  const args = benchChromiumArgs(opts.hardware);
  const browser = await chromium.launch({ executablePath, headless: true, args });
  try {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    page.on('pageerror', (e) => errors.push(e.message));
    // nothing may come from another host
    await page.route(/^(?!http:\/\/127\.0\.0\.1)/, (route) => {
      errors.push(`blocked a request to another host: ${route.request().url()}`);
      return route.abort();
    });
    await page.goto(`${url}e2e/peers/index.html`);
    await page.waitForFunction(() => document.body.dataset.ready === '1', null, { timeout: 180_000 });
    const cfg = { n: opts.n, T: opts.T, B: opts.B };
    const { adapter } = await page.evaluate((c) => window.__peers!.setup(c), cfg);
    console.log(`adapter: ${adapter}; copy T=${opts.T}, batch ${opts.B}, n=${opts.n}`);
    const measurements: Measurement[] = [];
    for (let r = 0; r < opts.repeats; r++) {
      const order = opts.systems.map((_, i) => opts.systems[(i + r) % opts.systems.length]);
      for (const system of order) {
        const iters = Math.min(opts.iters, SLOW[system] ?? opts.iters);
        const warmup = Math.min(opts.warmup, SLOW[system] ? 1 : opts.warmup);
        const loadBefore = loadavg();
        const t = NODE_SYSTEMS.includes(system)
          ? await nodeTiming(system, cfg, warmup, iters, opts.hardware, opts.profile)
          : await page.evaluate(
              ([s, w, k, p]) => window.__peers!.time(s as string, w as number, k as number, p as number),
              [system, warmup, iters, LAB_SYSTEMS.includes(system) ? opts.profile : 0],
            );
        const loadAfter = loadavg();
        measurements.push({ ...t, repeat: r + 1, loadBefore, loadAfter });
        console.log(
          `repeat ${r + 1}: ${system}: first loss ${t.firstLoss.toFixed(6)}, second ${t.secondLoss.toFixed(6)}, ms/iter ${t.ms.map((m) => m.toFixed(0)).join(' ')}${t.mainThreadCpuMs ? ` (main thread CPU ms/iter ${t.mainThreadCpuMs.join(' ')})` : ''} (load ${loadBefore[0].toFixed(2)} -> ${loadAfter[0].toFixed(2)})`,
        );
      }
    }
    if (errors.length) throw new Error(`the page reported errors: ${errors.join('; ')}`);
    const rows = summarise(opts.systems, measurements);
    const createdAt = new Date().toISOString();
    const report = {
      kind: 'orthogonality-lab/bench-peers',
      createdAt,
      machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', chromium: browser.version() },
      adapter,
      options: opts,
      rows,
      measurements,
    };
    mkdirSync(opts.out, { recursive: true });
    const base = join(opts.out, `${createdAt.slice(0, 10)}-peers${opts.n === 128 ? '' : `-n${opts.n}`}`);
    writeFileSync(`${base}.json`, `${JSON.stringify(report, null, 2)}\n`);
    const md = markdown(report);
    writeFileSync(`${base}.md`, md);
    console.log(`\n${md}\nwrote ${base}.json and ${base}.md`);
  } finally {
    closeNodeEngine();
    await browser.close();
    await server.close();
  }
}

function summarise(systems: string[], ms: Measurement[]): SystemRow[] {
  const rows = systems.map((system) => {
    const mine = ms.filter((m) => m.system === system);
    const all = mine.flatMap((m) => m.ms);
    return {
      system,
      detail: mine[0]?.detail ?? '',
      firstLoss: mine[0]?.firstLoss ?? NaN,
      secondLoss: mine[0]?.secondLoss ?? NaN,
      iterations: all.length,
      medianMs: median(all),
      minMs: Math.min(...all),
      maxMs: Math.max(...all),
      vsLab: NaN,
      mainThreadCpuMs: mine.every((m) => m.mainThreadCpuMs) && mine.length ? median(mine.flatMap((m) => m.mainThreadCpuMs ?? [])) : null,
    };
  });
  const lab = rows.find((r) => r.system === 'lab');
  for (const r of rows) r.vsLab = lab ? r.medianMs / lab.medianMs : NaN;
  return rows;
}

function markdown(r: {
  createdAt: string;
  machine: { cpus: number; cpuModel: string; chromium: string };
  adapter: string;
  options: Options;
  rows: SystemRow[];
  measurements: Measurement[];
}): string {
  const lab = r.rows.find((x) => x.system === 'lab');
  const loads = r.measurements.flatMap((m) => [m.loadBefore[0], m.loadAfter[0]]);
  const same = (a: number, b: number) => Math.abs(a - b) <= 1e-4 * Math.abs(b);
  const lossOk = (x: SystemRow) => (lab ? same(x.firstLoss, lab.firstLoss) && same(x.secondLoss, lab.secondLoss) : true);
  const lines = [
    `# The lab against its browser peers (${r.createdAt})`,
    '',
    `Machine: ${r.machine.cpus} cores (${r.machine.cpuModel}), Chromium ${r.machine.chromium}, WebGPU adapter: ${r.adapter}.`,
    `Load average (1 min) over the run: ${Math.min(...loads).toFixed(2)} to ${Math.max(...loads).toFixed(2)}${Math.max(...loads) > r.machine.cpus ? ' (the machine was busy: read the ratios, not the milliseconds)' : ''}.`,
    `Step: copy T = ${r.options.T}, batch ${r.options.B}, n = ${r.options.n}, a plain linear RNN, forward + BPTT + RMSprop, every system from the lab's initial parameters on the lab's first batch; ${r.options.repeats} repeats, interleaved (e2e/benchPeers.ts).`,
    "First loss: on the lab's first batch at the initial parameters. Second loss: on the lab's second batch after one step on the first (the gradients, weight decay and RMSprop must agree for it to match). Same as the lab: both within 1e-4 relative.",
    '',
    '| system | what | first loss | second loss | same as the lab | timed iterations | median ms/iter | min | max | median / lab | main thread CPU ms/iter |',
    '|---|---|---:|---:|---|---:|---:|---:|---:|---:|---:|',
    ...r.rows.map(
      (x) =>
        `| ${x.system} | ${x.detail} | ${x.firstLoss.toFixed(6)} | ${x.secondLoss.toFixed(6)} | ${lossOk(x) ? 'yes' : 'NO'} | ${x.iterations} | ${x.medianMs.toFixed(0)} | ${x.minMs.toFixed(0)} | ${x.maxMs.toFixed(0)} | ${x.vsLab.toFixed(2)} | ${x.mainThreadCpuMs === null ? '' : x.mainThreadCpuMs.toFixed(0)} |`,
    ),
    '',
    ...profileLines(r.measurements),
  ];
  return lines.join('\n');
}

/**
 * Where the lab's iteration goes on each of its systems (the page's Chromium, this Node process): the median
 * ms of each op category over the profiled iterations (every repeat's), so that one kernel's change can be
 * seen in both. Profiled iterations run each dispatch in a pass of its own: their span exceeds an ordinary
 * iteration's by the passes' overhead.
 */
function profileLines(ms: readonly Measurement[]): string[] {
  const systems = [...new Set(ms.filter((m) => m.profiles?.length).map((m) => m.system))];
  const notes = [...new Set(ms.filter((m) => m.profileNote).map((m) => `${m.system}: ${m.profileNote}`))];
  if (!systems.length) return notes.length ? [`Per-op profile: ${notes.join('; ')}`, ''] : [];
  const of = (s: string) => ms.filter((m) => m.system === s).flatMap((m) => m.profiles ?? []);
  const categories = [...new Set(systems.flatMap((s) => of(s).flatMap((p) => p.categories.map((c) => c.category))))];
  const cell = (s: string, c: string) => {
    const v = of(s).map((p) => p.categories.find((x) => x.category === c)?.ms ?? 0);
    const sum = median(of(s).map((p) => p.sumMs));
    const m = median(v);
    return `${m.toFixed(1)} (${((100 * m) / sum).toFixed(0)}%)`;
  };
  return [
    `Where the lab's iteration goes (GPU timestamps, each dispatch in a pass of its own; median ms over ${systems.map((s) => `${of(s).length} profiled iterations of ${s}`).join(', ')}; % of the ops' sum):`,
    '',
    `| op | ${systems.join(' | ')} |`,
    `|---|${systems.map(() => '---:').join('|')}|`,
    ...categories.map((c) => `| ${c} | ${systems.map((s) => cell(s, c)).join(' | ')} |`),
    `| ops' sum | ${systems.map((s) => median(of(s).map((p) => p.sumMs)).toFixed(1)).join(' | ')} |`,
    `| span (first pass start to last pass end) | ${systems.map((s) => median(of(s).map((p) => p.spanMs)).toFixed(1)).join(' | ')} |`,
    ...(notes.length ? ['', notes.join('; ')] : []),
    '',
  ];
}

main().catch((e: unknown) => {
  console.error(`bench:peers failed: ${(e as Error).message}`);
  process.exit(1);
});
