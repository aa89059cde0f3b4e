/**
 * Headless trainer: the same WGSL kernels as the lab, on Dawn in Node.
 *   npm run train -- --task copy --T 100 --margins 0,0.01,0.1,1,none --iters 2000 --out runs/copy
 * Writes metrics.csv, metrics.json, traces.json (gradient flow, spectrum, drift), settings.json and one
 * checkpoint per run into --out; --resume DIR continues an experiment from its checkpoints.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeCheckpoint, parseCheckpoint } from '../engine/checkpoint.ts';
import { ExperimentLog, METRICS_FORMAT, type MetricsFile, TRACES_FORMAT, type TracesFile } from '../engine/experimentLog.ts';
import { TrainingGpuError } from '../engine/gpuScopes.ts';
import { assertGroupFits } from '../engine/memoryCheck.ts';
import { formatBytes, memorySummary } from '../engine/memoryText.ts';
import { type InitialState, type IterationRecord, RunGroup } from '../engine/runGroup.ts';
import type { GroupSettings, RunSettings } from '../engine/settings.ts';
import { GpuError } from '../gpu/device.ts';
import { type FlagSpec, parseArgs, UsageError, usage } from './args.ts';
import { EXPERIMENT_FLAGS, experimentFromFlags } from './experimentFlags.ts';
import { MEMORY_BUDGET_FLAG, memoryBudgetFlag } from './memoryFlag.ts';
import { openNodeEngine } from './nodeContext.ts';
import { isMain, runCli } from './run.ts';

const FLAGS: FlagSpec[] = [
  { name: 'iters', value: 'N', help: 'iterations to train (default 1000)' },
  { name: 'out', value: 'DIR', help: 'output folder (must be new or empty unless --force)' },
  { name: 'resume', value: 'DIR', help: 'continue the experiment saved in DIR (its settings and checkpoints) for --iters more' },
  { name: 'force', switch: true, help: 'allow writing into a non-empty --out folder (files there are replaced)' },
  { name: 'checkpoint-every', value: 'N', help: 'also save checkpoints every N iterations (default: only at the end)' },
  { name: 'naive', switch: true, help: 'use the naive recurrent kernels (one dispatch per step) instead of the fused ones' },
  { name: 'adapter', value: 'auto|hardware|software', help: 'which WebGPU adapter Dawn uses (default auto)' },
  MEMORY_BUDGET_FLAG,
  { name: 'quiet', switch: true, help: 'no progress lines' },
  { name: 'help', switch: true, help: 'show this help' },
  ...EXPERIMENT_FLAGS,
];

function positiveInt(flags: Map<string, string>, name: string, dflt: number): number {
  const text = flags.get(name);
  if (text === undefined) return dflt;
  const v = Number(text);
  if (!Number.isInteger(v) || v < 1 || v > 10_000_000)
    throw new UsageError(`--${name} must be a whole number from 1 to 10000000 (got '${text}')`);
  return v;
}

function slug(name: string): string {
  return name.replace(/[^A-Za-z0-9._=-]+/g, '_');
}

/** Writes a file atomically (temp file then rename) so an interrupted run never leaves a half file. */
function writeAtomic(path: string, text: string): void {
  writeFileSync(`${path}.tmp`, text);
  renameSync(`${path}.tmp`, path);
}

interface Resumed {
  group: GroupSettings;
  runs: RunSettings[];
  initial: InitialState;
  log: ExperimentLog;
}

function readJson(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new UsageError(`cannot read ${path}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${path} is not valid JSON (${(e as Error).message})`);
  }
}

