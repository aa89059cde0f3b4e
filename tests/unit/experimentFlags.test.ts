/**
 * The CLI's experiment flags (src/cli/experimentFlags.ts) read through the settings table: values are
 * checked one by one, and a refused value produces its own message and no knock-on errors (issue 7,
 * section 4). The real command is spawned in tests/kernels/cli.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { parseArgs, UsageError } from '../../src/cli/args.ts';
import { EXPERIMENT_FLAGS, experimentFromFlags } from '../../src/cli/experimentFlags.ts';

/** The usage error's lines for these arguments, or the experiment when they are fine. */
function run(args: string[]) {
  try {
    return { experiment: experimentFromFlags(parseArgs(args, EXPERIMENT_FLAGS)), errors: [] as string[] };
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    return { experiment: undefined, errors: e.message.split('\n') };
  }
}

describe('experiment flags', () => {
  it("--margins 0,abc,none: one message for 'abc', no spurious 'run names must differ'", () => {
    expect(run(['--margins', '0,abc,none']).errors).toEqual([
      "--margins: Spectral margin m (margin) must be 'none' or a number from 0 to 100 (got 'abc')",
    ]);
  });

  it('--lr 0x1 is refused; --T 1e1 is T = 10; --lr 1e-3 is 0.001', () => {
    expect(run(['--lr', '0x1']).errors).toEqual(["--lr: Free learning rate (lrFree) must be a number from 0 to 1 (got '0x1')"]);
    expect(run(['--T', '0b11']).errors).toEqual(["--T: T (T) must be a whole number from 2 to 10000 (got '0b11')"]);
    const ok = run(['--T', '1e1', '--lr', '1e-3']);
    expect(ok.errors).toEqual([]);
    expect(ok.experiment!.group.T).toBe(10);
    expect(ok.experiment!.runs[0].lrFree).toBe(0.001);
  });

  it('lists of different lengths: one message naming both lists, no names clash from the missing values', () => {
    expect(run(['--margins', '0,1', '--seed', '1,1,1']).errors).toEqual([
      '--margins lists 2 values but --seed lists 3: give one value or one per run',
    ]);
  });

  it('names that really clash are still reported, beside a refused value too', () => {
    expect(run(['--margins', '0,0']).errors).toEqual(['run names must differ (they name the output files); pass --names']);
    expect(run(['--names', 'a,a', '--margins', '0,1']).errors).toEqual([
      'run names must differ (they name the output files); pass --names',
    ]);
    // values that repeat: their default names clash whatever else was refused
    expect(run(['--margins', '0,0', '--lr', 'abc']).errors).toEqual([
      "--lr: Free learning rate (lrFree) must be a number from 0 to 1 (got 'abc')",
      'run names must differ (they name the output files); pass --names',
    ]);
    expect(run(['--hidden', 'abc', '--margins', '0,0']).errors).toEqual([
      "--hidden: Hidden units n (hidden) must be a whole number from 2 to 1024 (got 'abc')",
      'run names must differ (they name the output files); pass --names',
    ]);
    expect(run(['--names', 'a,a', '--margins', '0,abc']).errors).toEqual([
      "--margins: Spectral margin m (margin) must be 'none' or a number from 0 to 100 (got 'abc')",
      'run names must differ (they name the output files); pass --names',
    ]);
  });

  it('every refused value of a list is named once', () => {
    expect(run(['--margins', 'x,1,y,x']).errors).toEqual([
      "--margins: Spectral margin m (margin) must be 'none' or a number from 0 to 100 (got 'x')",
      "--margins: Spectral margin m (margin) must be 'none' or a number from 0 to 100 (got 'y')",
    ]);
    // one value shared by every run: one message, not one per run
    expect(run(['--margins', '0,1', '--lr', 'abc']).errors).toEqual([
      "--lr: Free learning rate (lrFree) must be a number from 0 to 1 (got 'abc')",
    ]);
  });

  it('a flag named like a property of every JavaScript object is an unknown flag', () => {
    for (const key of Object.getOwnPropertyNames(Object.prototype)) {
      expect(() => parseArgs([`--${key}`, '1'], EXPERIMENT_FLAGS)).toThrow(new RegExp(`^unknown flag --${key}; allowed: --task `));
    }
  });

  it('a long value, flag or argument is quoted by a short prefix', () => {
    const long = 'x'.repeat(200_000);
    const [names] = run(['--names', long]).errors;
    expect(names.length).toBeLessThan(200);
    expect(names).toBe(`--names: Name (name) must be text of 1 to 40 characters (got '${'x'.repeat(60)}…' (200000 characters))`);
    expect(() => parseArgs([`--${long}`], EXPERIMENT_FLAGS)).toThrow(/^unknown flag --'x{60}…' \(200000 characters\); allowed:/);
    expect(() => parseArgs([long], EXPERIMENT_FLAGS)).toThrow(/^unexpected argument 'x{60}…' \(200000 characters\): flags start with --/);
  });
});
