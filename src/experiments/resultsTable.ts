/**
 * The results table (no React: the lab draws it under the charts, src/app/charts/ResultsSection.tsx, and
 * `npm run reproduce` writes it, tableReport.ts): one row per run with its best validation figures, the
 * iteration of its best-validation weights, the test figures at those weights (the paper's test figure),
 * and, on the tasks of the paper's tables, the paper's numbers for the run's configuration (matched by the
 * run's settings: src/experiments/paperTables.ts tableRowOf): test accuracy for Tables 1 and 2 (MNIST), bpc
 * and accuracy for Tables 3 and 4 (text). Built from the evaluation rounds the MetricsBook keeps (each run's
 * RunEvaluation list, as the evaluation schedule writes it).
 */
import type { RunEvaluation } from '../engine/evaluationSchedule.ts';
import type { GroupSettings, RunSettings } from '../engine/settings.ts';
import { csvField } from './csvField.ts';
import { PAPER_TABLES, type PaperTable, type PaperTableId, paperNumber, paperTableOfGroup, tableRowOf } from './paperTables.ts';
import { replicateSets, type Summary, summarise } from './replicates.ts';

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
  /** text: the losses above in bits per character (null on other tasks, or where the loss is null) */
  bestValidationBpc: number | null;
  testBpc: number | null;
  /** the paper's row of this configuration and its test accuracy in % (null: no such row, or no table) */
  paperRow: string | null;
  paper: number | null;
  /** the paper's test bpc of that row (text tables; null otherwise) */
  paperBpc: number | null;
}

/**
 * Bits per character from a text loss: the evaluation's loss of a text set is the mean cross-entropy in nats
 * over its scored characters (each scored character the same weight), so bpc is that divided by ln 2.
 */
export function bitsPerCharacter(lossNats: number | null): number | null {
  return lossNats === null ? null : lossNats / Math.LN2;
}

function tableOf(table: PaperTable | PaperTableId | null): PaperTable | null {
  return typeof table === 'string' ? PAPER_TABLES[table] : table;
}

/**
 * One run's row: the latest round that scored the test set names the best weights (its bestIteration); the
 * validation figures are those of the round at that iteration. `table` is the paper's table of the group
 * (paperTableOfGroup), null for a task the paper reports no table of.
 */
export function resultRow(
  run: { id: string; settings: RunSettings },
  rounds: readonly RunEvaluation[],
  table: PaperTable | PaperTableId | null,
): ResultRow {
  const t = tableOf(table);
  let test: RunEvaluation['test'];
  for (let k = rounds.length - 1; k >= 0 && !test; k--) test = rounds[k].test;
  const bestRound = test ? rounds.find((e) => e.iteration === test.bestIteration) : undefined;
  const row = t ? tableRowOf(t, run.settings) : null;
  const bits = t?.measures.includes('bpc') ?? false;
  const bestValidationLoss = bestRound?.validation.loss ?? null;
  const testLoss = test?.loss ?? null;
  return {
    id: run.id,
    name: run.settings.name,
    color: run.settings.color,
    rounds: rounds.length,
    bestIteration: test ? test.bestIteration : null,
    bestValidationAccuracy: bestRound?.validation.accuracy ?? null,
    bestValidationLoss,
    testAccuracy: test?.accuracy ?? null,
    testLoss,
    bestValidationBpc: bits ? bitsPerCharacter(bestValidationLoss) : null,
    testBpc: bits ? bitsPerCharacter(testLoss) : null,
    paperRow: row?.name ?? null,
    paper: paperNumber(row, 'accuracy'),
    paperBpc: paperNumber(row, 'bpc'),
  };
}

export function resultRows(
  group: GroupSettings,
  runs: readonly { id: string; settings: RunSettings }[],
  roundsOf: (id: string) => readonly RunEvaluation[],
): ResultRow[] {
  const table = paperTableOfGroup(group);
  return runs.map((run) => resultRow(run, roundsOf(run.id), table));
}

/**
 * Where the group differs from its table of the paper, in words, or null when it does not (or the task has
 * no table): the paper's numbers then give the ordering to compare, not the values. Tables 1 and 2: 784
 * one-pixel steps of the 28 x 28 image, n = 128, all 50,000 training images. Tables 3 and 4: PTB, sentences
 * of up to 75 (Table 3) or 300 (Table 4) characters, n = 512.
 */
export function paperDifferences(group: GroupSettings): string | null {
  const table = paperTableOfGroup(group);
  if (!table) return null;
  const diff: string[] = [];
  if (table.task === 'text') {
    const paperLength = table.paper.group.maxLength;
    const corpus = group.textCorpus ?? 'brown';
    diff.push(corpus === 'brown' ? 'the Brown corpus, not PTB' : "the files loaded in the Data sets panel (the paper's numbers are PTB's)");
    if ((group.maxLength ?? 75) !== paperLength) diff.push(`sentences of up to ${group.maxLength} characters, not ${paperLength}`);
  } else {
    if ((group.mnistImage ?? '28x28') !== '28x28') diff.push(`${group.mnistImage} images`);
    if ((group.mnistStep ?? 'pixel') !== 'pixel') diff.push('a row a step');
  }
  if (group.hidden !== table.paper.group.hidden) diff.push(`n = ${group.hidden}`);
  if (table.task !== 'text' && group.trainSubset) diff.push(`${group.trainSubset.toLocaleString('en-US')} training images`);
  return diff.length ? diff.join(', ') : null;
}

