/**
 * The shader check reports a shader that does not compile: the dev server's module for one shader is
 * replaced by broken WGSL, and that shader (only that one) must be listed as failed with the compiler's message.
 */
import { readdirSync } from 'node:fs';
import { expect, test } from './fixtures.ts';

const shaders = readdirSync('shaders')
  .filter((f) => f.endsWith('.wgsl'))
  .sort();
const victim = shaders[0].replace(/\.wgsl$/, '');

test.use({ expectedProblems: [/not_a_type|unresolved type|error while parsing/i] });

test('a shader that does not compile is listed as failed, with the reason', async ({ page }) => {
  await page.route(`**/shaders/${victim}.wgsl?*raw*`, (route) =>
    route.fulfill({
      contentType: 'text/javascript',
      body: `export default ${JSON.stringify('@compute @workgroup_size(1) fn main() { let x: not_a_type = 1; }')};`,
    }),
  );
  await page.goto('/');
  // the shader check runs when its panel is opened
  await page.getByTestId('shader-check-details').locator('summary').click();
  const check = page.getByTestId('shader-check');
  await expect(check).toHaveAttribute('data-status', 'done');
  const failed = check.locator('li[data-status="failed"]');
  await expect(failed).toHaveCount(1);
  await expect(failed).toHaveAttribute('data-shader', victim);
  await expect(failed.locator('.shader-error')).toContainText('not_a_type');
  await expect(check.locator('li[data-status="ok"]')).toHaveCount(shaders.length - 1);
  await expect(page.getByTestId('shader-summary')).toContainText(`1 of ${shaders.length} shaders failed`);
});
