/**
 * The lab's first screen and its training loop, in Chromium on SwiftShader: the default experiment (copy
 * task, margins 0, 0.01, 0.1, 1, none, sized for a CPU adapter) loads without errors, training raises the
 * copy accuracy (one run of it, to keep the test small), and the step key advances exactly one iteration.
 */
import { expect, test } from './fixtures.ts';
import { openLab, snapshot, trainUntil } from './lab-helpers.ts';

test('the default experiment loads: a copy-task margin sweep sized for the CPU adapter', async ({ page }) => {
  await openLab(page);
  const s = await snapshot(page);
  expect(s.runs.map((r) => r.name)).toEqual(['m=0', 'm=0.01', 'm=0.1', 'm=1', 'none']);
  expect(s.runs.map((r) => r.margin)).toEqual([0, 0.01, 0.1, 1, null]);
  expect(s.iteration).toBe(0);
  await expect(page.getByTestId('group-T')).toHaveValue('10');
  await expect(page.getByTestId('group-hidden')).toHaveValue('32');
  await expect(page.locator('#lab')).toContainText('Sizes are reduced because this adapter is a CPU');
  await expect(page.getByTestId('run-table').locator('tbody tr.run-row')).toHaveCount(5);
});

// One run of the default experiment (m = 1), not its five: on a CPU adapter the work of an iteration grows with
// the number of runs (headless on a busy 2-core machine: 1.0 s an iteration for five runs, 0.25 s for one), and
// one run is enough to see training raise the accuracy. With five runs this test took 150 s of its 200 s; the
// default experiment itself is the test above.
const ONE_RUN = '/#run=name:m%3D1,margin:1';

test('step (s) advances one iteration, and training raises the copy accuracy', async ({ page }) => {
  test.setTimeout(200_000);
  await openLab(page, ONE_RUN);
  await page.keyboard.press('s');
  await expect.poll(async () => (await snapshot(page)).iteration).toBe(1);
  const before = await snapshot(page);
  const accBefore = Math.max(...before.runs.map((r) => r.accuracy));
  expect(accBefore).toBeLessThan(0.3);
  await trainUntil(page, 300, 170_000);
  const after = await snapshot(page);
  expect(after.runs.map((r) => r.name)).toEqual(['m=1']);
  expect(after.runs.every((r) => r.state === 'training')).toBe(true);
  const accAfter = Math.max(...after.runs.map((r) => r.accuracy));
  console.log(
    `copy accuracy: best run ${accBefore.toFixed(3)} at iteration 1 -> ${accAfter.toFixed(3)} at iteration ${after.iteration} (${after.itPerSec.toFixed(1)} it/s)`,
  );
  expect(accAfter).toBeGreaterThan(accBefore + 0.2);
  await expect(page.getByTestId('run-0-accuracy')).not.toHaveText('–');
});
