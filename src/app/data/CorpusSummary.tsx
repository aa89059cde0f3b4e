/**
 * A text corpus's counts per split (corpusStatistics.ts): sentences, characters, the share of unknown
 * characters, lengths, and the length distribution as a small bar chart (bins of 25 characters; the last bar
 * holds every sentence longer than 500).
 */
import { corpusStatistics, type SplitStatistics } from '../../data/corpusStatistics.ts';
import { TEXT_SPLITS, type TextCorpus } from '../../data/textCorpus.ts';

const SPLIT_LABELS = { train: 'training', valid: 'validation', test: 'test' } as const;
const SHOWN_BINS = 21;

function LengthBars({ stats }: { stats: SplitStatistics }) {
  const counts = stats.lengthHistogram.counts.slice(0, SHOWN_BINS);
  while (counts.length < SHOWN_BINS) counts.push(0);
  counts[SHOWN_BINS - 1] = stats.lengthHistogram.counts.slice(SHOWN_BINS - 1).reduce((a, b) => a + b, 0);
  const max = Math.max(1, ...counts);
  const w = 6;
  return (
    <svg className="length-bars" width={SHOWN_BINS * w} height={32} viewBox={`0 0 ${SHOWN_BINS * w} 32`} role="img">
      <title>{`sentence lengths in bins of ${stats.lengthHistogram.binWidth} characters (last bar: over 500)`}</title>
      {counts.map((c, i) => {
        const h = (30 * c) / max;
        // biome-ignore lint/suspicious/noArrayIndexKey: the bins are fixed positions
        return <rect key={i} x={i * w} y={32 - h} width={w - 1} height={h} />;
      })}
    </svg>
  );
}

const n = (v: number) => v.toLocaleString('en-US');

export function CorpusSummary({ corpus, testId }: { corpus: TextCorpus; testId: string }) {
  const stats = corpusStatistics(corpus);
  return (
    <table className="corpus-stats" data-testid={testId}>
      <caption>
        {corpus.name}:{' '}
        {corpus.splitRule === 'files'
          ? 'the three files are the three splits'
          : 'every 20th sentence from the 19th validates, from the 20th tests'}
      </caption>
      <thead>
        <tr>
          <th scope="col">split</th>
          <th scope="col">sentences</th>
          <th scope="col">characters</th>
          <th scope="col">unknown</th>
          <th scope="col">length (min / mean / max)</th>
          <th scope="col">≤ 75</th>
          <th scope="col">≤ 300</th>
          <th scope="col">lengths</th>
        </tr>
      </thead>
      <tbody>
        {TEXT_SPLITS.map((s) => {
          const st = stats[s];
          return (
            <tr key={s} data-split={s}>
              <th scope="row">{SPLIT_LABELS[s]}</th>
              <td data-testid={`${testId}-${s}-sentences`}>{n(st.sentences)}</td>
              <td>{n(st.characters)}</td>
              <td>{(100 * st.unknownShare).toFixed(2)} %</td>
              <td>
                {n(st.minLength)} / {st.meanLength.toFixed(1)} / {n(st.maxLength)}
              </td>
              <td>{n(st.upTo75)}</td>
              <td>{n(st.upTo300)}</td>
              <td>
                <LengthBars stats={st} />
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
