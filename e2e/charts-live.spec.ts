/**
 * The live charts in Chromium on SwiftShader: after two runs of the default experiment train for a while, the
 * gradient-flow heatmaps and the spectrum bands are painted (coloured pixels on their canvases, read back
 * with getImageData), and every chart export downloads a valid file (PNG magic bytes, SVG with its title,
 * CSV with a header and rows). The exported files and the canvases are saved under test-results/ to look at.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { expect, SCREENSHOT_DIR, test } from './fixtures.ts';
import { openLab, snapshot, trainUntil } from './lab-helpers.ts';

const EXPORT_DIR = join('test-results', 'chart-exports');

/** Pixels of a canvas with a clear colour (max - min channel > 60): heatmap cells, run-coloured lines and bands; not white, grey grid or dark ink. */
async function colouredPixels(page: Page, testId: string): Promise<{ coloured: number; total: number }> {
  return page.getByTestId(testId).evaluate((el) => {
    // read through a copy made for reading, so polling does not make Chromium warn about repeated readbacks
    const c = el as HTMLCanvasElement;
    const copy = document.createElement('canvas');
    copy.width = c.width;
    copy.height = c.height;
    const ctx = copy.getContext('2d', { willReadFrequently: true })!;
    ctx.drawImage(c, 0, 0);
    const d = ctx.getImageData(0, 0, c.width, c.height).data;
    let coloured = 0;
    for (let i = 0; i < d.length; i += 4) {
      const mx = Math.max(d[i], d[i + 1], d[i + 2]);
      const mn = Math.min(d[i], d[i + 1], d[i + 2]);
      if (mx - mn > 60) coloured++;
    }
    return { coloured, total: d.length / 4 };
  });
}

/**
 * Clicks an export button and returns the file it downloads. An export that fails says so in its bar (that
 * fails the test at once). Headless Chromium, on a loaded machine, now and then drops one of many downloads
 * made in quick succession without any error (seen once in CI: the 11th of 13, the page unchanged): after
 * 20 s without a download the button is clicked once more, as a user would, and the retry is logged.
 */
async function download(page: Page, testId: string): Promise<{ name: string; bytes: Buffer }> {
  const button = page.getByTestId(testId);
  const attempt = async () => {
    const [dl] = await Promise.all([page.waitForEvent('download', { timeout: 20_000 }), button.click()]);
    return dl;
  };
  const dl = await attempt().catch(async (e: Error) => {
    const errors = await page.locator('.export-error').allInnerTexts();
    expect(errors, `export messages after clicking ${testId}`).toEqual([]);
    console.log(`no download 20 s after clicking ${testId} (${e.message.split('\n')[0]}): clicking again`);
    return attempt();
  });
  const path = await dl.path();
  const bytes = readFileSync(path);
  mkdirSync(EXPORT_DIR, { recursive: true });
  writeFileSync(join(EXPORT_DIR, dl.suggestedFilename().replace(/_\d{4}-\d\d-\d\d-\d{6}/, '')), bytes);
  return { name: dl.suggestedFilename(), bytes };
}

// Two runs of the default experiment (m = 0, whose gradient flow stays flat, and 'none'), not its five: every
// chart still draws several runs, and a CPU adapter's time per iteration grows with the number of runs (the
// first test took 37 to 72 s with five runs on a busy 2-core machine).
const TWO_RUNS = '/#run=name:m%3D0,margin:0&run=name:none,margin:none';

