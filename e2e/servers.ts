/**
 * Ports of the two servers Playwright starts (playwright.config.ts): the dev server and the production build.
 * E2E_DEV_PORT and E2E_PROD_PORT move them, so that two checkouts can run their end-to-end tests at once
 * (outside CI a server already on the port is reused, and it would be the other checkout's).
 */
function port(name: string, fallback: number): number {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const v = Number(text);
  if (!Number.isInteger(v) || v < 1024 || v > 65535) throw new Error(`${name} must be a port number from 1024 to 65535 (got '${text}')`);
  return v;
}

export const DEV_PORT = port('E2E_DEV_PORT', 5174);
export const PROD_PORT = port('E2E_PROD_PORT', 5175);
export const PROD_URL = `http://127.0.0.1:${PROD_PORT}/`;

/** The Chromium flags of the benchmarks' own browser: WebGPU on, SwiftShader unless `hardware`, no background traffic. */
export function benchChromiumArgs(hardware: boolean | undefined): string[] {
  const args = [
    '--no-sandbox',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
    '--enable-unsafe-webgpu',
  ];
  if (!hardware) args.push('--use-webgpu-adapter=swiftshader');
  return args;
}
