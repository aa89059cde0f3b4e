/**
 * The lab's live charts: loss and accuracy (with the validation rounds, and the results table under them when
 * the group evaluates), gradient flow (the paper's Figure 2), the singular spectrum
 * (Figure 3) and the orthogonality drift of U and V. Each redraws from the MetricsBook on its own
 * (subscribe + requestAnimationFrame, a few times a second), not through React; each exports PNG, SVG and CSV.
 */
import type { JSX } from 'react';
import { flowAlignedOnLastScored } from '../../engine/flowRows.ts';
import { evaluationOf, type GroupSettings, type RunSettings } from '../../engine/settings.ts';
import type { MetricsBook } from '../lab/metricsBook.ts';
import { FlowSection } from './FlowSection.tsx';
import { LossSection } from './LossSection.tsx';
import { ResultsSection } from './ResultsSection.tsx';
import { SpectrumSection } from './SpectrumSection.tsx';
import type { ChartRun } from './types.ts';
import './charts.css';

export interface ChartsPanelProps {
  book: MetricsBook;
  runs: ChartRun[];
  baselineLoss: number;
  taskHasAccuracy: boolean;
  settingsSummary: string;
  presentation: boolean;
  /** the group's settings and the runs' (the results table matches runs to the paper's rows by them) */
  group: GroupSettings;
  runSettings: readonly { id: string; settings: RunSettings; hidden: boolean }[];
}

export function ChartsPanel(props: ChartsPanelProps): JSX.Element {
  const { book, runs, settingsSummary, presentation } = props;
  const hidden = runs.filter((r) => r.hidden).length;
  const evaluates = evaluationOf(props.group) !== null;
  return (
    <section className={presentation ? 'charts charts-presentation' : 'charts'} aria-label="Live charts" data-testid="charts-panel">
      {hidden > 0 && <p className="note">{hidden === 1 ? '1 hidden run is' : `${hidden} hidden runs are`} not drawn.</p>}
      <LossSection
        book={book}
        runs={runs}
        baselineLoss={props.baselineLoss}
        taskHasAccuracy={props.taskHasAccuracy}
        bits={props.group.task === 'text'}
        settingsSummary={settingsSummary}
        presentation={presentation}
        evaluates={evaluates}
      />
      {evaluates && <ResultsSection book={book} group={props.group} runs={props.runSettings} />}
      <FlowSection
        book={book}
        runs={runs}
        settingsSummary={settingsSummary}
        presentation={presentation}
        aligned={flowAlignedOnLastScored(props.group.task)}
      />
      <SpectrumSection book={book} runs={runs} settingsSummary={settingsSummary} presentation={presentation} />
    </section>
  );
}
