/**
 * GPU problems reach the user: an uncaptured validation error and device loss each appear in the banner.
 * The fixture records every device the page creates (window.__e2eDevices), so the test can misuse and
 * destroy the app's device. In development React's strict mode creates a first device and releases it at
 * once; errors and loss on a released device are (rightly) not reported, so acting on all devices is safe.
 */
import { join } from 'node:path';
import { expect, flushGpu, SCREENSHOT_DIR, test } from './fixtures.ts';

test.beforeEach(async ({ page }) => {
  await page.goto('/');
  // the shader check runs when its panel is opened
  await page.getByTestId('shader-check-details').locator('summary').click();
  await expect(page.getByTestId('shader-check')).toHaveAttribute('data-status', 'done');
});

test.describe('an uncaptured validation error', () => {
  test.use({ expectedProblems: [/Buffer usages must not be 0/] });

  test('shows in the banner and can be dismissed', async ({ page }) => {
    await page.evaluate(() => {
      for (const d of window.__e2eDevices ?? []) d.createBuffer({ size: 4, usage: 0, label: 'bad-usage' });
    });
    await flushGpu(page);
    const item = page.locator('[data-testid="problem-banner"] li[data-kind="validation"]');
    await expect(item).toContainText('GPU validation error: Buffer usages must not be 0');
    await expect(item).toContainText('bug in the lab');
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'webgpu--validation-error-banner-before-dismiss.png'), fullPage: true });
    await item.getByRole('button', { name: 'Dismiss' }).click();
    await expect(page.getByTestId('problem-banner')).toHaveCount(0);
  });
});

test.describe('device loss', () => {
  test.use({ expectedProblems: [/device was lost/i] });

  test('shows in the banner with a reload button', async ({ page }) => {
    await page.evaluate(() => {
      for (const d of window.__e2eDevices ?? []) d.destroy();
    });
    const item = page.locator('[data-testid="problem-banner"] li[data-kind="device-lost"]');
    await expect(item).toContainText('The GPU device was lost');
    await expect(item).toContainText('reload the page');
    await expect(item.getByRole('button', { name: 'Reload' })).toBeVisible();
  });
});
