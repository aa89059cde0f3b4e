/**
 * GPU memory in the lab: the device got the adapter's limits; the memory line beside the group settings;
 * a link with sizes this GPU cannot hold is refused before anything is built (why and what would fit, no
 * GPU error, the settings kept) and the lab trains once the user picks sizes that fit; a change that would
 * not fit is refused while a group trains, which keeps training; a GPU validation error mid-run (a buffer
 * the plan uses destroyed under it) stops training with a message and keeps the charts up to it.
 */
import { join } from 'node:path';
import { expect, SCREENSHOT_DIR, test } from './fixtures.ts';
import { openLab, snapshot } from './lab-helpers.ts';

declare global {
  interface Window {
    __e2eBuffers?: GPUBuffer[];
  }
}

async function setField(page: import('@playwright/test').Page, testId: string, value: string): Promise<void> {
  const field = page.getByTestId(testId);
  await field.fill(value);
  await field.press('Enter');
}

test('the device has the limits the adapter offers, and the group settings show the memory they need', async ({ page }) => {
  await openLab(page);
  const limits = await page.evaluate(async () => {
    const names = [
      'maxBufferSize',
      'maxStorageBufferBindingSize',
      'maxStorageBuffersPerShaderStage',
      'maxComputeWorkgroupsPerDimension',
    ] as const;
    const adapter = await navigator.gpu.requestAdapter({ forceFallbackAdapter: false });
    const device = window.__e2eDevices!.at(-1)!;
    return names.map((k) => [k, adapter!.limits[k], device.limits[k]]);
  });
  for (const [name, adapter, device] of limits) {
    // storage buffers per stage: the kernels ask for 10 at most (the LSTM backward binds 10)
    expect(device, name as string).toBe(name === 'maxStorageBuffersPerShaderStage' ? Math.min(Number(adapter), 10) : adapter);
  }
  const line = page.getByTestId('memory-line');
  await expect(line).toHaveAttribute('data-fits', 'true');
  await expect(line).toContainText(
    /GPU memory: [\d.]+ MiB \(5 runs x [\d.]+ [KM]iB \+ shared [\d.]+ KiB\); largest buffer \S+ [\d.]+ [KM]iB of 1\.00 GiB allowed; activations per run [\d.]+ [KM]iB with full storage \(recomputation in segments of \d+ steps: [\d.]+ [KM]iB\)/,
  );
  await expect(page.getByTestId('group-recompute')).toHaveValue('auto');
  await page.getByTestId('memory-details').locator('summary').click();
  await expect(page.getByTestId('memory-details').locator('tbody tr').first()).toContainText('rnn');
  // the line follows the settings
  await setField(page, 'group-T', '20');
  await expect(page.getByTestId('play')).toBeEnabled();
  await expect(line).toContainText(/GPU memory: [\d.]+ MiB/);
  await page.getByTestId('memory-line').scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(SCREENSHOT_DIR, 'webgpu--memory-line-and-buffers.png'), fullPage: true });
});

test('a link this GPU cannot hold is refused before anything is built; sizes that fit train', async ({ page }) => {
  test.setTimeout(180_000);
  // full storage only (recompute=off): the refusal names the full sequence's buffers
  await page.goto('/#T=2000&hidden=1024&batchSize=1024&recompute=off');
  const refusal = page.getByTestId('memory-refusal');
  await expect(refusal).toContainText(
    /This run group does not fit the GPU: activations rnn\.h \[R\]\[L\+1\]\[B\]\[n\] need [\d.]+ GiB in one buffer; this device allows 1\.00 GiB per buffer/,
    { timeout: 80_000 },
  );
  await expect(refusal).toContainText(/What would fit: T at most \d+ \(n = 1024, batch 1024\)/);
  await expect(refusal.getByTestId('memory-fit').first()).toHaveText(/^Use T = \d+$/);
  await expect(page.getByTestId('phase')).toHaveText(/Not built: these settings do not fit this GPU/);
  await expect(page.getByTestId('play')).toBeDisabled();
  await expect(page.getByTestId('memory-line')).toHaveAttribute('data-fits', 'false');
  // what the user asked for is kept
  await expect(page.getByTestId('group-T')).toHaveValue('2000');
  await expect(page.getByTestId('group-hidden')).toHaveValue('1024');
  await expect(page.getByTestId('group-batchSize')).toHaveValue('1024');
  expect(await page.evaluate(() => location.hash)).toContain('T=2000');
  await expect(page.getByText('The GPU rejected a command')).toHaveCount(0);
  await page.screenshot({ path: join(SCREENSHOT_DIR, 'webgpu--memory-refused-link.png'), fullPage: true });
  // a smaller n still does not fit at T = 2000 and batch 1024: the refusal follows
  await setField(page, 'group-hidden', '32');
  await expect(refusal).toContainText(/What would fit: T at most \d+ \(n = 32, batch 1024\)/);
  // T = 10 fits: the lab builds and trains
  await setField(page, 'group-T', '10');
  await expect(page.getByTestId('play')).toBeEnabled({ timeout: 80_000 });
  await expect(refusal).toHaveCount(0);
  await page.getByTestId('play').click();
  await expect.poll(async () => (await snapshot(page)).iteration, { timeout: 60_000 }).toBeGreaterThanOrEqual(2);
  await page.getByTestId('play').click();
});

