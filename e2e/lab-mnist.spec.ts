/**
 * Sequential and permuted MNIST in the lab (issue 9): a link to an MNIST group loads the data set from the
 * lab's own origin (the toolbar says so while the group waits), trains, and its runs' accuracy rises above
 * chance; the group settings show MNIST's settings and hide T; switching the task to permuted MNIST asks
 * first, restarts the runs (the iteration counts on) on the permuted images without loading MNIST again, and the link carries the
 * permutation seed. The classroom sizes (14 x 14, a row a step, n = 32) keep a CPU adapter quick.
 */
import { expect, SCREENSHOT_DIR, test } from './fixtures.ts';
import { snapshot, trainUntil } from './lab-helpers.ts';

const RUNS = '&run=name:m%3D0,margin:0,nonlinearity:tanh&run=name:m%3D1,margin:1,nonlinearity:tanh';
const LINK = `/#task=mnist&mnistImage=14x14&mnistStep=row&trainSubset=2000&hidden=32&batchSize=32${RUNS}`;

test('an MNIST link loads the data set, trains above chance, and switches to permuted MNIST without loading it again', async ({ page }) => {
  test.setTimeout(200_000);
  const dataRequests: string[] = [];
  page.on('request', (r) => {
    const path = new URL(r.url()).pathname;
    if (path.includes('/datasets/')) dataRequests.push(path);
  });
  await page.goto(LINK);
  await expect(page.getByTestId('phase')).toContainText('Loading MNIST for mnist (14 x 14, a row a step)', { timeout: 80_000 });
  await expect(page.getByTestId('play')).toBeEnabled({ timeout: 120_000 });
  expect(dataRequests.filter((p) => p.endsWith('.gz'))).toHaveLength(4);
  // MNIST's settings are shown, T (copy and adding) is not
  await expect(page.getByTestId('group-mnistImage')).toBeVisible();
  await expect(page.getByTestId('group-trainSubset')).toHaveValue('2000');
  await expect(page.getByTestId('group-T')).toHaveCount(0);
  // the permutation seed applies to permuted MNIST only
  await expect(page.getByTestId('group-permutationSeed')).toHaveCount(0);

  await page.getByTestId('play').click();
  // while it trains, the toolbar says the epoch and how long one trains at the measured speed
  await expect(page.getByTestId('epoch-clock')).toContainText(/an epoch trains in \d+(\.\d)? (s|min|h) here/, { timeout: 60_000 });
  await page.getByTestId('play').click();
  await trainUntil(page, 40);
  const trained = await snapshot(page);
  // 2,000 images at batch 32: 62.5 iterations an epoch
  const it = trained.iteration;
  await expect(page.getByTestId('epoch-clock')).toHaveText(
    `epoch ${Math.floor(it / 62.5) + 1} (${((100 * (it % 62.5)) / 62.5).toFixed(0)}%)`,
  );
  for (const r of trained.runs) {
    expect(Number.isFinite(r.loss), `${r.name}: a finite loss`).toBe(true);
    // ten classes: chance is 10%; 40 iterations of 32 images lift both runs well above it
    expect(r.accuracy, `${r.name}: accuracy above chance`).toBeGreaterThan(0.3);
  }
  await page.getByTestId('chart-loss').scrollIntoViewIfNeeded();
  await page.getByTestId('chart-loss').screenshot({ path: `${SCREENSHOT_DIR}/mnist--loss-accuracy.png` });

  // permuted MNIST: asks first, restarts every run, reuses the data set loaded above
  const requestsBefore = dataRequests.length;
  await page.getByTestId('group-task').selectOption('pmnist');
  await expect(page.getByTestId('confirm-dialog')).toContainText('Change Task from mnist to pmnist?');
  await expect(page.getByTestId('confirm-dialog')).toContainText('every run restarts from its initialisation');
  await page.getByTestId('confirm-apply').click();
  await expect(page.getByTestId('play')).toBeEnabled({ timeout: 120_000 });
  await expect(page.getByTestId('group-permutationSeed')).toHaveValue('1');
  expect(await page.evaluate(() => location.hash)).toMatch(/task=pmnist&.*permutationSeed=1/);
  const restarted = await snapshot(page);
  await trainUntil(page, restarted.iteration + 5);
  expect((await snapshot(page)).runs.every((r) => Number.isFinite(r.loss))).toBe(true);
  expect(dataRequests.length, 'no second load of MNIST').toBe(requestsBefore);
});

