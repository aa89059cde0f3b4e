/**
 * The experiment file: export downloads one JSON file with settings, metrics and a checkpoint per run;
 * importing it back restores the runs, the measurements and the iteration, and training continues from
 * there. A malformed file or one of another format is refused with a message and changes nothing.
 */
import { readFileSync } from 'node:fs';
import { expect, test } from './fixtures.ts';
import { openLab, snapshot, trainUntil } from './lab-helpers.ts';

test('importing a malformed or foreign file shows a message and changes nothing', async ({ page }) => {
  await openLab(page);
  await page.keyboard.press('s');
  await expect.poll(async () => (await snapshot(page)).iteration).toBe(1);
  const before = await snapshot(page);
  const input = page.getByTestId('import-experiment');
  await input.setInputFiles({
    name: 'broken.json',
    mimeType: 'application/json',
    buffer: Buffer.from('{"format": "orthogonality-lab/exp'),
  });
  await expect(page.getByTestId('lab-messages')).toContainText("'broken.json' is not valid JSON");
  await expect(page.getByTestId('lab-messages')).toContainText('Nothing was changed.');
  await input.setInputFiles({
    name: 'other.json',
    mimeType: 'application/json',
    buffer: Buffer.from('{"format": "someone-else/model", "version": 3}'),
  });
  await expect(page.getByTestId('lab-messages')).toContainText(
    "'other.json' is not an Orthogonality Lab experiment (format is 'someone-else/model'",
  );
  await input.setInputFiles({
    name: 'future.json',
    mimeType: 'application/json',
    buffer: Buffer.from('{"format": "orthogonality-lab/experiment", "version": 9}'),
  });
  await expect(page.getByTestId('lab-messages')).toContainText("'future.json' has version 9; this lab reads version 1");
  const after = await snapshot(page);
  expect(after).toEqual(before);
});

test('export then import restores settings, metrics and iteration, and training continues', async ({ page }) => {
  test.setTimeout(200_000);
  await openLab(page);
  await page.getByTestId('run-1-margin').fill('0.2');
  await page.getByTestId('run-1-margin').press('Enter');
  await trainUntil(page, 12);
  const exported = await snapshot(page);
  const downloadP = page.waitForEvent('download');
  await page.getByTestId('export-experiment').click();
  const download = await downloadP;
  expect(download.suggestedFilename()).toMatch(/^orthogonality-lab-copy-T10-n32-it\d+\.json$/);
  const path = await download.path();
  const text = readFileSync(path, 'utf8');
  const file = JSON.parse(text);
  expect(file.format).toBe('orthogonality-lab/experiment');
  expect(file.iteration).toBe(exported.iteration);
  expect(file.checkpoints).toHaveLength(5);
  expect(file.checkpoints[1].run.margin).toBe(0.2);
  expect(Object.keys(file.metrics.runs)).toHaveLength(5);

  // start over (reset asks first, since something was measured), then load the file back
  await page.keyboard.press('r');
  await page.getByTestId('confirm-apply').click();
  await expect.poll(async () => (await snapshot(page)).iteration).toBe(0);
  await expect.poll(async () => (await snapshot(page)).runs[0].points).toBe(0);
  await page
    .getByTestId('import-experiment')
    .setInputFiles({ name: 'saved.json', mimeType: 'application/json', buffer: Buffer.from(text) });
  await expect(page.getByTestId('lab-messages')).toContainText(`Loaded 'saved.json': 5 run(s) at iteration ${exported.iteration}`);
  await expect(page.getByTestId('play')).toBeEnabled();
  const loaded = await snapshot(page);
  expect(loaded.iteration).toBe(exported.iteration);
  expect(loaded.runs.map((r) => [r.name, r.margin, r.points, r.loss])).toEqual(
    exported.runs.map((r) => [r.name, r.margin, r.points, r.loss]),
  );
  expect(loaded.runs[1].spectrum).toEqual(exported.runs[1].spectrum);

  await trainUntil(page, exported.iteration + 5);
  const continued = await snapshot(page);
  expect(continued.runs[0].points).toBeGreaterThan(exported.runs[0].points);
  expect(continued.runs.every((r) => Number.isFinite(r.loss))).toBe(true);
});
