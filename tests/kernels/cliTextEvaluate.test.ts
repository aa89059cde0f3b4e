/**
 * npm run evaluate on a text run (issue 10): a snapshot checkpoint and a best-validation file are scored on
 * the run's own corpus (the files given with --text-files, at the run's sentence limit), in bits per
 * character and accuracy: the best file's validation score is the one its round recorded. Another corpus is
 * refused naming both digests; a checkpoint away from its experiment folder is scored, saying that its
 * corpus was not checked; --text-files where the run did not train on files is refused.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readManifest } from '../../src/cli/experimentFolder.ts';
import { parseCheckpoint } from '../../src/engine/checkpoint.ts';
import { cli } from '../helpers/cliProcess.ts';

const dir = mkdtempSync(join(tmpdir(), 'ortho-cli-text-eval-'));
const out = join(dir, 'text');
const words = ['the', 'cat', 'sat', 'on', 'a', 'mat', 'dog', 'ran', 'far', 'and'];
// 60 sentences of 1 to 4 words: 54 train, 3 validation, 3 test by the every-20th rule
const lines = Array.from({ length: 60 }, (_, k) => Array.from({ length: 1 + (k % 4) }, (_, w) => words[(7 * k + 3 * w) % 10]).join(' '));
const tiny = join(dir, 'tiny.txt');
const other = join(dir, 'other.txt');
writeFileSync(tiny, `${lines.join('\n')}\n`);
writeFileSync(other, `${[...lines].reverse().join('\n')}\n`);
const BEST = join(out, 'best/00-run1.best.checkpoint.json');

function snapshotCheckpoint(): string {
  const m = readManifest(out)!;
  return join(out, m.snapshot, m.files.find((f) => f.endsWith('.checkpoint.json'))!);
}

describe('npm run evaluate on a text run', () => {
  it("scores a snapshot checkpoint on its corpus, in bpc and accuracy, the test set at the run's sentence limit", () => {
    const train = cli('train.ts', [
      ...['--task', 'text', '--text-files', tiny, '--hidden', '8', '--batch', '8', '--max-length', '20', '--margins', '1'],
      ...['--nonlin', 'tanh', '--lr', '0.01', '--tau', '0.01', '--iters', '6', '--eval-every', '3', '--out', out, '--quiet'],
    ]);
    expect(train.code, train.err).toBe(0);
    const digest = JSON.parse(readFileSync(join(out, 'settings.json'), 'utf8')).corpus.digest;

    const json = join(dir, 'snap.json');
    const r = cli('evaluate.ts', ['--checkpoint', snapshotCheckpoint(), '--text-files', tiny, '--split', 'test', '--out', json]);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(
      /^batch of seed 1: [\d.]+ bpc, accuracy [\d.]+%; test set \(3 sentences of tiny\.txt\): [\d.]+ bpc, accuracy [\d.]+%; wrote /,
    );
    const scored = JSON.parse(readFileSync(json, 'utf8'));
    expect(scored.corpus).toEqual({ name: 'tiny.txt', digest, checked: true });
    expect(scored.task).toMatchObject({ name: 'text' });
    expect(scored.bpc).toBeCloseTo(scored.loss / Math.LN2, 12);
    expect(scored.set).toMatchObject({ split: 'test', count: 3 });
    expect(scored.set.bpc).toBeCloseTo(scored.set.loss / Math.LN2, 12);
    // six iterations from a near-uniform start: below log2(49) = 5.61 bits, above a trained model's
    expect(scored.set.bpc).toBeGreaterThan(2);
    expect(scored.set.bpc).toBeLessThan(6);
    expect(Number(/test set .*: ([\d.]+) bpc/.exec(r.err)![1])).toBeCloseTo(scored.set.bpc, 3);
  });

  it("scores the best-validation file's validation set as its round recorded it (the same weights, sentences and limit)", () => {
    const best = parseCheckpoint(readFileSync(BEST, 'utf8'), BEST, { weightsOnly: true }).bestValidation!;
    const bestJson = join(dir, 'best.json');
    const b = cli('evaluate.ts', ['--checkpoint', BEST, '--text-files', tiny, '--split', 'validation', '--out', bestJson]);
    expect(b.code, b.err).toBe(0);
    const bs = JSON.parse(readFileSync(bestJson, 'utf8'));
    expect(bs.weights).toBe('best-validation');
    expect(bs.corpus.checked).toBe(true);
    expect(bs.set.count).toBe(best.validation.count);
    expect(bs.set.accuracy).toBe(best.validation.accuracy);
    expect(Math.abs(bs.set.loss - best.validation.loss!)).toBeLessThan(1e-6 * Math.abs(best.validation.loss!));
    // printed without --out: the JSON on standard output, the bpc line beside it
    const plain = cli('evaluate.ts', ['--checkpoint', BEST, '--text-files', tiny]);
    expect(plain.code, plain.err).toBe(0);
    expect(JSON.parse(plain.out).corpus.name).toBe('tiny.txt');
    expect(plain.err).toMatch(/^batch of seed 1: [\d.]+ bpc, accuracy [\d.]+%\n$/);
  });

  it('refuses another corpus by name (a snapshot checkpoint and a best file), and no files', () => {
    const digest = JSON.parse(readFileSync(join(out, 'settings.json'), 'utf8')).corpus.digest;
    for (const ck of [snapshotCheckpoint(), BEST]) {
      const wrong = cli('evaluate.ts', ['--checkpoint', ck, '--text-files', other, '--split', 'test']);
      expect(wrong.code, wrong.err).toBe(2);
      expect(wrong.err).toMatch(
        new RegExp(
          `its run trained on tiny\\.txt \\(digest ${digest}, recorded in .*settings\\.json\\), but this corpus is other\\.txt \\(digest [0-9a-f]{16}\\); evaluate on the same files \\(--text-files\\)`,
        ),
      );
      expect(wrong.err.trimEnd().split('\n'), wrong.err).toHaveLength(1);
    }
    const none = cli('evaluate.ts', ['--checkpoint', BEST]);
    expect(none.code).toBe(2);
    expect(none.err).toMatch(/the text corpus is files: give them with --text-files/);
  });

  it('scores a checkpoint away from its experiment folder, saying its corpus was not checked; refuses --text-files for a run not on files', () => {
    // a copy away from its experiment folder: scored, and the output says the corpus was not checked
    const lone = join(dir, 'lone', 'x');
    mkdirSync(lone, { recursive: true });
    cpSync(BEST, join(lone, 'best.json'));
    const r = cli('evaluate.ts', ['--checkpoint', join(lone, 'best.json'), '--text-files', other, '--out', join(dir, 'lone.json')]);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/The corpus this run trained on is not recorded beside the checkpoint \(no settings\.json of its experiment at /);
    expect(r.err).toMatch(/scored on other\.txt \(digest [0-9a-f]{16}\) without that check/);
    expect(JSON.parse(readFileSync(join(dir, 'lone.json'), 'utf8')).corpus.checked).toBe(false);
    // --text-files for a run that did not train on files
    const copyDir = join(dir, 'copy');
    expect(
      cli('train.ts', ['--task', 'copy', '--T', '3', '--hidden', '4', '--batch', '2', '--iters', '1', '--out', copyDir, '--quiet']).code,
    ).toBe(0);
    const m = readManifest(copyDir)!;
    const copyCk = join(copyDir, m.snapshot, m.files.find((f) => f.endsWith('.checkpoint.json'))!);
    const misuse = cli('evaluate.ts', ['--checkpoint', copyCk, '--text-files', tiny]);
    expect(misuse.code).toBe(2);
    expect(misuse.err).toMatch(/--text-files: the checkpoint's run trained the copy task, not on text files; drop --text-files/);
  });
});
