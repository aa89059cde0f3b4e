/**
 * Timing on the adapter Dawn finds, for `npm run reproduce`: Table 5 (seconds per 1000 iterations, a plain
 * RNN with SGD against a factorised RNN with geodesic steps, beside the paper's GTX-770 numbers) and the
 * estimated time of every preset that --help lists.
 *
 * The estimate: two probe groups of one factorised run on the copy task (L = 50 steps, n = 32 batch 32 and
 * n = 128 batch 50) are timed over 3 and 2 iterations after one warm-up iteration each; their time per step gives a
 * per-step cost a + b * B * n^2 (a: what a step costs whatever its size, the dispatches; b: the arithmetic),
 * and a preset's time is its iterations x steps x (a + b x runs x B x n^2), summed over its parts: the runs of
 * a group share a step's dispatches (they are trained side by side) and add their arithmetic. It leaves out
 * tracking, evaluation and saving: an estimate to plan by, not a promise.
 */
import { RunGroup } from '../engine/runGroup.ts';
import { type GroupSettings, PAPER_GROUP, PAPER_RUN, type RunSettings } from '../engine/settings.ts';
import { type Claim, type SeedRecord, verdict } from '../experiments/claims.ts';
import { csvField } from '../experiments/csvField.ts';
import { PAPER_TABLE5, TABLE5, type Table5Variant, table5Claims } from '../experiments/paperFigures.ts';
import type { NodeEngine } from './nodeContext.ts';

/** Seconds per iteration of a group, timed over `iters` iterations after `warmUp` ones (pipelines compile lazily, first submissions allocate). */
export async function secondsPerIteration(
  engine: NodeEngine,
  group: GroupSettings,
  runs: RunSettings[],
  iters: number,
  warmUp = 2,
): Promise<number> {
  const rg = await RunGroup.create(engine.ops, group, runs, {});
  try {
    for (let k = 0; k < warmUp; k++) rg.step();
    await rg.collect();
    const t0 = performance.now();
    for (let k = 0; k < iters; k++) {
      if (!rg.canStep) await rg.collect();
      rg.step();
    }
    await rg.collect();
    return (performance.now() - t0) / 1000 / iters;
  } finally {
    await rg.destroy();
  }
}

/** Per-step cost of one run: a + b * B * n^2 seconds. */
export interface StepCost {
  a: number;
  b: number;
  /** how it was measured, in words */
  how: string;
}

/** A timing group: copy T at n units and a batch, no tracking, full storage (Table 5's setting at batch 50); shared by the benchmarks. */
export function copyGroup(T: number, hidden: number, batchSize: number, over: Partial<GroupSettings> = {}): GroupSettings {
  return { ...PAPER_GROUP, task: 'copy', T, hidden, batchSize, trackEvery: 100_000, recompute: 'off', ...over };
}

export async function measureStepCost(engine: NodeEngine): Promise<StepCost> {
  const run: RunSettings = { ...PAPER_RUN, name: 'probe', margin: 0 };
  const L = 50;
  const small = await secondsPerIteration(engine, copyGroup(L - 20, 32, 32), [run], 3, 1);
  const large = await secondsPerIteration(engine, copyGroup(L - 20, 128, 50), [run], 2, 1);
  const w1 = 32 * 32 * 32;
  const w2 = 50 * 128 * 128;
  const b = Math.max(0, (large / L - small / L) / (w2 - w1));
  const a = Math.max(0, small / L - b * w1);
  return {
    a,
    b,
    how: `measured on this adapter: copy T = 30 (50 steps), one factorised run, ${(small * 1000).toFixed(1)} ms an iteration at n = 32, batch 32 and ${(large * 1000).toFixed(1)} ms at n = 128, batch 50; a preset's estimate is iterations x steps x (a + b x runs x batch x n^2), a and b fitted to those two`,
  };
}

/** Steps of a group's sequences (copy T + 20, adding T). */
export function stepsOf(group: GroupSettings): number {
  return group.task === 'copy' ? group.T + 20 : group.T;
}

export function estimateSeconds(cost: StepCost, group: GroupSettings, runs: number, iterations: number): number {
  return iterations * stepsOf(group) * (cost.a + cost.b * runs * group.batchSize * group.hidden * group.hidden);
}

