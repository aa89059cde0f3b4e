/** Ports of the two servers Playwright starts (playwright.config.ts): the dev server and the production build. */
export const DEV_PORT = 5174;
export const PROD_PORT = 5175;
export const PROD_URL = `http://127.0.0.1:${PROD_PORT}/`;
