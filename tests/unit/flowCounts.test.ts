/**
 * The gradient flow's row counts (issue 10): how many batch rows reach each flow index travel beside the flow
 * through the lab's book, its experiment file, the chart (the text task's axis, "no data" where no row
 * reaches a step), the chart's CSV and the CLI's traces.json.
 */
import { describe, expect, it } from 'vitest';
import { flowCsv } from '../../src/app/charts/chartCsv.ts';
import { flowMissing, flowProfile } from '../../src/app/charts/chartMath.ts';
import { figureStyle } from '../../src/app/charts/figureFrame.ts';
import { FLOW_ALIGNED_AXIS, flowCaption, flowFigure, flowGrid } from '../../src/app/charts/flowFigure.ts';
import { figureToSvg } from '../../src/app/charts/sceneSvg.ts';
import type { ChartRun } from '../../src/app/charts/types.ts';
import { parseExperimentFile } from '../../src/app/lab/experimentFile.ts';
import { MetricsBook, RowBook } from '../../src/app/lab/metricsBook.ts';
import { ExperimentLog } from '../../src/engine/experimentLog.ts';
import { checkTracesFile } from '../../src/engine/experimentLogFiles.ts';
import { alignedFlow, flowAlignedOnLastScored, flowRowCounts } from '../../src/engine/flowRows.ts';
import type { IterationRecord } from '../../src/engine/runGroup.ts';
import { PAPER_GROUP, PAPER_RUN } from '../../src/engine/settings.ts';
import { sampleFile } from '../helpers/experimentSample.ts';

// L = 5, three batch rows: ending at 5, 3 and 2 (every index reached), or at 3 and 2 with one row scoring
// nothing (indices 0 and 1 reached by no row)
const L = 5;
const FULL = Uint32Array.from([5, 3, 2]);
const SHORT = Uint32Array.from([3, 2, 0]);
const COUNTS = flowRowCounts(L, { last: FULL });
const RUN: ChartRun = { id: 'a', name: 'text run', color: '#1f77b4', hidden: false, margin: 0, parameterisation: 'factorised' };

/** A run group's record of a tracking iteration whose batch rows end at `last` (sums as the kernel leaves them). */
function textRecord(it: number, last: Uint32Array): IterationRecord {
  const counts = flowRowCounts(L, { last });
  const sum = Float32Array.from({ length: L + 1 }, (_, k) => (counts[k] > 0 ? k + 1 : 0));
  const flow = alignedFlow(sum, { last, scoring: last.filter((t) => t > 0).length });
  return {
    iteration: it,
    runs: [{ loss: 1, accuracy: NaN, softOrthPenalty: 0, weightDecayPenalty: 0 }],
    track: { flow: [flow], flowCounts: counts, spectrum: [null], drift: [null] },
  };
}

