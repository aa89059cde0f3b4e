/**
 * npm run reproduce -- figure2 --classroom (src/cli/reproduceFigure.ts) end to end on the smallest figure:
 * Figure 2's classroom variant (six runs, copy T = 20) trained for a few iterations (--iters), then again for
 * more: it resumes where the part's folder stopped, and with nothing missing it only writes the report. The
 * report holds the paper's statement, a verdict per claim counted over seeds (undecided: the claims are made
 * over 500 iterations), the curves as CSV, the chart as SVG (the lab's drawing) and PNG (Chromium, where one
 * is installed). With --seeds 2 every run trains over two seeds side by side and each verdict counts both.
 * With --group-runs 6 the same part over two seeds is more than a group takes: it trains as two groups, one
 * seed each, one after the other, and its records (the CSV, the verdicts) are those of the one group, bit for
 * bit; a group already trained is not trained again. Seeds out of range, groups smaller than a part, a folder
 * trained over another number of seeds or in other groups, another variant's settings in the folder and an
 * unknown preset are refused before any training. --help with --seeds counts every group in its estimates.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readManifest } from '../../src/cli/experimentFolder.ts';
import { PAPER_FIGURES } from '../../src/experiments/paperFigures.ts';
import { cli } from '../helpers/cliProcess.ts';

const out = join(mkdtempSync(join(tmpdir(), 'ortho-reproduce-figure-')), 'figure2');
const part = PAPER_FIGURES.figure2.classroom.parts[0];
const partDir = join(out, part.id);
const chromium = [process.env.CHROME_PATH, '/usr/bin/chromium'].some((p) => !!p && existsSync(p));

describe('npm run reproduce -- figure2 --classroom', () => {
  it('trains the figure, writes its curves, chart and verdicts, and resumes for more iterations', () => {
    const r = cli('reproduce.ts', ['figure2', '--classroom', '--iters', '2', '--out', out, '--quiet'], { timeoutMs: 200_000 });
    expect(r.code, r.err).toBe(0);
    expect(readManifest(partDir)?.iteration).toBe(2);
    const md = readFileSync(join(out, 'figure2.md'), 'utf8');
    expect(md).toMatch(/^# Figure 2: gradient flow/);
    expect(md).toContain("the classroom variant, not the paper's setting");
    expect(md).toContain('**The paper:** "for a purely orthogonal parameterization');
    for (const c of part.claims) expect(md).toContain(`| ${part.id} | ${c.statement} | undecided: holds in 0 of 1 seed, undecided in 1 |`);
    expect(md).toContain(`Trained 2 of the ${part.iterations} iterations the claims are made over`);
    const csv = readFileSync(join(out, 'figure2.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe('part,run,seed,iteration,metric,value');
    // the gradient flow is tracked every 10 iterations, and at the first: one point per run so far
    expect(csv.slice(1).map((l) => l.split(',')[1])).toEqual(part.runs.map((x) => x.name));
    for (const l of csv.slice(1)) expect(Number(l.split(',')[5])).toBeGreaterThan(0.5);
    const svg = readFileSync(join(out, `figure2-${part.id}.svg`), 'utf8');
    expect(svg).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<svg /);
    expect(svg).toContain('m=0 (margin 0)');
    if (chromium) {
      const png = readFileSync(join(out, `figure2-${part.id}.png`));
      expect(png.subarray(1, 4).toString()).toBe('PNG');
      expect(md).toContain('PNG: the SVG rendered by Chromium');
    } else expect(md).toContain('PNG not written');

    const more = cli('reproduce.ts', ['figure2', '--classroom', '--iters', '3', '--out', out, '--quiet'], { timeoutMs: 200_000 });
    expect(more.code, more.err).toBe(0);
    expect(more.err).toMatch(/resuming at iteration 2 of 3/);
    expect(readManifest(partDir)?.iteration).toBe(3);

    const again = cli('reproduce.ts', ['figure2', '--classroom', '--iters', '3', '--out', out, '--quiet'], { timeoutMs: 200_000 });
    expect(again.code, again.err).toBe(0);
    expect(again.err).not.toMatch(/resuming|training/);
    expect(again.out).toMatch(/Wrote .*figure2\.md, figure2\.csv and the figures/);
  }, 600_000);

  it('refuses seeds out of range, groups smaller than a part, a folder of another seed count or settings, and an unknown preset, before training', () => {
    const seeds = cli('reproduce.ts', ['figure2', '--classroom', '--seeds', '11', '--out', out]);
    expect(seeds.code).toBe(2);
    expect(seeds.err).toMatch(/--seeds must be a whole number from 1 to 10 \(got '11'\)/);
    const small = cli('reproduce.ts', ['figure2', '--classroom', '--seeds', '2', '--group-runs', '5', '--out', out]);
    expect(small.code).toBe(2);
    expect(small.err).toMatch(
      /--group-runs 5: Figure 2 \(classroom\) has a part of 6 runs, and a part is split into groups by seed, never within one; give at least 6/,
    );
    const count = cli('reproduce.ts', ['figure2', '--classroom', '--seeds', '2', '--out', out]);
    expect(count.code).toBe(2);
    expect(count.err).toMatch(/holds Figure 2 trained over 1 seed, not 2 seeds; give a new folder \(or --seeds 1 to continue it\)/);
    // a folder recorded before the seed count was kept: its part's run count tells
    const marker = join(out, 'reproduce.json');
    const record = readFileSync(marker, 'utf8');
    writeFileSync(marker, JSON.stringify({ format: 'orthogonality-lab/reproduce-figure', figure: 'figure2', classroom: true }));
    const old = cli('reproduce.ts', ['figure2', '--classroom', '--seeds', '2', '--out', out]);
    writeFileSync(marker, record);
    expect(old.code).toBe(2);
    expect(old.err).toMatch(/holds Figure 2 .* with other settings \(another experiment \(task copy, 6 runs; 12 here over 2 seeds\)\)/);
    const paper = cli('reproduce.ts', ['figure2', '--out', out]);
    expect(paper.code).toBe(2);
    expect(paper.err).toMatch(/holds figure2 --classroom, not figure2; give a new folder/);
    const other = cli('reproduce.ts', ['figure1', '--classroom', '--out', out]);
    expect(other.code).toBe(2);
    expect(other.err).toMatch(/holds figure2 --classroom, not figure1 --classroom; give a new folder/);
    expect(readManifest(partDir)?.iteration).toBe(3);
    const bad = cli('reproduce.ts', ['figure3']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/names the table or figure: .*figure1, figure2, figure4, figure5, appendix, table5 \(got 'figure3'\)/);
  });

  it('--seeds 2: every run over two seeds in one group, each verdict counted over both', () => {
    const dir = join(out, '..', 'figure2-seeds');
    const r = cli('reproduce.ts', ['figure2', '--classroom', '--seeds', '2', '--iters', '1', '--out', dir, '--quiet'], {
      timeoutMs: 200_000,
    });
    expect(r.code, r.err).toBe(0);
    const m = readManifest(join(dir, part.id));
    expect(m?.iteration).toBe(1);
    const settings = JSON.parse(readFileSync(join(dir, part.id, 'settings.json'), 'utf8')) as { runs: { name: string; seed: number }[] };
    expect(settings.runs.map((x) => x.name)).toEqual(part.runs.flatMap((x) => [`${x.name} · s1`, `${x.name} · s2`]));
    expect(settings.runs.map((x) => x.seed)).toEqual(part.runs.flatMap((x) => [x.seed, x.seed + 1]));
    const md = readFileSync(join(dir, 'figure2.md'), 'utf8');
    for (const c of part.claims) expect(md).toContain(`| ${part.id} | ${c.statement} | undecided: holds in 0 of 2 seeds, undecided in 2 |`);
    expect(md).toContain('each run is trained over 2 seeds (seed replicates, side by side');
    expect(md).toContain('npm run reproduce -- figure2 --classroom --seeds 2 --iters 1');
  }, 400_000);

  it('--group-runs 6: two seeds of six runs train as two groups, one after the other, with the records of one group', () => {
    const whole = join(out, '..', 'figure2-seeds');
    const dir = join(out, '..', 'figure2-split');
    const args = ['figure2', '--classroom', '--seeds', '2', '--group-runs', '6', '--iters', '1', '--out', dir, '--quiet'];
    const r = cli('reproduce.ts', args, { timeoutMs: 300_000 });
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/\(seeds 1: group 1 of 2\): training 1 iterations of 6 runs over seed 1 in .*figure2-split\/T20\/seeds-1/);
    expect(r.err).toMatch(/\(seeds 2: group 2 of 2\): training 1 iterations of 6 runs over seed 2 in .*figure2-split\/T20\/seeds-2/);
    const second = JSON.parse(readFileSync(join(dir, part.id, 'seeds-2', 'settings.json'), 'utf8')) as {
      runs: { name: string; seed: number }[];
    };
    expect(second.runs.map((x) => [x.name, x.seed])).toEqual(part.runs.map((x) => [`${x.name} · s2`, x.seed + 1]));
    // every recorded number as the one group of twelve runs recorded it (the CSV), and the same verdicts
    const csv = readFileSync(join(dir, 'figure2.csv'), 'utf8');
    expect(csv.split('\n').length).toBeGreaterThan(12);
    expect(csv).toBe(readFileSync(join(whole, 'figure2.csv'), 'utf8'));
    const verdicts = (md: string) => md.split('\n').filter((l) => l.startsWith(`| ${part.id} |`));
    const md = readFileSync(join(dir, 'figure2.md'), 'utf8');
    expect(verdicts(md)).toEqual(verdicts(readFileSync(join(whole, 'figure2.md'), 'utf8')));
    expect(verdicts(md).length).toBe(part.claims.length);
    expect(md).toContain(
      `${part.id}: 6 runs over 2 seeds are more than a group trains side by side (6), so it trained as 2 groups one after the other (seeds-1, seeds-2), read back as one.`,
    );
    // interrupted before the second group: only that one trains again, the first is kept
    rmSync(join(dir, part.id, 'seeds-2'), { recursive: true });
    const again = cli('reproduce.ts', args, { timeoutMs: 300_000 });
    expect(again.code, again.err).toBe(0);
    expect(again.err).not.toMatch(/seeds 1: group 1/);
    expect(again.err).toMatch(/\(seeds 2: group 2 of 2\): training 1 iterations/);
    expect(readFileSync(join(dir, 'figure2.csv'), 'utf8')).toBe(csv);
    // the same folder in other groups (one of twelve runs) is refused, naming both
    const other = cli('reproduce.ts', ['figure2', '--classroom', '--seeds', '2', '--iters', '1', '--out', dir]);
    expect(other.code).toBe(2);
    expect(other.err).toMatch(
      /holds Figure 2 T20 trained in groups seeds-1, seeds-2; over 2 seeds in groups of at most 16 runs it trains in one group in the part folder; give a new folder/,
    );
  }, 600_000);

  it('--help --seeds 5 estimates every group of every part', () => {
    const help = cli('reproduce.ts', ['figure1', '--help', '--seeds', '5'], { timeoutMs: 200_000 });
    expect(help.code, help.err).toBe(0);
    expect(help.out).toContain('Figure estimates over 5 seeds, at most 16 runs a group (--seeds, --group-runs).');
    // Figure 1's classroom: two parts of six runs, over five seeds three groups each (seeds 1-2, 3-4, 5)
    expect(help.out).toMatch(/--classroom: .*; about \d+(\.\d)? (s|min|h|days) over 5 seeds \(6 groups of at most 16 runs\)$/m);
  }, 200_000);
});