/** A fraction as a percentage with 2 decimals (the paper's precision), '' for none. */
export function percent(v: number | null): string {
  return v === null ? '' : (100 * v).toFixed(2);
}

/** Bits per character with 3 decimals (one more than the paper prints), '' for none. */
export function bpcText(v: number | null): string {
  return v === null ? '' : v.toFixed(3);
}

/**
 * The table as CSV: accuracies in %, losses and bpc as measured (full precision), the paper's numbers where
 * it has the row; for text the bpc columns (validation, test, the paper's) beside the accuracy ones.
 */
export function resultsCsv(group: GroupSettings, rows: readonly ResultRow[]): string {
  const table = paperTableOfGroup(group);
  const suffix = table ? `_${table.id}` : '';
  if (table?.measures.includes('bpc')) {
    const header = [
      'run',
      'rounds',
      'best_iteration',
      'best_validation_bpc',
      'best_validation_accuracy_pct',
      'best_validation_loss_nats',
      'test_bpc',
      'test_accuracy_pct',
      'test_loss_nats',
      'paper_row',
      `paper_test_bpc${suffix}`,
      `paper_test_accuracy_pct${suffix}`,
    ];
    const lines = rows.map((r) =>
      [
        r.name,
        r.rounds,
        r.bestIteration,
        r.bestValidationBpc,
        percent(r.bestValidationAccuracy),
        r.bestValidationLoss,
        r.testBpc,
        percent(r.testAccuracy),
        r.testLoss,
        r.paperRow,
        r.paperBpc,
        r.paper,
      ]
        .map(csvField)
        .join(','),
    );
    return `${[header.join(','), ...lines].join('\n')}\n`;
  }
  const header = [
    'run',
    'rounds',
    'best_iteration',
    'best_validation_accuracy_pct',
    'best_validation_loss',
    'test_accuracy_pct',
    'test_loss',
    'paper_row',
    `paper_test_accuracy_pct${suffix}`,
  ];
  const lines = rows.map((r) =>
    [
      r.name,
      r.rounds,
      r.bestIteration,
      percent(r.bestValidationAccuracy),
      r.bestValidationLoss,
      percent(r.testAccuracy),
      r.testLoss,
      r.paperRow,
      r.paper,
    ]
      .map(csvField)
      .join(','),
  );
  return `${[header.join(','), ...lines].join('\n')}\n`;
}

/**
 * A replicate set's results over its seeds (src/experiments/replicates.ts): each figure as its Summary over the
 * seeds (mean, sample std, n; a seed without the figure yet counts as missing), beside the paper's number of
 * the set's configuration. Only sets of two seeds or more: a run of its own is its row.
 */
export interface ResultSetRow {
  name: string;
  color: string;
  /** the members' row ids, in order */
  members: string[];
  seeds: number[];
  bestValidationAccuracy: Summary;
  testAccuracy: Summary;
  bestValidationBpc: Summary;
  testBpc: Summary;
  paperRow: string | null;
  paper: number | null;
  paperBpc: number | null;
}

/** The result rows of the replicate sets of two seeds or more among `runs` (rows: resultRows of the same runs). */
export function resultSetRows(runs: readonly { id: string; settings: RunSettings }[], rows: readonly ResultRow[]): ResultSetRow[] {
  const fig = (v: number | null) => (v === null ? NaN : v);
  return replicateSets(runs.map((r) => r.settings))
    .filter((set) => set.members.length > 1)
    .map((set) => {
      const of = set.members.map((m) => rows[m]);
      return {
        name: set.name,
        color: set.color,
        members: of.map((r) => r.id),
        seeds: set.seeds,
        bestValidationAccuracy: summarise(of.map((r) => fig(r.bestValidationAccuracy))),
        testAccuracy: summarise(of.map((r) => fig(r.testAccuracy))),
        bestValidationBpc: summarise(of.map((r) => fig(r.bestValidationBpc))),
        testBpc: summarise(of.map((r) => fig(r.testBpc))),
        paperRow: of[0].paperRow,
        paper: of[0].paper,
        paperBpc: of[0].paperBpc,
      };
    });
}

/**
 * The replicate sets' results as CSV: per set and figure, the mean, sample std, min and max over the seeds
 * that have it, n and the seeds; accuracies in %, bpc as measured; the paper's number beside.
 */
export function resultSetsCsv(group: GroupSettings, sets: readonly ResultSetRow[]): string {
  const table = paperTableOfGroup(group);
  const bits = table?.measures.includes('bpc') ?? false;
  const header = ['set', 'seeds', 'figure', 'mean', 'std', 'min', 'max', 'n', 'paper_row', 'paper'];
  const lines: string[] = [];
  for (const s of sets) {
    const figures: [string, Summary, number, number | null][] = [
      ['best_validation_accuracy_pct', s.bestValidationAccuracy, 100, null],
      ['test_accuracy_pct', s.testAccuracy, 100, s.paper],
      ...(bits
        ? ([
            ['best_validation_bpc', s.bestValidationBpc, 1, null],
            ['test_bpc', s.testBpc, 1, s.paperBpc],
          ] as [string, Summary, number, number | null][])
        : []),
    ];
    for (const [name, v, scale, paper] of figures) {
      const num = (x: number) => (Number.isFinite(x) ? x * scale : null);
      lines.push(
        [s.name, s.seeds.join(' '), name, num(v.mean), num(v.std), num(v.min), num(v.max), v.n, s.paperRow, paper].map(csvField).join(','),
      );
    }
  }
  return `${[header.join(','), ...lines].join('\n')}\n`;
}
