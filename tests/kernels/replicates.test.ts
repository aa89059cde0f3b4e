/**
 * Seed replicates trained headless (issue 11): `npm run train -- --seeds k` trains every run over k seeds side
 * by side in one group, as runs named '<name> · s1' ... '<name> · sk' with seeds seed ... seed + k - 1. The
 * same command gives the same numbers bit for bit; each member trains exactly what the same run with that
 * seed trains on its own (the runs of a group do not mix); different seeds give different numbers; the
 * replicate sets read back from the saved settings; over data (--replicate-data) member 2 trains what the run
 * trains alone on data seed + 1, and a stopped run resumes each stream. Sizes are tiny (copy T = 3, n = 8, batch 4, 30 iterations).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadResume } from '../../src/cli/resume.ts';
import { replicateSets } from '../../src/experiments/replicates.ts';
import { cli, TINY } from '../helpers/cliProcess.ts';

const root = mkdtempSync(join(tmpdir(), 'ortho-replicates-'));
// plain runs, SGD, the one-dispatch-per-step kernels: quick to start on SwiftShader
const BASE_ANY = [...TINY, '--naive', '--param', 'plain', '--optimizer', 'sgd', '--quiet'];
const BASE = [...BASE_ANY, '--iters', '30'];

function train(name: string, args: string[], base = BASE) {
  const out = join(root, name);
  const r = cli('train.ts', [...base, ...args, '--out', out]);
  expect(r.code, r.err).toBe(0);
  return loadResume(out);
}

/** Each run's loss at every iteration, by run name. */
function losses(resumed: ReturnType<typeof loadResume>): Record<string, number[]> {
  const m = resumed.log.metrics;
  return Object.fromEntries(m.runs.map((run, r) => [run.name, m.metrics.map((row) => row[r][0])]));
}

describe('seed replicates, headless', () => {
  it('--seeds 2: the same seeds give the same numbers bit for bit, each member the numbers of its seed alone', () => {
    const a = train('a', ['--names', 'x,y', '--seed', '5', '--init', 'orthogonal,glorot', '--seeds', '2']);
    expect(a.runs.map((r) => [r.name, r.seed])).toEqual([
      ['x · s1', 5],
      ['x · s2', 6],
      ['y · s1', 5],
      ['y · s2', 6],
    ]);
    expect(replicateSets(a.runs).map((s) => [s.name, s.members, s.seeds])).toEqual([
      ['x', [0, 1], [5, 6]],
      ['y', [2, 3], [5, 6]],
    ]);
    const la = losses(a);
    // again: bit for bit
    expect(losses(train('b', ['--names', 'x,y', '--seed', '5', '--init', 'orthogonal,glorot', '--seeds', '2']))).toEqual(la);
    // seed 6 alone trains what 'x · s2' trained beside the others
    const alone = losses(train('alone', ['--names', 'x', '--seed', '6', '--init', 'orthogonal']));
    expect(alone.x).toEqual(la['x · s2']);
    // and the two seeds differ
    expect(la['x · s1']).not.toEqual(la['x · s2']);
    expect(la['x · s1'].every(Number.isFinite)).toBe(true);
  }, 240_000);

  it('--seeds 2 --replicate-data: member 2 trains what the run trains alone on data seed + 1; a stopped run resumes each stream', () => {
    const args = ['--names', 'x,y', '--seed', '5', '--init', 'orthogonal,glorot', '--data-seed', '3', '--seeds', '2', '--replicate-data'];
    const full = train('data-full', [...args, '--iters', '8'], BASE_ANY);
    expect(full.runs.map((r) => [r.name, r.seed, r.dataOffset])).toEqual([
      ['x · s1', 5, undefined],
      ['x · s2', 6, 1],
      ['y · s1', 5, undefined],
      ['y · s2', 6, 1],
    ]);
    expect(replicateSets(full.runs).map((s) => [s.name, s.data])).toEqual([
      ['x', true],
      ['y', true],
    ]);
    expect(full.initial.dataStreams?.map((st) => st.offset)).toEqual([0, 1]);
    const lf = losses(full);
    // 'x · s2' is seed 6 alone on data seed 4; 'x · s1' seed 5 on data seed 3
    expect(losses(train('data-alone', ['--names', 'x', '--seed', '6', '--data-seed', '4', '--iters', '8'], BASE_ANY)).x).toEqual(
      lf['x · s2'],
    );
    expect(losses(train('data-alone1', ['--names', 'x', '--seed', '5', '--data-seed', '3', '--iters', '8'], BASE_ANY)).x).toEqual(
      lf['x · s1'],
    );
    // 4 iterations, then --resume for 4 more: every number as in the run of 8
    const dir = join(root, 'data-part');
    const part = cli('train.ts', [...BASE_ANY, ...args, '--iters', '4', '--out', dir]);
    expect(part.code, part.err).toBe(0);
    const resumed = cli('train.ts', ['--resume', dir, '--iters', '4', '--quiet']);
    expect(resumed.code, resumed.err).toBe(0);
    expect(losses(loadResume(dir))).toEqual(lf);
  }, 480_000);

  it('--seeds refuses a count out of range by name, and too many runs with how many seeds fit', () => {
    const out = join(root, 'refused');
    const bad = cli('train.ts', [...BASE, '--seeds', '11', '--out', out]);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('--seeds: Seeds (seeds) must be a whole number from 1 to 10 (got 11)');
    const list = cli('train.ts', [...BASE, '--seeds', '1,2', '--out', out]);
    expect(list.err).toContain("each run's own seed is --seed (a list, one per run)");
    const many = cli('train.ts', [...TINY, '--margins', '0,0.1,1,none', '--seeds', '5', '--out', out]);
    expect(many.code).toBe(2);
    expect(many.err).toContain(
      '--seeds: Seeds (seeds) 5 makes 20 runs of the 4 given; at most 16 train side by side (at most 4 seeds for 4 runs)',
    );
  }, 120_000);
});