test("what only recomputation makes fit builds with recompute 'auto', and a segment length can be set", async ({ page }) => {
  test.setTimeout(150_000);
  // T = 3000, batch 1024: full storage needs rnn.h of 1.5 GiB (over SwiftShader's 1 GiB); recomputation fits
  await openLab(page, '/#T=3000&hidden=32&batchSize=1024');
  const line = page.getByTestId('memory-line');
  await expect(line).toHaveAttribute('data-fits', 'true', { timeout: 80_000 });
  await expect(line).toContainText(/activations per run [\d.]+ MiB with recomputation, segments of \d+ steps \(full storage: [\d.]+ GiB\)/);
  await expect(page.getByTestId('memory-refusal')).toHaveCount(0);
  await expect(page.getByTestId('play')).toBeEnabled({ timeout: 80_000 });
  // an explicit segment length, set in the field (a rebuild that keeps the runs' parameters), kept in the link
  await setField(page, 'group-T', '20');
  await setField(page, 'group-batchSize', '4');
  await expect(line).toContainText(/with full storage/, { timeout: 80_000 });
  await setField(page, 'group-recompute', '6');
  // nothing trained yet: the rebuild needs no confirmation
  await expect(page.getByTestId('confirm-dialog')).toHaveCount(0);
  await expect(page.getByTestId('group-recompute')).toHaveValue('6');
  await expect(line).toContainText(/with recomputation, segments of 6 steps/);
  await page.getByTestId('play').click();
  await expect.poll(async () => (await snapshot(page)).iteration, { timeout: 60_000 }).toBeGreaterThanOrEqual(2);
  await page.getByTestId('play').click();
  expect(await page.evaluate(() => location.hash)).toContain('recompute=6');
});

test('a change that would not fit is refused while the group trains on with its settings', async ({ page }) => {
  test.setTimeout(150_000);
  await openLab(page, '/#T=10&hidden=32&batchSize=1024&recompute=off');
  await page.getByTestId('play').click();
  await expect.poll(async () => (await snapshot(page)).iteration, { timeout: 60_000 }).toBeGreaterThanOrEqual(2);
  await setField(page, 'group-T', '3000');
  const refusal = page.getByTestId('memory-refusal');
  await expect(refusal).toContainText(/^Not applied: This run group does not fit the GPU: /);
  await expect(page.getByTestId('confirm-dialog')).toHaveCount(0);
  await expect(page.getByTestId('group-T')).toHaveValue('10');
  const before = (await snapshot(page)).iteration;
  await expect.poll(async () => (await snapshot(page)).iteration, { timeout: 60_000 }).toBeGreaterThan(before);
  expect((await snapshot(page)).phase).toBe('ready');
  await page.screenshot({ path: join(SCREENSHOT_DIR, 'webgpu--memory-refused-change.png'), fullPage: true });
  await refusal.getByTestId('memory-dismiss').click();
  await expect(refusal).toHaveCount(0);
  await page.getByTestId('play').click();
});

test.describe('a GPU validation error during training', () => {
  test('stops training with a message, keeps the charts up to it, and Reset trains again', async ({ page }) => {
    test.setTimeout(180_000);
    // record the buffers the page creates, so the test can destroy one the run group uses
    await page.addInitScript(() => {
      if (typeof GPUDevice === 'undefined') return;
      const buffers: GPUBuffer[] = [];
      window.__e2eBuffers = buffers;
      const create = GPUDevice.prototype.createBuffer;
      GPUDevice.prototype.createBuffer = function (this: GPUDevice, desc: GPUBufferDescriptor) {
        const b = create.call(this, desc);
        buffers.push(b);
        return b;
      };
    });
    await openLab(page);
    await page.getByTestId('play').click();
    await expect.poll(async () => (await snapshot(page)).iteration, { timeout: 60_000 }).toBeGreaterThanOrEqual(3);
    await page.evaluate(() => {
      const hs = (window.__e2eBuffers ?? []).filter((b) => b.label === 'rnn.h');
      hs[hs.length - 1].destroy();
    });
    await expect(page.getByTestId('phase')).toContainText(/Training stopped at iteration \d+: the GPU rejected a command/, {
      timeout: 60_000,
    });
    const s = await snapshot(page);
    expect(s.playing).toBe(false);
    expect(s.phase).toBe('stopped');
    const stoppedAt = Number(/iteration (\d+)/.exec(await page.getByTestId('phase').innerText())![1]);
    // the charts hold what was measured before the error, and nothing from it on
    for (const r of s.runs) expect(r.points).toBe(stoppedAt - 1);
    await expect(page.getByTestId('play')).toBeDisabled();
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'webgpu--gpu-error-stops-training.png'), fullPage: true });
    // Reset builds a new group: training goes on from the start
    await page.getByTestId('reset').click();
    await page.getByTestId('confirm-apply').click();
    await expect(page.getByTestId('play')).toBeEnabled({ timeout: 80_000 });
    await page.getByTestId('play').click();
    await expect.poll(async () => (await snapshot(page)).iteration, { timeout: 60_000 }).toBeGreaterThanOrEqual(2);
    await page.getByTestId('play').click();
  });
});
