/**
 * The paper's figures and Table 5 in the lab's preset list (src/app/lab/presets.ts over
 * src/experiments/paperFigures.ts): each loads with its runs and settings as the registry states them and
 * trains a few iterations in Chromium (SwiftShader) without a console error (the fixtures fail on any). The
 * settings are the preset's own; only the iterations are few (one at the paper's sizes, three for a
 * classroom variant). Its description, stating the paper's settings and the classroom variant, is listed
 * under the selector, behind its disclosure.
 */
import { join } from 'node:path';
import { presets } from '../src/app/lab/presets.ts';
import { expect, SCREENSHOT_DIR, test } from './fixtures.ts';
import { openLab, snapshot } from './lab-helpers.ts';

// the lab on SwiftShader sizes its presets for a software adapter
const FIGURE_PRESETS = presets(true).filter((p) => /^(figure|appendix|table5)/.test(p.id));

// one page for every preset of a kind: selecting a preset is what a user does, and the page's shaders are
// compiled once (a page each took 11 page loads and shader compilations, most of this file's time)
const KINDS: { title: string; presets: typeof FIGURE_PRESETS }[] = [
  { title: 'the classroom variants and Table 5', presets: FIGURE_PRESETS.filter((p) => p.id.endsWith('-classroom') || p.id === 'table5') },
  { title: "the paper's sizes", presets: FIGURE_PRESETS.filter((p) => !p.id.endsWith('-classroom') && p.id !== 'table5') },
];

for (const kind of KINDS) {
  test(`${kind.title}: each preset loads with its runs and trains without a console error`, async ({ page }) => {
    expect(kind.presets.length).toBeGreaterThan(0);
    test.setTimeout(200_000 * kind.presets.length);
    await openLab(page);
    for (const preset of kind.presets) {
      await test.step(preset.id, async () => {
        const measured = (await snapshot(page)).iteration > 0;
        await page.getByTestId('preset-select').selectOption(preset.id);
        // after training the lab asks before it discards what was measured: as a user, discard and load
        if (measured) await page.getByRole('button', { name: 'Discard and load' }).click();
        await expect
          .poll(async () => (await snapshot(page)).runs.map((r) => r.name), { timeout: 60_000 })
          .toEqual(preset.experiment.runs.map((r) => r.name));
        await expect(page.getByTestId('play')).toBeEnabled({ timeout: 120_000 });
        await expect.poll(async () => (await snapshot(page)).iteration, { timeout: 60_000 }).toBe(0);
        await expect(page.locator('.preset-notes')).toContainText(preset.description.slice(0, 80));
        const steps = preset.id.endsWith('-classroom') ? 3 : 1;
        await page.locator('body').click({ position: { x: 5, y: 5 } });
        for (let k = 1; k <= steps; k++) {
          await page.keyboard.press('s');
          await expect.poll(async () => (await snapshot(page)).iteration, { timeout: 150_000, intervals: [500] }).toBe(k);
        }
        await expect.poll(async () => (await snapshot(page)).pendingCollects, { timeout: 60_000 }).toBe(0);
        const s = await snapshot(page);
        expect(s.runs.map((r) => r.margin)).toEqual(preset.experiment.runs.map((r) => r.margin));
        expect(
          s.runs.every((r) => Number.isFinite(r.loss)),
          `${preset.id}: every run measured a finite loss`,
        ).toBe(true);
        if (preset.id === 'figure1-classroom') {
          await page.screenshot({ path: join(SCREENSHOT_DIR, `lab--preset-${preset.id}.png`), fullPage: false });
          // the descriptions sit behind a disclosure: open it as a user would
          await page.getByTestId('preset-details').locator('summary').click();
          const note = page.locator('.preset-notes li', { hasText: preset.label });
          await expect(note).toBeVisible();
          await note.scrollIntoViewIfNeeded();
          await note.screenshot({ path: join(SCREENSHOT_DIR, `lab--preset-${preset.id}-description.png`) });
        }
      });
    }
  });
}
