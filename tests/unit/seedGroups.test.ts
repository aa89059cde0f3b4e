/**
 * A figure's part over more runs than one group trains side by side (src/experiments/figureRecords.ts
 * seedGroups, mergeSeedGroupLogs): the part is split by seed into groups of whole seeds, each member keeping
 * the name and seed it has in the one big group, and the groups' logs read back as the log of that one group,
 * run for run and number for number, so the seed records and verdicts are the same. No GPU: the logs are made
 * for the test (seeded random numbers); that each member trains the same in any group is
 * tests/kernels/replicates.test.ts, and the whole path on the GPU tests/kernels/cliReproduceFigure.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { divergedLoss, partFigure, partSvg } from '../../src/cli/figureFiles.ts';
import { ExperimentLog } from '../../src/engine/experimentLog.ts';
import { mergeSeedGroupLogs, partReport, type SeedGroup, seedGroups, seedRecords } from '../../src/experiments/figureRecords.ts';
import { PAPER_FIGURES } from '../../src/experiments/paperFigures.ts';
import { replicateMembers } from '../../src/experiments/replicates.ts';

const part = PAPER_FIGURES.figure2.classroom.parts[0]; // six runs

/** A seeded generator (mulberry32). */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** What one group of these runs records over `iterations` iterations, tracked every 3: each run's numbers drawn from its name. */
function recorded(runs: ReturnType<typeof replicateMembers>, iterations: number, counts = [4, 4, 4]): ExperimentLog {
  const log = new ExperimentLog(part.group, runs, 0.52);
  const rngs = runs.map((r) => random([...r.name].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, r.seed)));
  for (let it = 1; it <= iterations; it++) {
    const tracked = it % 3 === 1;
    log.add([
      {
        iteration: it,
        runs: rngs.map((g) => ({ loss: g(), accuracy: g(), softOrthPenalty: 0, weightDecayPenalty: g() })),
        ...(tracked
          ? {
              track: {
                flow: rngs.map((g) => Float32Array.from([g(), g(), g()])),
                spectrum: rngs.map((g) => Float32Array.from([g(), g()])),
                spectrumNote: runs.map(() => null),
                drift: rngs.map((g) => [g(), g()] as [number, number]),
                flowCounts: Int32Array.from(counts),
              },
            }
          : {}),
      },
    ] as Parameters<ExperimentLog['add']>[0]);
  }
  return log;
}

