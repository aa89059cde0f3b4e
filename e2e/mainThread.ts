/**
 * How busy the page's main thread is while the lab trains, measured two ways over one window:
 * - long tasks as the browser reports them (PerformanceObserver 'longtask', wall-clock, > 50 ms);
 * - every main-thread task from a Chrome trace, with its wall time and its thread CPU time.
 *
 * Why both: on a machine without a GPU, WebGPU runs on the CPU (SwiftShader in Chromium's GPU process) and
 * keeps every core busy, so the main thread gets only part of a core and a task's wall time stretches to
 * about twice its CPU time. The CPU time is the lab's own work; the wall time is what a user feels. On a
 * real GPU the two agree. Used by the e2e test (lab-robustness.spec.ts) and the responsiveness benchmark
 * (e2e/benchResponsiveness.ts).
 */
import type { Browser, Page } from '@playwright/test';

declare global {
  interface Window {
    __mainThreadLongTasks?: { start: number; duration: number }[];
    __lossMutations?: number[];
  }
}

export interface TaskTime {
  /** wall-clock duration (ms) */
  wall: number;
  /** CPU time of the main thread during the task (ms) */
  cpu: number;
}

export interface MainThreadWindow {
  seconds: number;
  iterations: number;
  /** long tasks the browser reported in the window (wall-clock ms) */
  longTasks: number[];
  /** every task of the page's main thread in the window */
  tasks: TaskTime[];
  /** loss-chart refreshes in the window (mutation bursts more than 50 ms apart) */
  lossRefreshes: number;
}

/** Call before page.goto: records long tasks from page load on. */
export async function observeLongTasks(page: Page): Promise<void> {
  await page.addInitScript(() => {
    window.__mainThreadLongTasks = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) window.__mainThreadLongTasks!.push({ start: e.startTime, duration: e.duration });
    }).observe({ type: 'longtask', buffered: true });
  });
}

/** Main-thread tasks (RunTask on CrRendererMain) of a Chrome trace, with wall and thread time. */
export function mainThreadTasks(trace: Buffer): TaskTime[] {
  type Ev = { name: string; ph: string; pid: number; tid: number; dur?: number; tdur?: number; args?: { name?: string } };
  const events = (JSON.parse(trace.toString()) as { traceEvents: Ev[] }).traceEvents;
  const mains = new Set(
    events.filter((e) => e.name === 'thread_name' && e.args?.name === 'CrRendererMain').map((e) => `${e.pid}:${e.tid}`),
  );
  return events
    .filter((e) => e.ph === 'X' && e.name === 'RunTask' && mains.has(`${e.pid}:${e.tid}`))
    .map((e) => ({ wall: (e.dur ?? 0) / 1000, cpu: (e.tdur ?? 0) / 1000 }));
}

/**
 * Measures `seconds` of whatever the page is doing (the caller has started training): long tasks, every
 * main-thread task (traced), the iterations done and the loss chart's refreshes.
 */
export async function measureMainThread(browser: Browser, page: Page, seconds: number): Promise<MainThreadWindow> {
  const start = await page.evaluate(() => {
    window.__lossMutations = [];
    const chart = document.querySelector('[data-testid="chart-loss"]');
    if (chart)
      new MutationObserver(() => window.__lossMutations!.push(performance.now())).observe(chart, {
        subtree: true,
        childList: true,
        attributes: true,
        characterData: true,
      });
    return { t: performance.now(), it: window.__lab!.snapshot().iteration };
  });
  // RunTask events carry thread time in this category
  await browser.startTracing(page, { categories: ['disabled-by-default-devtools.timeline'] });
  await page.waitForTimeout(seconds * 1000);
  const trace = await browser.stopTracing();
  const end = await page.evaluate(
    (t0) => ({
      t: performance.now(),
      it: window.__lab!.snapshot().iteration,
      longTasks: (window.__mainThreadLongTasks ?? []).filter((x) => x.start >= t0).map((x) => x.duration),
      renders: window.__lossMutations!,
    }),
    start.t,
  );
  const refreshes = end.renders.filter((t, i) => i === 0 || t - end.renders[i - 1] > 50).length;
  return {
    seconds: (end.t - start.t) / 1000,
    iterations: end.it - start.it,
    longTasks: end.longTasks,
    tasks: mainThreadTasks(trace),
    lossRefreshes: refreshes,
  };
}

/** The q-quantile (0..1) of values (0 for none). */
export function quantile(values: readonly number[], q: number): number {
  if (!values.length) return 0;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
}

/** One line for logs: the window in numbers. */
export function describeWindow(w: MainThreadWindow): string {
  const cpu = w.tasks.map((t) => t.cpu);
  const wall = w.tasks.map((t) => t.wall);
  const busy = cpu.reduce((a, b) => a + b, 0) / 1000 / w.seconds;
  return [
    `${w.seconds.toFixed(1)} s, ${w.iterations} iterations (${(w.iterations / w.seconds).toFixed(1)} it/s), loss chart ${(w.lossRefreshes / w.seconds).toFixed(1)} refreshes/s`,
    `long tasks (browser, > 50 ms wall): ${w.longTasks.length}${w.longTasks.length ? ` (${w.longTasks.map((d) => d.toFixed(0)).join(', ')} ms)` : ''}`,
    `main-thread tasks: ${w.tasks.length}, longest ${Math.max(0, ...wall).toFixed(1)} ms wall / ${Math.max(0, ...cpu).toFixed(1)} ms CPU, p99 CPU ${quantile(cpu, 0.99).toFixed(1)} ms, main thread busy ${(100 * busy).toFixed(0)}% of the time`,
  ].join('\n');
}
