/**
 * The geodesic step's two solves against each other, interleaved in one process on one device: the
 * step-at-a-time solve (shaders/cayleySolve.wgsl, one pivot step per pass over the rows) and the blocked solve
 * (shaders/cayleySolveBlocked.wgsl, four), both in the geometry this adapter's lab uses (src/gpu/ops/geodesicStep.ts
 * cayleySolveKernel: on a CPU adapter 4 invocations, on a GPU the step-at-a-time solve's 256 and the blocked
 * solve's 4). Per size, U and V of one run (2 systems, random orthogonal (the lab's orthogonal initialisation), a gradient of entries ~ 1/sqrt(n),
 * tau 1e-3); per round each side runs the whole step (4 dispatches) and the solve alone, the order rotating;
 * at the end the two sides' M, stepped alike from the same start, are compared bit for bit.
 * Usage: node --import tsx src/cli/benchCayley.ts [--sizes 128,500] [--rounds 15,7] [--out docs/bench/NAME]
 *        [--adapter auto|hardware|software] (writes NAME.json and NAME.md); also a section of `npm run bench:gpu`.
 */
import { cpus, loadavg } from 'node:os';
import { dirname, resolve } from 'node:path';
import { HYPER_STRIDE, Hyper } from '../engine/hyper.ts';
import { orthogonalInit } from '../engine/init.ts';
import { quoteInput } from '../engine/quoteInput.ts';
import { healthTable } from '../engine/runHealth.ts';
import { summarise } from '../experiments/replicates.ts';
import { readF32, uploadArray, uploadF32 } from '../gpu/buffers.ts';
import { type Dispatch, encodeDispatches, KernelCache } from '../gpu/kernel.ts';
import { cayleySolveKernel, prepareGeodesicStep } from '../gpu/ops/geodesicStep.ts';
import { nodeShaderLibrary } from '../gpu/shadersNode.ts';
import { Rng } from '../random/rng.ts';
import { type FlagSpec, parseArgs, UsageError, usage } from './args.ts';
import { replaceAtomically } from './durableFiles.ts';
import { openNodeEngine } from './nodeContext.ts';
import { isMain, runCli } from './run.ts';

const FLAGS: FlagSpec[] = [
  { name: 'sizes', value: 'n[,n...]', help: 'hidden sizes, 1 to 1024 (default 128,500)' },
  { name: 'rounds', value: 'k[,k...]', help: 'timed rounds per size, 1 to 1000; the last applies to the sizes after it (default 15,7)' },
  { name: 'out', value: 'PATH', help: 'also write PATH.json and PATH.md' },
  { name: 'adapter', value: 'auto|hardware|software', help: 'which WebGPU adapter Dawn uses (default auto)' },
  { name: 'help', switch: true, help: 'show this help' },
];

/** A comma-separated list of whole numbers from lo to hi, or a UsageError naming the flag. */
function wholeList(text: string, flag: string, lo: number, hi: number): number[] {
  const v = text.split(',').map((x) => (/^\d+$/.test(x.trim()) ? Number(x) : Number.NaN));
  if (!v.length || v.some((x) => !Number.isInteger(x) || x < lo || x > hi))
    throw new UsageError(`--${flag} must list whole numbers from ${lo} to ${hi} (got ${quoteInput(text)})`);
  return v;
}

