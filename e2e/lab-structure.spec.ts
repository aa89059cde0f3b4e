/**
 * A structural change during training (here T, then adding a run) asks first, says what carries over, and
 * after the rebuild every run goes on from where it was: the iteration keeps counting and everything
 * measured stays in the MetricsBook. Cancelling changes nothing.
 */
import { expect, test } from './fixtures.ts';
import { openLab, snapshot, trainUntil } from './lab-helpers.ts';

// Two runs of the default experiment (m = 0 and m = 1), not its five: a CPU adapter's time per iteration grows
// with the number of runs (44 s with five runs on a busy 2-core machine), and two are enough to see every run
// carried over.
const TWO_RUNS = '/#run=name:m%3D0,margin:0&run=name:m%3D1,margin:1';

test('changing T asks first, keeps the trained runs and every measurement', async ({ page }) => {
  test.setTimeout(150_000);
  await openLab(page, TWO_RUNS);
  await trainUntil(page, 15);
  const before = await snapshot(page);
  const T = page.getByTestId('group-T');
  await T.fill('12');
  await T.press('Enter');
  const dialog = page.getByTestId('confirm-dialog');
  await expect(dialog).toContainText('Change T from 10 to 12?');
  await expect(dialog).toContainText('Every run keeps its trained parameters and optimiser state');
  await page.getByTestId('confirm-cancel').click();
  await expect(dialog).toHaveCount(0);
  await expect(T).toHaveValue('10');
  await T.fill('12');
  await T.press('Enter');
  await page.getByTestId('confirm-apply').click();
  await expect(page.getByTestId('play')).toBeEnabled();
  await expect(T).toHaveValue('12');
  const rebuilt = await snapshot(page);
  expect(rebuilt.iteration).toBe(before.iteration);
  expect(rebuilt.runs.map((r) => r.points)).toEqual(before.runs.map((r) => r.points));
  await trainUntil(page, before.iteration + 3);
  const after = await snapshot(page);
  expect(after.runs[0].points).toBeGreaterThan(before.runs[0].points);
  // trained runs carried over: accuracy does not fall back to chance after the rebuild
  expect(Math.max(...after.runs.map((r) => r.accuracy))).toBeGreaterThan(0.2);
  expect(await page.evaluate(() => location.hash)).toContain('T=12');

  await page.getByTestId('add-run').click();
  await expect(page.getByTestId('confirm-dialog')).toContainText('Add a run?');
  await page.getByTestId('confirm-apply').click();
  await expect(page.getByTestId('play')).toBeEnabled();
  const added = await snapshot(page);
  expect(added.runs).toHaveLength(3);
  expect(added.runs.slice(0, 2).map((r) => r.points)).toEqual(after.runs.map((r) => r.points));
});
