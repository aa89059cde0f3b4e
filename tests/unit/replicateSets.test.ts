/**
 * Seed replicates as runs (src/experiments/replicates.ts): expansion, naming and seeds, the sets read back from
 * concrete runs, resizing and set-wide settings (the lab's Seeds control), the lines and bands the charts draw
 * (src/app/charts/replicateLines.ts) and their CSV, the results over seeds, and the round trips through a link
 * and an experiment file.
 */
import { describe, expect, it } from 'vitest';
import { replicatesCsv } from '../../src/app/charts/chartCsv.ts';
import { figureStyle } from '../../src/app/charts/figureFrame.ts';
import { lossFigure } from '../../src/app/charts/lossFigure.ts';
import { lineData, lineLabel } from '../../src/app/charts/replicateLines.ts';
import type { Mark } from '../../src/app/charts/scene.ts';
import { figureToSvg } from '../../src/app/charts/sceneSvg.ts';
import type { ChartRun } from '../../src/app/charts/types.ts';
import { parseExperimentFile } from '../../src/app/lab/experimentFile.ts';
import { MetricsBook } from '../../src/app/lab/metricsBook.ts';
import { defaultExperiment } from '../../src/app/lab/presets.ts';
import { decodeExperiment, encodeExperiment } from '../../src/app/lab/urlState.ts';
import type { IterationRecord } from '../../src/engine/runGroup.ts';
import { PAPER_GROUP, PAPER_RUN, type RunSettings, validateExperiment } from '../../src/engine/settings.ts';
import {
  expandReplicates,
  replicateName,
  replicateOf,
  replicateSets,
  resizeReplicates,
  seedsProblem,
  setSetting,
} from '../../src/experiments/replicates.ts';
import type { ResultRow } from '../../src/experiments/resultsTable.ts';
import { resultSetRows, resultSetsCsv } from '../../src/experiments/resultsTable.ts';
import { sampleFile } from '../helpers/experimentSample.ts';

const run = (name: string, extra: Partial<RunSettings> = {}): RunSettings => ({ ...PAPER_RUN, name, ...extra });

