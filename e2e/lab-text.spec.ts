/**
 * The lab's text workflow end to end (issue 10), as a user does it: a text group on 'files' waits for files;
 * a small text file DRAGGED onto the Data sets panel (dragenter, dragover, drop with a DataTransfer holding a
 * File, as Chromium delivers a drag from the desktop) shows its counts; the group built afresh trains on it;
 * the text panel draws a sample from a trained run (temperature slider, seed) and the character-by-character
 * gradient view of a typed sentence. Hostile drops (a binary file, an empty file, files dropped beside the
 * panel) get a message naming the problem, and the corpus read before stays, for the panel and the group.
 */
import { readFileSync } from 'node:fs';
import type { JSHandle, Locator, Page } from '@playwright/test';
import { expect, SCREENSHOT_DIR, test } from './fixtures.ts';
import { snapshot, trainUntil } from './lab-helpers.ts';

const RATES = 'lrGeodesic:0.01,lrFree:0.01,lrSpectrum:0.01';
const RUNS = `&run=name:m%3D1,margin:1,nonlinearity:tanh,${RATES}&run=name:none,margin:none,nonlinearity:tanh,${RATES}`;
const LINK = `/#task=text&textCorpus=files&maxLength=30&hidden=16&batchSize=8${RUNS}`;

/** A short corpus of a few repeated sentences: 60 lines, so the every-20th rule gives 54 / 3 / 3. */
const SENTENCES = ['the cat sat on the mat.', 'a dog ran far away.', 'the sun is hot.', 'we like the cat.'];
const CORPUS = Array.from({ length: 60 }, (_, k) => SENTENCES[k % SENTENCES.length]).join('\n');

/** A DataTransfer in the page holding one File (as a drag from the desktop carries it). */
function fileTransfer(page: Page, name: string, bytes: number[], type: string): Promise<JSHandle<DataTransfer>> {
  return page.evaluateHandle(
    ({ name, bytes, type }) => {
      const dt = new DataTransfer();
      dt.items.add(new File([new Uint8Array(bytes)], name, { type }));
      return dt;
    },
    { name, bytes, type },
  );
}

/** Drags `dataTransfer` onto `target` and drops it there: dragenter, dragover, drop. */
async function dragAndDrop(target: Locator, dataTransfer: JSHandle<DataTransfer>): Promise<void> {
  await target.dispatchEvent('dragenter', { dataTransfer });
  await target.dispatchEvent('dragover', { dataTransfer });
  await target.dispatchEvent('drop', { dataTransfer });
}

const utf8 = (text: string) => Array.from(Buffer.from(text, 'utf8'));

