/**
 * The lab under stress, in Chromium on SwiftShader (issue 3, sections 4 and 6):
 * - responsive while training: the loss chart follows the readbacks and the iteration counter moves; on the
 *   production build no main-thread task does heavy work (MAIN_THREAD_GUARD_MS in mainThread.ts), also while
 *   plain RNNs and an LSTM train at n = 128, whose spectra are computed on the GPU (issue 8); the 50 ms
 *   responsiveness target is measured by `npm run bench:lab`;
 * - a run whose loss turns NaN, infinite or huge fails with a message naming the iteration (the run guard
 *   freezes it on the GPU at its last finite state), the other runs train on, and the failed run's measured
 *   points stay in the book (and stop growing); the experiment exports with the failed run in it and
 *   imports back with the run still failed, the others training on;
 * - a GPU device loss during training stops the lab, the banner says what happened and what to do, and
 *   everything measured stays on the charts (which still export; the experiment file cannot, and says why).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, SCREENSHOT_DIR, test } from './fixtures.ts';
import { openLab, snapshot, trainUntil } from './lab-helpers.ts';
import { describeWindow, longestTasks, MAIN_THREAD_GUARD_MS, measureMainThread, observeLongTasks } from './mainThread.ts';
import { PROD_URL } from './servers.ts';
import { PLAIN_AND_LSTM_128, PLAIN_AND_LSTM_RUNS } from './spectrumExperiment.ts';

declare global {
  interface Window {
    __longTasks?: { start: number; duration: number; name: string; attribution: string }[];
    __lossRenders?: number[];
    __iterationSamples?: { t: number; it: number }[];
  }
}

/**
 * Measures one training window (12 s or more, 30 iterations or more) and returns what it saw. Long tasks are observed from page
 * load (buffered) and split at the moment the first iterations had run (pipelines compiled, buffers warm).
 */
async function measureTraining(page: import('@playwright/test').Page, url = '/') {
  // observe long tasks from the start (buffered), so start-up can be reported apart from training
  await page.addInitScript(() => {
    window.__longTasks = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        const a = (e as PerformanceEntry & { attribution?: { containerType?: string; name?: string }[] }).attribution?.[0];
        window.__longTasks!.push({
          start: e.startTime,
          duration: e.duration,
          name: e.name,
          attribution: a ? `${a.containerType}:${a.name}` : '',
        });
      }
    }).observe({ type: 'longtask', buffered: true });
  });
  await openLab(page, url);
  await page.getByTestId('play').click();
  // the first iterations ran (pipelines compiled, buffers warm): the measured window starts here
  await expect.poll(async () => (await snapshot(page)).iteration, { timeout: 60_000 }).toBeGreaterThanOrEqual(5);
  const t0 = await page.evaluate(() => {
    window.__lossRenders = [];
    window.__iterationSamples = [];
    const chart = document.querySelector('[data-testid="chart-loss"]')!;
    new MutationObserver(() => window.__lossRenders!.push(performance.now())).observe(chart, {
      subtree: true,
      childList: true,
      attributes: true,
      characterData: true,
    });
    const sample = () => window.__iterationSamples!.push({ t: performance.now(), it: window.__lab!.snapshot().iteration });
    sample();
    setInterval(sample, 250);
    return performance.now();
  });
  const itStart = (await snapshot(page)).iteration;
  // the window: at least 12 s and at least 30 iterations (a busy machine trains slower, not less)
  await page.waitForTimeout(12_000);
  await expect.poll(async () => (await snapshot(page)).iteration, { timeout: 60_000 }).toBeGreaterThanOrEqual(itStart + 30);
  const result = await page.evaluate(() => ({
    now: performance.now(),
    tasks: window.__longTasks!,
    renders: window.__lossRenders!.slice(),
    samples: window.__iterationSamples!.slice(),
  }));
  await page.getByTestId('play').click();
  await expect.poll(async () => (await snapshot(page)).playing).toBe(false);
  const s = await snapshot(page);

  const before = result.tasks.filter((x) => x.start < t0);
  const during = result.tasks.filter((x) => x.start >= t0);
  const seconds = (result.now - t0) / 1000;
  // loss-chart renders: mutation callbacks more than 50 ms apart count as separate refreshes
  const refreshes = result.renders.filter((t, i) => i === 0 || t - result.renders[i - 1] > 50);
  const perSecond: number[] = [];
  for (let k = 0; k < Math.floor(seconds); k++)
    perSecond.push(refreshes.filter((t) => t >= t0 + 1000 * k && t < t0 + 1000 * (k + 1)).length);
  const advancing = result.samples.filter((x, i) => i > 0 && x.it > result.samples[i - 1].it).length;
  console.log(
    [
      `long tasks before training was under way: ${before.length} (${before.map((x) => x.duration.toFixed(0)).join(', ')} ms)`,
      `long tasks during ${seconds.toFixed(1)} s of training: ${during.length} (${during.map((x) => `${x.duration.toFixed(0)} ms ${x.attribution}`).join(', ')})`,
      `iterations ${itStart} -> ${s.iteration} (${s.itPerSec.toFixed(1)} it/s); last tick ${s.lastTickMs.toFixed(1)} ms JS`,
      `loss chart refreshes: ${refreshes.length} (${(refreshes.length / seconds).toFixed(1)}/s), per second: ${perSecond.join(' ')}`,
      `iteration advanced in ${advancing} of ${result.samples.length - 1} samples 250 ms apart`,
    ].join('\n'),
  );

  const sampleSteps = result.samples.slice(1).map((x, i) => x.it > result.samples[i].it);
  return { s, t0, itStart, during, seconds, refreshes, perSecond, advancing, sampleSteps };
}

