/**
 * Settings in the UI: every control validates through the settings table (an invalid value is refused
 * with the table's message and changes nothing), a link recreates the settings in a new page, and a link
 * with junk values says what is wrong and falls back to the defaults for those values.
 */
import { expect, test } from './fixtures.ts';
import { openLab, snapshot } from './lab-helpers.ts';

test('an invalid setting is refused with a message naming the setting and what is allowed', async ({ page }) => {
  await openLab(page);
  const hash = await page.evaluate(() => location.hash);
  const T = page.getByTestId('group-T');
  await T.fill('abc');
  await T.press('Enter');
  await expect(page.getByTestId('group-T-error')).toHaveText("T (T) must be a whole number from 2 to 10000 (got 'abc')");
  await T.fill('20000');
  await T.press('Enter');
  await expect(page.getByTestId('group-T-error')).toContainText('must be a whole number from 2 to 10000 (got 20000)');
  const margin = page.getByTestId('run-0-margin');
  await margin.fill('-0.5');
  await margin.press('Enter');
  await expect(page.getByTestId('run-0-margin-error')).toHaveText(
    "Spectral margin m (margin) must be 'none' or a number from 0 to 100 (got -0.5)",
  );
  await page.getByTestId('run-0-more').click();
  await page.getByTestId('run-0-lrFree').fill('NaN');
  await page.getByTestId('run-0-lrFree').press('Enter');
  await expect(page.getByTestId('run-0-lrFree-error')).toContainText('Free learning rate (lrFree) must be a number from 0 to 1');
  // OPLU needs an even n: a cross-setting check from validateExperiment
  await page.getByTestId('run-0-nonlinearity').selectOption('oplu');
  await T.fill('10');
  await page.getByTestId('group-hidden').fill('33');
  await page.getByTestId('group-hidden').press('Enter');
  await expect(page.getByTestId('group-hidden-error')).toContainText('OPLU pairs units, so the hidden size must be even');
  // nothing invalid was applied: the experiment is unchanged apart from the valid OPLU choice
  const s = await snapshot(page);
  expect(s.runs[0].margin).toBe(0);
  expect(s.phase).toBe('ready');
  expect(await page.evaluate(() => location.hash)).toBe(hash.replace('nonlinearity:linear', 'nonlinearity:oplu'));
});

test('a copied link recreates the settings, seeds included, in a new page', async ({ page, context }) => {
  test.setTimeout(150_000);
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await openLab(page);
  await page.getByTestId('group-dataSeed').fill('77');
  await page.getByTestId('group-dataSeed').press('Enter');
  await page.getByTestId('run-2-margin').fill('0.05');
  await page.getByTestId('run-2-margin').press('Enter');
  await page.getByTestId('run-3-more').click();
  await page.getByTestId('run-3-seed').fill('4242');
  await page.getByTestId('run-3-seed').press('Enter');
  await page.getByTestId('run-3-lrFree').fill('0.003');
  await page.getByTestId('run-3-lrFree').press('Enter');
  await page.getByTestId('run-3-nonlinearity').selectOption('leaky');
  await page.getByTestId('run-4-name').fill('free s, orth init');
  await page.getByTestId('run-4-name').press('Enter');
  await expect(page.getByTestId('play')).toBeEnabled();
  await page.getByTestId('copy-link').click();
  const link = await page.evaluate(() => navigator.clipboard.readText());
  expect(link).toContain('dataSeed=77');
  expect(link).toBe(page.url());

  const other = await context.newPage();
  await openLab(other, link);
  await expect(other.getByTestId('group-dataSeed')).toHaveValue('77');
  await expect(other.getByTestId('run-2-margin')).toHaveValue('0.05');
  await expect(other.getByTestId('run-4-name')).toHaveValue('free s, orth init');
  await other.getByTestId('run-3-more').click();
  await expect(other.getByTestId('run-3-seed')).toHaveValue('4242');
  await expect(other.getByTestId('run-3-lrFree')).toHaveValue('0.003');
  await expect(other.getByTestId('run-3-nonlinearity')).toHaveValue('leaky');
  await expect(other.getByTestId('run-3-slope')).toHaveValue('0.7');
  expect(other.url()).toBe(link);
  await expect(other.getByTestId('lab-messages')).toHaveCount(0);
  await other.close();
});

test('a link with junk values names them and falls back to the defaults for those', async ({ page }) => {
  await openLab(page, '/#task=copy&T=abc&hidden=99999&run=name:a,margin:banana&run=name:b,margin:0.1&colour=red');
  const messages = page.getByTestId('lab-messages');
  await expect(messages).toContainText("T (T) must be a whole number from 2 to 10000 (got 'abc'); using the default 10");
  await expect(messages).toContainText('Hidden units n (hidden) must be a whole number from 2 to 1024 (got 99999); using the default 32');
  await expect(messages).toContainText(
    "link, run 1: Spectral margin m (margin) must be 'none' or a number from 0 to 100 (got 'banana'); using the default 0",
  );
  await expect(messages).toContainText("unknown setting 'colour' was ignored");
  const s = await snapshot(page);
  expect(s.runs.map((r) => [r.name, r.margin])).toEqual([
    ['a', 0],
    ['b', 0.1],
  ]);
  await expect(page.getByTestId('group-T')).toHaveValue('10');
});