test('a text file dragged onto the Data sets panel trains a text group; a trained run writes a sample and shows its gradient view', async ({
  page,
}) => {
  test.setTimeout(240_000);
  await page.goto(LINK);
  // no files yet: the group is not built, and the toolbar says where to load them
  await expect(page.getByTestId('phase')).toContainText('none are loaded: load your text files', { timeout: 80_000 });

  await page.getByTestId('datasets-details').locator('summary').click();
  const zone = page.getByTestId('text-drop');
  await expect(zone).toBeVisible();
  // the drag shows on the zone while it is over the panel
  const first = await fileTransfer(page, 'story.txt', utf8(CORPUS), 'text/plain');
  await zone.dispatchEvent('dragenter', { dataTransfer: first });
  await zone.dispatchEvent('dragover', { dataTransfer: first });
  await expect(zone).toHaveClass(/dragging/);
  await zone.dispatchEvent('drop', { dataTransfer: first });
  await expect(zone).not.toHaveClass(/dragging/);
  const summary = page.getByTestId('dataset-summary-text');
  await expect(summary).toContainText('Your text (story.txt)');
  await expect(summary).toContainText('story.txt: every 20th sentence from the 19th validates, from the 20th tests');
  await expect(page.getByTestId('text-stats-train-sentences')).toHaveText('54');
  await expect(page.getByTestId('text-stats-valid-sentences')).toHaveText('3');
  await expect(page.getByTestId('text-stats-test-sentences')).toHaveText('3');
  await expect(page.getByTestId('dataset-error')).toHaveCount(0);

  // hostile drops onto the panel itself (not the zone): a binary file, then an empty one; each refused by
  // name, story.txt's counts stay
  const panel = page.getByTestId('datasets');
  await dragAndDrop(panel, await fileTransfer(page, 'photo.png', [0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 13], 'image/png'));
  await expect(page.getByTestId('dataset-error')).toHaveText('photo.png: not a text file: it has a NUL byte (at byte 4)');
  await expect(summary).toContainText('Your text (story.txt)');
  await dragAndDrop(panel, await fileTransfer(page, 'empty.txt', [], 'text/plain'));
  await expect(page.getByTestId('dataset-error')).toHaveText('empty.txt: the file is empty');
  await expect(page.getByTestId('text-stats-train-sentences')).toHaveText('54');
  // files dropped beside the panel: not read (the browser would otherwise open the file in place of the lab)
  await dragAndDrop(
    page.getByTestId('lab-page').locator('header').first(),
    await fileTransfer(page, 'other.txt', utf8('hello'), 'text/plain'),
  );
  await expect(page.getByTestId('dataset-error')).toHaveText(
    'Files dropped outside the Data sets panel are not read: drop them on this panel (or pick them).',
  );
  await expect(summary).toContainText('Your text (story.txt)');
  expect(new URL(page.url()).hash).toContain('task=text');
  await page.getByTestId('datasets').screenshot({ path: `${SCREENSHOT_DIR}/text--datasets-dropped.png` });

  // the group built afresh trains on story.txt
  await page.getByTestId('reset').click();
  await expect(page.getByTestId('play')).toBeEnabled({ timeout: 120_000 });
  await trainUntil(page, 60);
  const trained = await snapshot(page);
  expect(trained.runs.every((r) => Number.isFinite(r.loss))).toBe(true);
  await expect(page.getByTestId('epoch-clock')).toContainText('story.txt');

  // the text panel: a sample from the trained run 'none', greedy, then at T = 0.5 with seed 7
  const text = page.getByTestId('text-panel');
  await text.scrollIntoViewIfNeeded();
  await page.getByTestId('text-run').selectOption({ label: 'none' });
  await page.getByTestId('text-prompt').fill('the c');
  const slider = page.getByTestId('text-temperature');
  await slider.fill('0');
  await expect(text.locator('output').first()).toHaveText('0 (greedy)');
  await page.getByTestId('text-sample').click();
  const samples = page.getByTestId('text-sample-text');
  await expect(samples).toHaveCount(1, { timeout: 30_000 });
  await slider.fill('0.5');
  await page.getByTestId('text-seed').fill('7');
  await page.getByTestId('text-sample').click();
  await expect(samples).toHaveCount(2, { timeout: 30_000 });
  const list = page.getByTestId('text-sample-list');
  // newest first: T = 0.5, seed 7, at the iteration trained; then the greedy one
  await expect(list.locator('li').first()).toContainText(`none, iteration ${trained.iteration}, T = 0.5, seed 7`);
  await expect(list.locator('li').nth(1)).toContainText(`none, iteration ${trained.iteration}, T = 0 (greedy), seed 1`);
  for (const s of await samples.allInnerTexts()) {
    expect(s.startsWith('the c'), `a sample starts with its prompt: ${JSON.stringify(s)}`).toBe(true);
    expect(s.length, `a sample writes past its prompt: ${JSON.stringify(s)}`).toBeGreaterThan('the c'.length);
    expect(s.length).toBeLessThanOrEqual(31); // the length cap (30 with the newline) and the end mark
  }
  // the same seed and temperature draw the same text from the same parameters
  await page.getByTestId('text-sample').click();
  await expect(samples).toHaveCount(3, { timeout: 30_000 });
  expect(await samples.nth(0).innerText()).toBe(await samples.nth(1).innerText());
  await page.getByTestId('text-samples').screenshot({ path: `${SCREENSHOT_DIR}/text--samples.png` });

  // the gradient view of a typed sentence
  await page.getByTestId('text-reach-sentence').fill('we like the cat.');
  await page.getByTestId('text-reach-compute').click();
  await expect(page.getByTestId('text-reach-canvas')).toBeVisible({ timeout: 30_000 });
  const readout = page.getByTestId('text-reach-readout');
  // the marked cell starts at the last prediction (the newline after '.') from the state after '.'
  await expect(readout).toContainText('Predicting “⏎” (character 17');
  await expect(readout).toContainText('from the state after “.” (character 16)');
  // arrow keys move the marked cell: one to the left is the state after 't'
  await page.getByTestId('text-reach-canvas').focus();
  await page.keyboard.press('ArrowLeft');
  await expect(readout).toContainText('from the state after “t” (character 15)');
  await page.getByTestId('text-reach').screenshot({ path: `${SCREENSHOT_DIR}/text--gradient-view.png` });
});

