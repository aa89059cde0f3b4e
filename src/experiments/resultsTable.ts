/**
 * The results table (no React: the lab draws it under the charts, src/app/charts/ResultsSection.tsx, and
 * `npm run reproduce` writes it, tableReport.ts): one row per run with its best validation accuracy, the
 * iteration of its best-validation weights, the test accuracy at those weights (the paper's test figure),
 * and, on sequential and permuted MNIST, the paper's number for the run's configuration (Table 1 or 2,
 * matched by the run's settings: src/experiments/mnistTables.ts paperRowOf). Built from the evaluation
 * rounds the MetricsBook keeps (each run's RunEvaluation list, as the evaluation schedule writes it).
 */
import type { RunEvaluation } from '../engine/evaluationSchedule.ts';
import type { GroupSettings, RunSettings } from '../engine/settings.ts';
import { csvField } from './csvField.ts';
import { paperRowOf, paperTableOf } from './mnistTables.ts';

export interface ResultRow {
  id: string;
  name: string;
  color: string;
  /** evaluation rounds so far */
  rounds: number;
  /** the iteration whose weights are the run's best on the validation set (null: no round yet) */
  bestIteration: number | null;
  /** the validation figures at those weights (accuracy a fraction; null where not finite or none) */
  bestValidationAccuracy: number | null;
  bestValidationLoss: number | null;
  /** the test set at those weights */
  testAccuracy: number | null;
  testLoss: number | null;
  /** the paper's row of this configuration and its test accuracy in % (null: no such row, or not MNIST) */
  paperRow: string | null;
  paper: number | null;
}

/**
 * One run's row: the latest round that scored the test set names the best weights (its bestIteration); the
 * validation figures are those of the round at that iteration.
 */
export function resultRow(
  run: { id: string; settings: RunSettings },
  rounds: readonly RunEvaluation[],
  table: 'table1' | 'table2' | null,
): ResultRow {
  let test: RunEvaluation['test'];
  for (let k = rounds.length - 1; k >= 0 && !test; k--) test = rounds[k].test;
  const bestRound = test ? rounds.find((e) => e.iteration === test.bestIteration) : undefined;
  const row = table ? paperRowOf(run.settings) : null;
  return {
    id: run.id,
    name: run.settings.name,
    color: run.settings.color,
    rounds: rounds.length,
    bestIteration: test ? test.bestIteration : null,
    bestValidationAccuracy: bestRound?.validation.accuracy ?? null,
    bestValidationLoss: bestRound?.validation.loss ?? null,
    testAccuracy: test?.accuracy ?? null,
    testLoss: test?.loss ?? null,
    paperRow: row?.name ?? null,
    paper: row && table ? row.paper[table] : null,
  };
}

export function resultRows(
  group: GroupSettings,
  runs: readonly { id: string; settings: RunSettings }[],
  roundsOf: (id: string) => readonly RunEvaluation[],
): ResultRow[] {
  const table = paperTableOf(group.task);
  return runs.map((run) => resultRow(run, roundsOf(run.id), table));
}

/**
 * Where the group differs from the paper's Tables 1 and 2 (784 one-pixel steps of the 28 x 28 image, n = 128,
 * all 50,000 training images), in words, or null when it does not (or the task is not MNIST): the paper's
 * numbers then give the ordering to compare, not the values.
 */
export function paperDifferences(group: GroupSettings): string | null {
  if (!paperTableOf(group.task)) return null;
  const diff: string[] = [];
  if ((group.mnistImage ?? '28x28') !== '28x28') diff.push(`${group.mnistImage} images`);
  if ((group.mnistStep ?? 'pixel') !== 'pixel') diff.push('a row a step');
  if (group.hidden !== 128) diff.push(`n = ${group.hidden}`);
  if (group.trainSubset) diff.push(`${group.trainSubset.toLocaleString('en-US')} training images`);
  return diff.length ? diff.join(', ') : null;
}

/** A fraction as a percentage with 2 decimals (the paper's precision), '' for none. */
export function percent(v: number | null): string {
  return v === null ? '' : (100 * v).toFixed(2);
}

/** The table as CSV: accuracies in %, losses as measured, the paper's number where it has the row. */
export function resultsCsv(group: GroupSettings, rows: readonly ResultRow[]): string {
  const table = paperTableOf(group.task);
  // the text task's losses also in bits per character (loss / ln 2)
  const bits = group.task === 'text';
  const bpc = (loss: number | null) => (bits ? [loss === null ? null : loss / Math.LN2] : []);
  const header = [
    'run',
    'rounds',
    'best_iteration',
    'best_validation_accuracy_pct',
    'best_validation_loss',
    ...(bits ? ['best_validation_bpc'] : []),
    'test_accuracy_pct',
    'test_loss',
    ...(bits ? ['test_bpc'] : []),
    'paper_row',
    `paper_test_accuracy_pct${table ? `_${table}` : ''}`,
  ];
  const lines = rows.map((r) =>
    [
      r.name,
      r.rounds,
      r.bestIteration,
      percent(r.bestValidationAccuracy),
      r.bestValidationLoss,
      ...bpc(r.bestValidationLoss),
      percent(r.testAccuracy),
      r.testLoss,
      ...bpc(r.testLoss),
      r.paperRow,
      r.paper,
    ]
      .map(csvField)
      .join(','),
  );
  return `${[header.join(','), ...lines].join('\n')}\n`;
}