export function durationText(seconds: number): string {
  if (!Number.isFinite(seconds)) return 'unknown';
  if (seconds < 90) return `${Math.max(1, Math.round(seconds))} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  if (seconds < 2 * 86400) return `${(seconds / 3600).toFixed(1)} h`;
  return `${(seconds / 86400).toFixed(1)} days`;
}

export interface Table5Row {
  n: number;
  sgd: number;
  geodesic: number;
  paper: (typeof PAPER_TABLE5)[number] | null;
}

export function table5Iterations(v: Table5Variant, n: number): number {
  return Math.max(3, Math.round((v.iterations * 128 * 128) / (n * n)));
}

/** Times the two models of Table 5 at each size of the variant: seconds per 1000 iterations. */
export async function timeTable5(engine: NodeEngine, v: Table5Variant, say: (line: string) => void): Promise<Table5Row[]> {
  const rows: Table5Row[] = [];
  for (const n of v.sizes) {
    const group = copyGroup(v.T, n, 50, { optimizer: 'sgd' });
    const iters = table5Iterations(v, n);
    const plain: RunSettings = { ...PAPER_RUN, name: 'sgd', parameterisation: 'plain', margin: null };
    const factorised: RunSettings = { ...PAPER_RUN, name: 'geodesic', parameterisation: 'factorised', margin: 0 };
    say(`Table 5: n = ${n}, ${iters} timed iterations each ... `);
    const sgd = 1000 * (await secondsPerIteration(engine, group, [plain], iters));
    const geodesic = 1000 * (await secondsPerIteration(engine, group, [factorised], iters));
    say(`SGD ${sgd.toFixed(1)} s, geodesic ${geodesic.toFixed(1)} s per 1000 iterations\n`);
    rows.push({ n, sgd, geodesic, paper: PAPER_TABLE5.find((p) => p.n === n) ?? null });
  }
  return rows;
}

/** Table 5's record: the seconds as scores ('sgd n=..', 'geodesic n=..', 'ratio n=..'), one seed (one measurement). */
export function table5Record(rows: readonly Table5Row[]): SeedRecord {
  const scores: Record<string, number> = {};
  for (const r of rows) {
    // rounded as the table prints them (the verdicts name these figures)
    scores[`sgd n=${r.n}`] = Math.round(r.sgd * 10) / 10;
    scores[`geodesic n=${r.n}`] = Math.round(r.geodesic * 10) / 10;
    scores[`ratio n=${r.n}`] = Math.round((r.geodesic / r.sgd) * 1000) / 1000;
  }
  return { curves: {}, scores };
}

export function table5Text(
  rows: readonly Table5Row[],
  adapter: string,
  classroom: boolean,
  command: string,
): { markdown: string; csv: string } {
  const v = classroom ? TABLE5.classroom : TABLE5.paper;
  const claims: Claim[] = table5Claims(rows.map((r) => r.n));
  const paperClaims = table5Claims(PAPER_TABLE5.map((p) => p.n));
  const paperRecord = table5Record(PAPER_TABLE5.map((p) => ({ n: p.n, sgd: p.sgd[0], geodesic: p.geodesic[0], paper: p })));
  const record = table5Record(rows);
  const pm = (x: [number, number]) => `${x[0]} ± ${x[1]}`;
  const md = [
    `# ${TABLE5.title}`,
    '',
    `Measured by \`${command}\` on ${adapter}: ${v.settings}. Seconds per 1000 iterations, from one timed stretch per row (${rows.map((r) => `${table5Iterations(v, r.n)} iterations at n = ${r.n}`).join(', ')}) after 2 warm-up iterations; no tracking, full storage.`,
    '',
    `**The paper:** ${TABLE5.statement}`,
    '',
    `**Where the paper is silent:** ${TABLE5.silent}`,
    '',
    "| n | SGD (measured) | geodesic (measured) | ratio | the paper's SGD (GTX-770) | the paper's geoSGD | the paper's ratio |",
    '|---|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.n} | ${r.sgd.toFixed(1)} | ${r.geodesic.toFixed(1)} | ${(r.geodesic / r.sgd).toFixed(2)} | ${r.paper ? pm(r.paper.sgd) : '-'} | ${r.paper ? pm(r.paper.geodesic) : '-'} | ${r.paper ? (r.paper.geodesic[0] / r.paper.sgd[0]).toFixed(2) : '-'} |`,
    ),
    '',
    "| claim | verdict (measured) | the paper's own numbers |",
    '|---|---|---|',
    ...claims.map((c) => {
      const measured = verdict(c, [record]);
      // the paper's numbers decide the same claim only at the same sizes
      const same = paperClaims.find((p) => p.statement === c.statement);
      const theirs = same ? verdict(same, [paperRecord]).text : '- (other sizes)';
      return `| ${c.statement} | ${measured.text} (${measured.perSeed[0]?.why ?? ''}) | ${theirs} |`;
    }),
    '',
    classroom ? "The classroom sizes are not the paper's: the paper's column is for n = 128, 500, 1000." : '',
    '',
  ].join('\n');
  const csv = [
    'n,sgd_seconds_per_1000,geodesic_seconds_per_1000,ratio,paper_sgd,paper_geodesic',
    ...rows.map((r) =>
      [r.n, r.sgd, r.geodesic, r.geodesic / r.sgd, r.paper?.sgd[0] ?? null, r.paper?.geodesic[0] ?? null].map(csvField).join(','),
    ),
  ].join('\n');
  return { markdown: md, csv: `${csv}\n` };
}
