/**
 * The paper's LSTM baseline in the lab: a run switched to the LSTM model asks first, rebuilds, trains beside
 * the RNN runs in the same group (its own block), shows only the settings that apply to it, and its spectrum
 * (the stacked gate matrix, 2 at an orthogonal start) and gradient flow are measured like the others'; a
 * link recreates it.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, SCREENSHOT_DIR, test } from './fixtures.ts';
import { openLab, snapshot, trainUntil } from './lab-helpers.ts';

// Two runs of the default experiment (m = 0 and 'none'), not its five: one RNN beside the LSTM shows the two
// cells side by side, and a CPU adapter's time per iteration grows with the number of runs (50 s of 150 s with
// five runs on a busy 2-core machine).
const TWO_RUNS = '/#run=name:m%3D0,margin:0&run=name:none,margin:none';

test('a run switched to the LSTM baseline rebuilds, trains beside the RNNs and is measured like them', async ({ page, context }) => {
  test.setTimeout(150_000);
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await openLab(page, TWO_RUNS);
  await trainUntil(page, 5);
  await page.getByTestId('run-1-more').click();
  await page.getByTestId('run-1-parameterisation').selectOption('lstm');
  const dialog = page.getByTestId('confirm-dialog');
  await expect(dialog).toContainText("Change Model of 'none' from factorised to lstm?");
  await expect(dialog).toContainText(/'none' restarts from its initialisation, counting on from iteration \d+/);
  await page.getByTestId('confirm-apply').click();
  await expect(page.getByTestId('play')).toBeEnabled();
  // the LSTM starts here: its spectrum is the one measured after this iteration (before it, the run's trace
  // holds the factorised run's s, near 1)
  const switchedAt = (await snapshot(page)).iteration;
  await page.getByTestId('run-1-name').fill('LSTM');
  await page.getByTestId('run-1-name').press('Enter');

  // only what applies to an LSTM: no nonlinearity, gain, geodesic step or RNN-only penalties; clip and rates stay
  const row = page.getByTestId('run-1');
  await expect(row).toContainText('LSTM (no margin)');
  const details = page.getByTestId('run-1-details');
  await expect(details).toContainText('The LSTM baseline');
  for (const key of ['nonlinearity', 'gain', 'lrGeodesic', 'softOrth', 'prior'])
    await expect(page.getByTestId(`run-1-${key}`)).toHaveCount(0);
  for (const key of ['init', 'seed', 'lrFree', 'weightDecay', 'clip']) await expect(page.getByTestId(`run-1-${key}`)).toHaveCount(1);

  // 20 iterations of the LSTM (the lab may have run past 5 before it paused: count from the switch)
  await trainUntil(page, switchedAt + 20);
  // a spectrum the LSTM measured (tracking iterations arrive with the metrics; a loaded machine may lag)
  await expect.poll(async () => (await snapshot(page)).runs[1].spectrum?.iteration ?? 0, { timeout: 60_000 }).toBeGreaterThan(switchedAt);
  const s = await snapshot(page);
  const lstm = s.runs[1];
  expect(lstm.name).toBe('LSTM');
  expect(lstm.state).toBe('training');
  expect(lstm.points).toBeGreaterThanOrEqual(20);
  expect(Number.isFinite(lstm.loss)).toBe(true);
  // the stacked [4n][n] gate matrix: four orthogonal blocks give singular values of 2, moved a little by training
  expect(lstm.spectrum).not.toBeNull();
  expect(lstm.spectrum!.mean).toBeGreaterThan(1.5);
  expect(lstm.spectrum!.mean).toBeLessThan(2.5);
  expect(lstm.spectrum!.lower).toBeNull();
  // the RNN runs kept their iterations and trained on in the same group; the LSTM counts on from there, its
  // points from before the switch kept on the charts
  for (const r of s.runs) expect(r.points).toBe(s.iteration);
  await expect(page.getByTestId('chart-spectrum')).toContainText('stacked gate matrix');
  // the run's spectrum trace before the switch is the factorised run's s: the chart says so, in words and with a
  // dotted line at the iteration the LSTM started from (the rebuild's, at or before the snapshot's)
  const restarts = page.getByTestId('chart-restarts');
  await expect(restarts).toContainText(
    /'LSTM' restarted from its initialisation after iteration \d+ \(Model factorised → lstm\): what it measured before is the earlier model's/,
  );
  const restartedAt = Number((await restarts.textContent())?.match(/after iteration (\d+)/)?.[1]);
  expect(restartedAt).toBeGreaterThanOrEqual(5);
  expect(restartedAt).toBeLessThanOrEqual(switchedAt);
  await expect(page.getByTestId('chart-restarts').locator('li')).toHaveCount(1);
  // the loss and accuracy charts (recharts) mark the restart too: a dotted line at that iteration in each
  await expect(page.getByTestId('chart-loss').locator('.restart-line')).toHaveCount(2);
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.getByTestId('chart-loss').screenshot({ path: join(SCREENSHOT_DIR, 'lab-lstm--loss-after-the-switch.png') });
  await page.getByTestId('chart-spectrum').screenshot({ path: join(SCREENSHOT_DIR, 'lab-lstm--spectrum-after-the-switch.png') });

  // the link carries the model; a new page opens with the LSTM run
  await page.getByTestId('copy-link').click();
  const link = await page.evaluate(() => navigator.clipboard.readText());
  expect(link).toContain('parameterisation:lstm');
  const second = await context.newPage();
  await openLab(second, link);
  await expect(second.getByTestId('run-1')).toContainText('LSTM (no margin)');
  await second.close();

  // where the time goes: one iteration profiled op by op (SwiftShader offers timestamp queries), both cells'
  // ops named, none left unnamed; the profiled iteration counts like any other
  const before = (await snapshot(page)).iteration;
  await page.getByTestId('profile-panel').locator('summary').click();
  await page.getByTestId('profile-run').click();
  const table = page.getByTestId('profile-table');
  await expect(table).toContainText(`Iteration ${before + 1}:`);
  for (const op of ['input projection', 'recurrent forward', 'recurrent backward', 'parameter gradients', 'optimiser'])
    await expect(table.locator('th[scope="row"]', { hasText: op }).first()).toBeVisible();
  await expect(table).not.toContainText('other (');
  // each op's arithmetic: the recurrent forward's GFLOP/s is a number (src/engine/profile.ts opFlops)
  await expect(table.locator('th[scope="col"]', { hasText: 'GFLOP/s' })).toBeVisible();
  const forwardRow = table.locator('tr', { has: page.locator('th[scope="row"]', { hasText: 'recurrent forward' }) }).first();
  await expect(forwardRow.locator('td').nth(4)).toHaveText(/^\d+(\.\d+)?(e[-+]\d+)?$/);
  expect((await snapshot(page)).iteration).toBe(before + 1);
  await page.getByTestId('profile-panel').scrollIntoViewIfNeeded();
});
