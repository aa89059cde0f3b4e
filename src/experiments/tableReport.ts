/**
 * A table of the paper as `npm run reproduce` writes it: the results table's rows (resultsTable.ts, the same
 * rows the lab shows under its charts) in markdown, the paper's number and the difference beside each
 * measured one, and the results table's CSV. Tables 1 and 2 (MNIST): test accuracy at the best validation
 * weights. Tables 3 and 4 (text): test bpc and accuracy there, with a line saying that the paper's numbers
 * are PTB's. A run with no evaluation yet says so; nothing is filled in that was not measured.
 */
import type { GroupSettings } from '../engine/settings.ts';
import { dataNoteOf, paperTableOfGroup } from './paperTables.ts';
import { bpcText, percent, type ResultRow, resultsCsv } from './resultsTable.ts';

export interface TableText {
  markdown: string;
  csv: string;
}

/** measured - paper with its sign, in the paper's 2 decimals; '' where either is missing. */
function difference(measured: number | null, paper: number | null): string {
  if (measured === null || paper === null) return '';
  const d = measured - paper;
  return `${d >= 0 ? '+' : ''}${d.toFixed(2)}`;
}

/** The table as markdown (title, a line saying what was trained, the rows) and as CSV. */
export function tableText(title: string, trained: string, group: GroupSettings, rows: readonly ResultRow[]): TableText {
  const table = paperTableOfGroup(group);
  const text = table?.measures.includes('bpc') ?? false;
  const head = text
    ? [
        'run',
        "the paper's row",
        'test bpc (measured)',
        "the paper's bpc",
        'difference',
        'test accuracy % (measured)',
        "the paper's %",
        'difference',
        'best validation bpc',
        'best validation %',
        'at iteration',
        'rounds',
      ]
    : [
        'run',
        "the paper's row",
        'test accuracy % (measured)',
        "the paper's %",
        'difference',
        'best validation %',
        'at iteration',
        'rounds',
      ];
  const cells = rows.map((r) => {
    const test = r.testAccuracy === null ? null : 100 * r.testAccuracy;
    const accuracy = [
      test === null ? 'not evaluated yet' : test.toFixed(2),
      r.paper === null ? '-' : r.paper.toFixed(2),
      difference(test, r.paper),
    ];
    const bpc = [
      r.testBpc === null ? 'not evaluated yet' : bpcText(r.testBpc),
      r.paperBpc === null ? '-' : r.paperBpc.toFixed(2),
      difference(r.testBpc, r.paperBpc),
    ];
    const tail = [percent(r.bestValidationAccuracy), r.bestIteration === null ? '' : String(r.bestIteration), String(r.rounds)];
    return text
      ? [r.name, r.paperRow ?? '-', ...bpc, ...accuracy, bpcText(r.bestValidationBpc), ...tail]
      : [r.name, r.paperRow ?? '-', ...accuracy, ...tail];
  });
  const measured = text
    ? "Test bpc (bits per scored character: the mean cross-entropy over the test set's scored characters / ln 2) and accuracy are measured at each run's best-validation weights, those its evaluation rounds kept as its best (docs/SCIENCE.md section 7.5); the paper took its test figures at the weights of the best validation accuracy."
    : "Test accuracy is measured at each run's best-validation weights (the highest validation accuracy so far, ties to the lower loss), as the paper reports it.";
  const note = table ? dataNoteOf(table, group) : null;
  const markdown = [
    `# ${title}`,
    '',
    trained,
    '',
    `| ${head.join(' | ')} |`,
    `|${head.map(() => '---').join('|')}|`,
    ...cells.map((c) => `| ${c.join(' | ')} |`),
    '',
    measured,
    ...(note ? ['', note] : []),
    '',
  ].join('\n');
  return { markdown, csv: resultsCsv(group, rows) };
}
