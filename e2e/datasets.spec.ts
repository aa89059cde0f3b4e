/**
 * The data sets in the lab (src/app/data/DatasetsPanel.tsx over src/data/loadDataset.ts), on the dev server and
 * on the production build: the first load of MNIST shows a progress bar and fetches the manifest and the four
 * files from the page's own origin; after a reload the same load comes from the Cache API with no request
 * at all; the Brown corpus likewise. No request ever leaves the page's origin. A user's own text files are
 * read in the page (picked or dropped), and a file that is not text gets a message that leaves what was
 * loaded before in place.
 */
import type { Page, Request } from '@playwright/test';
import { expect, SCREENSHOT_DIR, test } from './fixtures.ts';
import { longestTasks, MAIN_THREAD_GUARD_MS, mainThreadTasks } from './mainThread.ts';
import { PROD_URL } from './servers.ts';

const SERVERS = [
  { name: 'dev server', url: '/' },
  { name: 'production build', url: PROD_URL },
];

/** Every request the page and its workers make, by URL: `urls` (emptied by the test) and `all`. */
function recordRequests(page: Page): { urls: string[]; all: string[] } {
  const urls: string[] = [];
  const all: string[] = [];
  page.on('request', (r: Request) => {
    urls.push(r.url());
    all.push(r.url());
  });
  return { urls, all };
}

async function openDatasets(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await expect(page.getByTestId('lab-page')).toBeVisible({ timeout: 80_000 });
  await page.getByTestId('datasets-details').locator('summary').click();
  await expect(page.getByTestId('load-mnist')).toBeEnabled();
}

const dataRequests = (urls: string[]) => urls.filter((u) => new URL(u).pathname.includes('/datasets/')).map((u) => new URL(u).pathname);

