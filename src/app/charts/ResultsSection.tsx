/**
 * The results table under the charts: per run its best validation accuracy, the iteration of its best
 * validation weights, the test accuracy at them (for text also bpc, validation and test) and, on the tasks of
 * the paper's tables (MNIST: Tables 1 and 2; text: Tables 3 and 4), the paper's numbers for the run's
 * configuration (src/experiments/resultsTable.ts), with the table as CSV. It re-renders only when an
 * evaluation round arrives (the book's other changes, every collect, leave it alone). A run trained over several
 * seeds gets a row over its seeds above its seeds' rows: each figure as mean ± std (n) over them.
 */
import { Fragment, type JSX, useMemo, useState } from 'react';
import type { GroupSettings, RunSettings } from '../../engine/settings.ts';
import { type PaperTable, paperTableOfGroup } from '../../experiments/paperTables.ts';
import { formatSummary, type Summary } from '../../experiments/replicates.ts';
import {
  bpcText,
  paperDifferences,
  percent,
  type ResultSetRow,
  resultRows,
  resultSetRows,
  resultSetsCsv,
  resultsCsv,
} from '../../experiments/resultsTable.ts';
import type { MetricsBook } from '../lab/metricsBook.ts';
import { ExportBar } from './ExportBar.tsx';
import { useBookRedraw } from './useBookRedraw.ts';

export const RESULTS_TITLE = 'Results: test accuracy at the best validation weights';
export const TEXT_RESULTS_TITLE = 'Results: test bpc and accuracy at the best validation weights';

/** What the paper's column is, in words: its table, and for text that its numbers are PTB's. */
function paperColumnText(table: PaperTable): string {
  const what =
    table.task === 'text'
      ? `${table.label} (character prediction on PTB sentences of up to ${table.paper.group.maxLength} characters; its bpc and accuracy are PTB's, whatever corpus this group trains on)`
      : `${table.label} (${table.task === 'mnist' ? 'sequential' : 'permuted'} MNIST)`;
  return ` The paper's ${table.task === 'text' ? 'columns are' : 'column is'} its ${what}, for the row whose configuration the run has (by its settings, not its name; – where the paper has no such row).`;
}

/** The paper's setting of a table, in words, for the line that says where a group differs from it. */
function paperSettingText(table: PaperTable): string {
  return table.task === 'text'
    ? `PTB, sentences of up to ${table.paper.group.maxLength} characters, n = ${table.paper.group.hidden}`
    : '784 one-pixel steps, n = 128, all 50,000 images';
}

const cell = (v: number | null, digits: number) => (v === null ? '–' : v.toFixed(digits));
/** A figure over seeds: mean ± std (n seeds), '–' before any seed has it. */
const overSeeds = (v: Summary, digits: number, scale = 1) => (v.n === 0 ? '–' : formatSummary(v, digits, scale));