/** Runs the comparison; 0, or 1 when the two solves did not leave the same bits (each is still checked against the float64 reference by the kernel tests). */
export async function main(argv: string[]): Promise<number> {
  const flags = parseArgs(argv, FLAGS);
  if (flags.has('help')) {
    process.stdout.write(
      usage('node --import tsx src/cli/benchCayley.ts [flags]', 'The blocked Cayley solve against the step-at-a-time solve.', FLAGS),
    );
    return 0;
  }
  const adapterFlag = flags.get('adapter') ?? 'auto';
  if (!['auto', 'hardware', 'software'].includes(adapterFlag))
    throw new UsageError(`--adapter must be auto, hardware or software (got ${quoteInput(adapterFlag)})`);
  const sizes = wholeList(flags.get('sizes') ?? '128,500', 'sizes', 1, 1024);
  const rounds = wholeList(flags.get('rounds') ?? '15,7', 'rounds', 1, 1000);
  const out = flags.get('out');
  const engine = await openNodeEngine(adapterFlag as 'auto');
  const { device, software } = engine.ops;
  const lib = nodeShaderLibrary();
  const own = cayleySolveKernel(software).kernel;
  // each side asks for the kernel its adapter's lab uses and gets the side's solve (its own geometry: the lab's
  // for the kernel the lab runs here, the other kernel's constants where the lab does not run it)
  const sides = [
    { name: 'step-at-a-time', kernel: 'cayleySolve' },
    { name: 'blocked', kernel: 'cayleySolveBlocked' },
  ].map((s) => ({ ...s, kernels: new KernelCache(device, (name: string) => lib(name === own ? s.kernel : name)) }));
  const adapter = engine.describe();
  const rows: { n: number; sameBits: boolean; [k: string]: unknown }[] = [];
  let md = `# The geodesic step: the blocked solve against the step-at-a-time solve (${new Date().toISOString()})\n\n`;
  md += `Machine: ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown CPU'}), Node ${process.version}. Adapter: ${adapter}; the lab here runs ${own}. Command: \`node --import tsx src/cli/benchCayley.ts ${argv.join(' ')}\`.\n`;
  md += 'U and V of one run (2 systems), tau 1e-3; medians (min, max) over the rounds, the sides interleaved.\n\n';
  md +=
    '| n | rounds | load (1 min) | step-at-a-time step ms | blocked step ms | step ratio | step-at-a-time solve ms | blocked solve ms | solve ratio | same bits |\n';
  md += '|---:|---:|---|---:|---:|---:|---:|---:|---:|---|\n';
  for (const [si, n] of sizes.entries()) {
    const R = rounds[Math.min(si, rounds.length - 1)];
    const systems = 2;
    const rng = new Rng(20261204 + n);
    const M0 = new Float32Array(systems * n * n);
    for (let s = 0; s < systems; s++) M0.set(orthogonalInit(rng, n), s * n * n);
    const G = Float32Array.from(rng.normalArray(systems * n * n, 1 / Math.sqrt(n)));
    const hyper = new Float32Array(HYPER_STRIDE);
    hyper[Hyper.TAU] = 1e-3;
    const bufs = sides.map(() => ({
      M: uploadF32(device, M0),
      G: uploadF32(device, G),
      hyper: uploadF32(device, hyper),
      health: uploadArray(device, healthTable(1, [])),
    }));
    const steps: Dispatch[][] = [];
    for (const [j, s] of sides.entries())
      steps.push(
        await prepareGeodesicStep({ device, kernels: s.kernels, software, quads: false }, { systems, n, systemsPerRun: 2 }, bufs[j]),
      );
    const time = async (dispatches: Dispatch[]) => {
      const enc = device.createCommandEncoder();
      const pass = enc.beginComputePass();
      encodeDispatches(pass, dispatches);
      pass.end();
      const t0 = performance.now();
      device.queue.submit([enc.finish()]);
      await device.queue.onSubmittedWorkDone();
      return performance.now() - t0;
    };
    const stepMs = sides.map(() => [] as number[]);
    const solveMs = sides.map(() => [] as number[]);
    const load0 = loadavg()[0];
    process.stderr.write(`n=${n}: ${R} rounds ... `);
    for (let r = 0; r <= R; r++)
      for (let jj = 0; jj < sides.length; jj++) {
        const j = (jj + r) % sides.length;
        const whole = await time(steps[j]);
        const solve = await time(steps[j].filter((d) => d.label.endsWith('.solve')));
        // round 0 compiles and warms up
        if (r > 0) {
          stepMs[j].push(whole);
          solveMs[j].push(solve);
        }
      }
    const load1 = loadavg()[0];
    process.stderr.write('done\n');
    const Ms = await Promise.all(bufs.map((b) => readF32(device, b.M, systems * n * n)));
    const a = new Uint32Array(Ms[0].buffer);
    const b = new Uint32Array(Ms[1].buffer);
    const sameBits = a.every((v, i) => v === b[i]);
    for (const x of bufs) for (const buf of Object.values(x)) buf.destroy();
    const s = (v: number[]) => summarise(v);
    const f = (v: number[]) => `${s(v).median.toFixed(1)} (${s(v).min.toFixed(1)}, ${s(v).max.toFixed(1)})`;
    const ratio = (v: number[][]) => (s(v[0]).median / s(v[1]).median).toFixed(2);
    rows.push({ n, rounds: R, load: [load0, load1], stepMs, solveMs, sameBits, steps: 2 * (R + 1) });
    md += `| ${n} | ${R} | ${load0.toFixed(1)} / ${load1.toFixed(1)} | ${f(stepMs[0])} | ${f(stepMs[1])} | ${ratio(stepMs)} | ${f(solveMs[0])} | ${f(solveMs[1])} | ${ratio(solveMs)} | ${sameBits ? `yes, after ${2 * (R + 1)} steps` : '**no**'} |\n`;
  }
  engine.close();
  const differ = rows.filter((r) => !r.sameBits).length;
  if (differ)
    md += `\n**At ${differ} size(s) the two solves did not leave the same bits** on this adapter (each is checked against the float64 reference by tests/kernels/geodesicStep.test.ts; (g) expects the same bits).\n`;
  process.stdout.write(md);
  if (out) {
    // each file all-or-nothing (a kill mid-write leaves the old report or none, never half of one)
    replaceAtomically(`${out}.json`, `${JSON.stringify({ adapter, software, own, rows }, null, 1)}\n`, dirname(resolve(out)));
    replaceAtomically(`${out}.md`, md, dirname(resolve(out)));
    process.stderr.write(`wrote ${out}.json and ${out}.md\n`);
  }
  return differ ? 1 : 0;
}

if (isMain(import.meta.url, 'benchCayley')) await runCli(main);
