/**
 * The "WebGPU is not available" page, for each way WebGPU can be missing, reproduced in a WebGPU-capable
 * browser by init scripts that run before the app: no navigator.gpu, no adapter, and a device refused.
 */

import type { Page } from '@playwright/test';
import { expect, test } from './fixtures.ts';

async function expectNoWebGpuPage(page: Page, reason: string, why: RegExp) {
  const pageEl = page.getByTestId('no-webgpu');
  await expect(pageEl).toBeVisible();
  await expect(pageEl).toHaveAttribute('data-reason', reason);
  await expect(page.getByRole('heading', { level: 1, name: 'WebGPU is not available' })).toBeVisible();
  await expect(page.getByTestId('no-webgpu-why')).toContainText(why);
  await expect(pageEl).toContainText('Chrome or Chromium 113 or newer');
  await expect(pageEl).toContainText('chrome://flags/#enable-unsafe-webgpu');
  await expect(pageEl).toContainText('chrome://gpu');
  await expect(page.getByTestId('user-agent')).toContainText(await page.evaluate(() => navigator.userAgent));
  await expect(page.getByTestId('lab-page')).toHaveCount(0);
}

test('without navigator.gpu: explains that the browser offers no WebGPU', async ({ page }) => {
  await page.addInitScript(() => {
    delete (Navigator.prototype as { gpu?: unknown }).gpu;
  });
  await page.goto('/');
  await expectNoWebGpuPage(page, 'no-api', /navigator\.gpu is missing/);
});

test('without an adapter: explains that no GPU adapter was found', async ({ page }) => {
  await page.addInitScript(() => {
    GPU.prototype.requestAdapter = async () => null;
  });
  await page.goto('/');
  await expectNoWebGpuPage(page, 'no-adapter', /no GPU adapter/);
});

test('when the device is refused: explains that the adapter would not create a device', async ({ page }) => {
  await page.addInitScript(() => {
    GPUAdapter.prototype.requestDevice = async () => {
      throw new DOMException('device refused by the test', 'OperationError');
    };
  });
  await page.goto('/');
  await expectNoWebGpuPage(page, 'no-device', /refused to create a device/);
  await expect(page.getByTestId('no-webgpu-message')).toContainText('device refused by the test');
});