export function ResultsSection(props: {
  book: MetricsBook;
  group: GroupSettings;
  runs: readonly { id: string; settings: RunSettings; hidden: boolean }[];
}): JSX.Element {
  const { book, group, runs } = props;
  const [rounds, setRounds] = useState(() => book.roundsVersion);
  useBookRedraw(book, () => setRounds(book.roundsVersion), 500);
  // biome-ignore lint/correctness/useExhaustiveDependencies: the book is mutated in place; its rounds version says when its rounds change
  const rows = useMemo(() => resultRows(group, runs, (id) => book.traces.get(id)?.evaluations ?? []), [book, group, runs, rounds]);
  const sets = useMemo(() => resultSetRows(runs, rows), [runs, rows]);
  const setAt = new Map<number, ResultSetRow>();
  for (const set of sets)
    setAt.set(
      rows.findIndex((r) => r.id === set.members[0]),
      set,
    );
  const table = paperTableOfGroup(group);
  const text = table?.measures.includes('bpc') ?? false;
  const differs = paperDifferences(group);
  const title = text ? TEXT_RESULTS_TITLE : RESULTS_TITLE;
  return (
    <section className="chart-section" aria-labelledby="results-title" data-testid="results">
      <h3 id="results-title">{title}</h3>
      <p className="chart-explain">
        Every evaluation round scores the validation set at the weights of that iteration; a run whose validation accuracy improved keeps
        those weights as its best, and the test set is scored at them: the paper's test figure is that of the best validation weights, not
        of the last ones.
        {text &&
          " bpc is bits per scored character: the mean cross-entropy over the set's scored characters divided by ln 2 (lower is better)."}
        {table && paperColumnText(table)}
        {table &&
          differs &&
          ` This group is not the paper's (${differs}; the paper: ${paperSettingText(table)}): compare the ordering of the runs, not the numbers.`}
      </p>
      <table className="results-table" data-testid="results-table">
        <thead>
          <tr>
            <th scope="col">run</th>
            <th scope="col">rounds</th>
            {text && <th scope="col">best validation bpc</th>}
            <th scope="col">best validation accuracy %</th>
            <th scope="col">at iteration</th>
            {text && <th scope="col">test bpc there</th>}
            <th scope="col">test accuracy % there</th>
            {text && table && <th scope="col">paper ({table.label}) bpc</th>}
            {table && <th scope="col">paper ({table.label}) %</th>}
          </tr>
        </thead>
        <tbody>
          {rows.map((r, k) => (
            <Fragment key={r.id}>
              {setAt.has(k) && <SetRow set={setAt.get(k)!} text={text} hasTable={table !== null} />}
              <tr data-testid="results-row" data-run={r.name} className={runs[k].hidden ? 'results-hidden' : undefined}>
                <th scope="row">
                  <span className="results-swatch" style={{ background: r.color }} aria-hidden="true" /> {r.name}
                </th>
                <td>{r.rounds}</td>
                {text && <td data-testid="results-validation-bpc">{r.bestValidationBpc === null ? '–' : bpcText(r.bestValidationBpc)}</td>}
                <td data-testid="results-validation">
                  {cell(r.bestValidationAccuracy === null ? null : 100 * r.bestValidationAccuracy, 2)}
                </td>
                <td data-testid="results-iteration">{r.bestIteration ?? '–'}</td>
                {text && (
                  <td data-testid="results-test-bpc" data-value={bpcText(r.testBpc)}>
                    {r.testBpc === null ? '–' : bpcText(r.testBpc)}
                  </td>
                )}
                <td data-testid="results-test" data-value={r.testAccuracy === null ? '' : percent(r.testAccuracy)}>
                  {cell(r.testAccuracy === null ? null : 100 * r.testAccuracy, 2)}
                </td>
                {text && (
                  <td
                    data-testid="results-paper-bpc"
                    title={r.paperRow ? `the paper's row '${r.paperRow}' (PTB)` : 'the paper has no such row'}
                  >
                    {r.paperBpc === null ? '–' : r.paperBpc.toFixed(2)}
                  </td>
                )}
                {table && (
                  <td data-testid="results-paper" title={r.paperRow ? `the paper's row '${r.paperRow}'` : 'the paper has no such row'}>
                    {r.paper === null ? '–' : r.paper.toFixed(2)}
                  </td>
                )}
              </tr>
            </Fragment>
          ))}
        </tbody>
      </table>
      <ExportBar
        book={book}
        chart="results"
        header={{ title, settings: '' }}
        csv={[
          { label: 'CSV', name: 'results', make: () => resultsCsv(group, rows) },
          ...(sets.length ? [{ label: 'CSV (over seeds)', name: 'results-seeds', make: () => resultSetsCsv(group, sets) }] : []),
        ]}
        presentation={false}
      />
    </section>
  );
}

/** A replicate set's row: its figures over its seeds (mean ± std, n), above its seeds' own rows. */
function SetRow({ set, text, hasTable }: { set: ResultSetRow; text: boolean; hasTable: boolean }): JSX.Element {
  return (
    <tr data-testid="results-set" data-set={set.name} className="results-set">
      <th scope="row">
        <span className="results-swatch" style={{ background: set.color }} aria-hidden="true" /> {set.name}, over {set.seeds.length} seeds
      </th>
      <td>–</td>
      {text && <td data-testid="results-set-validation-bpc">{overSeeds(set.bestValidationBpc, 3)}</td>}
      <td data-testid="results-set-validation">{overSeeds(set.bestValidationAccuracy, 2, 100)}</td>
      <td>–</td>
      {text && <td data-testid="results-set-test-bpc">{overSeeds(set.testBpc, 3)}</td>}
      <td data-testid="results-set-test">{overSeeds(set.testAccuracy, 2, 100)}</td>
      {text && hasTable && <td>{set.paperBpc === null ? '–' : set.paperBpc.toFixed(2)}</td>}
      {hasTable && <td>{set.paper === null ? '–' : set.paper.toFixed(2)}</td>}
    </tr>
  );
}
