/**
 * The shared fixture of every e2e test. It fails the test on any console error or warning, uncaught page
 * error, GPU error (the app's problem banner, Chromium's own WebGPU warnings) or renderer crash, unless the
 * test declares the message as expected with `test.use({ expectedProblems: [/.../] })`. It also saves a
 * full-page screenshot at the end of every test to test-results/screenshots/<project>--<describe>-<title>.png.
 *
 * GPU errors travel from Chromium's GPU process to the page only when the page next talks to the GPU, so an
 * error made by an idle page would surface late or never. An init script therefore records every device
 * the page creates (window.__e2eDevices), and the fixture waits for each device's queue before it checks.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { test as base, expect, type Page } from '@playwright/test';

// Console warnings that are not problems. Everything else Chromium warns about (it logs uncaptured WebGPU
// errors as warnings, e.g. "Buffer usages must not be 0. - While calling [Device].CreateBuffer") fails.
const HARMLESS_WARNINGS = [
  /^No available adapters\.?$/, // a browser without WebGPU: the app shows its explanation page
  /powerPreference option is currently ignored/, // Chrome on Windows
];

export const SCREENSHOT_DIR = join('test-results', 'screenshots');

declare global {
  interface Window {
    __e2eDevices?: GPUDevice[];
  }
}

function slug(s: string): string {
  return s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 120);
}

/** Waits until every device the page created has processed its work, so pending GPU errors arrive. */
export async function flushGpu(page: Page): Promise<void> {
  await page.evaluate(async () => {
    const devices = window.__e2eDevices ?? [];
    const settle = (p: Promise<unknown>) => Promise.race([p.catch(() => undefined), new Promise((r) => setTimeout(r, 5_000))]);
    await Promise.all(devices.map((d) => settle(d.queue.onSubmittedWorkDone())));
    await new Promise((r) => setTimeout(r, 50)); // let the error events run
  });
}

// biome-ignore lint/suspicious/noConfusingVoidType: Playwright types a fixture that yields nothing as void
export const test = base.extend<{ expectedProblems: RegExp[]; guardPage: void }>({
  expectedProblems: [[], { option: true }],

  guardPage: [
    async ({ page, expectedProblems }, use, testInfo) => {
      await page.addInitScript(() => {
        if (typeof GPUAdapter === 'undefined') return;
        const devices: GPUDevice[] = [];
        window.__e2eDevices = devices;
        const requestDevice = GPUAdapter.prototype.requestDevice;
        GPUAdapter.prototype.requestDevice = async function (this: GPUAdapter, descriptor?: GPUDeviceDescriptor) {
          const device = await requestDevice.call(this, descriptor);
          devices.push(device);
          return device;
        };
      });

      const problems: string[] = [];
      page.on('console', (msg) => {
        const text = msg.text();
        if (msg.type() === 'error') problems.push(`console.error: ${text}`);
        else if (msg.type() === 'warning' && !HARMLESS_WARNINGS.some((r) => r.test(text))) problems.push(`console.warning: ${text}`);
      });
      page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
      page.on('crash', () => problems.push('the renderer crashed'));

      await use();

      await flushGpu(page).catch((e: Error) => problems.push(`could not flush the GPU: ${e.message}`));

      mkdirSync(SCREENSHOT_DIR, { recursive: true });
      const file = join(SCREENSHOT_DIR, `${testInfo.project.name}--${slug(testInfo.titlePath.slice(1).join(' '))}.png`);
      await page.screenshot({ path: file, fullPage: true }).catch((e: Error) => problems.push(`screenshot failed: ${e.message}`));

      const banner = await page
        .locator('[data-testid="problem-banner"] li')
        .allInnerTexts()
        .catch(() => []);
      for (const text of banner) problems.push(`problem banner: ${text}`);

      const unexpected = problems.filter((p) => !expectedProblems.some((r) => r.test(p)));
      expect(unexpected, 'console errors or warnings, page errors or GPU errors during the test').toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };
