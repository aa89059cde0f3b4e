/**
 * End-to-end tests of the app in real Chromium with WebGPU (SwiftShader, on the CPU, where there is no GPU).
 *
 * Browser: the system Chromium (CHROME_PATH, else /usr/bin/chromium), launched by Playwright in headless mode.
 * That is full Chromium ("new" headless), not chromium-headless-shell, which has no WebGPU. Where neither
 * exists, Playwright's own full Chromium build (channel 'chromium') is used, if `npx playwright install
 * chromium` has fetched it.
 *
 * Flags (checked with Chromium 156 on Debian, no GPU, as root):
 * - --enable-unsafe-webgpu: on Linux this is what makes navigator.gpu hand out an adapter. Without it
 *   navigator.gpu exists but requestAdapter() resolves to null ("No available adapters.").
 * - --use-webgpu-adapter=swiftshader: always the software adapter, on machines with a GPU too, so the
 *   tests see the same adapter (and the software notice) everywhere. --enable-features=Vulkan is not needed:
 *   Chromium's bundled SwiftShader Vulkan ICD is found without it.
 * - --no-sandbox: Chromium refuses to start as root with its sandbox (CI runs as root).
 * - --disable-background-networking --disable-component-update --disable-sync --no-first-run: the CI machine
 *   has no network beyond the registries; these stop Chromium from trying to reach Google.
 *
 * Servers: the Vite dev server (what `npm run dev` runs) on 127.0.0.1:5174, and the production build (what
 * `npm start` serves) on 127.0.0.1:5175, so neither collides with a developer's own server on 5173.
 */
import { existsSync } from 'node:fs';
import { cpus } from 'node:os';
import { defineConfig, type LaunchOptions } from '@playwright/test';
import { DEV_PORT, PROD_PORT, PROD_URL } from './e2e/servers.ts';

const PORT = DEV_PORT;
const BASE_URL = `http://127.0.0.1:${PORT}`;

const CI = !!process.env.CI;

const systemChromium = [process.env.CHROME_PATH, '/usr/bin/chromium'].find((p): p is string => !!p && existsSync(p));

const QUIET_FLAGS = ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

function chromium(extraArgs: string[]): { launchOptions: LaunchOptions; channel?: string } {
  const args = [...QUIET_FLAGS, ...extraArgs];
  return systemChromium ? { launchOptions: { executablePath: systemChromium, args } } : { channel: 'chromium', launchOptions: { args } };
}

export default defineConfig({
  testDir: 'e2e',
  // SwiftShader compiles shaders on the CPU: a page with every kernel takes seconds, not milliseconds.
  timeout: 90_000,
  expect: { timeout: 45_000 },
  // Each Chromium runs WebGPU on the CPU (SwiftShader uses every core): two browsers at once on a small
  // machine starve each other and the timing-sensitive checks (refresh rate, a moving iteration counter)
  // fail. One at a time in CI and below 8 cores; two on larger machines.
  workers: CI || cpus().length < 8 ? 1 : 2,
  forbidOnly: CI,
  retries: 0,
  reporter: [['list']],
  use: {
    baseURL: BASE_URL,
    headless: true,
    viewport: { width: 1280, height: 800 },
    trace: 'retain-on-failure',
  },
  webServer: [
    {
      // the dev server (what `npm run dev` serves): the shader modules are separate files a test can replace
      command: `npx vite --config e2e/vite.config.ts --host 127.0.0.1 --port ${PORT} --strictPort`,
      url: BASE_URL,
      reuseExistingServer: !CI,
      timeout: 120_000,
      stdout: 'ignore',
      stderr: 'pipe',
    },
    {
      // the production build (what `npm start` serves), for measurements that React's development mode
      // would distort (main-thread long tasks)
      command: `npx vite build --outDir dist-e2e --emptyOutDir --logLevel warn && npx vite preview --outDir dist-e2e --host 127.0.0.1 --port ${PROD_PORT} --strictPort`,
      url: PROD_URL,
      reuseExistingServer: !CI,
      timeout: 180_000,
      stdout: 'ignore',
      stderr: 'pipe',
    },
  ],
  projects: [
    {
      name: 'webgpu',
      testIgnore: /browser-without-webgpu/,
      use: chromium(['--enable-unsafe-webgpu', '--use-webgpu-adapter=swiftshader']),
    },
    {
      // A browser as it ships on Linux without the flag: WebGPU present but no adapter. --disable-gpu keeps
      // it that way on machines with a GPU whose Chromium would otherwise offer WebGPU by default.
      name: 'no-webgpu-flag',
      testMatch: /browser-without-webgpu/,
      use: chromium(['--disable-gpu']),
    },
  ],
});