describe('replicate sets', () => {
  it('expands every run over k seeds: names · s1 .. · sk, seeds seed .. seed + k - 1, the rest unchanged', () => {
    const runs = expandReplicates([run('m=0', { seed: 7, margin: 0 }), run('none', { seed: 1, margin: null })], 3);
    expect(runs.map((r) => [r.name, r.seed, r.margin])).toEqual([
      ['m=0 · s1', 7, 0],
      ['m=0 · s2', 8, 0],
      ['m=0 · s3', 9, 0],
      ['none · s1', 1, null],
      ['none · s2', 2, null],
      ['none · s3', 3, null],
    ]);
    expect(validateExperiment(PAPER_GROUP, runs)).toEqual([]);
    // one seed: the runs as they are
    expect(expandReplicates([run('a')], 1)).toEqual([run('a')]);
    // seeds wrap past 2^32 - 1
    expect(expandReplicates([run('a', { seed: 2 ** 32 - 1 })], 2).map((r) => r.seed)).toEqual([2 ** 32 - 1, 0]);
    // a long name is cut to keep the suffix within 40 characters
    const long = replicateName('x'.repeat(40), 9);
    expect(long).toHaveLength(40);
    expect(long.endsWith(' · s10')).toBe(true);
  });

  it('refuses a count out of range by name, and more runs than a group trains', () => {
    expect(seedsProblem(0)).toBe('Seeds (seeds) must be a whole number from 1 to 10 (got 0)');
    expect(seedsProblem(2.5)).toBe('Seeds (seeds) must be a whole number from 1 to 10 (got 2.5)');
    expect(seedsProblem(4)).toBeNull();
    expect(() => expandReplicates([run('a')], 11)).toThrow('Seeds (seeds) must be a whole number from 1 to 10 (got 11)');
    expect(() => expandReplicates([run('a'), run('b')], 9)).toThrow(
      'Seeds (seeds) 9 makes 18 runs of the 2 given; at most 16 train side by side (at most 8 seeds for 2 runs)',
    );
  });

  it('reads the sets back from concrete runs: same base and settings, seed and colour aside', () => {
    const runs = [
      ...expandReplicates([run('m=0', { margin: 0 })], 2),
      run('alone'),
      run('m=0 · s3', { margin: 0, seed: 3, color: '#ff0000' }), // a third seed, another colour: still the set
      run('m=0 · s4', { margin: 1, seed: 4 }), // another margin: its own set
    ];
    expect(replicateSets(runs)).toEqual([
      { name: 'm=0', color: PAPER_RUN.color, members: [0, 1, 3], seeds: [1, 2, 3], dataOffsets: [0, 0, 0], data: false },
      { name: 'alone', color: PAPER_RUN.color, members: [2], seeds: [1], dataOffsets: [0], data: false },
      { name: 'm=0', color: PAPER_RUN.color, members: [4], seeds: [4], dataOffsets: [0], data: false },
    ]);
    expect(replicateOf('x · s12')).toEqual({ base: 'x', index: 12 });
    expect(replicateOf(' · s1')).toBeNull();
    expect(replicateOf('x · s0')).toBeNull();
    expect(replicateOf('x s1')).toBeNull();
  });

  it('resizes one set in its place, saying which old run each new one continues', () => {
    const runs = [run('a'), run('b', { seed: 5 }), run('c')];
    const up = resizeReplicates(runs, 1, 3);
    expect(up.runs.map((r) => [r.name, r.seed])).toEqual([
      ['a', 1],
      ['b · s1', 5],
      ['b · s2', 6],
      ['b · s3', 7],
      ['c', 1],
    ]);
    expect(up.source).toEqual([0, 1, null, null, 2]);
    const down = resizeReplicates(up.runs, 3, 1);
    expect(down.runs).toEqual(runs);
    expect(down.source).toEqual([0, 1, 4]);
  });

  it('a setting of a set changes every member; the name and the seed keep the members apart', () => {
    const runs = expandReplicates([run('a', { seed: 3 })], 2);
    const [set] = replicateSets(runs);
    expect(setSetting(runs, set, 'lrFree', 0.5).map((r) => r.lrFree)).toEqual([0.5, 0.5]);
    expect(setSetting(runs, set, 'name', 'b').map((r) => r.name)).toEqual(['b · s1', 'b · s2']);
    expect(setSetting(runs, set, 'seed', 10).map((r) => r.seed)).toEqual([10, 11]);
    expect(replicateSets(setSetting(runs, set, 'margin', 0.5))).toHaveLength(1);
  });
});

describe('replicate lines and bands', () => {
  const members = [
    { x: [1, 2, 3], y: [1, 2, 3] },
    { x: [1, 2, 3], y: [3, 4, 9] },
    { x: [1, 2], y: [5, 3] },
  ];
  it('the mean or the median with a min-max or mean ± std band, and n per point', () => {
    const d = lineData(members, { center: 'mean', spread: 'minmax' });
    expect(d).toEqual({ x: [1, 2, 3], y: [3, 3, 6], lo: [1, 2, 3], hi: [5, 4, 9], count: [3, 3, 2] });
    const m = lineData(members, { center: 'median', spread: 'std' });
    expect(m.y).toEqual([3, 3, 6]);
    // sample std of 1, 3, 5 is 2; of 3, 9: sqrt(18)
    expect(m.lo![0]).toBeCloseTo(1, 14);
    expect(m.hi![0]).toBeCloseTo(5, 14);
    expect(m.hi![2]).toBeCloseTo(6 + Math.sqrt(18), 12);
    // median differs from the mean where the seeds are skewed
    expect(lineData([members[0], members[1], { x: [1], y: [100] }], { center: 'median', spread: 'minmax' }).y[0]).toBe(3);
    // one run: its line, no band
    expect(lineData([members[0]], { center: 'mean', spread: 'minmax' })).toEqual({ x: [1, 2, 3], y: [1, 2, 3] });
    // a log axis: a band edge at or below 0 is drawn at the lowest seed instead
    const log = lineData(
      [
        { x: [1], y: [0.1] },
        { x: [1], y: [10] },
      ],
      { center: 'mean', spread: 'std' },
      0,
      true,
    );
    expect(log.lo).toEqual([0.1]);
  });

  it('smooths each seed first, then summarises', () => {
    const d = lineData(
      [
        { x: [1, 2], y: [0, 10] },
        { x: [1, 2], y: [10, 0] },
      ],
      { center: 'mean', spread: 'minmax' },
      0.5,
    );
    // EMA 0.5 with bias correction: seed 1 -> 0, 6.67; seed 2 -> 10, 3.33
    expect(d.y[1]).toBeCloseTo(5, 12);
    expect(d.lo![1]).toBeCloseTo(10 / 3, 12);
    expect(d.hi![1]).toBeCloseTo(20 / 3, 12);
  });

  it('labels a set with its centre, band and seed count', () => {
    const r = (id: string) => ({ id, name: id, color: '#000000', hidden: false, margin: 0, parameterisation: 'factorised' as const });
    expect(lineLabel({ id: 'a', name: 'm=0', color: '#000000', members: [r('a'), r('b')] }, { center: 'median', spread: 'std' })).toBe(
      'm=0 (median of 2 seeds, band mean ± std)',
    );
    expect(lineLabel({ id: 'a', name: 'a', color: '#000000', members: [r('a')] }, { center: 'mean', spread: 'minmax' })).toBe('a');
  });
});

