/**
 * The registry of the paper's figures (src/experiments/paperFigures.ts) and what reads it: every part of
 * every figure, the paper's and the classroom's, is a valid experiment whose claims name its own runs; the
 * paper's settings are the paper's where it states them (Figure 1's T and margins, Figure 5's, Figure 4's
 * strengths, Table 5's GTX-770 seconds, transcribed here again from the paper); the classroom variants are
 * smaller; the lab's preset list holds every figure in both variants and Table 5, each valid; and the verdict
 * logic (src/experiments/figureRecords.ts over claims.ts) on recorded curves made for the test.
 */
import { describe, expect, it } from 'vitest';
import { presets } from '../../src/app/lab/presets.ts';
import { table5Record } from '../../src/cli/reproduceTiming.ts';
import { ExperimentLog } from '../../src/engine/experimentLog.ts';
import { PAPER_GROUP, PAPER_RUN, type RunSettings, validateExperiment } from '../../src/engine/settings.ts';
import { verdict } from '../../src/experiments/claims.ts';
import { claimVerdicts, flowSpread, partReport, runCurve, seedRecords } from '../../src/experiments/figureRecords.ts';
import {
  type FigurePart,
  PAPER_FIGURE_IDS,
  PAPER_FIGURES,
  PAPER_TABLE5,
  TABLE5,
  table5Claims,
} from '../../src/experiments/paperFigures.ts';

const allParts = PAPER_FIGURE_IDS.flatMap((id) =>
  (['paper', 'classroom'] as const).flatMap((v) => PAPER_FIGURES[id][v].parts.map((p) => ({ id, v, part: p }))),
);

function claimRuns(part: FigurePart): string[] {
  return part.claims.flatMap((c) => (c.kind === 'slower' ? [c.slower, ...c.than] : c.kind === 'better' ? [c.run, ...c.than] : [c.run]));
}

