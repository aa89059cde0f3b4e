/**
 * The lab's results table (src/app/charts/ResultsSection.tsx) rendered to markup with rounds made for the test:
 * a text group shows bpc beside accuracy (validation and test) and the paper's bpc and accuracy of its table;
 * an MNIST group keeps its accuracy-only columns.
 */
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { ResultsSection } from '../../src/app/charts/ResultsSection.tsx';
import { MetricsBook } from '../../src/app/lab/metricsBook.ts';
import type { GroupSettings, RunSettings } from '../../src/engine/settings.ts';
import { mnistPaperGroup, mnistTableRuns, PAPER_RATES } from '../../src/experiments/mnistTables.ts';
import { PAPER_TABLES, tableRuns } from '../../src/experiments/paperTables.ts';

const score = (loss: number, accuracy: number, bestIteration?: number) => ({
  loss,
  accuracy,
  count: 1000,
  ...(bestIteration === undefined ? {} : { bestIteration }),
});

function render(group: GroupSettings, settings: RunSettings[]): string {
  const runs = settings.map((s, k) => ({ id: String(k), settings: s, hidden: false }));
  const book = new MetricsBook();
  const ids = runs.map((r) => r.id);
  // one round: every run scored, the first two improved and tested (text losses in nats per character)
  book.addEvaluation(
    {
      iteration: 412,
      results: [
        { iteration: 412, split: 'validation', runs: runs.map(() => score(1.5, 0.56)) },
        { iteration: 412, split: 'test', runs: runs.map(() => score(1.4, 0.55, 412)) },
      ],
    },
    ids,
  );
  return renderToStaticMarkup(createElement(ResultsSection, { book, group, runs }));
}

const cells = (html: string, testId: string) =>
  [...html.matchAll(new RegExp(`data-testid="${testId}"[^>]*>([^<]*)<`, 'g'))].map((m) => m[1]);

describe('the results table in the lab', () => {
  it("text: bpc and accuracy, validation and test, the paper's (PTB) bpc and accuracy beside", () => {
    const t3 = PAPER_TABLES.table3;
    const html = render(t3.classroom.group, tableRuns(t3, t3.classroom).slice(0, 2));
    expect(html).toContain('Results: test bpc and accuracy at the best validation weights');
    for (const head of ['best validation bpc', 'test bpc there', 'test accuracy % there', 'paper (Table 3) bpc', 'paper (Table 3) %'])
      expect(html).toContain(`>${head}</th>`);
    expect(cells(html, 'results-test-bpc')).toEqual([(1.4 / Math.LN2).toFixed(3), (1.4 / Math.LN2).toFixed(3)]);
    expect(cells(html, 'results-validation-bpc')).toEqual(['2.164', '2.164']);
    expect(cells(html, 'results-test')).toEqual(['55.00', '55.00']);
    expect(cells(html, 'results-paper-bpc')).toEqual(['2.16', '2.16']);
    expect(cells(html, 'results-paper')).toEqual(['55.31', '55.33']);
    expect(html).toMatch(/its bpc and accuracy are PTB&#x27;s/);
    expect(html).toMatch(
      /not the paper&#x27;s \(the Brown corpus, not PTB, sentences of up to 40 characters, not 75, n = 64; the paper: PTB, sentences of up to 75 characters, n = 512\)/,
    );
  });

  it('MNIST: accuracy only, Table 1 beside', () => {
    const html = render(mnistPaperGroup('mnist'), mnistTableRuns(PAPER_RATES).slice(0, 1));
    expect(html).toContain('Results: test accuracy at the best validation weights');
    expect(html).not.toContain('bpc');
    expect(cells(html, 'results-paper')).toEqual(['77.18']);
    expect(html).toContain('>paper (Table 1) %</th>');
  });
});