// What is asserted does not depend on the machine's speed (tests never assert wall-clock time): the chart
// follows the data (it refreshes, throttled, as readbacks arrive) and training keeps going through the
// window. The rates themselves (refreshes and iterations a second) are logged here and reported by
// `npm run bench:lab`; on an idle 2-core machine about 3 refreshes and 10 iterations a second.
test('while training, the loss chart follows the readbacks and the iteration counter keeps moving', async ({ page }) => {
  test.setTimeout(150_000);
  const m = await measureTraining(page);
  expect(m.s.iteration - m.itStart).toBeGreaterThan(20);
  // training kept going: the counter advanced in every third of the window
  const third = Math.floor(m.sampleSteps.length / 3);
  for (let k = 0; k < 3; k++)
    expect(
      m.sampleSteps.slice(k * third, (k + 1) * third).some((advanced) => advanced),
      `the iteration advanced in part ${k + 1} of 3`,
    ).toBe(true);
  // the chart follows: at least one refresh for every two quarter-second samples in which new iterations
  // arrived (the recharts charts refresh at most 2.5 times a second, the samples come 4 times a second)
  expect(m.refreshes.length).toBeGreaterThanOrEqual(Math.min(m.advancing, 2.5 * m.seconds) / 2);
  // and it refreshed after the last third of the window began (not only at the start)
  expect(m.refreshes.at(-1)!).toBeGreaterThan(m.t0 + (2000 * m.seconds) / 3);
});

// Measured on the production build (what `npm start` serves): React's development mode alone turns chart
// refreshes into much longer tasks, which says nothing about the lab. The check is the lab's design: no
// main-thread task does heavy work (MAIN_THREAD_GUARD_MS: the work that belongs on the GPU or in a Worker
// took 250-700 ms a task on the main thread). The speed target, no task over 50 ms of CPU, is reported by
// `npm run bench:lab` (measured here: the longest tasks 20-50 ms of CPU, chart refreshes, one per frame;
// SwiftShader keeps both cores busy, so a task's wall time is about twice its CPU time).
test('training: no main-thread task of the lab does heavy work (production build)', async ({ page, browser }) => {
  test.setTimeout(150_000);
  await observeLongTasks(page);
  await openLab(page, PROD_URL);
  await page.getByTestId('play').click();
  await expect.poll(async () => (await snapshot(page)).iteration, { timeout: 60_000 }).toBeGreaterThanOrEqual(5);
  const w = await measureMainThread(browser, page, 8);
  await page.getByTestId('play').click();
  console.log(describeWindow(w));
  expect(w.iterations, 'iterations trained in the window').toBeGreaterThan(10);
  expect(w.tasks.length, 'main-thread tasks seen in the trace').toBeGreaterThan(100);
  const { worst, text } = longestTasks(w.tasks);
  expect(worst[0].cpu, `longest main-thread task CPU (ms); the five longest: ${text}`).toBeLessThan(MAIN_THREAD_GUARD_MS);
  // the lab's own work per loop tick stays a small fraction of a frame
  expect((await snapshot(page)).lastTickMs).toBeLessThan(16);
});

