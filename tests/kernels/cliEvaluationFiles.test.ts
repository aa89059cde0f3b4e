/**
 * npm run train --eval-every: evaluations.csv beside metrics.csv and each run's best-validation checkpoint
 * in DIR/best (src/cli/evaluationFiles.ts). An uninterrupted run is the reference: a run killed at any
 * moment and resumed (and a folder whose CSV and best files went past its snapshot, or hold a torn row) ends
 * with the same CSV and the same best weights, no row lost or twice; the best checkpoint loads in npm run
 * evaluate, whose test set score is the round's, and --resume of it is refused by name.
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EVALUATIONS_HEADER } from '../../src/cli/evaluationFiles.ts';
import { readManifest } from '../../src/cli/experimentFolder.ts';
import { CheckpointError, parseCheckpoint } from '../../src/engine/checkpoint.ts';
import { CliProcess, cli } from '../helpers/cliProcess.ts';

const root = mkdtempSync(join(tmpdir(), 'ortho-cli-evalfiles-'));
const TRAIN = ['--task', 'copy', '--T', '3', '--hidden', '8', '--batch', '4', '--margins', '0,none', '--lr', '0.01', '--naive'];
const EVAL = ['--eval-every', '2', '--eval-batch', '250'];
const BEST0 = 'best/00-m=0.best.checkpoint.json';
const BEST1 = 'best/01-m=none.best.checkpoint.json';

const csv = (dir: string) => readFileSync(join(dir, 'evaluations.csv'), 'utf8');
const bestOf = (dir: string, file: string) => parseCheckpoint(readFileSync(join(dir, file), 'utf8'), file, { weightsOnly: true });

function train(args: string[]) {
  const r = cli('train.ts', args);
  expect(r.code, r.err).toBe(0);
  return r;
}

const reference = join(root, 'reference');

describe('evaluations.csv and the best-validation checkpoints', () => {
  it('one row per run per round per split, the test rows at the best weights; a best checkpoint per run', () => {
    train([...TRAIN, ...EVAL, '--iters', '8', '--out', reference, '--quiet']);
    const lines = csv(reference).trimEnd().split('\n');
    expect(lines[0]).toBe(EVALUATIONS_HEADER);
    const rows = lines.slice(1).map((l) => l.split(','));
    // 4 rounds x 2 runs x (validation, test): every run has a best from the first round on
    expect(rows).toHaveLength(16);
    expect(rows.map((r) => `${r[2]} ${r[0]} ${r[4]}`)).toEqual(
      [2, 4, 6, 8].flatMap((it) => [0, 1].flatMap((run) => [`${it} ${run} validation`, `${it} ${run} test`])),
    );
    const m = readManifest(reference)!;
    const ck = parseCheckpoint(readFileSync(join(reference, m.snapshot, 'checkpoints/00-m=0.checkpoint.json'), 'utf8'));
    // each validation row is the round's, the copy task has no epochs
    rows
      .filter((r) => r[0] === '0' && r[4] === 'validation')
      .forEach((r, k) => {
        const e = ck.evaluations[k];
        expect([Number(r[2]), r[3], Number(r[5]), Number(r[6]), Number(r[7]), r[8]]).toEqual([
          e.iteration,
          '',
          e.validation.loss,
          e.validation.accuracy,
          250 * 4,
          '',
        ]);
      });
    // the last test row of run 0 is at its best weights, and so is its best checkpoint: the snapshot's best
    const lastTest = rows.filter((r) => r[0] === '0' && r[4] === 'test').at(-1)!;
    expect(Number(lastTest[8])).toBe(ck.best!.record.iteration);
    const best = bestOf(reference, BEST0);
    expect(best.checkpoint.iteration).toBe(ck.best!.record.iteration);
    expect(best.parameters).toEqual(ck.best!.parameters);
    expect(best.bestValidation!.validation.loss).toBe(ck.best!.record.validationLoss);
    expect(best.bestValidation!.test!.loss).toBe(Number(lastTest[5]));
    expect(existsSync(join(reference, BEST1))).toBe(true);
  });

  it('the best checkpoint: npm run evaluate scores it (its test set as in the round), --resume and the lab refuse it', () => {
    const file = join(reference, BEST0);
    const out = join(root, 'scored.json');
    const r = cli('evaluate.ts', ['--checkpoint', file, '--split', 'test', '--batch', '250', '--out', out]);
    expect(r.code, r.err).toBe(0);
    const scored = JSON.parse(readFileSync(out, 'utf8'));
    const recorded = bestOf(reference, BEST0).bestValidation!.test!;
    expect(scored.weights).toBe('best-validation');
    expect(scored.set.count).toBe(recorded.count);
    expect(scored.set.accuracy).toBe(recorded.accuracy);
    expect(Math.abs(scored.set.loss - recorded.loss!)).toBeLessThan(1e-6 * Math.abs(recorded.loss!));
    const resumed = cli('train.ts', ['--resume', file, '--iters', '1']);
    expect(resumed.code).toBe(2);
    expect(resumed.err).toMatch(/is a best-validation checkpoint: .*cannot be resumed or trained on/);
    // where a full checkpoint is read (resume, the lab's files), it is refused by name
    expect(() => parseCheckpoint(readFileSync(file, 'utf8'), 'x.json')).toThrow(CheckpointError);
    expect(() => parseCheckpoint(readFileSync(file, 'utf8'), 'x.json')).toThrow(/x\.json is a best-validation checkpoint/);
  });

  it('a folder whose CSV and best files went past the snapshot (a torn row too) resumes to the reference exactly', () => {
    const dir = join(root, 'torn');
    train([...TRAIN, ...EVAL, '--iters', '4', '--out', dir, '--quiet']);
    // as a kill after the round at 6 and before the next snapshot would leave them, then a torn write
    const ahead = join(root, 'ahead');
    train([...TRAIN, ...EVAL, '--iters', '6', '--out', ahead, '--quiet']);
    writeFileSync(join(dir, 'evaluations.csv'), `${csv(ahead)}0,m=0,8,,valid`);
    cpSync(join(ahead, BEST1), join(dir, BEST1));
    train(['--resume', dir, ...EVAL, '--iters', '4', '--quiet']);
    expect(csv(dir)).toBe(csv(reference));
    for (const f of [BEST0, BEST1]) expect(bestOf(dir, f).parameters).toEqual(bestOf(reference, f).parameters);
  });

  it('killed at a random moment and resumed: the same CSV and best weights as without the interruption', async () => {
    const dir = join(root, 'killed');
    const p = new CliProcess('train.ts', [...TRAIN, ...EVAL, '--checkpoint-every', '3', '--iters', '100000', '--out', dir], {
      supervised: false,
    });
    await p.waitFor(/eval at it 4 /);
    await new Promise((resolve) => setTimeout(resolve, Math.random() * 50));
    p.signal('SIGKILL');
    await p.exited;
    const at = readManifest(dir)?.iteration;
    expect(at, 'the first snapshot (iteration 3) was saved before the round at 4').toBeGreaterThanOrEqual(3);
    const more = 20 - at!;
    expect(more, 'killed before iteration 20').toBeGreaterThan(0);
    const full = join(root, 'full20');
    train([...TRAIN, ...EVAL, '--iters', '20', '--out', full, '--quiet']);
    train(['--resume', dir, ...EVAL, '--iters', String(more), '--quiet']);
    expect(csv(dir)).toBe(csv(full));
    for (const f of [BEST0, BEST1]) expect(bestOf(dir, f).parameters).toEqual(bestOf(full, f).parameters);
  }, 300_000);

  it('--force over an experiment keeps its CSV and best files until the first snapshot, then replaces them', () => {
    const dir = join(root, 'forced');
    cpSync(reference, dir, { recursive: true });
    // the new one has no evaluation: the old CSV and best files go with the old experiment's other files
    const r = train([...TRAIN, '--iters', '2', '--out', dir, '--force']);
    expect(r.err).toMatch(/--force: removed the previous experiment's .*best\/.*evaluations\.csv/);
    expect(existsSync(join(dir, 'evaluations.csv'))).toBe(false);
    expect(existsSync(join(dir, 'best'))).toBe(false);
    rmSync(dir, { recursive: true });
    cpSync(reference, dir, { recursive: true });
    train([...TRAIN, ...EVAL, '--iters', '8', '--out', dir, '--force', '--quiet']);
    expect(csv(dir)).toBe(csv(reference));
  });
});
