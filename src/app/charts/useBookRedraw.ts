/**
 * Transient redraws from the MetricsBook: a chart subscribes and repaints at most every `minIntervalMs`
 * (default 200 ms, five times a second), on an animation frame, however often training records data. No
 * React state changes on the way, so a data point costs no re-render.
 */
import { useEffect, useRef } from 'react';
import type { MetricsBook } from '../lab/metricsBook.ts';

export function useBookRedraw(book: MetricsBook, draw: () => void, minIntervalMs = 200): void {
  const drawRef = useRef(draw);
  drawRef.current = draw;
  useEffect(() => {
    let frame = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let last = 0;
    let drawnVersion = -1;
    const paint = () => {
      frame = 0;
      timer = undefined;
      if (book.version === drawnVersion) return;
      drawnVersion = book.version;
      last = performance.now();
      drawRef.current();
    };
    const schedule = () => {
      if (frame || timer !== undefined) return;
      const wait = last + minIntervalMs - performance.now();
      if (wait > 0) timer = setTimeout(() => ((timer = undefined), (frame = requestAnimationFrame(paint))), wait);
      else frame = requestAnimationFrame(paint);
    };
    const unsubscribe = book.subscribe(schedule);
    return () => {
      unsubscribe();
      if (frame) cancelAnimationFrame(frame);
      if (timer !== undefined) clearTimeout(timer);
    };
  }, [book, minIntervalMs]);
}

/** Calls `onWidth` with the element's content width now and whenever it changes (window, projector, panel). */
export function useWidth(ref: React.RefObject<HTMLElement | null>, onWidth: (w: number) => void): void {
  const cb = useRef(onWidth);
  cb.current = onWidth;
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    let lastW = -1;
    let frame = 0;
    // redraw on the next frame, not inside the observer: a repaint that changes the page's height (and so
    // its scrollbar) would otherwise resize the element again within the same frame
    const ro = new ResizeObserver(() => {
      if (frame) return;
      frame = requestAnimationFrame(() => {
        frame = 0;
        const w = Math.floor(el.clientWidth);
        if (w !== lastW && w > 0) {
          lastW = w;
          cb.current(w);
        }
      });
    });
    ro.observe(el);
    return () => {
      ro.disconnect();
      if (frame) cancelAnimationFrame(frame);
    };
  }, [ref]);
}
