/** The singular spectrum of W over training (the paper's Figure 3) and the orthogonality drift of U and V. */
import { type JSX, useCallback } from 'react';
import type { MetricsBook } from '../lab/metricsBook.ts';
import { currentSpectrumCsv, driftCsv, spectrumCsv } from './chartCsv.ts';
import { ExportBar } from './ExportBar.tsx';
import { FigureCanvas } from './FigureCanvas.tsx';
import type { FigureHeader, FigureStyle } from './figureFrame.ts';
import { RestartNotes } from './RestartNotes.tsx';
import { driftFigure, spectrumFigure } from './spectrumFigure.ts';
import type { ChartRun } from './types.ts';

export const SPECTRUM_TITLE = 'Singular spectrum of W over training';
export const DRIFT_TITLE = 'Orthogonality drift of U and V';
const SPECTRUM_CAPTION =
  'Bands: min to max and mean ± one standard deviation of the singular values of W; line: their mean; dashed: the margin’s bounds 1 ± m. Right: the current spectrum as a histogram on the same axis.';
const DRIFT_CAPTION = 'max |UᵀU − I| (solid) and max |VᵀV − I| (dashed) per factorised run, on a log scale.';

export function SpectrumSection(props: {
  book: MetricsBook;
  runs: ChartRun[];
  settingsSummary: string;
  presentation: boolean;
}): JSX.Element {
  const { book, runs } = props;
  const buildSpectrum = useCallback(
    (style: FigureStyle, header: FigureHeader | null = null) => spectrumFigure(book, runs, style, header),
    [book, runs],
  );
  const buildDrift = useCallback(
    (style: FigureStyle, header: FigureHeader | null = null) => driftFigure(book, runs, style, header),
    [book, runs],
  );
  return (
    <>
      <section className="chart-section" aria-labelledby="chart-spectrum-title" data-testid="chart-spectrum">
        <h3 id="chart-spectrum-title">{SPECTRUM_TITLE}</h3>
        <p className="chart-explain">
          W = U diag(s) Vᵀ keeps its singular values s within the margin m of 1, as in the paper’s Figure 3. Singular values near 1 mean W
          neither shrinks nor stretches the signal, so gradients neither vanish nor explode over many steps; a small margin holds the
          spectrum there, while a large margin or none lets it spread (the paper finds it mostly stays near 1, drifting up towards about
          1.05 to offset the contraction of tanh).
        </p>
        <FigureCanvas
          book={book}
          build={buildSpectrum}
          presentation={props.presentation}
          label="Singular spectrum bands, one per run"
          testId="spectrum-canvas"
        />
        <RestartNotes book={book} runs={runs} />
        <p className="chart-caption">
          {SPECTRUM_CAPTION} Plain runs show an SVD of W and have no bounds; an LSTM shows the singular values of its stacked gate matrix
          [W_i; W_f; W_g; W_o] (4n × n, 2 at an orthogonal start), the gain from h_(t−1) into all four gates.
        </p>
        <ExportBar
          book={book}
          chart="singular-spectrum"
          header={{ title: SPECTRUM_TITLE, settings: props.settingsSummary, caption: SPECTRUM_CAPTION }}
          build={buildSpectrum}
          csv={[
            { label: 'CSV (bands)', name: 'singular-spectrum', make: () => spectrumCsv(book, runs) },
            { label: 'CSV (current spectrum)', name: 'current-spectrum', make: () => currentSpectrumCsv(book, runs) },
          ]}
          presentation={props.presentation}
        />
      </section>
      <section className="chart-section" aria-labelledby="chart-drift-title" data-testid="chart-drift">
        <h3 id="chart-drift-title">{DRIFT_TITLE}</h3>
        <p className="chart-explain">
          How far U and V have moved off the orthogonal matrices. The geodesic (Cayley) steps move them along the orthogonal manifold rather
          than off it, so in float32 the drift stays at rounding level (around 1e-6) instead of accumulating over training; without that, W
          would silently stop being U diag(s) Vᵀ with the spectrum we bound. Plain RNNs and LSTMs have no U and V.
        </p>
        <FigureCanvas
          book={book}
          build={buildDrift}
          presentation={props.presentation}
          label="Orthogonality drift of U and V over iterations"
          testId="drift-canvas"
        />
        <ExportBar
          book={book}
          chart="orthogonality-drift"
          header={{ title: DRIFT_TITLE, settings: props.settingsSummary, caption: DRIFT_CAPTION }}
          build={buildDrift}
          csv={[{ label: 'CSV', name: 'orthogonality-drift', make: () => driftCsv(book, runs) }]}
          presentation={props.presentation}
        />
      </section>
    </>
  );
}
