/**
 * The results table (src/app/lab/resultsTable.ts): the paper's row of a run found by its settings, not its
 * name; best validation and test figures from evaluation events made for the test, through the MetricsBook.
 */
import { describe, expect, it } from 'vitest';
import { roundsCsv } from '../../src/app/charts/chartCsv.ts';
import { MetricsBook, testAtEachRound } from '../../src/app/lab/metricsBook.ts';
import { presets } from '../../src/app/lab/presets.ts';
import { PAPER_GROUP, PAPER_RUN, type RunSettings } from '../../src/engine/settings.ts';
import { MNIST_TABLE_ROWS, paperRowOf } from '../../src/experiments/mnistTables.ts';
import { paperDifferences, resultRows, resultsCsv } from '../../src/experiments/resultsTable.ts';
import type { TrainerRunScore } from '../../src/training/evaluationHook.ts';
import type { TrainerEvents } from '../../src/training/trainerEvents.ts';

const tanh = (s: Partial<RunSettings>): RunSettings => ({ ...PAPER_RUN, nonlinearity: 'tanh', ...s });

describe("the paper's row of a run", () => {
  it('is found by the settings, whatever the name', () => {
    expect(paperRowOf(tanh({ name: 'anything', margin: 0.1 }))?.name).toBe('m=0.1');
    expect(paperRowOf(tanh({ name: 'm=1', margin: 0.001 }))?.name).toBe('m=0.001');
    expect(paperRowOf(tanh({ margin: null }))?.name).toBe('none (orthogonal)');
    expect(paperRowOf(tanh({ margin: null, init: 'glorot' }))?.name).toBe('none (Glorot)');
    expect(paperRowOf(tanh({ margin: null, init: 'identity' }))?.name).toBe('none (identity)');
    expect(paperRowOf({ ...PAPER_RUN, name: 'x', parameterisation: 'lstm', margin: null })?.name).toBe('LSTM');
  });

  it("is none where the paper has no such configuration ('-' in the table)", () => {
    expect(paperRowOf(tanh({ margin: 0.5 }))).toBeNull(); // no row for m = 0.5
    expect(paperRowOf(tanh({ name: 'm=0.1', margin: 0.1, nonlinearity: 'relu' }))).toBeNull(); // the tables are tanh
    expect(paperRowOf(tanh({ margin: 0, init: 'glorot' }))).toBeNull(); // margins start orthogonal
    expect(paperRowOf(tanh({ name: 'm=0', margin: 0, softOrth: 0.1 }))).toBeNull(); // a soft penalty on top
    expect(paperRowOf(tanh({ margin: null, parameterisation: 'plain' }))).toBeNull();
  });

  it("every run of the Table 1 and 2 presets has its own row, in the tables' order", () => {
    for (const id of ['table1', 'table2']) {
      const p = presets(false).find((x) => x.id === id)!;
      expect(p.experiment.runs.map((r) => paperRowOf(r)?.name)).toEqual(MNIST_TABLE_ROWS.map((r) => r.name));
    }
  });
});

const score = (loss: number, accuracy: number, extra: Partial<TrainerRunScore> = {}): TrainerRunScore => ({
  loss,
  accuracy,
  count: 10_000,
  ...extra,
});

/** A round as the trainer's `evaluation` event has it: validation per run, test at the best weights when some run improved. */
function round(iteration: number, validation: TrainerRunScore[], test?: TrainerRunScore[]): TrainerEvents['evaluation'] {
  return {
    iteration,
    results: [{ iteration, split: 'validation', runs: validation }, ...(test ? [{ iteration, split: 'test' as const, runs: test }] : [])],
  };
}