test.describe('live charts', () => {
  test('gradient flow and spectrum draw while training, and every chart exports PNG, SVG and CSV', async ({ page }) => {
    test.setTimeout(240_000);
    await openLab(page, TWO_RUNS);
    await expect(page.getByTestId('charts-panel')).toBeVisible();
    const before = await colouredPixels(page, 'flow-canvas');

    await trainUntil(page, 80, 180_000);
    const s = await snapshot(page);
    const visible = s.runs.filter((r) => !r.hidden).length;
    // the charts repaint a few times a second: wait for the heatmap to catch up with the book
    await expect
      .poll(async () => (await colouredPixels(page, 'flow-canvas')).coloured, { timeout: 10_000 })
      .toBeGreaterThan(before.coloured + 2_000 * visible);
    const flow = await colouredPixels(page, 'flow-canvas');
    const spectrum = await colouredPixels(page, 'spectrum-canvas');
    const drift = await colouredPixels(page, 'drift-canvas');
    console.log(
      `coloured pixels: flow ${flow.coloured}/${flow.total} (before training ${before.coloured}), spectrum ${spectrum.coloured}/${spectrum.total}, drift ${drift.coloured}/${drift.total}`,
    );
    expect(spectrum.coloured).toBeGreaterThan(500 * visible);
    expect(drift.coloured).toBeGreaterThan(200);

    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    for (const id of ['chart-loss', 'chart-flow', 'chart-spectrum', 'chart-drift']) {
      await page.getByTestId(id).screenshot({ path: join(SCREENSHOT_DIR, `charts--${id}.png`) });
    }

    const svgs = new Map<string, string>();
    for (const chart of ['loss-accuracy', 'gradient-flow', 'singular-spectrum', 'orthogonality-drift']) {
      const png = await download(page, `export-${chart}-png`);
      expect(png.name).toMatch(new RegExp(`^orthogonality-lab_${chart}_.*\\.png$`));
      expect(png.bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))).toBe(true);
      expect(png.bytes.length).toBeGreaterThan(10_000);

      const svg = await download(page, `export-${chart}-svg`);
      const text = svg.bytes.toString('utf8');
      svgs.set(chart, text);
      expect(text.startsWith('<?xml') || text.startsWith('<svg')).toBe(true);
      expect(text).toContain('<svg xmlns="http://www.w3.org/2000/svg"');
      expect(text.trimEnd().endsWith('</svg>')).toBe(true);
      expect(text).toMatch(/<title>[^<]+<\/title>/);
      expect(text).toContain(s.runs.find((r) => !r.hidden)!.name.replace(/&/g, '&amp;'));

      const csv = await download(page, `export-${chart}-csv`);
      const lines = csv.bytes.toString('utf8').trim().split('\n');
      expect(lines[0]).toMatch(/^iteration,run,/);
      expect(lines.length).toBeGreaterThan(visible);
      expect(lines[1].split(',').length).toBe(lines[0].split(',').length);
    }
    const cur = await download(page, 'export-current-spectrum-csv');
    expect(cur.bytes.toString('utf8').split('\n')[0]).toBe('iteration,run,rank,singular_value');

    // the SVG viewed in the browser as an image: it must load (a broken SVG fires onerror)
    const svgText = svgs.get('gradient-flow')!;
    const loads = await page.evaluate(async (text) => {
      const url = URL.createObjectURL(new Blob([text], { type: 'image/svg+xml' }));
      const img = new Image();
      const ok = await new Promise<boolean>((r) => {
        img.onload = () => r(true);
        img.onerror = () => r(false);
        img.src = url;
      });
      URL.revokeObjectURL(url);
      return ok && img.naturalWidth > 0;
    }, svgText);
    expect(loads).toBe(true);
  });

  test('presentation mode draws larger, and the heatmap switches to raw log10 values', async ({ page }) => {
    test.setTimeout(200_000);
    await openLab(page, TWO_RUNS);
    await trainUntil(page, 40, 150_000);
    const canvas = page.getByTestId('flow-canvas');
    const normalHeight = await canvas.evaluate((c) => (c as HTMLCanvasElement).getBoundingClientRect().height);
    await page.getByLabel('raw (log10 of the norm)').check();
    await expect(page.getByTestId('chart-flow')).toContainText('log10 of the norm of the gradient');
    await page.getByTestId('presentation-toggle').click();
    await expect(page.getByTestId('charts-panel')).toHaveClass(/charts-presentation/);
    await expect
      .poll(async () => canvas.evaluate((c) => (c as HTMLCanvasElement).getBoundingClientRect().height))
      .toBeGreaterThan(normalHeight);
    expect((await colouredPixels(page, 'flow-canvas')).coloured).toBeGreaterThan(2_000);
    await page.getByTestId('chart-flow').screenshot({ path: join(SCREENSHOT_DIR, 'charts--flow-log10-presentation.png') });
    await page.getByTestId('chart-spectrum').screenshot({ path: join(SCREENSHOT_DIR, 'charts--spectrum-presentation.png') });
  });
});
