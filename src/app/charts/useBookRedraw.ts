/**
 * Transient redraws from the MetricsBook: a chart subscribes and repaints at most every `minIntervalMs`
 * (default 200 ms, five times a second), on an animation frame shared fairly with the other charts (a paint
 * queue), however often training records data. No
 * React state changes on the way, so a data point costs no re-render.
 */
import { useEffect, useRef } from 'react';
import type { MetricsBook } from '../lab/metricsBook.ts';

/**
 * One paint queue for every chart on the page: each animation frame runs ONE queued paint and leaves the
 * rest for the next frames. Charts that would all repaint in the same frame (one long task: canvas paints
 * plus React renders batched together) are spread over several frames instead, so the main thread stays
 * responsive; with a handful of charts a full round still takes only a few frames.
 */
const paintQueue: (() => void)[] = [];
let queueFrame = 0;

function runPaintQueue(): void {
  queueFrame = 0;
  paintQueue.shift()?.();
  if (paintQueue.length > 0) queueFrame = requestAnimationFrame(runPaintQueue);
}

function enqueuePaint(job: () => void): void {
  if (!paintQueue.includes(job)) paintQueue.push(job);
  if (!queueFrame) queueFrame = requestAnimationFrame(runPaintQueue);
}

function dequeuePaint(job: () => void): void {
  const i = paintQueue.indexOf(job);
  if (i >= 0) paintQueue.splice(i, 1);
}

export function useBookRedraw(book: MetricsBook, draw: () => void, minIntervalMs = 200): void {
  const drawRef = useRef(draw);
  drawRef.current = draw;
  useEffect(() => {
    let queued = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let last = 0;
    let drawnVersion = -1;
    const paint = () => {
      queued = false;
      if (book.version === drawnVersion) return;
      drawnVersion = book.version;
      last = performance.now();
      drawRef.current();
    };
    const schedule = () => {
      if (queued || timer !== undefined) return;
      const wait = last + minIntervalMs - performance.now();
      const enqueue = () => {
        timer = undefined;
        queued = true;
        enqueuePaint(paint);
      };
      if (wait > 0) timer = setTimeout(enqueue, wait);
      else enqueue();
    };
    const unsubscribe = book.subscribe(schedule);
    // what changed between the render and this effect (a book filled while the component mounted: an imported
    // experiment's rounds set right after its runs) reached no subscriber: one paint now catches it up
    schedule();
    return () => {
      unsubscribe();
      dequeuePaint(paint);
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
