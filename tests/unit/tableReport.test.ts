/**
 * The paper's tables from an experiment's evaluation rounds (src/experiments/tableReport.ts), on rounds made
 * for the test: the test figure is that of the last round that scored the test set (at the best weights then),
 * the best validation that of the round its weights come from; a run never evaluated says so; the paper's
 * number and the difference sit beside. And the flags reproduce starts train with (experimentToFlags) give
 * back exactly the group and runs they were made from.
 */
import { describe, expect, it } from 'vitest';
import { parseArgs } from '../../src/cli/args.ts';
import { EXPERIMENT_FLAGS, experimentFromFlags, experimentToFlags } from '../../src/cli/experimentFlags.ts';
import type { RunEvaluation } from '../../src/engine/evaluationSchedule.ts';
import { PAPER_RUN, type RunSettings } from '../../src/engine/settings.ts';
import { INTERACTIVE_RATES, mnistClassroomGroup, mnistPaperGroup, mnistTableRuns, PAPER_RATES } from '../../src/experiments/mnistTables.ts';
import { PAPER_TABLES, tableRuns } from '../../src/experiments/paperTables.ts';
import { paperDifferences, resultRow, resultRows } from '../../src/experiments/resultsTable.ts';
import { tableText } from '../../src/experiments/tableReport.ts';

const score = (accuracy: number, loss = 1) => ({ loss, accuracy, count: 10_000 });

const rounds: RunEvaluation[] = [
  { iteration: 100, validation: score(0.5), test: { ...score(0.48), bestIteration: 100 } },
  { iteration: 200, validation: score(0.62), test: { ...score(0.6), bestIteration: 200 } },
  // worse: the best weights stay those of iteration 200, no new test figure
  { iteration: 300, validation: score(0.58) },
];

const run = (over: Partial<RunSettings>) => ({ id: 'r', settings: { ...PAPER_RUN, nonlinearity: 'tanh' as const, ...over } });