describe('results over seeds', () => {
  it('gives each set of two seeds or more mean ± std and n of its figures, a seed without one counted missing', () => {
    const runs = [...expandReplicates([run('m=0', { margin: 0 })], 3), run('alone')].map((settings, i) => ({ id: `r${i}`, settings }));
    const row = (id: string, test: number | null): ResultRow => ({
      id,
      name: id,
      color: '#000000',
      rounds: 1,
      bestIteration: 10,
      bestValidationAccuracy: test,
      bestValidationLoss: 1,
      testAccuracy: test,
      testLoss: 1,
      bestValidationBpc: null,
      testBpc: null,
      paperRow: null,
      paper: null,
      paperBpc: null,
    });
    const sets = resultSetRows(runs, [row('r0', 0.9), row('r1', 0.8), row('r2', null), row('r3', 0.5)]);
    expect(sets).toHaveLength(1);
    expect(sets[0]).toMatchObject({ name: 'm=0', members: ['r0', 'r1', 'r2'], seeds: [1, 2, 3] });
    expect(sets[0].testAccuracy).toMatchObject({ n: 2, missing: 1, min: 0.8, max: 0.9 });
    expect(sets[0].testAccuracy.mean).toBeCloseTo(0.85, 14);
    const csv = resultSetsCsv(PAPER_GROUP, sets).trim().split('\n');
    expect(csv[0]).toBe('set,seeds,figure,mean,std,min,max,n,paper_row,paper');
    expect(csv[2]).toMatch(/^m=0,1 2 3,test_accuracy_pct,85(\.0+\d*)?,7\.07\d*,80,90,2,,$/);
  });
});

describe('round trips', () => {
  it('a link writes a set as one run with seeds:k and reads back its runs exactly', () => {
    const e = defaultExperiment(true);
    const runs = [...expandReplicates(e.runs.slice(0, 2), 3), e.runs[2]];
    const hash = encodeExperiment({ group: e.group, runs });
    expect(hash.match(/&run=/g)).toHaveLength(3);
    expect(hash).toContain(',seeds:3');
    const back = decodeExperiment(hash, e)!;
    expect(back.problems).toEqual([]);
    expect(back.experiment.runs).toEqual(runs);
    // a set that is not exactly its first member over k seeds is written run by run, and reads back as it was
    const odd = runs.map((r, i) => (i === 1 ? { ...r, seed: 40 } : r));
    const oddHash = encodeExperiment({ group: e.group, runs: odd });
    expect(oddHash.match(/&run=/g)).toHaveLength(5); // the first set run by run (3), the second as one, the last run
    expect(decodeExperiment(oddHash, e)!.experiment.runs).toEqual(odd);
  });

  it('a link refuses a bad seed count by name with the range, and too many runs over their seeds', () => {
    const e = defaultExperiment(true);
    const bad = decodeExperiment('#task=copy&run=name:a,seeds:0&run=name:b,seeds:2', e)!;
    expect(bad.problems).toEqual(['link, run 1: Seeds (seeds) must be a whole number from 1 to 10 (got 0); using the default 1']);
    expect(bad.experiment.runs.map((r) => r.name)).toEqual(['a', 'b · s1', 'b · s2']);
    const many = decodeExperiment('#task=copy&run=name:a,seeds:9&run=name:b,seeds:9', e)!;
    expect(many.problems).toEqual([
      'link: the runs over their seeds make 18 runs; at most 16 train side by side, so each run takes one seed',
    ]);
    expect(many.experiment.runs.map((r) => r.name)).toEqual(['a', 'b']);
  });

  it('an experiment file keeps replicate runs and their sets', () => {
    const e = defaultExperiment(true);
    const [a, b] = expandReplicates([e.runs[0]], 2) as [RunSettings, RunSettings];
    const loaded = parseExperimentFile(JSON.stringify(sampleFile(false, [a, b])));
    expect(loaded.runs.map((r) => r.settings)).toEqual([a, b]);
    expect(replicateSets(loaded.runs.map((r) => r.settings)).map((s) => [s.name, s.members, s.seeds])).toEqual([
      [e.runs[0].name, [0, 1], [e.runs[0].seed, e.runs[0].seed + 1]],
    ]);
  });
});

