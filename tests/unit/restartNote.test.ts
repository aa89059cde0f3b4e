import { describe, expect, it } from 'vitest';
import { restartNote } from '../../src/app/lab/changes.ts';
import { PAPER_GROUP, PAPER_RUN } from '../../src/engine/settings.ts';

describe('restartNote: what a run that restarted with its history kept is told', () => {
  it('names the settings that made it restart, or the GPU error', () => {
    const run = { ...PAPER_RUN, name: 'none' };
    expect(restartNote(run, { ...run, parameterisation: 'lstm' }, PAPER_GROUP, PAPER_GROUP, 40, false)).toBe(
      "restarted from its initialisation after iteration 40 (Model factorised → lstm): what it measured before is the earlier model's",
    );
    expect(restartNote(run, { ...run, seed: 2, init: 'glorot' }, PAPER_GROUP, PAPER_GROUP, 7, false)).toMatch(
      /after iteration 7 \(Seed 1 → 2, Init[^)]* → glorot\)/,
    );
    expect(restartNote(run, run, PAPER_GROUP, { ...PAPER_GROUP, hidden: 64 }, 9, false)).toContain('(Hidden units n 128 → 64)');
    expect(restartNote(run, run, PAPER_GROUP, PAPER_GROUP, 3, true)).toContain('after iteration 3 (after a GPU error)');
    // a setting that carries (T) is not named: it does not restart the run
    expect(restartNote(run, run, PAPER_GROUP, { ...PAPER_GROUP, T: 50 }, 3, false)).toContain('(restarted by the lab)');
  });
});
