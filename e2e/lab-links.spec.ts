/**
 * Links that a hostile or careless user writes (issue 7, section 1), opened in Chromium: keys that every
 * JavaScript object has ('constructor', 'toString', '__proto__', ...) once replaced the page with "The lab
 * stopped with an error: Cannot read properties of undefined (reading 'ok')", and a 200,000-character run
 * name was quoted whole in the page's messages. Each link must open the lab with a message naming what was
 * refused, keep the lab usable (one step moves the iteration) and raise no page error (the fixture checks).
 */
import { expect, test } from './fixtures.ts';
import { openLab, snapshot } from './lab-helpers.ts';

const LINKS: { hash: string; refused: string; runs: number }[] = [
  { hash: '#constructor=1', refused: "link: unknown setting 'constructor' was ignored", runs: 5 },
  { hash: '#toString=1', refused: "link: unknown setting 'toString' was ignored", runs: 5 },
  { hash: '#hasOwnProperty=', refused: "link: unknown setting 'hasOwnProperty' was ignored", runs: 5 },
  { hash: '#__proto__=1', refused: "link: unknown setting '__proto__' was ignored", runs: 5 },
  { hash: '#run=name:v,valueOf:1', refused: "link, run 1: unknown setting 'valueOf' was ignored", runs: 1 },
  { hash: '#run=name:v,__proto__:1', refused: "link, run 1: unknown setting '__proto__' was ignored", runs: 1 },
];

/** Opens the link, checks the message and that one step trains; returns the messages shown. */
async function openAndStep(page: import('@playwright/test').Page, hash: string, refused: string, runs: number): Promise<string[]> {
  await openLab(page, `/${hash}`);
  const messages = page.getByTestId('lab-messages');
  await expect(messages).toContainText(refused);
  const s = await snapshot(page);
  expect(s.runs).toHaveLength(runs);
  expect(s.iteration).toBe(0);
  // the lab is usable: one step trains every run
  await page.getByTestId('step').click();
  await expect.poll(async () => (await snapshot(page)).iteration).toBe(1);
  await expect.poll(async () => (await snapshot(page)).pendingCollects).toBe(0);
  for (const r of (await snapshot(page)).runs) expect(Number.isFinite(r.loss), `run '${r.name}' loss ${r.loss}`).toBe(true);
  // the address bar holds the lab's own clean link, without what was refused
  expect(await page.evaluate(() => location.hash)).toMatch(/^#task=copy&T=\d+&/);
  return messages.locator('li').allInnerTexts();
}

for (const { hash, refused, runs } of LINKS) {
  test(`the link ${hash} opens the lab, names the refused key and trains`, async ({ page }) => {
    const shown = await openAndStep(page, hash, refused, runs);
    expect(shown.filter((m) => m.includes(refused))).toHaveLength(1);
  });
}

test('a 200,000-character run name in a link is quoted by a short prefix; the lab trains', async ({ page }) => {
  const name = 'a'.repeat(200_000);
  const shown = await openAndStep(
    page,
    `#run=name:${name},margin:0.5`,
    `link, run 1: Name (name) must be text of 1 to 40 characters (got '${'a'.repeat(60)}…' (200000 characters)); using the default m=0`,
    1,
  );
  for (const m of shown) expect(m.length, `a message of ${m.length} characters`).toBeLessThan(400);
  const s = await snapshot(page);
  expect(s.runs[0].name).toBe('m=0');
  expect(s.runs[0].margin).toBe(0.5);
});