// Plain RNNs and an LSTM at n = 128 (e2e/spectrumExperiment.ts, what bench:lab trains: copy T = 10, batch 8,
// a spectrum every 5 iterations): their singular values were a JavaScript SVD on the main thread (380-450 ms of
// CPU per tracking iteration in bench:lab); now the GPU computes them and only n numbers per run come back. The
// window must see spectra arrive, and no main-thread task may do heavy work (MAIN_THREAD_GUARD_MS; measured:
// the longest 20-50 ms of CPU, chart refreshes, as in a group of factorised runs of the same sizes; the
// 50 ms target is bench:lab's).
test('training plain RNNs and an LSTM at n = 128: spectra arrive, no main-thread task does heavy work (production build)', async ({
  page,
  browser,
}) => {
  test.setTimeout(240_000);
  await observeLongTasks(page);
  await openLab(page, PROD_URL + PLAIN_AND_LSTM_128);
  expect((await snapshot(page)).runs.map((r) => r.name)).toEqual(PLAIN_AND_LSTM_RUNS.map((r) => r.name));
  await page.getByTestId('play').click();
  // the first tracked iteration (1) has landed for every run: pipelines compiled, spectra flowing
  await expect
    .poll(async () => (await snapshot(page)).runs.every((r) => r.spectrum !== null), { timeout: 120_000, intervals: [1000] })
    .toBe(true);
  const before = await snapshot(page);
  const w = await measureMainThread(browser, page, 10);
  await page.getByTestId('play').click();
  await expect.poll(async () => (await snapshot(page)).pendingCollects, { timeout: 60_000 }).toBe(0);
  const after = await snapshot(page);
  console.log(describeWindow(w));
  console.log(
    after.runs
      .map((r) => `${r.name}: spectrum at iteration ${r.spectrum?.iteration}, ${r.spectrum?.min.toFixed(3)}..${r.spectrum?.max.toFixed(3)}`)
      .join('\n'),
  );
  expect(w.tasks.length, 'main-thread tasks seen in the trace').toBeGreaterThan(50);
  // spectra of every run arrived during the window (tracking iterations were trained and read back)
  for (let k = 0; k < after.runs.length; k++)
    expect(after.runs[k].spectrum!.iteration, `${after.runs[k].name}: a newer spectrum`).toBeGreaterThan(
      before.runs[k].spectrum!.iteration,
    );
  // orthogonal starts: the plain W's values stay near 1, the LSTM's stacked four orthogonal blocks near 2
  expect(after.runs[1].spectrum!.mean).toBeGreaterThan(0.5);
  expect(after.runs[1].spectrum!.mean).toBeLessThan(1.5);
  expect(after.runs[3].spectrum!.mean).toBeGreaterThan(1.5);
  expect(after.runs[3].spectrum!.mean).toBeLessThan(2.5);
  const { worst, text } = longestTasks(w.tasks);
  expect(worst[0].cpu, `longest main-thread task CPU (ms); the five longest: ${text}`).toBeLessThan(MAIN_THREAD_GUARD_MS);
  await page.getByTestId('chart-spectrum').scrollIntoViewIfNeeded();
  await page.getByTestId('chart-spectrum').screenshot({ path: join(SCREENSHOT_DIR, 'spectrum--plain-and-lstm-n128.png') });
});

// the messages of a run the guard stopped because of its loss (src/engine/runHealth.ts failureMessage)
const LOSS_FAILURE =
  /loss (became (NaN|infinite)|reached \S+, above the bound of 1e\+10,) at iteration (\d+); the run was stopped at its last finite state \(iteration (\d+)\)/;