function loadResume(dir: string): Resumed {
  const ckDir = join(dir, 'checkpoints');
  if (!existsSync(ckDir)) throw new UsageError(`--resume ${dir}: no checkpoints/ folder there (was it written by npm run train?)`);
  const files = readdirSync(ckDir)
    .filter((f) => f.endsWith('.checkpoint.json'))
    .sort();
  if (!files.length) throw new UsageError(`--resume ${dir}: checkpoints/ holds no *.checkpoint.json`);
  const parsed = files.map((f) => parseCheckpoint(readFileSync(join(ckDir, f), 'utf8'), join(ckDir, f)));
  parsed.sort((a, b) => a.checkpoint.runIndex - b.checkpoint.runIndex);
  const first = parsed[0].checkpoint;
  for (const p of parsed) {
    const c = p.checkpoint;
    if (JSON.stringify(c.group) !== JSON.stringify(first.group))
      throw new UsageError(`--resume: checkpoints in ${ckDir} come from different group settings`);
    if (c.iteration !== first.iteration || JSON.stringify(c.dataRngState) !== JSON.stringify(first.dataRngState)) {
      throw new UsageError(`--resume: checkpoints in ${ckDir} were saved at different iterations (${c.iteration} vs ${first.iteration})`);
    }
  }
  parsed.forEach((p, i) => {
    if (p.checkpoint.runIndex !== i) throw new UsageError(`--resume: run ${i} is missing from ${ckDir}`);
  });
  const metrics = readJson(join(dir, 'metrics.json')) as MetricsFile;
  const traces = readJson(join(dir, 'traces.json')) as TracesFile;
  if (metrics.format !== METRICS_FORMAT || traces.format !== TRACES_FORMAT)
    throw new UsageError(`--resume ${dir}: metrics.json or traces.json is not from this trainer`);
  // keep the history up to the checkpoint: later records (written after it) would be measured twice
  const keep = metrics.iterations.findIndex((it) => it > first.iteration);
  if (keep >= 0) {
    metrics.iterations.splice(keep);
    metrics.metrics.splice(keep);
  }
  const keepT = traces.iterations.findIndex((it) => it > first.iteration);
  if (keepT >= 0) {
    traces.iterations.splice(keepT);
    for (const r of traces.runs) {
      r.flow.splice(keepT);
      r.spectrum.splice(keepT);
      r.drift.splice(keepT);
    }
  }
  return {
    group: first.group,
    runs: parsed.map((p) => p.checkpoint.run),
    initial: {
      parameters: parsed.map((p) => p.parameters),
      optimizerState: parsed.map((p) => p.optimizerState),
      iteration: first.iteration,
      dataRngState: first.dataRngState,
    },
    log: ExperimentLog.from(metrics, traces),
  };
}

/** Saves everything measured and, unless `checkpoints` is false (after a GPU error), one checkpoint per run. */
async function saveAll(dir: string, group: RunGroup, log: ExperimentLog, checkpoints = true): Promise<void> {
  mkdirSync(join(dir, 'checkpoints'), { recursive: true });
  writeAtomic(join(dir, 'settings.json'), JSON.stringify({ group: group.group, runs: group.runs }, null, 2));
  writeAtomic(join(dir, 'metrics.json'), JSON.stringify(log.metrics));
  writeAtomic(join(dir, 'metrics.csv'), log.toCsv());
  writeAtomic(join(dir, 'traces.json'), JSON.stringify(log.traces));
  for (let r = 0; checkpoints && r < group.runs.length; r++) {
    const ck = makeCheckpoint({
      group: group.group,
      run: group.runs[r],
      runIndex: r,
      iteration: group.iteration,
      dataRngState: group.dataRng.getState(),
      parameters: await group.readParameters(r),
      optimizerState: await group.readOptimizerState(r),
    });
    writeAtomic(join(dir, 'checkpoints', `${String(r).padStart(2, '0')}-${slug(group.runs[r].name)}.checkpoint.json`), JSON.stringify(ck));
  }
}

/**
 * The records of the iterations since the last collect. On a GPU error or a lost device during training
 * (TrainingGpuError), or an error reported outside any scope: saves what was measured before it (no
 * checkpoints: the GPU state after the error is not trusted) and throws a GpuError (exit 3).
 */
async function collectOrStop(rg: RunGroup, log: ExperimentLog, uncaptured: readonly GpuError[], dir: string): Promise<IterationRecord[]> {
  let records: IterationRecord[];
  try {
    records = await rg.collect();
    if (uncaptured.length) throw new GpuError(uncaptured[0].kind, `Training stopped: ${uncaptured[0].message}`);
  } catch (e) {
    if (!(e instanceof GpuError)) throw e;
    if (e instanceof TrainingGpuError) log.add(e.records);
    await saveAll(dir, rg, log, false);
    const upTo = log.metrics.iterations.at(-1) ?? 0;
    throw new GpuError(
      e.kind,
      `${e.message} Saved the metrics up to iteration ${upTo} in ${dir}; no checkpoint was written after the error.`,
    );
  }
  return records;
}

function fmt(v: number, digits = 4): string {
  return Number.isFinite(v) ? v.toPrecision(digits) : String(v);
}

function seconds(s: number): string {
  if (!Number.isFinite(s)) return '?';
  if (s < 90) return `${s.toFixed(0)}s`;
  if (s < 5400) return `${(s / 60).toFixed(1)}min`;
  return `${(s / 3600).toFixed(1)}h`;
}

