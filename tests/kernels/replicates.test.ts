/**
 * Seed replicates trained headless (issue 11): `npm run train -- --seeds k` trains every run over k seeds side
 * by side in one group, as runs named '<name> · s1' ... '<name> · sk' with seeds seed ... seed + k - 1. The
 * same command gives the same numbers bit for bit; each member trains exactly what the same run with that
 * seed trains on its own (the runs of a group do not mix); different seeds give different numbers; the
 * replicate sets read back from the saved settings. Sizes are tiny (copy T = 3, n = 8, batch 4, 30 iterations).
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
const BASE = [...TINY, '--naive', '--param', 'plain', '--optimizer', 'sgd', '--iters', '30', '--quiet'];

function train(name: string, args: string[]) {
  const out = join(root, name);
  const r = cli('train.ts', [...BASE, ...args, '--out', out]);
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
