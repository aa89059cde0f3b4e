/**
 * For a classroom (issue 3, section 7): nothing needs the network once the page is loaded; presentation
 * mode enlarges the type and still fits a projector and a laptop screen; the keyboard drives training.
 */

import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { expect, SCREENSHOT_DIR, test } from './fixtures.ts';
import { openLab, snapshot } from './lab-helpers.ts';

async function download(page: Page, testId: string): Promise<number> {
  const [dl] = await Promise.all([page.waitForEvent('download'), page.getByTestId(testId).click()]);
  const path = await dl.path();
  const { statSync } = await import('node:fs');
  return statSync(path).size;
}

test('once loaded, the lab trains and exports with the network off and asks for nothing', async ({ page, context }) => {
  test.setTimeout(150_000);
  await openLab(page);
  const requests: string[] = [];
  page.on('request', (r) => {
    if (!r.url().startsWith('blob:') && !r.url().startsWith('data:')) requests.push(r.url());
  });
  await context.setOffline(true);
  await page.keyboard.press('s');
  await expect.poll(async () => (await snapshot(page)).iteration).toBe(1);
  await page.getByTestId('play').click();
  await expect.poll(async () => (await snapshot(page)).iteration, { timeout: 60_000 }).toBeGreaterThanOrEqual(15);
  await page.getByTestId('play').click();
  await expect.poll(async () => (await snapshot(page)).pendingCollects).toBe(0);
  expect(await download(page, 'export-loss-accuracy-png')).toBeGreaterThan(1000);
  expect(await download(page, 'export-experiment')).toBeGreaterThan(1000);
  expect(requests, 'requests made while offline').toEqual([]);
  await context.setOffline(false);
});

test('space plays and pauses, and the shortcuts are listed on the page', async ({ page }) => {
  await openLab(page);
  await expect(page.locator('#lab')).toContainText(/Space/);
  await page.locator('body').click({ position: { x: 5, y: 5 } });
  await page.keyboard.press('Space');
  await expect.poll(async () => (await snapshot(page)).playing).toBe(true);
  await expect.poll(async () => (await snapshot(page)).iteration, { timeout: 60_000 }).toBeGreaterThanOrEqual(3);
  await page.keyboard.press('Space');
  await expect.poll(async () => (await snapshot(page)).playing).toBe(false);
  await expect.poll(async () => (await snapshot(page)).pendingCollects).toBe(0);
  const stopped = (await snapshot(page)).iteration;
  await page.waitForTimeout(1000);
  expect((await snapshot(page)).iteration).toBe(stopped);
});

for (const [label, width, height] of [
  ['projector', 1920, 1080],
  ['laptop', 1366, 768],
] as const) {
  test(`presentation mode enlarges the type and fits a ${label} screen (${width}x${height})`, async ({ page }) => {
    test.setTimeout(120_000);
    await page.setViewportSize({ width, height });
    await openLab(page);
    await page.getByTestId('play').click();
    await expect.poll(async () => (await snapshot(page)).iteration, { timeout: 60_000 }).toBeGreaterThanOrEqual(10);
    await page.getByTestId('play').click();
    const fontSize = () => page.evaluate(() => parseFloat(getComputedStyle(document.querySelector('[data-testid="play"]')!).fontSize));
    const before = await fontSize();
    await page.getByTestId('presentation-toggle').click();
    await expect.poll(fontSize).toBeGreaterThan(before * 1.2);
    // nothing wider than the screen: no horizontal scrolling on a projector or a laptop
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow, 'horizontal overflow in px').toBeLessThanOrEqual(0);
    await page.screenshot({ path: join(SCREENSHOT_DIR, `lab--presentation-${label}.png`) });
  });
}