describe('results from evaluation rounds', () => {
  const runs = [
    { id: 'a', settings: tanh({ name: 'm=0', color: '#111111', margin: 0 }) },
    { id: 'b', settings: tanh({ name: 'my LSTM', color: '#222222', parameterisation: 'lstm', margin: null }) },
    { id: 'c', settings: tanh({ name: 'm=0.5', color: '#333333', margin: 0.5 }) },
  ];
  const ids = runs.map((r) => r.id);

  it('the best weights are those the latest test round names; validation from that round; test at them', () => {
    const book = new MetricsBook();
    // round 1: every run improves (its first round)
    book.addEvaluation(
      round(
        100,
        [score(1.2, 0.6), score(1.5, 0.5), score(2.0, 0.3)],
        [score(1.1, 0.62, { bestIteration: 100 }), score(1.4, 0.51, { bestIteration: 100 }), score(1.9, 0.31, { bestIteration: 100 })],
      ),
      ids,
    );
    // round 2: a and c improve; b is worse (its test figures stay those of iteration 100)
    book.addEvaluation(
      round(
        200,
        [score(0.8, 0.75), score(1.6, 0.45), score(1.0, 0.7)],
        [score(0.7, 0.77, { bestIteration: 200 }), score(1.4, 0.51, { bestIteration: 100 }), score(0.9, 0.72, { bestIteration: 200 })],
      ),
      ids,
    );
    // round 3: nobody improves, no test split
    book.addEvaluation(round(300, [score(0.9, 0.74), score(1.7, 0.44), score(1.1, 0.69)]), ids);
    for (const id of ids) expect(book.traces.get(id)!.evaluations.map((e) => e.iteration)).toEqual([100, 200, 300]);
    expect(book.traces.get('b')!.evaluations[1].test).toBeUndefined();

    const rows = resultRows({ ...PAPER_GROUP, task: 'mnist' }, runs, (id) => book.traces.get(id)?.evaluations ?? []);
    expect(rows.map((r) => [r.name, r.rounds, r.bestIteration, r.bestValidationAccuracy, r.testAccuracy, r.paperRow, r.paper])).toEqual([
      ['m=0', 3, 200, 0.75, 0.77, 'm=0', 77.18],
      ['my LSTM', 3, 100, 0.5, 0.51, 'LSTM', 97.3],
      ['m=0.5', 3, 200, 0.7, 0.72, null, null],
    ]);
    expect(rows[0].bestValidationLoss).toBe(0.8);
    expect(rows[0].testLoss).toBe(0.7);

    // permuted MNIST: Table 2's numbers; copy: none
    const p = resultRows({ ...PAPER_GROUP, task: 'pmnist' }, runs, (id) => book.traces.get(id)?.evaluations ?? []);
    expect(p.map((r) => r.paper)).toEqual([83.56, 92.62, null]);
    const c = resultRows({ ...PAPER_GROUP, task: 'copy' }, runs, (id) => book.traces.get(id)?.evaluations ?? []);
    expect(c.map((r) => [r.paper, r.paperRow, r.testAccuracy])).toEqual([
      [null, null, 0.77],
      [null, null, 0.51],
      [null, null, 0.72],
    ]);

    expect(resultsCsv({ ...PAPER_GROUP, task: 'mnist' }, rows)).toBe(
      [
        'run,rounds,best_iteration,best_validation_accuracy_pct,best_validation_loss,test_accuracy_pct,test_loss,paper_row,paper_test_accuracy_pct_table1',
        'm=0,3,200,75.00,0.8,77.00,0.7,m=0,77.18',
        'my LSTM,3,100,50.00,1.5,51.00,1.4,LSTM,97.3',
        'm=0.5,3,200,70.00,1,72.00,0.9,,',
        '',
      ].join('\n'),
    );
  });

  it('a run with no round yet has an empty row; a loss that was not finite is null, never a number', () => {
    const book = new MetricsBook();
    book.addEvaluation(round(50, [score(Number.NaN, Number.NaN, { problem: 'loss not finite' })]), ['a']);
    const [row, none] = resultRows({ ...PAPER_GROUP, task: 'mnist' }, runs.slice(0, 2), (id) => book.traces.get(id)?.evaluations ?? []);
    expect(book.traces.get('a')!.evaluations[0].validation).toEqual({ loss: null, accuracy: null, count: 10_000 });
    expect(row).toMatchObject({ rounds: 1, bestIteration: null, testAccuracy: null, bestValidationAccuracy: null });
    expect(none).toMatchObject({ rounds: 0, bestIteration: null, testAccuracy: null, paper: 97.3 });
  });

  it('the rounds as CSV: validation every round, test where new best weights were taken, and test at the best weights as they stood', () => {
    const book = new MetricsBook();
    book.addEvaluation(round(5, [score(Number.NaN, Number.NaN, { problem: 'loss not finite' })]), ['a']);
    book.addEvaluation(round(10, [score(1.25, 0.5)], [score(1.5, 0.25, { bestIteration: 10 })]), ['a']);
    book.addEvaluation(round(20, [score(2, 0.375)]), ['a']);
    book.addEvaluation(round(30, [score(1, 0.625)], [score(1.125, 0.5, { bestIteration: 30 })]), ['a']);
    const chartRuns = [{ id: 'a', name: 'm=0', color: '#111111', hidden: false, margin: 0, parameterisation: 'factorised' as const }];
    expect(roundsCsv(book, chartRuns)).toBe(
      [
        'iteration,run,validation_loss,validation_accuracy,test_loss,test_accuracy,test_best_iteration,test_at_best_loss,test_at_best_accuracy,test_at_best_iteration',
        '5,m=0,,,,,,,,',
        '10,m=0,1.25,0.5,1.5,0.25,10,1.5,0.25,10',
        '20,m=0,2,0.375,,,,1.5,0.25,10',
        '30,m=0,1,0.625,1.125,0.5,30,1.125,0.5,30',
        '',
      ].join('\n'),
    );
    expect(testAtEachRound(book.traces.get('a')!.evaluations).map((t) => [t.iteration, t.test.bestIteration])).toEqual([
      [10, 10],
      [20, 10],
      [30, 30],
    ]);
  });

  it('the same round delivered again is kept once', () => {
    const book = new MetricsBook();
    const r = round(10, [score(1, 0.5)], [score(1, 0.5, { bestIteration: 10 })]);
    book.addEvaluation(r, ['a']);
    book.addEvaluation(r, ['a']);
    expect(book.traces.get('a')!.evaluations).toHaveLength(1);
  });

  it("says where a group differs from the paper's tables", () => {
    expect(paperDifferences({ ...PAPER_GROUP, task: 'mnist' })).toBeNull();
    expect(paperDifferences({ ...PAPER_GROUP, task: 'copy', hidden: 32 })).toBeNull();
    const classroom = presets(true).find((p) => p.id === 'mnist-classroom')!.experiment.group;
    expect(paperDifferences(classroom)).toBe('14x14 images, a row a step, n = 32, 2,000 training images');
  });
});