describe('the loss figure and CSV over seeds', () => {
  const RUNS: ChartRun[] = [
    { id: 'a1', name: 'm=0 · s1', color: '#1f77b4', hidden: false, margin: 0, parameterisation: 'factorised', setId: 'a1', setName: 'm=0' },
    { id: 'a2', name: 'm=0 · s2', color: '#1f77b4', hidden: false, margin: 0, parameterisation: 'factorised', setId: 'a1', setName: 'm=0' },
    { id: 'b', name: 'none', color: '#d62728', hidden: false, margin: null, parameterisation: 'factorised' },
  ];
  function book(): MetricsBook {
    const b = new MetricsBook(100);
    const recs: IterationRecord[] = [1, 2, 3].map((it) => ({
      iteration: it,
      runs: [it, 3 * it, 10].map((loss) => ({ loss, accuracy: loss / 100, softOrthPenalty: 0, weightDecayPenalty: 0 })),
    }));
    b.add(
      recs,
      RUNS.map((r) => r.id),
      [0, 0, null],
    );
    return b;
  }

  it('draws a set as its centre with a band, a run of its own as a line, the legend with the seed count', () => {
    const fig = lossFigure(
      book(),
      RUNS,
      { logLoss: false, smoothing: 0, baselineLoss: 0.2, taskHasAccuracy: true, replicates: { center: 'mean', spread: 'minmax' } },
      figureStyle(1000, false),
      null,
    );
    const loss = fig.panels[0].marks.filter((m) => m.kind !== 'line' || !m.dash);
    expect(loss.map((m) => m.kind)).toEqual(['band', 'line', 'line']);
    const [band, mean, alone] = loss as [Extract<Mark, { kind: 'band' }>, Extract<Mark, { kind: 'line' }>, Extract<Mark, { kind: 'line' }>];
    expect([Array.from(band.lo), Array.from(band.hi)]).toEqual([
      [1, 2, 3],
      [3, 6, 9],
    ]);
    expect(Array.from(mean.ys)).toEqual([2, 4, 6]);
    expect(Array.from(alone.ys)).toEqual([10, 10, 10]);
    // the accuracy panel too
    expect(fig.panels[1].marks.filter((m) => m.kind === 'band')).toHaveLength(1);
    expect(fig.legend!.entries.map((e) => e.label).slice(0, 2)).toEqual(['m=0 (mean of 2 seeds, band min–max)', 'none']);
    expect(figureToSvg(fig, 'loss')).toContain('m=0 (mean of 2 seeds, band min–max)');
  });

  it('the CSV over seeds: mean, median, std, min, max and n per point and metric', () => {
    const lines = replicatesCsv(book(), RUNS).trim().split('\n');
    expect(lines[0]).toBe('iteration,set,seeds,metric,mean,median,std,min,max,n');
    expect(lines[1]).toBe(`1,m=0,2,loss,2,2,${Math.SQRT2},1,3,2`);
    const acc = lines
      .find((l) => l.startsWith('3,m=0,2,accuracy,'))!
      .split(',')
      .slice(4)
      .map(Number);
    // accuracies 0.03 and 0.09 (as the book stores them)
    [0.06, 0.06, Math.sqrt(0.0018), 0.03, 0.09, 2].forEach((v, i) => {
      expect(acc[i]).toBeCloseTo(v, 6);
    });
    expect(lines).toContain('2,none,1,loss,10,10,0,10,10,1');
  });
});
