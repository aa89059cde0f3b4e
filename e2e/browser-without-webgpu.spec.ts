/**
 * A real Chromium started without --enable-unsafe-webgpu (project 'no-webgpu-flag'): on Linux it has
 * navigator.gpu but no adapter, like most Linux browsers out of the box. The lab must explain, not go blank.
 */
import { expect, test } from './fixtures.ts';

test('a browser without WebGPU enabled gets the explanation page', async ({ page }) => {
  await page.goto('/');
  const pageEl = page.getByTestId('no-webgpu');
  await expect(pageEl).toBeVisible();
  await expect(pageEl).toHaveAttribute('data-reason', /^(no-api|no-adapter)$/);
  await expect(page.getByRole('heading', { level: 1, name: 'WebGPU is not available' })).toBeVisible();
  await expect(pageEl).toContainText('chrome://flags/#enable-unsafe-webgpu');
  await expect(page.getByTestId('user-agent')).not.toBeEmpty();
});
