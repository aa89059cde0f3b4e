/**
 * Seed replicates in the lab (issue 11): one run's Seeds field set to 2 makes it two runs side by side
 * ('m=1 · s1', 'm=1 · s2', seeds 1 and 2), shown as one row of the run table; after a few iterations the
 * loss chart draws the set as one line with a shaded band, labelled with its seed count; the link writes the
 * set as one run with seeds:2. With "also over data" member 2 draws its own batches (data seed + 1): member 1
 * trains what it trained on the shared stream, member 2 does not; switched off mid-training (a confirmed rebuild)
 * both keep what they measured and train on. Tiny sizes (copy T = 5, n = 8, batch 8, one run) so SwiftShader builds fast.
 */
import { expect, test } from './fixtures.ts';
import { openLab, snapshot, trainUntil } from './lab-helpers.ts';

const LINK =
  '/#task=copy&T=5&batchSize=8&hidden=8&optimizer=rmsprop&dataSeed=1&trackEvery=10&run=name:m%3D1,margin:1,lrFree:0.01,lrSpectrum:0.01,lrGeodesic:0.01';

test('seeds = 2 trains two runs side by side, drawn as one line with a band', async ({ page }) => {
  test.setTimeout(180_000);
  await openLab(page, LINK);
  const seeds = page.getByTestId('run-0-seeds');
  await seeds.fill('2');
  await seeds.press('Enter');
  // nothing measured yet: the group is rebuilt at once with both seeds
  await expect(page.getByTestId('run-0-seed-list')).toHaveText('seeds 1, 2');
  await expect(page.getByTestId('play')).toBeEnabled({ timeout: 80_000 });
  const built = await snapshot(page);
  expect(built.runs.map((r) => r.name)).toEqual(['m=1 · s1', 'm=1 · s2']);
  // one row for the set, its name without the suffix
  await expect(page.locator('[data-testid="run-table"] tbody tr.run-row')).toHaveCount(1);
  await expect(page.getByTestId('run-0-name')).toHaveValue('m=1');

  await trainUntil(page, 30);
  const s = await snapshot(page);
  expect(s.runs.every((r) => Number.isFinite(r.loss))).toBe(true);
  // the two seeds train different numbers (different initialisations)
  expect(s.runs[0].loss).not.toBe(s.runs[1].loss);
  // the row gives mean ± std over the seeds
  await expect(page.getByTestId('run-0-loss')).toContainText('±');
  await expect(page.getByTestId('run-0-loss')).toContainText('(2)');

  // the loss chart: a band (a filled area with a real outline) under one line, labelled with the seeds
  const chart = page.getByTestId('loss-chart');
  const band = chart.locator('.replicate-band path.recharts-area-area').first();
  await expect(band).toHaveAttribute('d', /M[\d.]+,[\d.]+L/);
  await expect(chart.locator('.recharts-legend-item-text').first()).toHaveText('m=1 (mean of 2 seeds, band min–max)');
  await page.getByTestId('replicate-spread').selectOption('std');
  await expect(chart.locator('.recharts-legend-item-text').first()).toHaveText('m=1 (mean of 2 seeds, band mean ± std)');
  await expect(band).toHaveAttribute('d', /M[\d.]+,[\d.]+L/);

  // the link carries the set as one run over 2 seeds
  await expect.poll(() => page.evaluate(() => window.location.hash)).toContain('seeds:2');
  await page.getByTestId('chart-loss').scrollIntoViewIfNeeded();
});

test('"also over data": the members of a set draw other batches (their first losses differ from those of the same seeds on one stream)', async ({
  page,
}) => {
  test.setTimeout(300_000);
  /** Seeds 2 on the one run, optionally over data, trained a few iterations: each member's loss at iteration 1. */
  const firstLosses = async (overData: boolean) => {
    // a fresh page each time (the same link again would only change the hash of the page that trained)
    await page.goto('about:blank');
    await openLab(page, LINK);
    const seeds = page.getByTestId('run-0-seeds');
    await seeds.fill('2');
    await seeds.press('Enter');
    await expect(page.getByTestId('run-0-seed-list')).toHaveText('seeds 1, 2');
    const box = page.getByTestId('run-0-over-data');
    await expect(box).not.toBeChecked();
    if (overData) {
      await expect(page.getByTestId('play')).toBeEnabled({ timeout: 80_000 });
      // nothing measured yet: the group is rebuilt at once, member 2 on data seed 2
      await box.check();
      await expect(box).toBeChecked();
    }
    await expect(page.getByTestId('play')).toBeEnabled({ timeout: 80_000 });
    await trainUntil(page, 3);
    const s = await snapshot(page);
    expect(s.runs.map((r) => r.name)).toEqual(['m=1 · s1', 'm=1 · s2']);
    expect(s.runs.every((r) => Number.isFinite(r.firstLoss))).toBe(true);
    return s.runs.map((r) => r.firstLoss);
  };
  const shared = await firstLosses(false);
  const own = await firstLosses(true);
  // member 1 keeps the group's stream and its seed: the same first loss; member 2 has its seed but other data
  expect(own[0]).toBe(shared[0]);
  expect(own[1]).not.toBe(shared[1]);
  expect(own[0]).not.toBe(own[1]);
  // one row for the set still, and the link carries the set over its data
  await expect(page.locator('[data-testid="run-table"] tbody tr.run-row')).toHaveCount(1);
  await expect.poll(() => page.evaluate(() => window.location.hash)).toContain('seeds:2,overData:true');

  // switched off mid-training: a confirmed rebuild; both members keep what they measured and train on
  const before = await snapshot(page);
  const box = page.getByTestId('run-0-over-data');
  // the box stays as it is until the rebuild is confirmed
  await box.click();
  await expect(box).toBeChecked();
  const dialog = page.getByTestId('confirm-dialog');
  await expect(dialog).toContainText("Train 'm=1' over its initialisation only?");
  await expect(dialog).toContainText("Every member of 'm=1' trains on the group's stream (data seed 1) again.");
  await page.getByTestId('confirm-apply').click();
  await expect(box).not.toBeChecked();
  await expect(page.getByTestId('play')).toBeEnabled({ timeout: 80_000 });
  const rebuilt = await snapshot(page);
  expect(rebuilt.iteration).toBe(before.iteration);
  expect(rebuilt.runs.map((r) => r.firstLoss)).toEqual(own);
  await trainUntil(page, before.iteration + 3);
  const after = await snapshot(page);
  expect(after.runs.every((r) => Number.isFinite(r.loss))).toBe(true);
  expect(after.runs.map((r) => r.firstLoss)).toEqual(own);
  await expect.poll(() => page.evaluate(() => window.location.hash)).not.toContain('overData');
});
