/**
 * A chart's export buttons: PNG and SVG of its Figure (title, axes, legend, settings printed on it) and its data as CSV.
 * A section with no figure (the results table) passes no `build` and gets its CSV buttons only.
 */
import { type JSX, useState } from 'react';
import type { MetricsBook } from '../lab/metricsBook.ts';
import { csvBlob, downloadBlob, EXPORT_WIDTH, exportFilename, figurePngBlob, figureSvgBlob } from './chartExport.ts';
import { type FigureHeader, type FigureStyle, figureStyle, lastIteration } from './figureFrame.ts';
import type { Figure } from './scene.ts';

export interface CsvExport {
  /** button text, e.g. 'CSV' */
  label: string;
  /** file name part, e.g. 'gradient-flow' */
  name: string;
  make: () => string;
}

export function ExportBar(props: {
  book: MetricsBook;
  chart: string;
  header: FigureHeader;
  build?: (style: FigureStyle, header: FigureHeader) => Figure;
  csv: CsvExport[];
  presentation: boolean;
}): JSX.Element {
  const [error, setError] = useState<string | null>(null);
  const figure = (build: NonNullable<typeof props.build>) => {
    const h = props.header;
    const measured = `Measured up to iteration ${lastIteration(props.book)}; exported ${new Date().toISOString().slice(0, 16).replace('T', ' ')}.`;
    return build(figureStyle(EXPORT_WIDTH, props.presentation), { ...h, caption: [measured, h.caption].filter(Boolean).join(' ') });
  };
  const guard = async (what: string, f: () => void | Promise<void>) => {
    try {
      setError(null);
      await f();
    } catch (e) {
      setError(`Could not export the ${what}: ${e instanceof Error ? e.message : String(e)}`);
    }
  };
  return (
    // biome-ignore lint/a11y/useSemanticElements: a row of buttons in the chart header, not a form; a fieldset would bring form styling
    <div className="export-bar" role="group" aria-label={`Export ${props.header.title}`}>
      <span className="export-label">Export</span>
      {props.build && (
        <>
          <button
            type="button"
            data-testid={`export-${props.chart}-png`}
            onClick={() =>
              guard('PNG', async () => downloadBlob(await figurePngBlob(figure(props.build!)), exportFilename(props.chart, 'png')))
            }
          >
            PNG
          </button>
          <button
            type="button"
            data-testid={`export-${props.chart}-svg`}
            onClick={() =>
              guard('SVG', () => downloadBlob(figureSvgBlob(figure(props.build!), props.header.title), exportFilename(props.chart, 'svg')))
            }
          >
            SVG
          </button>
        </>
      )}
      {props.csv.map((c) => (
        <button
          key={c.name}
          type="button"
          data-testid={`export-${c.name}-csv`}
          onClick={() => guard('CSV', () => downloadBlob(csvBlob(c.make()), exportFilename(c.name, 'csv')))}
        >
          {c.label}
        </button>
      ))}
      {error && (
        <span className="export-error" role="alert">
          {error}
        </span>
      )}
    </div>
  );
}
