/**
 * This checkout against a baseline checkout (another worktree, e.g. of main), interleaved in one process on
 * one device (issue 12 §2: the Table 5 iteration at n = 500 on SwiftShader). Each side keeps its own modules
 * (the baseline's src/ imported from its folder) and its own kernels (a KernelCache over the baseline's
 * shaders/), so every kernel, blocking rule and dispatch geometry is that checkout's; the device, the Dawn
 * polling and the inputs are shared. Per size, rounds rotate the order of the sides:
 *   op: dW = sum_t da_t h_{t-1}^T alone (prepareMatmul, M = N = n, K = L * batch, transA = 1, random inputs),
 *       wall clock from submit to onSubmittedWorkDone; the two sides' results are compared (max |difference|);
 *   iteration: the Table 5 iteration (copy T, batch 50, plain RNN, RMSprop, 1 run): one ordinary iteration
 *       (step() and collect(), wall clock) and, with --profile, one profiled (GPU timestamps per op category).
 * Usage: node --import tsx src/cli/benchBaseline.ts --baseline DIR [--sizes 128,500] [--rounds 7,3]
 *        [--op-rounds 9,5] [--T 100] [--profile] [--out docs/bench/NAME] (writes NAME.json and NAME.md)
 */
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { RunGroup } from '../engine/runGroup.ts';
import { type GroupSettings, PAPER_RUN, type RunSettings } from '../engine/settings.ts';
import { summarise } from '../experiments/replicates.ts';
import { readF32, uploadF32 } from '../gpu/buffers.ts';
import { encodeDispatches, KernelCache } from '../gpu/kernel.ts';
import { createNodeGpu } from '../gpu/nodeGpu.ts';
import { type OpContext, opContext } from '../gpu/ops/context.ts';
import { prepareMatmul } from '../gpu/ops/matmul.ts';
import { nodeShaderLibrary } from '../gpu/shadersNode.ts';
import { Rng } from '../random/rng.ts';
import { copyGroup } from './reproduceTiming.ts';

/** `rounds` rounds over `sides` sides, each round starting one side later, so a change of load falls on all alike. */
async function interleaved(rounds: number, sides: number, run: (side: number) => Promise<void>): Promise<void> {
  for (let r = 0; r < rounds; r++) for (let j = 0; j < sides; j++) await run((j + r) % sides);
}

interface Side {
  name: string;
  ops: OpContext;
  RunGroup: typeof RunGroup;
  prepareMatmul: typeof prepareMatmul;
}

interface Spread {
  median: number;
  min: number;
  max: number;
  values: number[];
}

const CATEGORIES = ['recurrent forward', 'recurrent backward', 'parameter gradients'] as const;

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const list = (s: string) => s.split(',').map(Number);

function spread(values: number[]): Spread {
  const s = summarise(values);
  return { median: s.median, min: s.min, max: s.max, values };
}
const fmt = (s: Spread | undefined) => (s ? `${s.median.toFixed(0)} (${s.min.toFixed(0)}, ${s.max.toFixed(0)})` : '');

