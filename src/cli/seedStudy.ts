/**
 * The first screen's robustness over seeds (issue 11): reads experiment folders written by
 *   npm run train -- <the interactive preset's sweep> --seeds k --out DIR
 * (one or more folders per rate setting: a group trains at most 16 runs, so 5 margins x 5 seeds are two
 * folders), and checks the Figure 1 ordering per seed with the claim checks of src/experiments/claims.ts:
 *   node --import tsx src/cli/seedStudy.ts --label 0.01 --dirs a,b [--label 0.001 --dirs c,d] [--threshold 0.9] --out docs/bench/NAME
 * writes NAME.json (every curve summary and verdict) and prints a markdown table of the verdicts. The
 * criterion: training accuracy (last 10 outputs of the copy task) with a trailing mean of 20 iterations at or
 * above 95%. Relapses: after iteration 200, how often a run's loss (trailing mean of 20) goes from below the
 * memoryless baseline back above it (the issue's measure of an unstable first screen).
 */
import { writeFileSync } from 'node:fs';
import { type Claim, type Criterion, firstReach, type SeedRecord, verdict } from '../experiments/claims.ts';
import { replicateSets, type Series } from '../experiments/replicates.ts';
import { loadResume } from './resume.ts';

/** The default criterion; `--threshold A` reads the same claims at another accuracy (0.5 to 1). */
let CRITERION: Criterion = { metric: 'accuracy', threshold: 0.95, direction: 'above', window: 20 };

function trailing(y: readonly number[], w: number): number[] {
  const out: number[] = [];
  let sum = 0;
  for (let i = 0; i < y.length; i++) {
    sum += y[i];
    if (i >= w) sum -= y[i - w];
    out.push(i >= w - 1 ? sum / w : NaN);
  }
  return out;
}

function relapses(loss: Series, baseline: number, after: number): number {
  const m = trailing(loss.y, 20);
  let n = 0;
  let below = false;
  for (let i = 0; i < m.length; i++) {
    if (!Number.isFinite(m[i])) continue;
    if (m[i] < baseline) below = true;
    else if (below && loss.x[i] > after) {
      n++;
      below = false;
    } else if (m[i] >= baseline) below = false;
  }
  return n;
}

interface StudyArgs {
  label: string;
  dirs: string[];
}

function parse(argv: string[]): { studies: StudyArgs[]; out: string } {
  const studies: StudyArgs[] = [];
  let out = '';
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (flag === '--label') studies.push({ label: value, dirs: [] });
    else if (flag === '--dirs' && studies.length) studies[studies.length - 1].dirs.push(...value.split(','));
    else if (flag === '--out') out = value;
    else if (flag === '--threshold') {
      const a = Number(value);
      if (!/^0?\.\d+$|^1$/.test(value ?? '') || !(a >= 0.5 && a <= 1))
        throw new Error(`--threshold must be an accuracy from 0.5 to 1 (got '${value}')`);
      CRITERION = { ...CRITERION, threshold: a };
    } else throw new Error(`unknown or misplaced flag ${flag}`);
  }
  if (!out || !studies.length || studies.some((s) => !s.dirs.length)) throw new Error('give --label L --dirs A,B ... --out NAME');
  return { studies, out };
}

function study(s: StudyArgs) {
  const curves = new Map<string, { acc: Series[]; loss: Series[]; seeds: number[] }>();
  let baseline = NaN;
  // every folder is read up to the iteration all of them reached: the claims compare runs at one budget
  const budget = Math.min(...s.dirs.map((dir) => loadResume(dir).log.metrics.iterations.at(-1) ?? 0));
  const iterations = budget;
  for (const dir of s.dirs) {
    const { log } = loadResume(dir);
    const m = log.metrics;
    baseline = m.baselineLoss;
    const upTo = m.iterations.filter((it) => it <= budget).length;
    const x = m.iterations.slice(0, upTo);
    for (const set of replicateSets(m.runs)) {
      // train's default names write no margin as 'm=none'; the claims name it 'none'
      const name = set.name === 'm=none' ? 'none' : set.name;
      const entry = curves.get(name) ?? { acc: [], loss: [], seeds: [] };
      for (const r of set.members) {
        entry.acc.push({ x, y: m.metrics.slice(0, upTo).map((row) => row[r][1]) });
        entry.loss.push({ x, y: m.metrics.slice(0, upTo).map((row) => row[r][0]) });
        entry.seeds.push(m.runs[r].seed);
      }
      curves.set(name, entry);
    }
  }
  const names = [...curves.keys()];
  const k = Math.min(...names.map((n) => curves.get(n)!.acc.length));
  const records: SeedRecord[] = Array.from({ length: k }, (_, i) => ({
    curves: Object.fromEntries(names.map((n) => [n, curves.get(n)!.acc[i]])),
  }));
  const claims: Claim[] = [
    {
      kind: 'slower',
      statement: 'm = 0 converges slowest (after m = 0.1 and m = 1)',
      slower: 'm=0',
      than: ['m=0.1', 'm=1'],
      criterion: CRITERION,
    },
    {
      kind: 'slower',
      statement: 'm = 0.01 converges after m = 0.1 and m = 1',
      slower: 'm=0.01',
      than: ['m=0.1', 'm=1'],
      criterion: CRITERION,
    },
    {
      kind: 'reaches',
      statement: `m = 0.1 converges within ${iterations} iterations`,
      run: 'm=0.1',
      within: iterations,
      criterion: CRITERION,
    },
    { kind: 'reaches', statement: `m = 1 converges within ${iterations} iterations`, run: 'm=1', within: iterations, criterion: CRITERION },
    {
      kind: 'reaches',
      statement: `no margin converges within ${iterations} iterations`,
      run: 'none',
      within: iterations,
      criterion: CRITERION,
    },
  ];
  const verdicts = claims.map((c) => verdict(c, records));
  const runs = names.map((n) => {
    const e = curves.get(n)!;
    return {
      run: n,
      seeds: e.seeds,
      reachedAt: e.acc.map((a) => firstReach(a, CRITERION)),
      finalAccuracy: e.acc.map((a) => trailing(a.y, 20).at(-1) ?? NaN),
      relapsesAfter200: e.loss.map((l) => relapses(l, baseline, 200)),
    };
  });
  return { label: s.label, dirs: s.dirs, iterations, seeds: k, baselineLoss: baseline, criterion: CRITERION, runs, verdicts };
}

function main(): void {
  const { studies, out } = parse(process.argv.slice(2));
  const results = studies.map(study);
  writeFileSync(`${out}.json`, `${JSON.stringify({ criterion: CRITERION, studies: results }, null, 1)}\n`);
  for (const r of results) {
    console.log(`\n### rates ${r.label} (${r.seeds} seeds, ${r.iterations} iterations)\n`);
    console.log('| claim | verdict |\n|---|---|');
    for (const v of r.verdicts) console.log(`| ${v.statement} | ${v.text} |`);
    console.log(
      `\n| run | seeds | reached ${Math.round(CRITERION.threshold * 100)}% at | final accuracy (mean of 20) | relapses after 200 |\n|---|---|---|---|---|`,
    );
    for (const run of r.runs)
      console.log(
        `| ${run.run} | ${run.seeds.join(' ')} | ${run.reachedAt.map((x) => x ?? 'never').join(', ')} | ${run.finalAccuracy.map((a) => `${(100 * a).toFixed(1)}%`).join(', ')} | ${run.relapsesAfter200.join(', ')} |`,
      );
  }
}

try {
  main();
} catch (e) {
  // bad flags or an unreadable folder: one line naming it, no stack, exit 2 (nothing written)
  console.error(`error: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(2);
}