describe('a part split by seed into several groups', () => {
  it('splits by whole seeds, as many a group as fit; members keep the names and seeds of the one big group', () => {
    const groups = seedGroups(part.runs, 5);
    expect(groups.map((g) => [g.from, g.to, g.folder, g.runs.length])).toEqual([
      [1, 2, 'seeds-1-2', 12],
      [3, 4, 'seeds-3-4', 12],
      [5, 5, 'seeds-5', 6],
    ]);
    // run 1's members of every group, in order, are run 1's five replicates
    const big = part.runs.flatMap((r) => replicateMembers(r, 5));
    const fromGroups = part.runs.flatMap((_, r) =>
      groups.flatMap((g) => g.runs.slice(r * (g.to - g.from + 1), (r + 1) * (g.to - g.from + 1))),
    );
    expect(fromGroups).toEqual(big);
    expect(groups[2].runs.map((r) => [r.name, r.seed])).toEqual(part.runs.map((r) => [`${r.name} · s5`, r.seed + 4]));
    // what fits stays one group in the part's own folder, as before
    expect(seedGroups(part.runs, 2)).toEqual([{ from: 1, to: 2, runs: part.runs.flatMap((r) => replicateMembers(r, 2)), folder: '' }]);
    expect(seedGroups(part.runs, 1)).toEqual([{ from: 1, to: 1, runs: part.runs.map((r) => ({ ...r })), folder: '' }]);
    // a smaller group: one seed a group
    expect(seedGroups(part.runs, 3, 6).map((g) => g.folder)).toEqual(['seeds-1', 'seeds-2', 'seeds-3']);
    expect(() => seedGroups(part.runs, 2, 5)).toThrow(
      /a part of 6 runs does not fit in a group of 5: it is split by seed, never within a seed/,
    );
    expect(() => seedGroups(part.runs, 11)).toThrow(/10/);
    expect(() => seedGroups(part.runs, 2, 17)).toThrow(/a group trains 1 to 16 runs side by side \(got 17\)/);
  });

  it("the groups' logs read back as the one big group's log, and give its seed records and report", () => {
    const seeds = 5;
    const big = part.runs.flatMap((r) => replicateMembers(r, seeds));
    const whole = recorded(big, 20);
    const groups = seedGroups(part.runs, seeds);
    const merged = mergeSeedGroupLogs(
      groups.map((g) => recorded(g.runs, 20)),
      groups,
      part.runs.length,
    );
    expect(merged.metrics).toEqual(whole.metrics);
    expect(merged.traces).toEqual(whole.traces);
    const a = seedRecords(big, whole, 'accuracy');
    const b = seedRecords(merged.metrics.runs, merged, 'accuracy');
    expect(b).toHaveLength(seeds);
    expect(b).toEqual(a);
    expect(partReport(part, seedRecords(merged.metrics.runs, merged, 'flowSpread'), 20)).toEqual(
      partReport(part, seedRecords(big, whole, 'flowSpread'), 20),
    );
    // one group: its own log
    const one = recorded(groups[0].runs, 3);
    expect(mergeSeedGroupLogs([one], [groups[0]], part.runs.length)).toBe(one);
  });

  it("the merged panel's chart draws each run over its seeds as one line with a min-max band, as the lab does", () => {
    const f1 = PAPER_FIGURES.figure1.classroom.parts[0]; // a loss and accuracy chart, six runs
    const groups = seedGroups(f1.runs, 3, 12);
    const merged = mergeSeedGroupLogs(
      groups.map((g) => recorded(g.runs, 20)),
      groups,
      f1.runs.length,
    );
    const svg = partSvg(partFigure(f1, merged, 'settings', 'caption'), f1.title);
    for (const r of f1.runs) expect(svg).toContain(`${r.name} (mean of 3 seeds, band min–max)`);
    expect(svg).not.toContain('m=0 · s1');
    // one seed: the runs as they are
    const one = partSvg(partFigure(f1, recorded(f1.runs, 20), 'settings', 'caption'), f1.title);
    expect(one).toContain('>m=0<');
    expect(one).not.toContain('mean of');
    expect(divergedLoss(recorded(f1.runs, 20))).toBeNull();
    expect(one).not.toContain('(log)');
    // a run that diverged (a loss 1e13 times the baseline) puts the loss axis on a log scale, and says why
    const diverged = recorded(f1.runs, 20);
    diverged.metrics.metrics[7][2][0] = 2.1e13;
    expect(divergedLoss(diverged)).toBe(2.1e13);
    const tall = partSvg(partFigure(f1, diverged, 'settings', 'caption'), f1.title);
    expect(tall).toContain('loss (log)');
    expect(tall).toContain('a run&apos;s loss reached 2.1e+13, more than 100 times the memoryless baseline');
  });

  it("keeps one count list for every run where the groups' batches had the same rows, and each run's own where not", () => {
    const groups = seedGroups(part.runs, 3, 6);
    // text over data: each seed group read other rows, so other rows reach each flow index
    const logs = groups.map((g, k) => recorded(g.runs, 7, [4, 3, 3 - k]));
    const merged = mergeSeedGroupLogs(logs, groups, part.runs.length);
    expect(merged.traces.flowCounts).toEqual([null, null, null]);
    // run 0 over seeds 1, 2, 3 come first: their groups' lists
    expect(merged.traces.runs.slice(0, 3).map((r) => r.flowCounts![0])).toEqual([
      [4, 3, 3],
      [4, 3, 2],
      [4, 3, 1],
    ]);
    const same = mergeSeedGroupLogs(
      groups.map((g) => recorded(g.runs, 7)),
      groups,
      part.runs.length,
    );
    expect(same.traces.flowCounts).toEqual([
      [4, 4, 4],
      [4, 4, 4],
      [4, 4, 4],
    ]);
    expect(same.traces.runs.every((r) => r.flowCounts!.every((c) => c === null))).toBe(true);
  });

  it('reads a group trained further only as far as every group trained; refuses groups that are not one panel', () => {
    const groups = seedGroups(part.runs, 3, 6);
    const logs = groups.map((g, k) => recorded(g.runs, k === 1 ? 30 : 20));
    const merged = mergeSeedGroupLogs(logs, groups, part.runs.length);
    expect(merged.metrics.iterations).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(merged.traces.iterations.at(-1)).toBe(19);
    expect(merged.traces.runs.every((r) => r.flow.length === merged.traces.iterations.length)).toBe(true);
    const other = groups.map((g) => recorded(g.runs, 20));
    other[2] = new ExperimentLog(part.group, groups[2].runs, 0.4);
    expect(() => mergeSeedGroupLogs(other, groups, part.runs.length)).toThrow(/seed group seeds-3 against seeds-1: another baseline loss/);
    const skipped = groups.map((g) => recorded(g.runs, 20));
    skipped[1].metrics.iterations[4] = 4.5;
    expect(() => mergeSeedGroupLogs(skipped, groups, part.runs.length)).toThrow(
      /seed group seeds-2 against seeds-1: other iterations recorded/,
    );
    const fewer: SeedGroup[] = groups.map((g) => ({ ...g }));
    expect(() => mergeSeedGroupLogs([logs[0], logs[1], recorded(groups[0].runs.slice(1), 20)], fewer, part.runs.length)).toThrow(
      /seed group seeds-3 holds 5 runs, not the 6 of its seeds/,
    );
  });
});