async function main(): Promise<void> {
  const baseDir = flag('baseline');
  if (!baseDir) throw new Error('--baseline DIR (a checkout to compare against) is required');
  const sizes = list(flag('sizes') ?? '128,500');
  const rounds = list(flag('rounds') ?? '7,3');
  const opRounds = list(flag('op-rounds') ?? '9,5');
  const T = Number(flag('T') ?? '100');
  const profile = process.argv.includes('--profile');
  const out = flag('out');

  const gpu = await createNodeGpu();
  const device = gpu.device;
  const url = (p: string) => pathToFileURL(resolve(baseDir, p)).href;
  const baseKernel = (await import(url('src/gpu/kernel.ts'))) as typeof import('../gpu/kernel.ts');
  const baseShaders = (await import(url('src/gpu/shadersNode.ts'))) as typeof import('../gpu/shadersNode.ts');
  const sides: Side[] = [
    {
      name: 'baseline',
      ops: {
        device,
        kernels: new baseKernel.KernelCache(device, baseShaders.nodeShaderLibrary(resolve(baseDir, 'shaders'))),
        software: gpu.adapterInfo.isSoftware,
        // the baseline's own OpContext may lack the field; its kernels then ignore it
        quads: gpu.quadSwaps,
      },
      RunGroup: ((await import(url('src/engine/runGroup.ts'))) as typeof import('../engine/runGroup.ts')).RunGroup,
      prepareMatmul: ((await import(url('src/gpu/ops/matmul.ts'))) as typeof import('../gpu/ops/matmul.ts')).prepareMatmul,
    },
    {
      name: 'this checkout',
      ops: opContext(gpu, new KernelCache(device, nodeShaderLibrary())),
      RunGroup,
      prepareMatmul,
    },
  ];
  const group = (n: number): GroupSettings => copyGroup(T, n, 50);
  const plain: RunSettings = { ...PAPER_RUN, name: 'plain', parameterisation: 'plain' };
  const results: unknown[] = [];
  let md = '';
  const adapter = `${gpu.adapterInfo.vendor} / ${gpu.adapterInfo.architecture} / ${gpu.adapterInfo.description}`;

  for (const [si, n] of sizes.entries()) {
    // the op alone
    const L = T + 20;
    const K = L * 50;
    const rng = new Rng(20261203 + n);
    const A = uploadF32(device, rng.uniformArray(K * n));
    const B = uploadF32(device, rng.uniformArray(K * n));
    const Cs = sides.map(() => uploadF32(device, new Float64Array(n * n)));
    const prepared = await Promise.all(
      sides.map((s, i) => s.prepareMatmul(s.ops, { M: n, N: n, K, transA: 1 }, { A, B, C: Cs[i] }, { label: 'dW' })),
    );
    const timeOp = async (i: number) => {
      const enc = device.createCommandEncoder();
      const pass = enc.beginComputePass();
      encodeDispatches(pass, prepared[i]);
      pass.end();
      const t0 = performance.now();
      device.queue.submit([enc.finish()]);
      await device.queue.onSubmittedWorkDone();
      return performance.now() - t0;
    };
    for (let i = 0; i < sides.length; i++) await timeOp(i);
    const outs = await Promise.all(Cs.map((c) => readF32(device, c)));
    let maxDiff = 0;
    let maxAbs = 0;
    for (let j = 0; j < n * n; j++) {
      maxDiff = Math.max(maxDiff, Math.abs(outs[0][j] - outs[1][j]));
      maxAbs = Math.max(maxAbs, Math.abs(outs[0][j]));
    }
    const opMs = sides.map(() => [] as number[]);
    const opLoad0 = loadavg();
    process.stderr.write(`n=${n}: op, ${opRounds[si]} rounds ... `);
    await interleaved(opRounds[si], sides.length, async (i) => {
      opMs[i].push(await timeOp(i));
    });
    const opLoad1 = loadavg();
    process.stderr.write('done\n');
    for (const b of [A, B, ...Cs]) b.destroy();

    // the iteration
    const groups: RunGroup[] = [];
    for (const s of sides) groups.push(await s.RunGroup.create(s.ops, group(n), [plain], {}));
    const losses: number[][] = sides.map(() => []);
    const collect = async (i: number) => {
      const recs = await groups[i].collect();
      for (const rec of recs) losses[i].push(rec.runs[0].loss);
    };
    for (let i = 0; i < sides.length; i++)
      for (let k = 0; k < 2; k++) {
        groups[i].step();
        await collect(i);
      }
    const iterMs = sides.map(() => [] as number[]);
    const catMs = sides.map(() => Object.fromEntries(CATEGORIES.map((c) => [c, [] as number[]])) as Record<string, number[]>);
    const sumMs = sides.map(() => [] as number[]);
    const itLoad0 = loadavg();
    process.stderr.write(`n=${n}: iteration, ${rounds[si]} rounds ... `);
    await interleaved(rounds[si], sides.length, async (i) => {
      const t0 = performance.now();
      groups[i].step();
      await collect(i);
      iterMs[i].push(performance.now() - t0);
      if (profile) {
        const p = await groups[i].profileStep();
        await collect(i);
        sumMs[i].push(p.sumMs);
        for (const c of CATEGORIES) catMs[i][c].push(p.categories.find((x) => x.category === c)?.ms ?? 0);
      }
    });
    const itLoad1 = loadavg();
    process.stderr.write('done\n');
    for (const g of groups) await g.destroy();

    const row = {
      n,
      op: { M: n, N: n, K, rounds: opRounds[si], loadBefore: opLoad0, loadAfter: opLoad1, maxAbsDifference: maxDiff, maxAbsResult: maxAbs },
      iteration: { T, L, batch: 50, rounds: rounds[si], loadBefore: itLoad0, loadAfter: itLoad1 },
      sides: sides.map((s, i) => ({
        name: s.name,
        opMs: spread(opMs[i]),
        iterationMs: spread(iterMs[i]),
        profiledSumMs: profile ? spread(sumMs[i]) : null,
        categoriesMs: profile ? Object.fromEntries(CATEGORIES.map((c) => [c, spread(catMs[i][c])])) : null,
        firstLosses: losses[i].slice(0, 4),
      })),
    };
    results.push(row);
    const la = (a: number[], b: number[]) => `${a[0].toFixed(1)} / ${b[0].toFixed(1)}`;
    md += `\n### n = ${n}\n\nOp alone (dW, M = N = ${n}, K = ${K}): ${opRounds[si]} rounds, load (1 min) ${la(opLoad0, opLoad1)}; max |difference| between the sides ${maxDiff.toExponential(2)} (max |dW| ${maxAbs.toFixed(1)}).\n`;
    md += `Iteration: ${rounds[si]} rounds, load (1 min) ${la(itLoad0, itLoad1)}.\n\n`;
    md += `| side | dW op ms | iteration ms |${profile ? ' recurrent forward ms | recurrent backward ms | parameter gradients ms | ops sum ms |' : ''} first losses |\n`;
    md += `|---|---:|---:|${profile ? '---:|---:|---:|---:|' : ''}---|\n`;
    for (const s of row.sides) {
      const cats = s.categoriesMs
        ? ` ${CATEGORIES.map((c) => fmt(s.categoriesMs?.[c])).join(' | ')} | ${fmt(s.profiledSumMs ?? undefined)} |`
        : '';
      md += `| ${s.name} | ${fmt(s.opMs)} | ${fmt(s.iterationMs)} |${cats} ${s.firstLosses.map((x) => x.toFixed(6)).join(', ')} |\n`;
    }
    const ratio = (f: (s: (typeof row.sides)[number]) => Spread | undefined) => {
      const a = f(row.sides[0]);
      const b = f(row.sides[1]);
      return a && b ? (a.median / b.median).toFixed(2) : '';
    };
    md += `| baseline / this (medians) | ${ratio((s) => s.opMs)} | ${ratio((s) => s.iterationMs)} |${profile ? ` ${CATEGORIES.map((c) => ratio((s) => s.categoriesMs?.[c])).join(' | ')} | ${ratio((s) => s.profiledSumMs ?? undefined)} |` : ''} |\n`;
    process.stderr.write(md.slice(md.lastIndexOf('\n### ')));
  }
  const head = `${new Date().toISOString()}, adapter: ${adapter}, Node ${process.version}, baseline ${resolve(baseDir)}\n`;
  if (out) {
    writeFileSync(
      `${out}.json`,
      `${JSON.stringify({ date: new Date().toISOString(), adapter, baseline: resolve(baseDir), results }, null, 1)}\n`,
    );
    writeFileSync(`${out}.md`, head + md);
  }
  process.stdout.write(head + md);
  gpu.destroy();
}

await main();