describe("a reproduced table's markdown", () => {
  it('the test score at the best validation weights, the paper and the difference', () => {
    const row = resultRow(run({ name: 'none (Glorot)', margin: null, init: 'glorot' }), rounds, 'table1');
    const { markdown, csv } = tableText('Table 1: sequential MNIST', 'Trained by a test.', mnistPaperGroup('mnist'), [row]);
    expect(markdown).toMatch(/^# Table 1: sequential MNIST\n\nTrained by a test\.\n/);
    expect(markdown).toMatch(/\| none \(Glorot\) \| none \(Glorot\) \| 60\.00 \| 66\.71 \| -6\.71 \| 62\.00 \| 200 \| 3 \|/);
    // the CSV is the lab's results table's
    expect(csv.split('\n')[0]).toMatch(/^run,rounds,best_iteration,.*,paper_test_accuracy_pct_table1$/);
  });

  it('a run never evaluated says so; a run the paper has no row for gets a dash', () => {
    const lstm = resultRow(run({ name: 'LSTM', parameterisation: 'lstm', margin: null }), [], 'table1');
    const odd = resultRow(run({ name: 'relu', nonlinearity: 'relu' }), rounds, 'table1');
    const { markdown } = tableText('Table 1', 'trained so', mnistPaperGroup('mnist'), [lstm, odd]);
    expect(markdown).toMatch(/\| LSTM \| LSTM \| not evaluated yet \| 97\.30 \| {2}\| {2}\| {2}\| 0 \|/);
    expect(markdown).toMatch(/\| relu \| - \| 60\.00 \| - \| {2}\| 62\.00 \| 200 \| 3 \|/);
  });
});

describe("a text table's markdown and CSV (Tables 3 and 4)", () => {
  // text losses are nats per scored character: 1.5 nats = 2.164 bpc, 1.4 nats = 2.020 bpc
  const textRounds: RunEvaluation[] = [
    { iteration: 412, validation: score(0.5, 1.6), test: { ...score(0.49, 1.62), bestIteration: 412 } },
    { iteration: 824, validation: score(0.56, 1.5), test: { ...score(0.55, 1.4), bestIteration: 824 } },
  ];
  const t3 = PAPER_TABLES.table3;
  const [m100, , , identity] = [4, 0, 0, 7].map((k) => tableRuns(t3, t3.paper)[k]);

  it("bpc and accuracy measured, the paper's (PTB) beside, the differences; a run never evaluated says so", () => {
    const rows = [resultRow({ id: 'a', settings: m100 }, textRounds, 'table3'), resultRow({ id: 'b', settings: identity }, [], 'table3')];
    expect(rows[0].testBpc).toBeCloseTo(1.4 / Math.LN2, 12);
    expect(rows[0].bestValidationBpc).toBeCloseTo(1.5 / Math.LN2, 12);
    expect([rows[0].paperRow, rows[0].paperBpc, rows[0].paper]).toEqual(['m=100', 2.04, 57.51]);
    const { markdown, csv } = tableText(t3.title, 'Trained by a test.', t3.paper.group, rows);
    expect(markdown).toMatch(
      /^# Table 3: character prediction, sentences of up to 75 characters, test bpc and accuracy \(%\)\n\nTrained by a test\.\n/,
    );
    expect(markdown).toContain(
      "| run | the paper's row | test bpc (measured) | the paper's bpc | difference | test accuracy % (measured) | the paper's % | difference | best validation bpc | best validation % | at iteration | rounds |",
    );
    expect(markdown).toContain('| m=100 | m=100 | 2.020 | 2.04 | -0.02 | 55.00 | 57.51 | -2.51 | 2.164 | 56.00 | 824 | 2 |');
    expect(markdown).toContain(
      '| none (identity) | none (identity) | not evaluated yet | 2.25 |  | not evaluated yet | 53.83 |  |  |  |  | 0 |',
    );
    expect(markdown).toMatch(/The paper's numbers are for PTB \(Penn Treebank sentences\); the default corpus here is Brown/);
    // trained on the user's files: the note says when the numbers compare directly
    const files = tableText(t3.title, 'x', { ...t3.paper.group, textCorpus: 'files' }, rows).markdown;
    expect(files).toMatch(/this group trained on the files it was given: if those are PTB's .* they compare directly/);
    expect(files).not.toMatch(/default corpus here is Brown/);
    expect(csv.split('\n')).toEqual([
      'run,rounds,best_iteration,best_validation_bpc,best_validation_accuracy_pct,best_validation_loss_nats,test_bpc,test_accuracy_pct,test_loss_nats,paper_row,paper_test_bpc_table3,paper_test_accuracy_pct_table3',
      `m=100,2,824,${1.5 / Math.LN2},56.00,1.5,${1.4 / Math.LN2},55.00,1.4,m=100,2.04,57.51`,
      'none (identity),0,,,,,,,,none (identity),2.25,53.83',
      '',
    ]);
  });

  it("a text group's rows go beside Table 3 or 4 by its sentence limit, and say where it is not the paper's", () => {
    const t4 = PAPER_TABLES.table4;
    const runs = [{ id: 'a', settings: m100 }];
    expect(resultRows(t4.paper.group, runs, () => textRounds)[0]).toMatchObject({ paperRow: 'm=100', paperBpc: 2.36, paper: 51.2 });
    expect(resultRows(t3.classroom.group, runs, () => textRounds)[0]).toMatchObject({ paperBpc: 2.04, paper: 57.51 });
    expect(paperDifferences(t3.paper.group)).toBe('the Brown corpus, not PTB');
    expect(paperDifferences({ ...t4.paper.group, textCorpus: 'files' })).toBe(
      "the files loaded in the Data sets panel (the paper's numbers are PTB's)",
    );
    expect(paperDifferences(t3.classroom.group)).toBe('the Brown corpus, not PTB, sentences of up to 40 characters, not 75, n = 64');
    // an MNIST group keeps its accuracy-only table
    expect(tableText('T', 'x', mnistPaperGroup('mnist'), []).csv).toMatch(/^run,rounds,best_iteration,best_validation_accuracy_pct,/);
  });
});

describe('the flags of a run set', () => {
  for (const [label, group, runs] of [
    ["Table 1's paper settings", mnistPaperGroup('mnist'), mnistTableRuns(PAPER_RATES)],
    ["Table 2's classroom settings", mnistClassroomGroup('pmnist', true), mnistTableRuns(INTERACTIVE_RATES)],
    ["Table 3's paper settings", PAPER_TABLES.table3.paper.group, tableRuns(PAPER_TABLES.table3, PAPER_TABLES.table3.paper)],
    ["Table 4's classroom settings", PAPER_TABLES.table4.classroom.group, tableRuns(PAPER_TABLES.table4, PAPER_TABLES.table4.classroom)],
  ] as const)
    it(`${label}: give back the same group and runs`, () => {
      const flags = parseArgs(experimentToFlags(group, runs), EXPERIMENT_FLAGS);
      const back = experimentFromFlags(flags);
      expect(back.group).toEqual(group);
      expect(back.runs).toEqual(runs);
    });

  it('a run name with a comma cannot be carried by a list flag', () => {
    expect(() => experimentToFlags(mnistPaperGroup('mnist'), [{ ...PAPER_RUN, name: 'a,b' }])).toThrow(/holds a comma/);
  });
});