describe('the figure registry', () => {
  it.each(allParts.map((x) => [`${x.id} ${x.v} ${x.part.id}`, x.part] as const))(
    '%s is a valid experiment whose claims name its runs',
    (_, part) => {
      expect(validateExperiment(part.group, part.runs)).toEqual([]);
      const names = part.runs.map((r) => r.name);
      expect(new Set(names).size).toBe(names.length);
      expect(part.claims.length).toBeGreaterThan(0);
      for (const n of claimRuns(part)) expect(names).toContain(n);
      for (const c of part.claims) if (c.kind === 'never' || c.kind === 'reaches') expect(c.within).toBe(part.iterations);
      expect(part.iterations).toBeGreaterThan(0);
    },
  );

  it("holds the paper's settings where the paper states them", () => {
    const f1 = PAPER_FIGURES.figure1.paper.parts;
    expect(f1.map((p) => p.group.T)).toEqual([200, 500, 1000, 10000]);
    for (const p of f1) {
      expect(p.runs.map((r) => r.margin)).toEqual([0, 0.001, 0.01, 0.1, 1, null]);
      expect(p.group.hidden).toBe(128);
      expect(p.group.batchSize).toBe(50);
      expect(p.runs.every((r) => r.nonlinearity === 'linear' && r.lrGeodesic === 1e-6 && r.lrFree === 1e-4)).toBe(true);
    }
    expect(f1[3].group.recompute).toBe('auto');
    const f2 = PAPER_FIGURES.figure2.paper.parts[0];
    expect([f2.group.T, f2.iterations, f2.chart]).toEqual([200, 1000, 'flow']);
    const f5 = PAPER_FIGURES.figure5.paper.parts[0];
    expect([f5.group.task, f5.group.T, f5.iterations]).toEqual(['adding', 1000, 200_000]);
    expect(f5.runs.map((r) => r.margin)).toEqual([0, 1, 10, 100, null]);
    expect(f5.runs.every((r) => r.nonlinearity === 'relu')).toBe(true);
    const f4 = PAPER_FIGURES.figure4.paper.parts;
    expect(f4.map((p) => [p.id, p.group.T])).toEqual([
      ['soft-plain', 200],
      ['soft-factorised', 500],
      ['prior-free', 200],
      ['prior-margin1', 200],
    ]);
    expect(f4[0].runs.map((r) => r.softOrth)).toEqual([0.0001, 0.001, 0.01, 0.1, 1, 10, 100]);
    expect(f4[0].runs.every((r) => r.parameterisation === 'plain' && r.lrFree === 1e-5)).toBe(true);
    expect(f4[2].group.optimizer).toBe('sgd');
    expect(f4[3].runs.map((r) => r.prior)).toEqual([0.0001, 0.001, 0.01, 0.1, 1, 10, 100, 0]);
    expect(f4[3].runs.every((r) => r.margin === 1)).toBe(true);
    const slopes = PAPER_FIGURES.appendix.paper.parts[0];
    expect(slopes.group.T).toBe(1000);
    expect(slopes.runs.map((r) => [r.nonlinearity, r.slope, r.margin])).toEqual([
      ['leaky', 0.5, 0.3],
      ['leaky', 0.7, 0.3],
      ['leaky', 1, 0.3],
      ['prelu', 0.7, 0.3],
    ]);
    expect(PAPER_FIGURES.appendix.paper.parts[2].runs[1].gain).toBe(1.05);
    // Table 5 as the paper prints it: n, SGD, geoSGD (seconds per 1000 iterations, GTX-770)
    expect(PAPER_TABLE5.map((r) => [r.n, ...r.sgd, ...r.geodesic])).toEqual([
      [128, 21.9, 0.2, 40.4, 0.1],
      [500, 46.7, 0.2, 161.4, 0.2],
      [1000, 95.4, 0.3, 711.2, 0.8],
    ]);
    expect(TABLE5.paper.sizes).toEqual([128, 500, 1000]);
  });

  it('classroom variants are smaller than the paper and say they are not its setting', () => {
    for (const id of PAPER_FIGURE_IDS) {
      const f = PAPER_FIGURES[id];
      expect(f.classroom.settings).toMatch(/^the classroom variant, not the paper's setting/);
      expect(f.paper.settings).toMatch(/^the paper's setting/);
      expect(f.silent.length).toBeGreaterThan(20);
      for (const p of f.classroom.parts) {
        expect(p.group.hidden).toBeLessThan(128);
        // minutes on a CPU adapter: at most 3000 iterations (the appendix's slow tanh gain part; the rest 2000)
        expect(p.iterations).toBeLessThanOrEqual(3000);
        expect(p.iterations).toBeLessThan(f.paper.parts.find((q) => q.id === p.id)?.iterations ?? Number.POSITIVE_INFINITY);
      }
    }
  });

  it("the lab's preset list holds every figure, classroom and paper, and Table 5, each a valid experiment", () => {
    for (const software of [true, false]) {
      const list = presets(software);
      const ids = list.map((p) => p.id);
      for (const id of PAPER_FIGURE_IDS) {
        expect(ids).toContain(id);
        expect(ids).toContain(`${id}-classroom`);
      }
      expect(ids).toContain('table5');
      expect(new Set(ids).size).toBe(ids.length);
      for (const p of list.filter((x) => x.id.startsWith('figure') || x.id.startsWith('appendix') || x.id === 'table5')) {
        expect(validateExperiment(p.experiment.group, p.experiment.runs), p.id).toEqual([]);
        expect(p.description).toMatch(/The paper's settings: .*The classroom variant \(not the paper's setting\): |GTX-770/);
      }
    }
  });
});

/** A log of named runs whose accuracy (or loss) at iteration i is curves[r](i), for i = 1..iterations. */
function recordedLog(
  names: string[],
  iterations: number,
  curves: ((i: number) => number)[],
  loss = false,
): { runs: RunSettings[]; log: ExperimentLog } {
  const runs = names.map((name) => ({ ...PAPER_RUN, name }));
  const log = new ExperimentLog({ ...PAPER_GROUP }, runs, 2);
  for (let i = 1; i <= iterations; i++)
    log.add([
      {
        iteration: i,
        runs: curves.map((f) => ({ loss: loss ? f(i) : 1, accuracy: loss ? Number.NaN : f(i), softOrthPenalty: 0, weightDecayPenalty: 0 })),
      },
    ]);
  return { runs, log };
}

/** A curve at 0.1 until `at`, then 1 (NaN for never: it stays at 0.1). */
const step = (at: number) => (i: number) => (i >= at ? 1 : 0.1);

describe('verdicts on recorded curves', () => {
  const part = PAPER_FIGURES.figure1.classroom.parts[0];
  const names = part.runs.map((r) => r.name); // m=0, m=0.001, m=0.01, m=0.1, m=1, none

  it("Figure 1's claims hold on curves in the paper's order and fail on the reverse", () => {
    const iterations = part.iterations;
    const inOrder = recordedLog(names, iterations, [step(900), step(700), step(500), step(300), step(100), step(200)]);
    const v = claimVerdicts(part.claims, seedRecords(inOrder.runs, inOrder.log, 'accuracy'));
    expect(v.map((x) => x.text)).toEqual(part.claims.map(() => 'holds in 1 of 1 seed'));
    // the classroom criterion (0.75 on a window of 20): 15 points at 1 and 5 at 0.1 average 0.775, converged at iteration at + 14
    expect(v[0].perSeed[0].why).toMatch(
      /accuracy >= 0.75 \(mean of 20 points\): m=0 at iteration 914, m=0.1 at iteration 314, m=1 at iteration 114/,
    );
    const reversed = recordedLog(names, iterations, [step(100), step(300), step(500), step(700), step(900), step(200)]);
    const r = claimVerdicts(part.claims, seedRecords(reversed.runs, reversed.log, 'accuracy'));
    expect(r[0].text).toBe('does not hold: holds in 0 of 1 seed, fails in 1');
    expect(r[1].text).toBe('does not hold: holds in 0 of 1 seed, fails in 1');
    expect(r[2].text).toBe('holds in 1 of 1 seed');
  });

  it('a run that never converges is slowest; a budget not yet trained leaves never/reaches undecided', () => {
    const longest = PAPER_FIGURES.figure1.classroom.parts[1];
    const never = () => 0.1;
    const full = recordedLog(names, longest.iterations, [step(100), step(100), step(300), step(400), step(500), never]);
    const v = claimVerdicts(longest.claims, seedRecords(full.runs, full.log, 'accuracy'));
    expect(v.map((x) => x.text)).toEqual(longest.claims.map(() => 'holds in 1 of 1 seed'));
    const short = recordedLog(names, 50, [step(100), step(100), step(300), step(400), step(500), never]);
    const s = claimVerdicts(longest.claims, seedRecords(short.runs, short.log, 'accuracy'));
    expect(s[3].text).toBe('undecided: holds in 0 of 1 seed, undecided in 1');
    expect(s[3].perSeed[0].why).toBe(
      'none trained 50 of the 800 iterations the claim allows and has not converged yet: accuracy >= 0.75 (mean of 20 points) not reached',
    );
  });

  it("Figure 5's claims read the loss (MSE) falling below 0.05", () => {
    const f5 = PAPER_FIGURES.figure5.classroom.parts[0];
    const mse = (at: number | null) => (i: number) => (at !== null && i >= at ? 0.01 : 0.17);
    const rec = recordedLog(
      f5.runs.map((r) => r.name),
      f5.iterations,
      [mse(null), mse(300), mse(400), mse(500), mse(null)],
      true,
    );
    const records = seedRecords(rec.runs, rec.log, 'loss');
    expect(claimVerdicts(f5.claims, records).map((x) => x.text)).toEqual(f5.claims.map(() => 'holds in 1 of 1 seed'));
    const bad = recordedLog(
      f5.runs.map((r) => r.name),
      f5.iterations,
      [mse(300), mse(300), mse(null), mse(500), mse(null)],
      true,
    );
    const b = claimVerdicts(f5.claims, seedRecords(bad.runs, bad.log, 'loss'));
    expect(b[0].text).toMatch(/^does not hold/);
    expect(b[3].text).toMatch(/^does not hold/);
    expect(b[4].text).toBe('holds in 1 of 1 seed');
  });

  it('the gradient-flow spread is min/max of the norm over t, and Figure 2 reads it at the tracked iterations', () => {
    expect(flowSpread([4, 1, 4])).toBeCloseTo(0.5, 12);
    expect(flowSpread([1, 1])).toBe(1);
    expect(flowSpread([1, Number.NaN])).toBeNaN();
    expect(flowSpread([0, 0])).toBeNaN();
    const f2 = PAPER_FIGURES.figure2.classroom.parts[0];
    const runs = f2.runs.map((r) => ({ ...r }));
    const log = new ExperimentLog({ ...PAPER_GROUP }, runs, 2);
    // run r's spread at tracked iteration k: 1 for m=0; falls to 0.25 at k >= lose[r] for the others
    const lose = [Infinity, 8, 6, 4, 2, 2];
    for (let k = 1; k <= 10; k++) {
      const it = k * 60;
      log.add([
        {
          iteration: it,
          runs: runs.map(() => ({ loss: 1, accuracy: 0.5, softOrthPenalty: 0, weightDecayPenalty: 0 })),
          track: {
            flow: runs.map((_, r) => Float32Array.from(k >= lose[r] ? [1, 1 / 16] : [1, 1])),
            spectrum: runs.map(() => null),
            drift: runs.map(() => null),
          },
        },
      ]);
    }
    expect(runCurve(log, 1, 'flowSpread')).toEqual({
      x: [60, 120, 180, 240, 300, 360, 420, 480, 540, 600],
      y: [1, 1, 1, 1, 1, 1, 1, 0.25, 0.25, 0.25],
    });
    const records = seedRecords(runs, log, 'flowSpread');
    const v = claimVerdicts(f2.claims, records);
    expect(v.map((x) => x.text)).toEqual(['holds in 1 of 1 seed', 'holds in 1 of 1 seed']);
    const report = partReport(f2, records, 600);
    expect(report.markdown).toContain('| m=0 preserves the gradient norm across time steps');
    expect(report.markdown).toContain('| holds in 1 of 1 seed |');
    expect(report.csv.split('\n')[0]).toBe('part,run,seed,iteration,metric,value');
    expect(report.csv).toContain('T20,m=0.001,1,480,flowSpread,0.25');
  });

  it("Table 5's claims on measured seconds: SGD faster at every n, the geodesic step's cost growing with n", () => {
    const claims = table5Claims([128, 500, 1000]);
    const paper = table5Record(PAPER_TABLE5.map((p) => ({ n: p.n, sgd: p.sgd[0], geodesic: p.geodesic[0], paper: p })));
    expect(claims.map((c) => verdict(c, [paper]).text)).toEqual(claims.map(() => 'holds in 1 of 1 seed'));
    const flat = table5Record([
      { n: 128, sgd: 10, geodesic: 30, paper: null },
      { n: 500, sgd: 20, geodesic: 40, paper: null },
      { n: 1000, sgd: 50, geodesic: 40, paper: null },
    ]);
    expect(claims.map((c) => verdict(c, [flat]).text.startsWith('holds'))).toEqual([true, true, false, false]);
  });
});
