/**
 * A table of the paper (Tables 1 and 2: test accuracy at the best validation weights) as `npm run reproduce`
 * writes it: the results table's rows (resultsTable.ts, the same rows the lab shows under its charts) in
 * markdown, the paper's number and the difference beside each measured one, and the results table's CSV.
 * A run with no evaluation yet says so; nothing is filled in that was not measured.
 */
import type { GroupSettings } from '../engine/settings.ts';
import { percent, type ResultRow, resultsCsv } from './resultsTable.ts';

export interface TableText {
  markdown: string;
  csv: string;
}

/** The table as markdown (title, a line saying what was trained, the rows) and as CSV. */
export function tableText(title: string, trained: string, group: GroupSettings, rows: readonly ResultRow[]): TableText {
  const head = [
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
    const diff = test === null || r.paper === null ? '' : `${test - r.paper >= 0 ? '+' : ''}${(test - r.paper).toFixed(2)}`;
    return [
      r.name,
      r.paperRow ?? '-',
      test === null ? 'not evaluated yet' : test.toFixed(2),
      r.paper === null ? '-' : r.paper.toFixed(2),
      diff,
      percent(r.bestValidationAccuracy),
      r.bestIteration === null ? '' : String(r.bestIteration),
      String(r.rounds),
    ];
  });
  const markdown = [
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
  return { markdown, csv: resultsCsv(group, rows) };
}