test('a run whose loss diverges fails with a message; the others train on, its points are kept, and it exports and imports failed', async ({
  page,
}) => {
  test.setTimeout(240_000);
  await openLab(page);
  // a few clean iterations first, so the run has measured points before it fails
  for (let k = 1; k <= 3; k++) {
    await page.keyboard.press('s');
    await expect.poll(async () => (await snapshot(page)).iteration).toBe(k);
  }
  expect((await snapshot(page)).runs[4].points).toBe(3);
  // run 4 ('none', linear): a gain of 10 makes h grow tenfold per step (10^T); with the free learning rate
  // at its maximum 1 and no clip the loss passes the guard's bound or overflows within a few iterations.
  // All are live changes.
  await page.getByTestId('run-4-more').click();
  for (const [key, value] of [
    ['gain', '10'],
    ['lrFree', '1'],
    ['clip', '0'],
  ]) {
    await page.getByTestId(`run-4-${key}`).fill(value);
    await page.getByTestId(`run-4-${key}`).press('Enter');
    await expect(page.getByTestId(`run-4-${key}-error`)).toHaveCount(0);
  }
  await expect(page.getByTestId('confirm-dialog')).toHaveCount(0);
  await page.getByTestId('play').click();
  await expect.poll(async () => (await snapshot(page)).runs[4].state, { timeout: 60_000 }).toBe('failed');
  const atFailure = await snapshot(page);
  const failed = atFailure.runs[4];
  console.log(`run '${failed.name}' failed at lab iteration ${atFailure.iteration}: ${failed.message}; points ${failed.points}`);
  const [, , , failedIt, lastFinite] = LOSS_FAILURE.exec(failed.message ?? '') ?? [];
  expect(failed.message).toMatch(LOSS_FAILURE);
  expect(Number(lastFinite)).toBe(Number(failedIt) - 1);
  await expect(page.getByTestId('run-4')).toHaveAttribute('data-state', 'failed');
  await expect(page.getByTestId('run-table').getByRole('alert')).toContainText(LOSS_FAILURE);
  await expect(page.getByTestId('lab-messages')).toContainText(`Run '${failed.name}': loss`);

  // the other runs keep training
  expect(atFailure.playing).toBe(true);
  await expect.poll(async () => (await snapshot(page)).iteration, { timeout: 60_000 }).toBeGreaterThan(atFailure.iteration + 20);
  await page.getByTestId('play').click();
  await expect.poll(async () => (await snapshot(page)).pendingCollects).toBe(0);
  const later = await snapshot(page);
  expect(later.runs.slice(0, 4).map((r) => r.state)).toEqual(['training', 'training', 'training', 'training']);
  for (let k = 0; k < 4; k++) {
    expect(later.runs[k].points, `run ${k} points`).toBeGreaterThan(atFailure.runs[k].points);
    expect(Number.isFinite(later.runs[k].loss)).toBe(true);
  }
  // the failed run keeps what it measured before the failure, and records nothing after it
  const failedAt = Number(failedIt);
  console.log(
    `after ${later.iteration - atFailure.iteration} more iterations: failed run ${later.runs[4].points} points (failed at iteration ${failedAt}), others ${later.runs
      .slice(0, 4)
      .map((r) => r.points)
      .join(', ')}`,
  );
  expect(later.runs[4].state).toBe('failed');
  expect(later.runs[4].points).toBeGreaterThanOrEqual(3);
  expect(later.runs[4].points).toBeLessThanOrEqual(failedAt + 1);
  expect(later.runs[4].points).toBe(failed.points);
  // a failed run stays stopped at its last finite state (reset trains it again): the button is disabled
  await expect(page.getByTestId('run-4').getByRole('button', { name: 'Pause' })).toBeDisabled();
  await page.screenshot({ path: join(SCREENSHOT_DIR, 'lab--run-failed.png'), fullPage: true });

  // the experiment exports with the failed run in it: its checkpoint holds its last finite state and says it failed
  const downloadP = page.waitForEvent('download');
  await page.getByTestId('export-experiment').click();
  const text = readFileSync((await (await downloadP).path())!, 'utf8');
  await expect(page.getByTestId('lab-messages')).toContainText(`Exported the experiment at iteration ${later.iteration}`);
  const file = JSON.parse(text);
  expect(file.checkpoints[4].status).toEqual({ state: 'failed', iteration: failedAt, message: failed.message });
  expect(file.checkpoints.slice(0, 4).map((c: { status: { state: string } }) => c.status.state)).toEqual(new Array(4).fill('training'));
  for (const t of Object.values(file.checkpoints[4].parameters) as { data: unknown[] }[])
    expect(t.data.every((v) => typeof v === 'number' && Number.isFinite(v))).toBe(true);

  // start over, then import it: the run comes back failed (and frozen), the others train on from where they were
  await page.keyboard.press('r');
  await page.getByTestId('confirm-apply').click();
  await expect.poll(async () => (await snapshot(page)).iteration).toBe(0);
  await expect.poll(async () => (await snapshot(page)).runs[4].state).toBe('training');
  await page
    .getByTestId('import-experiment')
    .setInputFiles({ name: 'failed-run.json', mimeType: 'application/json', buffer: Buffer.from(text) });
  await expect(page.getByTestId('lab-messages')).toContainText(
    `Loaded 'failed-run.json': 5 run(s) at iteration ${later.iteration} (1 failed before and stays stopped at its last finite state)`,
  );
  const loaded = await snapshot(page);
  expect(loaded.runs.map((r) => r.state)).toEqual(['training', 'training', 'training', 'training', 'failed']);
  expect(loaded.runs[4].message).toBe(failed.message);
  expect(loaded.runs.map((r) => r.points)).toEqual(later.runs.map((r) => r.points));
  await expect(page.getByTestId('run-4')).toHaveAttribute('data-state', 'failed');
  await expect(page.getByTestId('run-table').getByRole('alert')).toContainText(LOSS_FAILURE);
  await expect(page.getByTestId('run-4').getByRole('button', { name: 'Pause' })).toBeDisabled();
  await trainUntil(page, later.iteration + 10);
  const resumed = await snapshot(page);
  expect(resumed.runs[4].state).toBe('failed');
  expect(resumed.runs[4].points).toBe(failed.points);
  for (let k = 0; k < 4; k++) {
    expect(resumed.runs[k].state).toBe('training');
    expect(resumed.runs[k].points, `run ${k} points after the import`).toBeGreaterThan(later.runs[k].points);
    expect(Number.isFinite(resumed.runs[k].loss)).toBe(true);
  }
  await page.screenshot({ path: join(SCREENSHOT_DIR, 'lab--failed-run-imported.png'), fullPage: true });
});

