/** Helpers for the lab's e2e tests: wait for the lab, read its numbers through window.__lab (src/app/lab/testHook.ts). */
import type { Page } from '@playwright/test';
import type { LabSnapshot } from '../src/app/lab/testHook.ts';
import { expect } from './fixtures.ts';

export async function snapshot(page: Page): Promise<LabSnapshot> {
  return page.evaluate(() => window.__lab!.snapshot());
}

/** Opens `url` and waits until the run group is built (kernels compiled) and the play button is enabled. */
export async function openLab(page: Page, url = '/'): Promise<void> {
  await page.goto(url);
  await expect(page.getByTestId('play')).toBeEnabled({ timeout: 80_000 });
}

/** Plays until the lab has completed at least `iterations` iterations, then pauses. */
export async function trainUntil(page: Page, iterations: number, timeout = 120_000): Promise<void> {
  await page.getByTestId('play').click();
  await expect.poll(async () => (await snapshot(page)).iteration, { timeout, intervals: [500] }).toBeGreaterThanOrEqual(iterations);
  await page.getByTestId('play').click();
  await expect.poll(async () => (await snapshot(page)).playing).toBe(false);
  // the readbacks queued before the pause land in the MetricsBook: then the numbers are final
  await expect.poll(async () => (await snapshot(page)).pendingCollects).toBe(0);
}