// The text task (issue 10): a link to a text group loads the Brown corpus from the lab's origin with the
// toolbar saying so, trains a couple of iterations at tiny sizes, draws the loss in bits per character,
// says in the toolbar how much of each batch is padding, and draws the gradient flow aligned on each
// sentence's last scored character.
test('a text link loads the Brown corpus and trains, the loss in bits per character', async ({ page }) => {
  test.setTimeout(200_000);
  await page.goto('/#task=text&maxLength=20&hidden=8&batchSize=8&run=name:m%3D1,margin:1,nonlinearity:tanh');
  await expect(page.getByTestId('phase')).toContainText('Loading the Brown corpus for text(brown, <=20)', { timeout: 80_000 });
  await expect(page.getByTestId('play')).toBeEnabled({ timeout: 120_000 });
  await expect(page.getByTestId('group-maxLength')).toHaveValue('20');
  await expect(page.getByTestId('group-T')).toHaveCount(0);
  await trainUntil(page, 3);
  const trained = await snapshot(page);
  expect(trained.runs.every((r) => Number.isFinite(r.loss))).toBe(true);
  await expect(page.getByTestId('epoch-clock')).toContainText(/Brown corpus, \d+% of the steps computed are padding/);
  await expect(page.getByTestId('loss-chart')).toContainText('bits / char');
  await page.getByTestId('chart-loss').scrollIntoViewIfNeeded();
  await page.getByTestId('chart-loss').screenshot({ path: `${SCREENSHOT_DIR}/text--loss-accuracy.png` });
  // the gradient flow is aligned on each sentence's last scored character, and says so; no data is white
  const flowChart = page.getByTestId('chart-flow');
  await expect(flowChart).toContainText('the last step is each sentence’s last scored character');
  await expect(flowChart.locator('.chart-caption')).toContainText('no data: no sentence of the batch reaches that far back');
  await flowChart.scrollIntoViewIfNeeded();
  await flowChart.screenshot({ path: `${SCREENSHOT_DIR}/text--gradient-flow.png` });

  // the corpus 'files' with none loaded: the group is not built, and the message says where to load them
  await page.getByTestId('group-textCorpus').selectOption('files');
  await page.getByTestId('confirm-apply').click();
  await expect(page.getByTestId('phase')).toContainText(
    "none are loaded: load your text files (PTB's three, or any one plain-text file) in the Data sets panel",
  );
  // a file read in the Data sets panel: the group built afresh (reset) trains on it
  await page.getByTestId('datasets-details').locator('summary').click();
  const lines = Array.from({ length: 40 }, (_, k) => ['the cat sat', 'a dog ran far', 'on the mat'][k % 3]);
  await page
    .getByTestId('text-file-input')
    .setInputFiles([{ name: 'mine.txt', mimeType: 'text/plain', buffer: Buffer.from(lines.join('\n')) }]);
  await expect(page.getByTestId('dataset-summary-text')).toContainText('Your text (mine.txt)');
  await page.getByTestId('reset').click();
  await page.getByTestId('confirm-apply').click();
  await expect(page.getByTestId('play')).toBeEnabled({ timeout: 120_000 });
  const before = (await snapshot(page)).iteration;
  await trainUntil(page, before + 2);
  await expect(page.getByTestId('epoch-clock')).toContainText('mine.txt');
});