test.describe('device loss during training', () => {
  test.use({ expectedProblems: [/device was lost/i] });

  test('stops training, says what happened and what to do, and keeps every measurement', async ({ page }) => {
    test.setTimeout(150_000);
    await openLab(page);
    await page.getByTestId('play').click();
    await expect.poll(async () => (await snapshot(page)).iteration, { timeout: 60_000 }).toBeGreaterThanOrEqual(30);
    await page.evaluate(() => {
      for (const d of window.__e2eDevices ?? []) d.destroy();
    });
    await expect.poll(async () => (await snapshot(page)).phase).toBe('stopped');
    // readbacks queued before the loss settle (landing what they measured, or failing with the device)
    await expect.poll(async () => (await snapshot(page)).pendingCollects).toBe(0);
    const s = await snapshot(page);
    expect(s.playing).toBe(false);
    const item = page.locator('[data-testid="problem-banner"] li[data-kind="device-lost"]');
    await expect(item).toContainText('The GPU device was lost');
    await expect(item).toContainText('reload the page');
    await expect(page.getByTestId('phase')).toContainText('The GPU device was lost');
    await expect(page.getByTestId('phase')).toContainText('Everything measured so far is kept');
    // training does not go on
    await page.waitForTimeout(1_500);
    const after = await snapshot(page);
    expect(after.iteration).toBe(s.iteration);
    await expect(page.getByTestId('play')).toBeDisabled();
    await page.keyboard.press('Space');
    expect((await snapshot(page)).playing).toBe(false);
    // the measurements are kept and still drawn
    for (const r of after.runs) expect(r.points).toBeGreaterThanOrEqual(30);
    await expect(page.getByTestId('chart-loss').locator('path.recharts-curve').first()).toBeVisible();
    // the charts still export (they need no device)...
    const [png] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-loss-accuracy-csv').click()]);
    expect(png.suggestedFilename()).toMatch(/\.csv$/);
    // ... the experiment file cannot (its checkpoints need the weights on the lost device), and the lab says why
    await expect(page.getByTestId('export-experiment')).toBeDisabled();
    await expect(page.getByTestId('export-experiment')).toHaveAttribute('title', /lost/);
    await expect(page.getByTestId('phase')).toContainText(/experiment file/);
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'webgpu--device-lost-during-training.png'), fullPage: true });
  });
});
