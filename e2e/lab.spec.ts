/** The lab with WebGPU (SwiftShader): header, adapter, software notice, lab region, every shader compiled. */
import { readdirSync } from 'node:fs';
import { expect, test } from './fixtures.ts';

const shadersOnDisk = readdirSync('shaders').filter((f) => f.endsWith('.wgsl'));

test('loads with WebGPU, shows the adapter and the software notice, and compiles every shader', async ({ page }) => {
  await page.goto('/');

  await expect(page.getByRole('heading', { level: 1, name: 'Orthogonality Lab' })).toBeVisible();
  await expect(page.getByTestId('adapter-name')).toContainText(/swiftshader/i);
  await expect(page.getByTestId('software-notice')).toContainText('running on the CPU, sizes are reduced');
  await expect(page.locator('#lab')).toBeVisible();
  await expect(page.locator('#lab')).toContainText('Training lab');

  // the shader check runs when its panel is opened
  await page.getByTestId('shader-check-details').locator('summary').click();
  const check = page.getByTestId('shader-check');
  await expect(check).toHaveAttribute('data-status', 'done');
  expect(shadersOnDisk.length).toBeGreaterThan(0);
  await expect(check.locator('li[data-shader]')).toHaveCount(shadersOnDisk.length);
  await expect(check.locator('li[data-status="ok"]')).toHaveCount(shadersOnDisk.length);
  await expect(check.locator('li[data-status="failed"]')).toHaveCount(0);
  await expect(page.getByTestId('shader-summary')).toContainText(`All ${shadersOnDisk.length} shaders compiled`);
  await expect(page.getByTestId('problem-banner')).toHaveCount(0);
});
