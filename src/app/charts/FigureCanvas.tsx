/**
 * A live chart on a canvas: builds its Figure from the MetricsBook at the container's width and paints it
 * (device-pixel sharp) on every throttled book change, resize or change of the chart's options.
 */
import { type JSX, useCallback, useEffect, useRef } from 'react';
import type { MetricsBook } from '../lab/metricsBook.ts';
import { type FigureStyle, figureStyle } from './figureFrame.ts';
import type { Figure } from './scene.ts';
import { drawFigure } from './sceneCanvas.ts';
import { useBookRedraw, useWidth } from './useBookRedraw.ts';

export function FigureCanvas(props: {
  book: MetricsBook;
  build: (style: FigureStyle) => Figure;
  presentation: boolean;
  label: string;
  testId: string;
}): JSX.Element {
  const { book, build, presentation } = props;
  const box = useRef<HTMLDivElement>(null);
  const canvas = useRef<HTMLCanvasElement>(null);
  const width = useRef(0);

  const paint = useCallback(() => {
    const c = canvas.current;
    if (!c || width.current <= 0) return;
    const fig = build(figureStyle(width.current, presentation));
    const dpr = window.devicePixelRatio || 1;
    const w = Math.ceil(fig.width * dpr);
    const h = Math.ceil(fig.height * dpr);
    if (c.width !== w) c.width = w;
    if (c.height !== h) c.height = h;
    c.style.width = `${fig.width}px`;
    c.style.height = `${fig.height}px`;
    const ctx = c.getContext('2d');
    if (!ctx) return;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    drawFigure(ctx, fig);
    c.dataset.drawnVersion = String(book.version);
  }, [book, build, presentation]);

  useBookRedraw(book, paint);
  useWidth(box, (w) => {
    width.current = w;
    paint();
  });
  useEffect(() => paint(), [paint]);

  return (
    <div ref={box} className="figure-box">
      <canvas ref={canvas} role="img" aria-label={props.label} data-testid={props.testId} />
    </div>
  );
}
