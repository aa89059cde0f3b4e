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
import { resultRow } from '../../src/experiments/resultsTable.ts';
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

describe('the flags of a run set', () => {
  for (const [label, group, runs] of [
    ["Table 1's paper settings", mnistPaperGroup('mnist'), mnistTableRuns(PAPER_RATES)],
    ["Table 2's classroom settings", mnistClassroomGroup('pmnist', true), mnistTableRuns(INTERACTIVE_RATES)],
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
