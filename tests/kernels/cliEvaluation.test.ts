/**
 * npm run train --eval-every N (src/cli/trainEvaluation.ts): rounds printed, each checkpoint carrying its
 * run's best-validation weights and evaluation history; --resume continues them, and a resume without
 * --eval-every keeps them as they were; bad evaluation flags are named in one line.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readManifest } from '../../src/cli/experimentFolder.ts';
import { parseCheckpoint } from '../../src/engine/checkpoint.ts';
import { cli } from '../helpers/cliProcess.ts';

const out = join(mkdtempSync(join(tmpdir(), 'ortho-cli-eval-')), 'copy');

function checkpoint(r: number) {
  const m = readManifest(out)!;
  return parseCheckpoint(readFileSync(join(out, m.snapshot, m.files.filter((f) => f.endsWith('.checkpoint.json'))[r]), 'utf8'));
}

function expectOneLine(r: { code: number | null; err: string }, re: RegExp): void {
  expect(r.code, r.err).toBe(2);
  expect(r.err).toMatch(re);
  expect(r.err.trimEnd().split('\n'), r.err).toHaveLength(1);
}

const TRAIN = ['--task', 'copy', '--T', '3', '--hidden', '8', '--batch', '4', '--margins', '0,none', '--lr', '0.01', '--naive'];

describe('npm run train --eval-every', () => {
  it('scores validation and test sets every N iterations and saves the best weights in the checkpoints', () => {
    const r = cli('train.ts', [...TRAIN, '--iters', '4', '--eval-every', '2', '--eval-batch', '100', '--out', out]);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/Evaluation every 2 iterations \(validation 1000, test 1000 sequences, batch 100\)/);
    expect(r.err).toMatch(/eval at it 2 {2}m=0: val [\d.]+ acc [\d.]+% \(best; test [\d.]+ acc/);
    expect(r.err).toMatch(/eval at it 4 /);
    expect(r.err).toMatch(/Test at the best validation weights: m=0: test [\d.]+ acc [\d.]+% at the weights of iteration [24]/);
    for (const run of [0, 1]) {
      const ck = checkpoint(run);
      expect(ck.evaluations.map((e) => e.iteration)).toEqual([2, 4]);
      expect(ck.evaluations[0].validation.count).toBe(1000);
      // the best weights are those of the last round that scored the test set at them
      expect(ck.best?.record.iteration).toBe(ck.evaluations.at(-1)?.test ? 4 : 2);
      const bestRound = ck.evaluations.find((e) => e.iteration === ck.best?.record.iteration)!;
      expect(ck.best?.record.validationLoss).toBe(bestRound.validation.loss);
      expect(ck.best?.record.validationAccuracy).toBe(bestRound.validation.accuracy);
    }
  });

  it('--resume without --eval-every keeps the best weights and rounds as they were; with it, goes on from them', () => {
    const before = checkpoint(1);
    // resumed without --eval-every: the best weights and the history stay as they were
    const plain = cli('train.ts', ['--resume', out, '--iters', '1', '--quiet']);
    expect(plain.code, plain.err).toBe(0);
    const kept = checkpoint(1);
    expect(kept.checkpoint.iteration).toBe(5);
    expect(kept.evaluations).toEqual(before.evaluations);
    expect(kept.best).toEqual(before.best);
    // resumed with it: the history goes on from where it was
    const more = cli('train.ts', ['--resume', out, '--iters', '1', '--eval-every', '3', '--eval-batch', '250', '--quiet']);
    expect(more.code, more.err).toBe(0);
    expect(checkpoint(1).evaluations.map((e) => e.iteration)).toEqual([2, 4, 6]);
  });

  it('names a bad evaluation flag in one line', () => {
    const base = [...TRAIN, '--iters', '1', '--out', join(out, '..', 'bad')];
    expectOneLine(cli('train.ts', [...base, '--eval-batch', '10']), /--eval-batch sizes the evaluation pass; give --eval-every N too/);
    expectOneLine(
      cli('train.ts', [...base, '--eval-every', '0']),
      /--eval-every must be a whole number from 1 to 10000000 or 'epoch' \(got '0'\)/,
    );
    expectOneLine(
      cli('train.ts', [...base, '--eval-every', 'epoch']),
      /--eval-every: .*copy task trains on an endless stream and has no epochs/,
    );
  });
});
