/**
 * A table of the paper (Tables 1 and 2: test accuracy at the best validation weights) from what a trained
 * experiment's checkpoints hold, in the paper's layout with the paper's number beside each measured one:
 * markdown for reading, CSV for a spreadsheet. A row whose run has no evaluation yet says so; nothing is
 * filled in that was not measured.
 */
import type { RunEvaluation } from '../engine/evaluationSchedule.ts';
import type { RunSettings } from '../engine/settings.ts';

export interface TableRowSource {
  run: RunSettings;
  /** the run's evaluation rounds (its checkpoint's), oldest first */
  evaluations: readonly RunEvaluation[];
  /** the paper's figure for this row (%), or null where the paper has none */
  paper: number | null;
}

export interface MeasuredRow {
  name: string;
  margin: string;
  init: string;
  /** test accuracy (%) at the best validation weights, null before any round scored the test set */
  test: number | null;
  /** the best validation accuracy (%) and the iteration of its weights */
  bestValidation: number | null;
  bestIteration: number | null;
  rounds: number;
  paper: number | null;
}

function describeModel(run: RunSettings): { margin: string; init: string } {
  if (run.parameterisation === 'lstm') return { margin: 'LSTM', init: '' };
  return { margin: run.margin === null ? 'none' : String(run.margin), init: run.init };
}

/** The measured figures of one run: the test score of the last round that scored the test set (at the best weights then). */
export function measuredRow(src: TableRowSource): MeasuredRow {
  const withTest = [...src.evaluations].reverse().find((e) => e.test);
  const test = withTest?.test ?? null;
  const bestRound = test ? src.evaluations.find((e) => e.iteration === test.bestIteration) : undefined;
  const pct = (a: number | null | undefined) => (a === null || a === undefined ? null : 100 * a);
  return {
    name: src.run.name,
    ...describeModel(src.run),
    test: pct(test?.accuracy),
    bestValidation: pct(bestRound?.validation.accuracy),
    bestIteration: test?.bestIteration ?? null,
    rounds: src.evaluations.length,
    paper: src.paper,
  };
}

const num = (v: number | null, digits = 2) => (v === null ? '' : v.toFixed(digits));

export interface TableText {
  markdown: string;
  csv: string;
}

/** The table as markdown (title, one line saying what was trained, the rows) and as CSV. */
export function tableText(title: string, trained: string, rows: readonly MeasuredRow[]): TableText {
  const head = [
    'run',
    'margin',
    'initialisation',
    'test accuracy % (measured)',
    "the paper's %",
    'difference',
    'best validation %',
    'at iteration',
    'rounds',
  ];
  const cells = rows.map((r) => [
    r.name,
    r.margin,
    r.init,
    r.test === null ? 'not evaluated yet' : num(r.test),
    r.paper === null ? '-' : num(r.paper),
    r.test === null || r.paper === null ? '' : `${r.test - r.paper >= 0 ? '+' : ''}${num(r.test - r.paper)}`,
    num(r.bestValidation),
    r.bestIteration === null ? '' : String(r.bestIteration),
    String(r.rounds),
  ]);
  const md = [
    `# ${title}`,
    '',
    trained,
    '',
    `| ${head.join(' | ')} |`,
    `|${head.map(() => '---').join('|')}|`,
    ...cells.map((c) => `| ${c.join(' | ')} |`),
    '',
    "Test accuracy is measured at each run's best-validation weights (the highest validation accuracy so far, ties to the lower loss), as the paper reports it.",
    '',
  ].join('\n');
  const quote = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  const csvHead = [
    'run',
    'margin',
    'init',
    'test_accuracy_percent',
    'paper_percent',
    'best_validation_percent',
    'best_iteration',
    'rounds',
  ];
  const csv = [
    csvHead.join(','),
    ...rows.map((r) =>
      [r.name, r.margin, r.init, num(r.test, 4), num(r.paper), num(r.bestValidation, 4), r.bestIteration ?? '', r.rounds]
        .map((v) => quote(String(v)))
        .join(','),
    ),
    '',
  ].join('\n');
  return { markdown: md, csv };
}