export async function main(argv: string[]): Promise<number> {
  const flags = parseArgs(argv, FLAGS);
  if (flags.has('help')) {
    process.stdout.write(
      usage('npm run train -- [flags]', "Trains a group of runs side by side with the lab's WGSL kernels on Dawn (Node).", FLAGS),
    );
    return 0;
  }
  const iters = positiveInt(flags, 'iters', 1000);
  const ckEvery = positiveInt(flags, 'checkpoint-every', Number.MAX_SAFE_INTEGER);
  const adapter = flags.get('adapter') ?? 'auto';
  if (!['auto', 'hardware', 'software'].includes(adapter))
    throw new UsageError(`--adapter must be auto, hardware or software (got '${adapter}')`);
  let dir: string;
  let resumed: Resumed | undefined;
  let group: GroupSettings;
  let runs: RunSettings[];
  if (flags.has('resume')) {
    const experimentFlags = EXPERIMENT_FLAGS.map((f) => f.name).filter((f) => flags.has(f));
    if (experimentFlags.length)
      throw new UsageError(`--resume takes the settings from the checkpoints; drop ${experimentFlags.map((f) => `--${f}`).join(' ')}`);
    dir = flags.get('resume')!;
    if (flags.has('out') && flags.get('out') !== dir) throw new UsageError('--resume writes into the folder it resumes; drop --out');
    resumed = loadResume(dir);
    ({ group, runs } = resumed);
  } else {
    if (!flags.has('out')) throw new UsageError('--out DIR is required (where metrics, traces and checkpoints go)');
    dir = flags.get('out')!;
    if (existsSync(dir) && readdirSync(dir).length > 0 && !flags.has('force')) {
      throw new UsageError(`--out ${dir} exists and is not empty; choose a new folder, --resume it, or pass --force to replace its files`);
    }
    ({ group, runs } = experimentFromFlags(flags));
  }
  const budget = memoryBudgetFlag(flags);
  const naive = flags.has('naive');

  const engine = await openNodeEngine(adapter as 'auto');
  const quiet = flags.has('quiet');
  try {
    // the group's memory plan against this device's limits and the budget, before anything is built or
    // written: a group the GPU cannot hold is refused here in one line (MemoryPlanError, exit 2)
    const limits = engine.gpu.device.limits;
    const memory = assertGroupFits(group, runs, { software: engine.ops.software, limits, budget, naive });
    mkdirSync(dir, { recursive: true });
    const rg = await RunGroup.create(engine.ops, group, runs, { naive, initial: resumed?.initial, memoryBudget: budget });
    const log = resumed?.log ?? new ExperimentLog(group, runs, rg.task.baselineLoss);
    if (!quiet) {
      process.stderr.write(
        `Adapter: ${engine.describe()}\nTask ${group.task}(T=${group.T}), batch ${group.batchSize}, n=${group.hidden}, ${runs.length} run(s): ${runs.map((r) => r.name).join(', ')}\n` +
          `GPU memory: ${memorySummary(memory, limits.maxBufferSize)}; budget ${formatBytes(budget)}\n` +
          `Memoryless baseline loss ${fmt(rg.task.baselineLoss)}; ${rg.dispatchesPerIteration} dispatches per iteration; writing to ${dir}\n`,
      );
    }
    const start = performance.now();
    const startIter = rg.iteration;
    const endIter = startIter + iters;
    let lastPrint = 0;
    const chunk = Math.max(1, Math.min(group.trackEvery, 25));
    while (rg.iteration < endIter) {
      const target = Math.min(rg.iteration + chunk, endIter);
      while (rg.iteration < target && rg.canStep) rg.step();
      const records = await collectOrStop(rg, log, engine.gpu.uncapturedErrors, dir);
      log.add(records);
      const now = performance.now();
      const done = rg.iteration - startIter;
      if (!quiet && (now - lastPrint > 2000 || rg.iteration === endIter)) {
        lastPrint = now;
        const rate = (done * 1000) / (now - start);
        const last = records[records.length - 1];
        const perRun = rg.runs
          .map((r, i) => {
            const m = last.runs[i];
            const st = rg.status[i].state === 'failed' ? ' FAILED' : '';
            return `${r.name}: loss ${fmt(m.loss)}${Number.isNaN(m.accuracy) ? '' : ` acc ${(100 * m.accuracy).toFixed(1)}%`}${st}`;
          })
          .join(' | ');
        process.stderr.write(
          `it ${rg.iteration}/${endIter}  ${rate.toFixed(2)} it/s  left ${seconds((endIter - rg.iteration) / rate)}  ${perRun}\n`,
        );
      }
      if (rg.iteration % ckEvery === 0 && rg.iteration < endIter) await saveAll(dir, rg, log);
    }
    await saveAll(dir, rg, log);
    rg.status.forEach((s, i) => {
      if (s.state === 'failed') process.stderr.write(`Run '${rg.runs[i].name}' ${s.message}\n`);
    });
    if (!quiet)
      process.stderr.write(
        `Done: ${iters} iterations in ${((performance.now() - start) / 1000).toFixed(1)} s. Wrote ${dir}/metrics.csv, metrics.json, traces.json, settings.json, checkpoints/\n`,
      );
    await rg.destroy();
  } finally {
    engine.close();
  }
  return 0;
}

if (isMain(import.meta.url)) await runCli(main);