for (const server of SERVERS) {
  test(`MNIST and the Brown corpus load with a progress bar, then from the cache after a reload (${server.name})`, async ({
    page,
    browser,
  }) => {
    test.setTimeout(240_000);
    const { urls, all } = recordRequests(page);
    await openDatasets(page, server.url);
    const origin = new URL(page.url()).origin;
    expect(await page.evaluate(async () => (await caches.keys()).filter((k) => k.startsWith('orthogonality-lab-datasets-')))).toEqual([]);

    // first load: from the lab, with a progress bar counting bytes and images. From a local server 11.5 MB
    // take well under a second, too quick to see the bar: the download is throttled to 3 MB/s (Chromium's
    // network emulation, below the page: its code path is unchanged).
    urls.length = 0;
    const cdp = await page.context().newCDPSession(page);
    const throttle = (bytesPerSecond: number) =>
      cdp.send('Network.emulateNetworkConditions', {
        offline: false,
        latency: 0,
        downloadThroughput: bytesPerSecond,
        uploadThroughput: -1,
      });
    await throttle(3e6);
    // On the production build the main thread is traced during the load, once the lab has built its kernels
    // so that their compilation is not in the window: the worker does the work, the page only redraws the bar.
    const traced = server.name === 'production build';
    if (traced) {
      await expect(page.getByTestId('play')).toBeEnabled({ timeout: 80_000 });
      await browser.startTracing(page, { categories: ['disabled-by-default-devtools.timeline'] });
    }
    await page.getByTestId('load-mnist').click();
    const bar = page.getByTestId('dataset-progress');
    await expect(bar).toBeVisible();
    await expect(bar).toHaveAttribute('data-source', 'network');
    await expect(page.getByTestId('dataset-progress-text')).toContainText(
      /^MNIST: [\d.]+ of 11\.5 MB · [1-9][\d,]* of 70,000 images · from the lab/,
    );
    await page.getByTestId('datasets').screenshot({ path: `${SCREENSHOT_DIR}/webgpu--datasets-progress-${traced ? 'prod' : 'dev'}.png` });
    const mnist = page.getByTestId('dataset-summary-mnist');
    await expect(mnist).toContainText('50,000 training, 10,000 validation and 10,000 test images of 28 x 28 pixels', { timeout: 120_000 });
    await expect(mnist).toHaveAttribute('data-source', 'network');
    await expect(bar).toHaveCount(0);
    await throttle(-1);
    if (traced) {
      const tasks = mainThreadTasks(await browser.stopTracing());
      const { worst, text } = longestTasks(tasks);
      console.log(`MNIST first load: ${tasks.length} main-thread tasks of the page, the five longest ${text} ms`);
      // the decoding, hashing and parsing run in the worker: on the main thread each took 380-700 ms
      expect(worst[0].cpu, `the longest main-thread task's CPU time (ms) while MNIST loads; the five longest: ${text}`).toBeLessThan(
        MAIN_THREAD_GUARD_MS,
      );
    }
    expect(dataRequests(urls)).toEqual([
      '/datasets/manifest.json',
      '/datasets/mnist/train-images-idx3-ubyte.gz',
      '/datasets/mnist/train-labels-idx1-ubyte.gz',
      '/datasets/mnist/t10k-images-idx3-ubyte.gz',
      '/datasets/mnist/t10k-labels-idx1-ubyte.gz',
    ]);

    // after a reload: from the browser's cache, no request for the data
    await openDatasets(page, server.url);
    urls.length = 0;
    await page.getByTestId('load-mnist').click();
    await expect(mnist).toHaveAttribute('data-source', 'cache', { timeout: 120_000 });
    await expect(mnist).toContainText('from the browser cache');
    // the only requests: the worker's own script (and, on the dev server, its modules), never the data
    expect(dataRequests(urls)).toEqual([]);
    expect(
      urls.every((u) => /\/(assets|src|node_modules)\//.test(new URL(u).pathname)),
      urls.join(', '),
    ).toBe(true);
    expect(await page.evaluate(async () => (await caches.keys()).filter((k) => k.startsWith('orthogonality-lab-datasets-')).length)).toBe(
      1,
    );

    // the Brown corpus: its one file from the lab (the manifest is cached), then from the cache
    await page.getByTestId('load-brown').click();
    const brown = page.getByTestId('dataset-summary-brown');
    await expect(brown).toHaveAttribute('data-source', 'network', { timeout: 120_000 });
    await expect(page.getByTestId('brown-stats-train-sentences')).toHaveText('51,606');
    await expect(page.getByTestId('brown-stats-valid-sentences')).toHaveText('2,867');
    await expect(page.getByTestId('brown-stats-test-sentences')).toHaveText('2,867');
    expect(dataRequests(urls)).toEqual(['/datasets/brown/brown.txt.gz']);
    await openDatasets(page, server.url);
    urls.length = 0;
    await page.getByTestId('load-brown').click();
    await expect(brown).toHaveAttribute('data-source', 'cache', { timeout: 120_000 });
    expect(dataRequests(urls)).toEqual([]);

    await page.getByTestId('datasets').screenshot({ path: `${SCREENSHOT_DIR}/webgpu--datasets-loaded-${traced ? 'prod' : 'dev'}.png` });

    // nothing the page or its workers asked for, from the first page load on, left the page's origin
    expect(all.length).toBeGreaterThan(10);
    expect(all.filter((u) => new URL(u).origin !== origin)).toEqual([]);
  });
}

test('your own text: PTB-like files show their counts; a file that is not text gets a message and changes nothing', async ({ page }) => {
  await openDatasets(page, '/');
  const input = page.getByTestId('text-file-input');
  const ptb = (split: string, lines: string[]) => ({
    name: `ptb.${split}.txt`,
    mimeType: 'text/plain',
    buffer: Buffer.from(lines.join('\n')),
  });
  await input.setInputFiles([
    ptb('train', [' the <unk> rose N % ', ' a b c ', ' d e ']),
    ptb('valid', [' consumers may want ']),
    ptb('test', [' one ', ' two ']),
  ]);
  const summary = page.getByTestId('dataset-summary-text');
  await expect(summary).toContainText('ptb.train.txt, ptb.valid.txt, ptb.test.txt: the three files are the three splits');
  await expect(page.getByTestId('text-stats-train-sentences')).toHaveText('3');
  await expect(page.getByTestId('text-stats-test-sentences')).toHaveText('2');

  // a binary file, dropped on the panel: refused by name, the PTB counts stay
  await page.getByTestId('text-drop').evaluate((zone) => {
    const dt = new DataTransfer();
    dt.items.add(new File([new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 13])], 'photo.png', { type: 'image/png' }));
    zone.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  });
  await expect(page.getByTestId('dataset-error')).toHaveText('photo.png: not a text file: it has a NUL byte (at byte 4)');
  await expect(page.getByTestId('text-stats-train-sentences')).toHaveText('3');

  // an empty file, then one plain-text file split by the every-20th rule
  await input.setInputFiles([{ name: 'empty.txt', mimeType: 'text/plain', buffer: Buffer.alloc(0) }]);
  await expect(page.getByTestId('dataset-error')).toHaveText('empty.txt: the file is empty');
  const lines = Array.from({ length: 40 }, (_, k) => `Sentence number ${k}.`);
  await input.setInputFiles([{ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from(lines.join('\r\n')) }]);
  await expect(summary).toContainText('notes.txt: every 20th sentence from the 19th validates, from the 20th tests');
  await expect(page.getByTestId('dataset-error')).toHaveCount(0);
  await expect(page.getByTestId('text-stats-train-sentences')).toHaveText('36');
  await expect(page.getByTestId('text-stats-valid-sentences')).toHaveText('2');
});