test('an exported text experiment carries its corpus: imported while other files are loaded it is refused by name; with its own file it goes on', async ({
  page,
}) => {
  test.setTimeout(200_000);
  await page.goto(LINK);
  await expect(page.getByTestId('phase')).toContainText('none are loaded', { timeout: 80_000 });
  await page.getByTestId('datasets-details').locator('summary').click();
  const panel = page.getByTestId('datasets');
  const summary = page.getByTestId('dataset-summary-text');
  await dragAndDrop(panel, await fileTransfer(page, 'story.txt', utf8(CORPUS), 'text/plain'));
  await expect(summary).toContainText('Your text (story.txt)');
  await page.getByTestId('reset').click();
  await expect(page.getByTestId('play')).toBeEnabled({ timeout: 120_000 });
  await trainUntil(page, 5);
  const exported = await snapshot(page);

  const downloadP = page.waitForEvent('download');
  await page.getByTestId('export-experiment').click();
  const text = readFileSync(await (await downloadP).path(), 'utf8');
  const file = JSON.parse(text);
  expect(file.corpus.name).toBe('story.txt');
  expect(file.corpus.digest).toMatch(/^[0-9a-f]{16}$/);

  // other files read since: the import is refused naming both corpora, and the lab goes on as it was
  const otherText = Array.from({ length: 40 }, (_, k) => `line ${k} of another text.`).join('\n');
  await dragAndDrop(panel, await fileTransfer(page, 'other.txt', utf8(otherText), 'text/plain'));
  await expect(summary).toContainText('Your text (other.txt)');
  const importInput = page.getByTestId('import-experiment');
  await importInput.setInputFiles({ name: 'saved.json', mimeType: 'application/json', buffer: Buffer.from(text) });
  const messages = page.getByTestId('lab-messages');
  await expect(messages).toContainText(
    new RegExp(
      `'saved\\.json': its runs trained on 'story\\.txt' \\(digest ${file.corpus.digest}\\), but the lab's text files are 'other\\.txt' \\(digest [0-9a-f]{16}\\): load 'story\\.txt' in the Data sets panel, then import it again\\. Nothing was changed\\.`,
    ),
  );
  expect((await snapshot(page)).iteration).toBe(exported.iteration);
  await expect(page.getByTestId('epoch-clock')).toContainText('story.txt');

  // story.txt read again: the same import goes on at the exported iteration, on story.txt
  await dragAndDrop(panel, await fileTransfer(page, 'story.txt', utf8(CORPUS), 'text/plain'));
  await expect(summary).toContainText('Your text (story.txt)');
  await importInput.setInputFiles({ name: 'saved.json', mimeType: 'application/json', buffer: Buffer.from(text) });
  await expect(messages).toContainText(`Loaded 'saved.json': 2 run(s) at iteration ${exported.iteration}`);
  await expect(page.getByTestId('play')).toBeEnabled({ timeout: 120_000 });
  expect((await snapshot(page)).iteration).toBe(exported.iteration);
  await expect(page.getByTestId('epoch-clock')).toContainText('story.txt');
  await trainUntil(page, exported.iteration + 2);
  expect((await snapshot(page)).runs.every((r) => Number.isFinite(r.loss))).toBe(true);
});
