/**
 * npm run train --task text (issue 10) on a tiny text file: the start line names the corpus, its digest and
 * the padding share; the progress and evaluation lines give bpc; metrics.csv has a bpc column; settings.json
 * records the corpus; --resume continues on the same file and refuses another one, naming both; the text
 * flags' misuses are named in one line.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from '../helpers/cliProcess.ts';

const dir = mkdtempSync(join(tmpdir(), 'ortho-cli-text-'));
const out = join(dir, 'text');
const words = ['the', 'cat', 'sat', 'on', 'a', 'mat', 'dog', 'ran', 'far', 'and'];
// 60 sentences of 1 to 4 words (54 train, 3 validation, 3 test by the every-20th rule), reproducible
const lines = Array.from({ length: 60 }, (_, k) => Array.from({ length: 1 + (k % 4) }, (_, w) => words[(7 * k + 3 * w) % 10]).join(' '));
const tiny = join(dir, 'tiny.txt');
const other = join(dir, 'other.txt');
const binary = join(dir, 'binary.txt');
writeFileSync(
  binary,
  Uint8Array.from({ length: 600 }, (_, i) => (i * 37) % 256),
);
writeFileSync(tiny, `${lines.join('\n')}\n`);
writeFileSync(other, `${[...lines].reverse().join('\n')}\n`);
const SMALL = [
  '--hidden',
  '8',
  '--batch',
  '8',
  '--max-length',
  '20',
  '--margins',
  '1',
  '--nonlin',
  'tanh',
  '--lr',
  '0.01',
  '--tau',
  '0.01',
];

describe('npm run train --task text', () => {
  it('trains on a text file with evaluation rounds, in bits per character', () => {
    const r = cli('train.ts', ['--task', 'text', '--text-files', tiny, ...SMALL, '--iters', '6', '--eval-every', '3', '--out', out]);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/Task text\(files, <=20\), 19 steps, 54 training sequences an epoch, batch 8/);
    expect(r.err).toMatch(
      /Corpus tiny\.txt \(digest [0-9a-f]{16}\): 54 training, 3 validation, 3 test sentences of at most 20 characters; padding: [\d.]+% of the steps computed, each batch run to its longest sentence rounded up to a multiple of 8 steps \([\d.]+% of 19 steps x 8 rows a batch; [\d.]+% padding if every batch ran all 19 steps\); [\d.]+% up to each batch's longest sentence with length buckets \([\d.]+% without\); 7 batches an epoch/,
    );
    expect(r.err).toMatch(/eval at it 3 {2}run1: val [\d.]+ bpc acc [\d.]+%/);
    expect(r.err).toMatch(/it 6\/6 {2}epoch 1 \(86%\) .* run1: [\d.]+ bpc acc [\d.]+% \(best val [\d.]+ bpc\)/);
    expect(r.err).toMatch(/Test at the best validation weights: run1: test [\d.]+ bpc acc [\d.]+% at the weights of iteration [36]/);
    // after 3 iterations the model is still near uniform over the 49 characters, log2(49) = 5.61 bits (in
    // nats it would read 3.9)
    const first = Number(/eval at it 3 {2}run1: val ([\d.]+) bpc/.exec(r.err)![1]);
    expect(first).toBeGreaterThan(4.5);
    expect(first).toBeLessThan(6);
    const csv = readFileSync(join(out, 'metrics.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe('iteration,run,name,loss,bpc,accuracy,soft_orth_penalty,weight_decay_penalty');
    const [, , , loss, bpc] = csv[1].split(',');
    expect(Number(bpc)).toBeCloseTo(Number(loss) / Math.LN2, 10);
    const settings = JSON.parse(readFileSync(join(out, 'settings.json'), 'utf8'));
    expect(settings.group).toMatchObject({ task: 'text', textCorpus: 'files', maxLength: 20 });
    expect(settings.corpus).toMatchObject({ name: 'tiny.txt', digest: expect.stringMatching(/^[0-9a-f]{16}$/) });
  });

  it('--resume refuses other files (naming both) or none, and continues on the same file', () => {
    const digest = JSON.parse(readFileSync(join(out, 'settings.json'), 'utf8')).corpus.digest;
    const wrong = cli('train.ts', ['--resume', out, '--text-files', other, '--iters', '2']);
    expect(wrong.code, wrong.err).toBe(2);
    expect(wrong.err).toMatch(
      new RegExp(
        `the experiment trained on tiny\\.txt \\(digest ${digest}\\), but this corpus is other\\.txt \\(digest [0-9a-f]{16}\\); resume with the same files`,
      ),
    );
    const none = cli('train.ts', ['--resume', out, '--iters', '2']);
    expect(none.code).toBe(2);
    expect(none.err).toMatch(/the experiment trains on text files \(tiny\.txt\); give them again with --text-files/);
    const ok = cli('train.ts', ['--resume', out, '--text-files', tiny, '--iters', '2', '--quiet']);
    expect(ok.code, ok.err).toBe(0);
    const csv = readFileSync(join(out, 'metrics.csv'), 'utf8').trim().split('\n');
    expect(csv.at(-1)!.split(',')[0]).toBe('8');
  });

  it('names a misuse of the text flags in one line', () => {
    const cases: [string[], RegExp][] = [
      [['--task', 'copy', '--text-files', tiny], /--text-files gives the text task's corpus; the task is copy/],
      [['--task', 'text', '--text-corpus', 'files'], /--text-corpus files: give the files with --text-files/],
      [['--task', 'text', '--max-length', '2'], /--max-length: .*from 3 to 1000/],
      [['--task', 'text', '--text-files', join(dir, 'missing.txt')], /missing\.txt: cannot be read \(ENOENT\)/],
      [['--task', 'text', '--text-files', binary], /binary\.txt: not a text file: it has a NUL byte/],
    ];
    for (const [args, message] of cases) {
      const r = cli('train.ts', [...args, '--iters', '1', '--out', join(dir, 'bad')]);
      // the user's input, not a bug: exit 2, one line, no stack
      expect(r.code, r.err).toBe(2);
      expect(r.err).toMatch(message);
      expect(r.err, 'no stack trace').not.toMatch(/^\s+at /m);
      // nothing was written: the folder the command made for it is gone again
      expect(existsSync(join(dir, 'bad')), `${args.join(' ')} left its --out folder`).toBe(false);
    }
  });
});
