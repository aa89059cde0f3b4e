/**
 * Dragging a margin slider during training changes that run's spectrum bounds at the next iteration,
 * without a restart: the MetricsBook's latest spectrum statistics (read through window.__lab) get the new
 * bounds and the singular values stay inside them, while the iteration count goes on.
 */
import { expect, test } from './fixtures.ts';
import { openLab, snapshot } from './lab-helpers.ts';

test("a margin slider changes the run's spectrum bounds live", async ({ page }) => {
  test.setTimeout(150_000);
  await openLab(page);
  await page.getByTestId('play').click();
  await expect.poll(async () => (await snapshot(page)).runs[1].spectrum?.iteration ?? 0, { timeout: 60_000 }).toBeGreaterThanOrEqual(10);
  const before = await snapshot(page);
  expect(before.runs[1].spectrum).toMatchObject({ lower: 0.99, upper: 1.01 });

  // slider position 37 is margin 1 (0 at the left, 0.001..100 at 12 steps a decade, 'none' at the right)
  await page.getByTestId('run-1-margin-slider').fill('37');
  await expect(page.getByTestId('run-1-margin')).toHaveValue('1');
  await expect(page.getByTestId('confirm-dialog')).toHaveCount(0);
  const changedAt = (await snapshot(page)).iteration;

  await expect
    .poll(
      async () => {
        const s = (await snapshot(page)).runs[1].spectrum;
        return s && s.iteration > changedAt + 1 ? [s.lower, s.upper] : null;
      },
      { timeout: 90_000 },
    )
    .toEqual([0, 2]);
  await page.getByTestId('play').click();
  const after = await snapshot(page);
  expect(after.iteration).toBeGreaterThan(before.iteration);
  expect(after.runs[1].margin).toBe(1);
  expect(after.runs[1].spectrum!.min).toBeGreaterThanOrEqual(0);
  expect(after.runs[1].spectrum!.max).toBeLessThanOrEqual(2);
  // the other runs kept their margins and bounds
  expect(after.runs[2].spectrum).toMatchObject({ lower: 0.9, upper: 1.1 });
  expect(after.runs.every((r) => r.state === 'training')).toBe(true);
});
