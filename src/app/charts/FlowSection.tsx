/** Gradient flow (the paper's Figure 2): one heatmap per visible run, normalised across time or log10. */
import { type JSX, useCallback, useState } from 'react';
import type { MetricsBook } from '../lab/metricsBook.ts';
import { flowCsv } from './chartCsv.ts';
import type { FlowScale } from './chartMath.ts';
import { ExportBar } from './ExportBar.tsx';
import { FigureCanvas } from './FigureCanvas.tsx';
import type { FigureHeader, FigureStyle } from './figureFrame.ts';
import { flowCaption, flowFigure } from './flowFigure.ts';
import type { ChartRun } from './types.ts';

export const FLOW_TITLE = 'Gradient flow back through time';

export function FlowSection(props: {
  book: MetricsBook;
  runs: ChartRun[];
  settingsSummary: string;
  presentation: boolean;
  /** the flow is aligned on each row's last scored step (the text task: flowAlignedOnLastScored) */
  aligned?: boolean;
}): JSX.Element {
  const { book, runs } = props;
  const aligned = props.aligned ?? false;
  const [scale, setScale] = useState<FlowScale>('normalised');
  const build = useCallback(
    (style: FigureStyle, header: FigureHeader | null = null) => flowFigure(book, runs, scale, style, header, aligned),
    [book, runs, scale, aligned],
  );
  return (
    <section className="chart-section" aria-labelledby="chart-flow-title" data-testid="chart-flow">
      <h3 id="chart-flow-title">{FLOW_TITLE}</h3>
      <p className="chart-explain">
        The norm of the gradient of the loss at the last step with respect to the hidden state h<sub>t</sub>, for every time step t (up) and
        iteration (across), as in the paper’s Figure 2. With margin 0 the transition is orthogonal and the norm is preserved back through
        time (one flat colour down to t = 0); the wider the margin, the fewer update steps this lasts, and the norm then shrinks (vanishing
        gradients) or grows (exploding gradients) as it flows back towards t = 0, so the early inputs stop steering learning.
        {aligned &&
          ' Here sentences end at different steps: the last step is each sentence’s last scored character, and the heatmap is aligned on it (up is 0 steps before it); steps that no sentence of the batch reaches back to are left white (no data).'}
      </p>
      <div className="chart-controls" role="radiogroup" aria-label="Gradient-flow colour scale">
        <label>
          <input type="radio" name="flow-scale" checked={scale === 'normalised'} onChange={() => setScale('normalised')} /> normalised
          across time
        </label>
        <label>
          <input type="radio" name="flow-scale" checked={scale === 'log10'} onChange={() => setScale('log10')} /> raw (log10 of the norm)
        </label>
      </div>
      <FigureCanvas
        book={book}
        build={build}
        presentation={props.presentation}
        label="Gradient-flow heatmaps, one per run"
        testId="flow-canvas"
      />
      <p className="chart-caption">
        {flowCaption(scale, aligned)} Time steps are averaged into as many rows as the chart has pixels; grey marks a value that is not
        finite.
      </p>
      <ExportBar
        book={book}
        chart="gradient-flow"
        header={{ title: FLOW_TITLE, settings: props.settingsSummary, caption: flowCaption(scale, aligned) }}
        build={build}
        csv={[{ label: 'CSV', name: 'gradient-flow', make: () => flowCsv(book, runs) }]}
        presentation={props.presentation}
      />
    </section>
  );
}