describe('gradient-flow row counts', () => {
  it('counts the rows reaching each index, and the recorded flow is NaN where none does', () => {
    expect(Array.from(COUNTS)).toEqual([1, 1, 2, 3, 3, 3]);
    expect(Array.from(flowRowCounts(L, { last: SHORT }))).toEqual([0, 0, 1, 2, 2, 2]);
    const f = alignedFlow(new Float32Array(L + 1).fill(1), { last: SHORT, scoring: 2 });
    expect(Number.isNaN(f[0]) && Number.isNaN(f[1])).toBe(true);
    expect(Array.from(f.slice(2))).toEqual([2, 1, 1, 1]);
    expect(flowAlignedOnLastScored('text')).toBe(true);
    for (const t of ['copy', 'adding', 'mnist', 'pmnist']) expect(flowAlignedOnLastScored(t)).toBe(false);
  });

  it('stay beside their flow rows in the book as rows are thinned, and through JSON (NaN back as NaN)', () => {
    const b = new RowBook(8);
    for (let i = 0; i < 100; i++) b.push(i, Float32Array.of(i, NaN), i % 3 === 0 ? null : Uint32Array.of(i, 0));
    expect(b.counts.length).toBe(b.rows.length);
    b.rows.forEach((row, i) => {
      const c = b.counts[i];
      if (row[0] % 3 === 0) expect(c).toBeNull();
      else expect(Array.from(c!)).toEqual([row[0], 0]);
    });
    const back = RowBook.fromJSON(JSON.parse(JSON.stringify(b.toJSON())), 8);
    expect(back.rows.map((r) => r[0])).toEqual(b.rows.map((r) => r[0]));
    expect(back.rows.every((r) => Number.isNaN(r[1]))).toBe(true); // null in JSON: NaN again, never 0
    expect(back.counts.map((c) => (c ? Array.from(c) : null))).toEqual(b.counts.map((c) => (c ? Array.from(c) : null)));
    // a book saved before the counts were kept: none known
    const { counts: _, ...old } = b.toJSON();
    expect(RowBook.fromJSON(old, 8).counts.every((c) => c === null)).toBe(true);
  });

  it('go from the run group record into the book and through the experiment file; bad counts are refused by name', () => {
    const file = sampleFile();
    const book = new MetricsBook(100);
    book.add([textRecord(7, FULL)], ['r0'], [0]);
    file.metrics.runs.r0.flow = book.toJSON().runs.r0.flow;
    const loaded = parseExperimentFile(JSON.stringify(file));
    const again = new MetricsBook(100);
    again.load(loaded.metrics);
    const flow = again.traces.get('r0')!.flow;
    expect(Array.from(flow.counts[0]!)).toEqual(Array.from(COUNTS));
    const bad = structuredClone(file);
    bad.metrics.runs.r0.flow.counts = [[1, 1, 2, 3, 3]];
    expect(() => parseExperimentFile(JSON.stringify(bad))).toThrow(
      /metrics of run 'r0'\.flow\.counts must hold, beside each row, null or one whole number/,
    );
    bad.metrics.runs.r0.flow.counts = [[1, 1, 2, 3, 3, -1]];
    expect(() => parseExperimentFile(JSON.stringify(bad))).toThrow(/flow\.counts must hold/);
  });

  it('a display bin is no data where no row reaches any step of it, and averages only the steps some row reaches', () => {
    const row = Float32Array.of(NaN, NaN, 4, 16, 16, 16);
    const counts = Uint32Array.of(0, 0, 1, 2, 2, 2);
    expect(Array.from(flowMissing(6, 6, counts))).toEqual([1, 1, 0, 0, 0, 0]);
    expect(Array.from(flowMissing(6, 3, counts))).toEqual([1, 0, 0]);
    expect(Array.from(flowMissing(6, 3, null))).toEqual([0, 0, 0]);
    const p = flowProfile(row, 3, 'normalised', counts);
    expect(Number.isNaN(p[0])).toBe(true);
    expect(Array.from(p.slice(1))).toEqual([0.75, 1]); // bin 1 is step 2 and 3: (2 + 4) / 2 over the peak 4
    // without counts a NaN stays what it is (not finite) and poisons its bin
    expect(Number.isNaN(flowProfile(row, 3, 'normalised')[1])).toBe(false);
    expect(Number.isNaN(flowProfile(Float32Array.of(1, NaN, 4, 4), 2, 'normalised')[0])).toBe(true);
  });

  it("the text task's chart reads steps before the last scored character, and paints no data white, not as zero", () => {
    const book = new MetricsBook(100);
    book.add([textRecord(1, FULL), textRecord(2, SHORT)], ['a'], [0]);
    const g = flowGrid(book, 'a', 100, 'normalised')!;
    expect(g.bins).toBe(L + 1);
    // column 1 (iteration 2): indices 0 and 1 reached by no row
    expect([g.missing[0 * 2 + 1], g.missing[1 * 2 + 1], g.missing[2 * 2 + 1]]).toEqual([1, 1, 0]);
    expect([g.missing[0], g.missing[2]]).toEqual([0, 0]);
    const fig = flowFigure(book, [RUN], 'normalised', figureStyle(900, false), null, true);
    const y = fig.panels[0].yAxis;
    expect(y.label).toBe(FLOW_ALIGNED_AXIS);
    expect(y.label).toBe('steps before the last scored character');
    // the tick at the top (k = L) reads 0 steps before; the bottom (k = 0) reads L
    expect(y.format!(L)).toBe('0');
    expect(y.format!(0)).toBe(String(L));
    expect(y.ticks.map((k) => y.format!(k))).toContain('0');
    const raster = fig.panels[0].marks[0];
    expect(raster.kind === 'raster' && raster.missing ? Array.from(raster.missing) : null).toEqual(
      Array.from(flowGrid(book, 'a', fig.panels[0].h, 'normalised')!.missing),
    );
    const svg = figureToSvg(fig, 'flow');
    expect(svg).toContain('fill="#ffffff"'); // no data
    expect(svg).not.toContain('fill="#808080"'); // nothing here is not finite
    expect(flowFigure(book, [RUN], 'normalised', figureStyle(900, false), null).panels[0].yAxis.label).toBe('time step t');
    expect(flowCaption('normalised', true)).toMatch(/last scored character.*no data/);
    expect(flowCaption('log10')).not.toMatch(/no data/);
  });

  it("the chart's CSV carries the rows behind each value, and leaves a value no row reaches empty", () => {
    const book = new MetricsBook(100);
    book.add([textRecord(2, SHORT)], ['a'], [0]);
    const lines = flowCsv(book, [RUN]).trim().split('\n');
    expect(lines[0]).toBe('iteration,run,t,steps_before_last,grad_norm_sq,grad_norm,normalised,rows');
    expect(lines[1]).toBe('2,text run,0,5,,,,0');
    expect(lines[3].split(',').slice(0, 4)).toEqual(['2', 'text run', '2', '3']);
    expect(lines[3].split(',')[7]).toBe('1');
    expect(lines[6].split(',')[7]).toBe('2');
    // a book without counts (an older file): the rows field is empty
    const old = new MetricsBook(100);
    old.add([{ ...textRecord(2, FULL), track: { ...textRecord(2, FULL).track!, flowCounts: undefined } }], ['a'], [0]);
    expect(flowCsv(old, [RUN]).trim().split('\n')[1].endsWith(',')).toBe(true);
  });

  it("the CLI's traces.json carries them beside each iteration; older files without them read back as unknown", () => {
    const group = { ...PAPER_GROUP, task: 'adding' as const, T: 4, hidden: 3 };
    const runs = [PAPER_RUN];
    const expectation = { group, runs, flowLength: 6, spectrumLength: 3 };
    const log = new ExperimentLog(group, runs, 0.167);
    log.add([textRecord(1, FULL), textRecord(2, SHORT)]);
    const json = JSON.parse(JSON.stringify(log.traces));
    expect(json.flowCounts).toEqual([Array.from(COUNTS), [0, 0, 1, 2, 2, 2]]);
    expect(json.runs[0].flow[1].slice(0, 2)).toEqual([null, null]);
    const back = checkTracesFile(json, 'traces.json', expectation);
    expect(back.flowCounts).toEqual(json.flowCounts);
    expect(JSON.stringify(ExperimentLog.from(log.metrics, back).traces)).toBe(JSON.stringify(log.traces));
    const { flowCounts: _, ...old } = json;
    const oldBack = checkTracesFile(old, 'traces.json', expectation);
    expect(oldBack.flowCounts).toEqual([null, null]);
    const resumed = ExperimentLog.from(log.metrics, oldBack);
    resumed.add([textRecord(3, FULL)]);
    expect(resumed.traces.flowCounts).toEqual([null, null, Array.from(COUNTS)]);
    const bad = structuredClone(json);
    bad.flowCounts[1][2] = 1.5;
    expect(() => checkTracesFile(bad, 't.json', expectation)).toThrow(
      /t\.json: flowCounts\[1\]\[2\] must be a whole number >= 0, the batch rows behind flow index 2 \(got 1\.5\)/,
    );
    bad.flowCounts = [json.flowCounts[0]];
    expect(() => checkTracesFile(bad, 't.json', expectation)).toThrow(/t\.json: flowCounts must hold 2 entries \(has 1\)/);
  });

  it("keeps each run's own counts in traces.json where the runs' batches had other rows (text over data)", () => {
    const group = { ...PAPER_GROUP, task: 'adding' as const, T: 4, hidden: 3 };
    const runs = [PAPER_RUN, { ...PAPER_RUN, name: 'other data' }];
    const expectation = { group, runs, flowLength: 6, spectrumLength: 3 };
    const log = new ExperimentLog(group, runs, 0.167);
    const a = textRecord(1, FULL);
    const b = textRecord(1, SHORT);
    const perRun: IterationRecord = {
      ...a,
      runs: [a.runs[0], b.runs[0]],
      track: {
        flow: [a.track!.flow[0], b.track!.flow[0]],
        flowCountsPerRun: [a.track!.flowCounts!, b.track!.flowCounts!],
        spectrum: [null, null],
        drift: [null, null],
      },
    };
    log.add([
      perRun,
      {
        ...textRecord(2, FULL),
        runs: [a.runs[0], a.runs[0]],
        track: { ...textRecord(2, FULL).track!, flow: [a.track!.flow[0], a.track!.flow[0]], spectrum: [null, null], drift: [null, null] },
      },
    ]);
    const json = JSON.parse(JSON.stringify(log.traces));
    expect(json.flowCounts).toEqual([null, Array.from(COUNTS)]);
    expect(json.runs[0].flowCounts).toEqual([Array.from(COUNTS), null]);
    expect(json.runs[1].flowCounts).toEqual([[0, 0, 1, 2, 2, 2], null]);
    const back = checkTracesFile(json, 'traces.json', expectation);
    expect(back.runs[1].flowCounts).toEqual(json.runs[1].flowCounts);
    expect(JSON.stringify(ExperimentLog.from(log.metrics, back).traces)).toBe(JSON.stringify(log.traces));
    // a file from before runs kept their own: null everywhere
    const old = structuredClone(json);
    for (const r of old.runs) delete r.flowCounts;
    expect(checkTracesFile(old, 'traces.json', expectation).runs[1].flowCounts).toEqual([null, null]);
    const both = structuredClone(json);
    both.runs[1].flowCounts[1] = Array.from(COUNTS);
    expect(() => checkTracesFile(both, 't.json', expectation)).toThrow(
      /t\.json: runs\[1\]\.flowCounts\[1\] must be null where flowCounts\[1\] is given/,
    );
    const frac = structuredClone(json);
    frac.runs[0].flowCounts[0][3] = -1;
    expect(() => checkTracesFile(frac, 't.json', expectation)).toThrow(
      /t\.json: runs\[0\]\.flowCounts\[0\]\[3\] must be a whole number >= 0/,
    );
  });
});
