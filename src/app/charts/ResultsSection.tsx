/**
 * The results table under the charts: per run its best validation accuracy, the iteration of its best
 * validation weights, the test accuracy at them and, on sequential and permuted MNIST, the paper's number for
 * the run's configuration (src/app/lab/resultsTable.ts), with the table as CSV. It re-renders only when an
 * evaluation round arrives (the book's other changes, every collect, leave it alone).
 */
import { type JSX, useMemo, useState } from 'react';
import type { GroupSettings, RunSettings } from '../../engine/settings.ts';
import { paperTableOf } from '../../experiments/mnistTables.ts';
import { paperDifferences, percent, resultRows, resultsCsv } from '../../experiments/resultsTable.ts';
import type { MetricsBook } from '../lab/metricsBook.ts';
import { ExportBar } from './ExportBar.tsx';
import { useBookRedraw } from './useBookRedraw.ts';

export const RESULTS_TITLE = 'Results: test accuracy at the best validation weights';

/** Rounds kept in the book, all runs together: changes exactly when a round arrives (or runs come and go). */
function roundCount(book: MetricsBook): number {
  let n = 0;
  for (const t of book.traces.values()) n += t.evaluations.length;
  return n;
}

const cell = (v: number | null, digits: number) => (v === null ? '–' : v.toFixed(digits));

export function ResultsSection(props: {
  book: MetricsBook;
  group: GroupSettings;
  runs: readonly { id: string; settings: RunSettings; hidden: boolean }[];
}): JSX.Element {
  const { book, group, runs } = props;
  const [count, setCount] = useState(() => roundCount(book));
  useBookRedraw(book, () => setCount(roundCount(book)), 500);
  // biome-ignore lint/correctness/useExhaustiveDependencies: the book is mutated in place; the round count says when its rounds change
  const rows = useMemo(() => resultRows(group, runs, (id) => book.traces.get(id)?.evaluations ?? []), [book, group, runs, count]);
  const table = paperTableOf(group.task);
  const differs = paperDifferences(group);
  // the text task's loss is given in bits per character beside the accuracy
  const bits = group.task === 'text';
  const bpc = (loss: number | null) => (loss === null ? null : loss / Math.LN2);
  return (
    <section className="chart-section" aria-labelledby="results-title" data-testid="results">
      <h3 id="results-title">{RESULTS_TITLE}</h3>
      <p className="chart-explain">
        Every evaluation round scores the validation set at the weights of that iteration; a run whose validation accuracy improved keeps
        those weights as its best, and the test set is scored at them: the paper's test figure is that of the best validation weights, not
        of the last ones.
        {bits &&
          ' On the text task, as in the paper, the best weights are those of the highest validation accuracy (the share of characters predicted right); the loss is given in bits per character (bpc: the mean cross-entropy over every scored character of the set, in bits).'}
        {table &&
          ` The paper's column is its ${table === 'table1' ? 'Table 1 (sequential MNIST)' : 'Table 2 (permuted MNIST)'}, for the row whose configuration the run has (by its settings, not its name; – where the paper has no such row).`}
        {differs &&
          ` This group is not the paper's (${differs}; the paper: 784 one-pixel steps, n = 128, all 50,000 images): compare the ordering of the runs, not the numbers.`}
      </p>
      <table className="results-table" data-testid="results-table">
        <thead>
          <tr>
            <th scope="col">run</th>
            <th scope="col">rounds</th>
            <th scope="col">{bits ? 'best validation bpc / accuracy %' : 'best validation accuracy %'}</th>
            <th scope="col">at iteration</th>
            <th scope="col">{bits ? 'test bpc / accuracy % there' : 'test accuracy % there'}</th>
            {table && <th scope="col">paper ({table === 'table1' ? 'Table 1' : 'Table 2'}) %</th>}
          </tr>
        </thead>
        <tbody>
          {rows.map((r, k) => (
            <tr key={r.id} data-testid="results-row" data-run={r.name} className={runs[k].hidden ? 'results-hidden' : undefined}>
              <th scope="row">
                <span className="results-swatch" style={{ background: r.color }} aria-hidden="true" /> {r.name}
              </th>
              <td>{r.rounds}</td>
              <td data-testid="results-validation">
                {bits && `${cell(bpc(r.bestValidationLoss), 3)} / `}
                {cell(r.bestValidationAccuracy === null ? null : 100 * r.bestValidationAccuracy, 2)}
              </td>
              <td data-testid="results-iteration">{r.bestIteration ?? '–'}</td>
              <td data-testid="results-test" data-value={r.testAccuracy === null ? '' : percent(r.testAccuracy)}>
                {bits && `${cell(bpc(r.testLoss), 3)} / `}
                {cell(r.testAccuracy === null ? null : 100 * r.testAccuracy, 2)}
              </td>
              {table && (
                <td data-testid="results-paper" title={r.paperRow ? `the paper's row '${r.paperRow}'` : 'the paper has no such row'}>
                  {r.paper === null ? '–' : r.paper.toFixed(2)}
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
      <ExportBar
        book={book}
        chart="results"
        header={{ title: RESULTS_TITLE, settings: '' }}
        csv={[{ label: 'CSV', name: 'results', make: () => resultsCsv(group, rows) }]}
        presentation={false}
      />
    </section>
  );
}
