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
import { PAPER_RUN } from '../../src/engine/settings.ts';
import { INTERACTIVE_RATES, mnistClassroomGroup, mnistPaperGroup, mnistTableRuns, PAPER_RATES } from '../../src/experiments/mnistTables.ts';
import { measuredRow, tableText } from '../../src/experiments/tableReport.ts';

const score = (accuracy: number, loss = 1) => ({ loss, accuracy, count: 10_000 });

const rounds: RunEvaluation[] = [
  { iteration: 100, validation: score(0.5), test: { ...score(0.48), bestIteration: 100 } },
  { iteration: 200, validation: score(0.62), test: { ...score(0.6), bestIteration: 200 } },
  // worse: the best weights stay those of iteration 200, no new test figure
  { iteration: 300, validation: score(0.58) },
];

describe('a table row from evaluation rounds', () => {
  it('takes the test score at the best validation weights, not the last round', () => {
    const row = measuredRow({ run: { ...PAPER_RUN, name: 'm=1', margin: 1 }, evaluations: rounds, paper: 93.84 });
    expect(row).toEqual({
      name: 'm=1',
      margin: '1',
      init: 'orthogonal',
      test: 60,
      bestValidation: 62,
      bestIteration: 200,
      rounds: 3,
      paper: 93.84,
    });
  });

  it('a run never evaluated says so; an LSTM row is named as such', () => {
    const row = measuredRow({ run: { ...PAPER_RUN, name: 'LSTM', parameterisation: 'lstm', margin: null }, evaluations: [], paper: 97.3 });
    expect(row.test).toBeNull();
    expect(row.margin).toBe('LSTM');
    const { markdown, csv } = tableText('Table 1', 'trained so', [row]);
    expect(markdown).toMatch(/\| LSTM \| LSTM \| {2}\| not evaluated yet \| 97\.30 \| {2}\|/);
    expect(csv.split('\n')[1]).toBe('LSTM,LSTM,,,97.30,,,0');
  });

  it('markdown and CSV carry the measured number, the paper and the difference', () => {
    const row = measuredRow({
      run: { ...PAPER_RUN, name: 'none (Glorot)', margin: null, init: 'glorot' },
      evaluations: rounds,
      paper: 66.71,
    });
    const { markdown, csv } = tableText('Table 1: sequential MNIST', 'Trained by a test.', [row]);
    expect(markdown).toMatch(/^# Table 1: sequential MNIST\n\nTrained by a test\.\n/);
    expect(markdown).toMatch(/\| none \(Glorot\) \| none \| glorot \| 60\.00 \| 66\.71 \| -6\.71 \| 62\.00 \| 200 \| 3 \|/);
    expect(csv.split('\n')[1]).toBe('none (Glorot),none,glorot,60.0000,66.71,62.0000,200,3');
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
