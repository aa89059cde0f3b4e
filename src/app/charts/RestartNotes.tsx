/**
 * The runs that restarted from their initialisation with their history kept (a run switched to another model,
 * seed or initialisation, or every run after the task or n changed): what their charts drew before is the
 * earlier model's. One line per restart, in words, beside the dotted line the spectrum draws there.
 */
import { type JSX, useState } from 'react';
import type { MetricsBook } from '../lab/metricsBook.ts';
import type { ChartRun } from './types.ts';
import { useBookRedraw } from './useBookRedraw.ts';

/** "'name' restarted from ..." for every visible run's restarts, in iteration order. */
export function restartLines(book: MetricsBook, runs: readonly ChartRun[]): string[] {
  return runs
    .filter((r) => !r.hidden)
    .flatMap((r) => (book.traces.get(r.id)?.restarts ?? []).map((x) => ({ iteration: x.iteration, text: `'${r.name}' ${x.note}.` })))
    .sort((a, b) => a.iteration - b.iteration)
    .map((x) => x.text);
}

export function RestartNotes(props: { book: MetricsBook; runs: readonly ChartRun[] }): JSX.Element | null {
  const { book, runs } = props;
  // re-render when a restart is recorded (or the book is cleared or loaded); the runs' names come with the props
  const count = () => [...book.traces.values()].reduce((n, t) => n + t.restarts.length, 0);
  const [, setCount] = useState(count);
  useBookRedraw(book, () => setCount(count()), 500);
  const lines = restartLines(book, runs);
  if (!lines.length) return null;
  return (
    <ul className="chart-restarts" data-testid="chart-restarts">
      {lines.map((l) => (
        <li key={l}>{l}</li>
      ))}
    </ul>
  );
}
