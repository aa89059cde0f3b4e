/**
 * npm run reproduce (src/cli/reproduce.ts) end to end on its smallest setting: Table 2's run set (nine runs:
 * margins 0 .. 1, no margin from three starts, the LSTM) on permuted MNIST's classroom variant with 32
 * training images (an epoch is one iteration), a round of validation and test every epoch; then the same
 * command again, with no epoch missing, only writes the table. The table holds every run, the paper's number
 * beside each measured one. (Resuming an unfinished experiment is train's --resume: tests/kernels/cliMnist.test.ts.)
 * A text table pointed at that folder is refused before any training (its other refusals, which need no
 * folder, are tests/unit/paperTables.test.ts's, in process).
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readManifest } from '../../src/cli/experimentFolder.ts';
import { MNIST_TABLE_ROWS } from '../../src/experiments/mnistTables.ts';
import { cli } from '../helpers/cliProcess.ts';

const out = join(mkdtempSync(join(tmpdir(), 'ortho-reproduce-')), 'table2');
const SMALL = ['--classroom', '--train-images', '32', '--eval-batch', '1000', '--out', out, '--quiet'];

function tableRows(): string[][] {
  return readFileSync(join(out, 'table2.csv'), 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.split(','));
}

describe('npm run reproduce -- table2 --classroom', () => {
  it("trains Table 2's run set and writes the table beside the paper's numbers", () => {
    const r = cli('reproduce.ts', ['table2', '--epochs', '1', ...SMALL], { timeoutMs: 400_000 });
    expect(r.code, r.err).toBe(0);
    expect(readManifest(out)?.iteration).toBe(1);
    const md = readFileSync(join(out, 'table2.md'), 'utf8');
    expect(md).toMatch(/^# Table 2: permuted MNIST, test accuracy \(%\)/);
    expect(md).toMatch(/the classroom variant, not the paper's setting/);
    const rows = tableRows();
    // columns: run, rounds, best_iteration, best validation %, its loss, test %, test loss, paper row, paper %
    expect(rows.map((c) => c[0])).toEqual(MNIST_TABLE_ROWS.map((row) => row.name));
    for (const [k, c] of rows.entries()) {
      const test = Number(c[5]);
      expect(test, `${c[0]}: a measured test accuracy`).toBeGreaterThan(0);
      expect(test).toBeLessThanOrEqual(100);
      expect(c[7], `${c[0]}: its row of the paper`).toBe(MNIST_TABLE_ROWS[k].name);
      expect(Number(c[8]), `${c[0]}: the paper's Table 2`).toBe(MNIST_TABLE_ROWS[k].paper.table2);
      expect(c[1]).toBe('1');
      expect(c[2]).toBe('1');
    }
  }, 400_000);

  it('with no epoch missing, writes the table again without training', () => {
    const again = cli('reproduce.ts', ['table2', '--epochs', '1', ...SMALL]);
    expect(again.code, again.err).toBe(0);
    expect(again.err).not.toMatch(/resuming|training/);
    expect(again.out).toMatch(/Wrote .*table2\.md and table2\.csv/);
    expect(tableRows()).toHaveLength(9);
  });

  it('names a table it does not know, another experiment in the folder, or the same table with other settings', () => {
    const bad = cli('reproduce.ts', ['table9']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(
      /the first argument names the table or figure: table1, table2, table3, table4, figure1, figure2, figure4, figure5, appendix, table5 \(got 'table9'\)/,
    );
    const other = cli('reproduce.ts', ['table1', '--classroom', '--out', out]);
    expect(other.code).toBe(2);
    expect(other.err).toMatch(/holds another experiment \(task pmnist, 9 runs\); give a new folder/);
    // the same table with other settings: refused before any training, the folder untouched
    const sized = cli('reproduce.ts', ['table2', '--classroom', '--train-images', '64', '--out', out]);
    expect(sized.code).toBe(2);
    expect(sized.err).toMatch(/holds Table 2 with other settings \(trainSubset 32 there, 64 here\); give a new folder/);
    const paper = cli('reproduce.ts', ['table2', '--out', out]);
    expect(paper.code).toBe(2);
    expect(paper.err).toMatch(/holds Table 2 with other settings \(batchSize 32 there, 50 here\)/);
    expect(readManifest(out)?.iteration).toBe(1);
    // --help anywhere prints the usage and trains nothing
    const help = cli('reproduce.ts', ['table1', '--help']);
    expect(help.code).toBe(0);
    expect(help.out).toMatch(
      /^npm run reproduce -- table1\|table2\|table3\|table4\|figure1\|figure2\|figure4\|figure5\|appendix\|table5 \[flags\]/,
    );
    expect(help.out).toMatch(/ {2}table3 {2}Table 3: character prediction, sentences of up to 75 characters/);
    // the figures too, each with its estimate on this adapter (--help times two small probe groups)
    expect(help.out).toMatch(/ {2}figure1 {2}Figure 1: copy-task accuracy/);
    expect(help.out).toContain('Estimated times on ');
    expect(help.out).toMatch(/--classroom: .*; about \d+(\.\d)? (s|min|h|days)$/m);
  }, 300_000);

  it('table3 pointed at the folder of Table 2 is refused before any training', () => {
    const other = cli('reproduce.ts', ['table3', '--classroom', '--out', out]);
    expect(other.code).toBe(2);
    expect(other.err).toMatch(/holds another experiment \(task pmnist, 9 runs\); give a new folder/);
    expect(readManifest(out)?.iteration).toBe(1);
  });
});
