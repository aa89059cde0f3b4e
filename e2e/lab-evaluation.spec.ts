/**
 * Evaluation in the lab (issue 9, "In the lab"): an MNIST link that evaluates every epoch scores the
 * validation set at each epoch's weights and the test set at each run's best-validation weights; the loss
 * and accuracy charts draw every run's validation rounds (dashed, dotted, in its colour); the results table
 * gives each run's best validation accuracy, the iteration of those weights, the test accuracy there and the
 * paper's Table 1 number for its configuration, and exports as CSV; a rebuild that carries the runs (another
 * evaluation batch) keeps their rounds and best weights, and so does the experiment file (export, reset,
 * import). A small training subset (320 images, 10 iterations an epoch) keeps a CPU adapter quick; validation
 * and test are always the full 10,000 images. The accuracy chart draws each run's test accuracy over
 * training too (dotted, at its best-validation weights as they stood at each round), in its CSV and SVG
 * exports; the toolbar shows a round's progress as its batches finish; the memory line names the evaluation
 * pass.
 */
import { readFileSync } from 'node:fs';
import { expect, SCREENSHOT_DIR, test } from './fixtures.ts';
import { snapshot } from './lab-helpers.ts';

const RUNS = '&run=name:m%3D0,margin:0,nonlinearity:tanh&run=name:m%3D1,margin:1,nonlinearity:tanh';
const LINK = `/#task=mnist&mnistImage=14x14&mnistStep=row&trainSubset=320&hidden=16&batchSize=32&evaluateEvery=epoch${RUNS}`;

const fewestRounds = async (page: Parameters<typeof snapshot>[0]) => Math.min(...(await snapshot(page)).runs.map((r) => r.rounds.length));

async function pauseAndSettle(page: Parameters<typeof snapshot>[0]) {
  await page.getByTestId('play').click();
  await expect.poll(async () => (await snapshot(page)).playing).toBe(false);
  await expect.poll(async () => (await snapshot(page)).pendingCollects).toBe(0);
  // a round due where the loop stopped runs after the pause: its results land before the numbers are final
  await expect.poll(async () => (await snapshot(page)).evaluationPending, { timeout: 60_000 }).toBe(false);
}

