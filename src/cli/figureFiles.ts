/**
 * A figure's part drawn as the lab draws it: the experiment's log replayed into the lab's MetricsBook, and
 * the same scene builders (src/app/charts/lossFigure.ts, flowFigure.ts: framework-free, no DOM) and the same
 * SVG writer (sceneSvg.ts) as the lab's export buttons, so the SVG is the lab's drawing of the same numbers.
 *
 * PNG: the SVG rendered by Chromium through playwright-core (a dependency of the e2e tests, installed with
 * the dev dependencies), at twice the figure's size as the lab's PNG export. The browser is the system
 * Chromium (CHROME_PATH, else /usr/bin/chromium), else Playwright's own build. Where none can be launched
 * (no playwright-core, no browser) the PNG is not written and the command says why; the SVG always is.
 * Rendering the SVG in a browser was chosen over a rasteriser of our own: its text (axis labels, legend,
 * header) needs a font renderer that Node does not have.
 */
import { existsSync } from 'node:fs';
import { figureStyle } from '../app/charts/figureFrame.ts';
import { flowCaption, flowFigure } from '../app/charts/flowFigure.ts';
import { lossFigure } from '../app/charts/lossFigure.ts';
import type { Figure } from '../app/charts/scene.ts';
import { figureToSvg } from '../app/charts/sceneSvg.ts';
import type { ChartRun } from '../app/charts/types.ts';
import { MetricsBook } from '../app/lab/metricsBook.ts';
import type { ExperimentLog } from '../engine/experimentLog.ts';
import type { IterationRecord } from '../engine/runGroup.ts';
import type { FigurePart } from '../experiments/paperFigures.ts';
import { type ReplicateSet, replicateSets } from '../experiments/replicates.ts';

/** The lab's export width (src/app/charts/chartExport.ts EXPORT_WIDTH). */
const EXPORT_WIDTH = 1200;

/** The log's iterations as the run group delivered them, into a MetricsBook whose run ids are '0', '1', ... */
export function bookFromLog(log: ExperimentLog): MetricsBook {
  const runs = log.metrics.runs;
  const book = new MetricsBook();
  const tracked = new Map<number, number>();
  log.traces.iterations.forEach((it, k) => {
    tracked.set(it, k);
  });
  const records: IterationRecord[] = log.metrics.iterations.map((iteration, k) => {
    const rec: IterationRecord = {
      iteration,
      runs: log.metrics.metrics[k].map(([loss, accuracy, softOrthPenalty, weightDecayPenalty]) => ({
        loss,
        accuracy,
        softOrthPenalty,
        weightDecayPenalty,
      })) as IterationRecord['runs'],
    };
    const t = tracked.get(iteration);
    if (t !== undefined)
      rec.track = {
        flow: log.traces.runs.map((r) => Float32Array.from(r.flow[t] ?? [])),
        spectrum: log.traces.runs.map((r) => (r.spectrum[t] ? Float32Array.from(r.spectrum[t]!) : null)),
        spectrumNote: log.traces.runs.map(() => null),
        drift: log.traces.runs.map((r) => r.drift[t] ?? null),
      };
    return rec;
  });
  book.add(
    records,
    runs.map((_, r) => String(r)),
    runs.map((r) => (r.parameterisation === 'factorised' ? r.margin : null)),
  );
  return book;
}

/** The part's figure: the loss and accuracy chart or the gradient flow, with its header as the lab prints on exports. */
export function partFigure(part: FigurePart, log: ExperimentLog, settings: string, caption: string): Figure {
  const book = bookFromLog(log);
  // a run over several seeds is one line (their mean) with a min-max band, as the lab draws it
  const setOf = new Map<number, ReplicateSet>();
  for (const set of replicateSets(log.metrics.runs)) for (const m of set.members) setOf.set(m, set);
  const runs: ChartRun[] = log.metrics.runs.map((r, k) => ({
    id: String(k),
    name: r.name,
    color: r.color,
    hidden: false,
    margin: r.margin,
    parameterisation: r.parameterisation,
    setId: String(setOf.get(k)?.members[0] ?? k),
    setName: setOf.get(k)?.name ?? r.name,
  }));
  const style = figureStyle(EXPORT_WIDTH, false);
  if (part.chart === 'flow')
    return flowFigure(book, runs, 'normalised', style, { title: part.title, settings, caption: `${flowCaption('normalised')} ${caption}` });
  const task = log.metrics.group.task;
  const tall = divergedLoss(log);
  return lossFigure(
    book,
    runs,
    {
      logLoss: task === 'adding' || tall !== null,
      smoothing: 0.6,
      baselineLoss: log.metrics.baselineLoss,
      taskHasAccuracy: task !== 'adding',
    },
    style,
    {
      title: part.title,
      settings,
      caption:
        tall === null
          ? caption
          : `${caption} The loss axis is logarithmic: a run's loss reached ${tall.toExponential(1)}, more than ${LOG_LOSS_ABOVE} times the memoryless baseline, which would flatten every other curve.`,
    },
  );
}

/** A loss this many times the memoryless baseline puts a figure's loss axis on a log scale. */
export const LOG_LOSS_ABOVE = 100;

/** The highest finite loss of the log where it passes LOG_LOSS_ABOVE times the baseline (a run that diverged), else null. */
export function divergedLoss(log: ExperimentLog): number | null {
  let peak = -Infinity;
  for (const row of log.metrics.metrics) for (const m of row) if (Number.isFinite(m[0]) && m[0] > peak) peak = m[0];
  const base = log.metrics.baselineLoss;
  return Number.isFinite(base) && base > 0 && peak > LOG_LOSS_ABOVE * base ? peak : null;
}

export function partSvg(fig: Figure, title: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n${figureToSvg(fig, title)}\n`;
}

/** Renders SVG documents to PNG in one Chromium; either the PNGs (same order) or why none could be made. */
export async function svgsToPng(svgs: readonly { svg: string; width: number; height: number }[]): Promise<Buffer[] | { error: string }> {
  let chromium: typeof import('playwright-core').chromium;
  try {
    ({ chromium } = await import('playwright-core'));
  } catch {
    return { error: 'playwright-core is not installed (npm install --include=dev installs it with the e2e tests)' };
  }
  const executablePath = [process.env.CHROME_PATH, '/usr/bin/chromium'].find((p): p is string => !!p && existsSync(p));
  let browser: Awaited<ReturnType<typeof chromium.launch>>;
  try {
    browser = await chromium.launch({ ...(executablePath ? { executablePath } : {}), args: ['--no-sandbox', '--disable-gpu'] });
  } catch (e) {
    const first = (e instanceof Error ? e.message : String(e)).split('\n')[0];
    return { error: `no Chromium could be launched (${first}); set CHROME_PATH or run npx playwright install chromium` };
  }
  try {
    const out: Buffer[] = [];
    for (const s of svgs) {
      const page = await browser.newPage({ viewport: { width: s.width, height: s.height }, deviceScaleFactor: 2 });
      const body = s.svg.replace(/^<\?xml[^>]*>\s*/, '');
      await page.setContent(`<!doctype html><html><body style="margin:0;background:#fff">${body}</body></html>`);
      out.push(await page.locator('svg').first().screenshot({ type: 'png' }));
      await page.close();
    }
    return out;
  } finally {
    await browser.close();
  }
}