test('every epoch: validation rounds on the charts, test accuracy at the best weights beside the paper, kept through a rebuild and an export and import', async ({
  page,
}) => {
  test.setTimeout(420_000);
  await page.goto(LINK);
  await expect(page.getByTestId('play')).toBeEnabled({ timeout: 150_000 });
  await expect(page.getByTestId('group-evaluateEvery')).toHaveValue('epoch');
  await expect(page.getByTestId('group-evaluationBatch')).toHaveValue('0');
  await expect(page.getByTestId('results-table')).toBeVisible();
  await expect(page.getByTestId('results-row')).toHaveCount(2);
  // the memory line names the evaluation pass beside the group (at the training batch: evaluationBatch 0)
  await expect(page.getByTestId('memory-evaluation')).toContainText(/evaluation pass \(batch 32, .*\): [\d.]+ [KM]iB besides the group/);
  await page.getByTestId('memory-details').locator('summary').click();
  await expect(page.getByTestId('memory-details')).toContainText('evaluation pass (');
  await page.getByTestId('memory-line').screenshot({ path: `${SCREENSHOT_DIR}/evaluation--memory-line.png` });
  await page.getByTestId('memory-details').locator('summary').click();

  // 320 images in batches of 32: an epoch every 10 iterations; train past two of them
  await page.getByTestId('play').click();
  // a round's progress in the toolbar, as its batches finish: seen part-way through the validation set
  const evaluating = page.getByTestId('evaluating');
  await expect(evaluating).toContainText(/Evaluating at iteration 10: validation: [\d,]+ of 10,000 images/, { timeout: 120_000 });
  let partWay = '';
  await expect
    .poll(
      async () => {
        const text = (await evaluating.textContent({ timeout: 100 }).catch(() => null)) ?? '';
        const done = Number(text.match(/validation: ([\d,]+) of 10,000/)?.[1].replaceAll(',', '') ?? 0);
        if (done > 0 && done < 10_000 && !partWay) {
          partWay = text;
          await page.locator('.toolbar').screenshot({ path: `${SCREENSHOT_DIR}/evaluation--toolbar-progress.png` });
        }
        return partWay;
      },
      { timeout: 60_000, intervals: [50] },
    )
    .not.toBe('');
  console.log(`seen during a round: ${partWay}`);
  await expect.poll(() => fewestRounds(page), { timeout: 240_000, intervals: [1000] }).toBeGreaterThanOrEqual(2);
  await pauseAndSettle(page);
  // gone once the round is over
  await expect(evaluating).toHaveCount(0);
  const s = await snapshot(page);
  console.log(`evaluation rounds (s): ${s.evaluationSeconds.map((x) => x.toFixed(1)).join(', ')}; iteration ${s.iteration}`);
  for (const r of s.runs) {
    expect(
      r.rounds.slice(0, 2).map(([it]) => it),
      `${r.name}: a round at the start of every epoch`,
    ).toEqual([10, 20]);
    for (const [it, acc] of r.rounds) {
      expect(acc, `${r.name}: validation accuracy at ${it}`).not.toBeNull();
      expect(acc!).toBeGreaterThan(0);
      expect(acc!).toBeLessThanOrEqual(1);
    }
  }

  // the charts: a validation line (dashed, a dot a round) per run on the loss and on the accuracy chart
  const chart = page.getByTestId('loss-chart');
  await expect(chart.locator('.validation-line')).toHaveCount(4);
  // the training lines have no dots: every dot is a round (2 runs x 2 charts x at least 2 rounds)
  expect(await chart.locator('.recharts-line-dots circle').count()).toBeGreaterThanOrEqual(8);
  await expect(page.getByTestId('chart-loss')).toContainText('validation loss and accuracy at each evaluation round');
  // the test accuracy over training, dotted, on the accuracy chart alone: one line per run
  await expect(chart.locator('.test-line')).toHaveCount(2);
  await expect(page.getByTestId('chart-loss')).toContainText("at the run's best-validation weights as they stood at that round");
  // in the chart's exports: the rounds CSV (a test figure at the best weights every round) and the SVG's legend
  const [roundsDl] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-evaluation-rounds-csv').click()]);
  const roundsCsv = readFileSync((await roundsDl.path())!, 'utf8')
    .trim()
    .split('\n');
  expect(roundsCsv[0]).toBe(
    'iteration,run,validation_loss,validation_accuracy,test_loss,test_accuracy,test_best_iteration,test_at_best_loss,test_at_best_accuracy,test_at_best_iteration',
  );
  for (const line of roundsCsv.slice(1)) {
    const f = line.split(',');
    expect(Number(f[8]), `test at the best weights in ${line}`).toBeGreaterThan(0);
    expect(Number(f[9])).toBeLessThanOrEqual(Number(f[0]));
  }
  const [svgDl] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-loss-accuracy-svg').click()]);
  expect(readFileSync((await svgDl.path())!, 'utf8')).toContain('test at the best-validation weights as they stood at each round (dotted)');

  // the results table: finite test accuracies in (0, 100], at an iteration that was a round; Table 1's numbers
  const rows = page.getByTestId('results-row');
  for (let k = 0; k < 2; k++) {
    const row = rows.nth(k);
    const name = s.runs[k].name;
    const test = Number(await row.getByTestId('results-test').getAttribute('data-value'));
    expect(Number.isFinite(test), `${name}: a test accuracy`).toBe(true);
    expect(test).toBeGreaterThan(0);
    expect(test).toBeLessThanOrEqual(100);
    const at = Number(await row.getByTestId('results-iteration').textContent());
    expect(s.runs[k].rounds.map(([it]) => it)).toContain(at);
    const bestValidation = Number(await row.getByTestId('results-validation').textContent());
    const [, accAt] = s.runs[k].rounds.find(([it]) => it === at)!;
    expect(bestValidation).toBeCloseTo(100 * accAt!, 2);
    // the best is the highest validation accuracy so far
    expect(bestValidation + 0.005).toBeGreaterThanOrEqual(Math.max(...s.runs[k].rounds.map(([, a]) => 100 * a!)));
  }
  await expect(rows.nth(0).getByTestId('results-paper')).toHaveText('77.18');
  await expect(rows.nth(1).getByTestId('results-paper')).toHaveText('93.84');
  await expect(page.getByTestId('results')).toContainText('compare the ordering of the runs, not the numbers');

  const [dl] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-results-csv').click()]);
  const csv = readFileSync((await dl.path())!, 'utf8')
    .trim()
    .split('\n');
  expect(csv[0]).toBe(
    'run,rounds,best_iteration,best_validation_accuracy_pct,best_validation_loss,test_accuracy_pct,test_loss,paper_row,paper_test_accuracy_pct_table1',
  );
  expect(csv.slice(1).map((l) => l.split(',')[0])).toEqual(['m=0', 'm=1']);
  expect(csv[1].split(',')[8]).toBe('77.18');

  await page.getByTestId('results').scrollIntoViewIfNeeded();
  await page.getByTestId('chart-loss').screenshot({ path: `${SCREENSHOT_DIR}/evaluation--loss-accuracy.png` });
  await page.getByTestId('results').screenshot({ path: `${SCREENSHOT_DIR}/evaluation--results.png` });

  // another evaluation batch rebuilds the group carrying every run: the rounds and the best weights stay
  const before = await page.getByTestId('results-test').allTextContents();
  const field = page.getByTestId('group-evaluationBatch');
  await field.fill('250');
  await field.press('Enter');
  await expect(page.getByTestId('confirm-dialog')).toContainText('Change Evaluation batch from 0 to 250?');
  await expect(page.getByTestId('confirm-dialog')).toContainText('Every run keeps its trained parameters');
  await page.getByTestId('confirm-apply').click();
  await expect(page.getByTestId('memory-evaluation')).toContainText('evaluation pass (batch 250,');
  // the new group is built when its evaluator has timed no round yet (the old one timed three) and the lab is ready
  await expect
    .poll(
      async () => {
        const now = await snapshot(page);
        return now.phase === 'ready' && now.evaluationSeconds.length === 0;
      },
      { timeout: 120_000 },
    )
    .toBe(true);
  await expect(page.getByTestId('play')).toBeEnabled();
  await expect(page.getByTestId('results-test')).toHaveText(before);
  const rounds = (await snapshot(page)).runs.map((r) => r.rounds.length);
  await page.getByTestId('play').click();
  await expect.poll(() => fewestRounds(page), { timeout: 200_000, intervals: [1000] }).toBeGreaterThan(Math.min(...rounds));
  await pauseAndSettle(page);
  const after = await snapshot(page);
  console.log(`after the rebuild (batch 250): ${after.evaluationSeconds.map((x) => x.toFixed(1)).join(', ')} s a round`);
  for (const r of after.runs) {
    const its = r.rounds.map(([it]) => it);
    expect(its, `${r.name}: rounds go on where they stood`).toEqual([...its].sort((a, b) => a - b));
    expect(new Set(its).size).toBe(its.length);
  }

  // the experiment file carries every run's rounds and best-validation weights (its checkpoints); reset, import
  const results = await page.getByTestId('results-test').allTextContents();
  const [saved] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-experiment').click()]);
  const text = readFileSync((await saved.path())!, 'utf8');
  const file = JSON.parse(text);
  expect(file.group.evaluateEvery).toBe('epoch');
  for (const [k, c] of file.checkpoints.entries()) {
    expect(c.evaluations.map((e: { iteration: number }) => e.iteration)).toEqual(after.runs[k].rounds.map(([it]) => it));
    expect(c.best.iteration, `${after.runs[k].name}: the best weights' iteration`).toBe(
      Number(await page.getByTestId('results-iteration').nth(k).textContent()),
    );
  }
  await page.keyboard.press('r');
  await page.getByTestId('confirm-apply').click();
  await expect.poll(async () => (await snapshot(page)).iteration).toBe(0);
  await expect.poll(async () => Math.max(...(await snapshot(page)).runs.map((r) => r.rounds.length))).toBe(0);
  await page
    .getByTestId('import-experiment')
    .setInputFiles({ name: 'saved.json', mimeType: 'application/json', buffer: Buffer.from(text) });
  await expect(page.getByTestId('lab-messages')).toContainText("Loaded 'saved.json'", { timeout: 120_000 });
  await expect(page.getByTestId('play')).toBeEnabled();
  const loaded = await snapshot(page);
  expect(loaded.runs.map((r) => r.rounds)).toEqual(after.runs.map((r) => r.rounds));
  // the table redraws from the book (at most twice a second)
  await expect(page.getByTestId('results-test')).toHaveText(results);
});
