/**
 * The headless commands as a user runs them (npx tsx src/cli/...), on Dawn/SwiftShader: files written,
 * resume, evaluation, and clear errors (exit code 2) for bad flags and bad files.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCheckpoint } from '../../src/engine/checkpoint.ts';

function cli(script: string, args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join('src/cli', script), ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** What the command prints for a usage error (src/cli/run.ts). */
const usageError = (message: string) => `error: ${message}\n(see --help)\n`;

const dir = mkdtempSync(join(tmpdir(), 'ortho-cli-'));
const out = join(dir, 'copy');

describe('npm run train / evaluate', () => {
  it('trains a group and writes metrics, traces, settings and one checkpoint per run', () => {
    const r = cli('train.ts', [
      '--task',
      'copy',
      '--T',
      '3',
      '--hidden',
      '8',
      '--batch',
      '4',
      '--margins',
      '0,none',
      '--iters',
      '30',
      '--track-every',
      '10',
      '--lr',
      '0.01',
      '--out',
      out,
    ]);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/it 30\/30 .* it\/s .*m=0: loss .* acc/);
    const csv = readFileSync(join(out, 'metrics.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe('iteration,run,name,loss,accuracy,soft_orth_penalty,weight_decay_penalty');
    expect(csv.length).toBe(1 + 30 * 2);
    const metrics = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
    expect(metrics.iterations).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    const traces = JSON.parse(readFileSync(join(out, 'traces.json'), 'utf8'));
    expect(traces.iterations).toEqual([1, 10, 20, 30]);
    expect(traces.runs[0].flow[0].length).toBe(3 + 20 + 1);
    expect(traces.runs[1].spectrum[3].length).toBe(8);
    const cks = readdirSync(join(out, 'checkpoints')).sort();
    expect(cks).toEqual(['00-m=0.checkpoint.json', '01-m=none.checkpoint.json']);
    const ck = parseCheckpoint(readFileSync(join(out, 'checkpoints', cks[1]), 'utf8'));
    expect(ck.checkpoint.iteration).toBe(30);
    expect(ck.checkpoint.run.margin).toBeNull();
  });

  it('refuses to write into a non-empty folder, and resumes one', () => {
    const again = cli('train.ts', ['--task', 'copy', '--T', '3', '--iters', '5', '--out', out]);
    expect(again.code).toBe(2);
    expect(again.err).toMatch(/--out .* exists and is not empty; choose a new folder, --resume it, or pass --force/);
    const resumed = cli('train.ts', ['--resume', out, '--iters', '10', '--quiet']);
    expect(resumed.code, resumed.err).toBe(0);
    const metrics = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
    expect(metrics.iterations.length).toBe(40);
    expect(metrics.iterations[39]).toBe(40);
    const ck = parseCheckpoint(readFileSync(join(out, 'checkpoints', '00-m=0.checkpoint.json'), 'utf8'));
    expect(ck.checkpoint.iteration).toBe(40);
  });

  it('evaluates a checkpoint on a seeded batch with every gradient', () => {
    const file = join(dir, 'eval.json');
    const r = cli('evaluate.ts', ['--checkpoint', join(out, 'checkpoints', '00-m=0.checkpoint.json'), '--seed', '7', '--out', file]);
    expect(r.code, r.err).toBe(0);
    const e = JSON.parse(readFileSync(file, 'utf8'));
    expect(e.iteration).toBe(40);
    expect(Number.isFinite(e.loss)).toBe(true);
    expect(e.accuracy).toBeGreaterThanOrEqual(0);
    expect(Object.keys(e.gradients).sort()).toEqual(['UV', 'W', 'Win', 'Wout', 'b', 'bout', 'h0', 'p', 's', 'slope']);
    expect(e.gradients.UV.shape).toEqual([2, 8, 8]);
    expect(e.gradientFlow.length).toBe(24);
    // the same seed gives the same numbers
    const r2 = cli('evaluate.ts', ['--checkpoint', join(out, 'checkpoints', '00-m=0.checkpoint.json'), '--seed', '7']);
    expect(JSON.parse(r2.out).loss).toBe(e.loss);
    const again = cli('evaluate.ts', ['--checkpoint', join(out, 'checkpoints', '00-m=0.checkpoint.json'), '--out', file]);
    expect(again.code).toBe(2);
    expect(again.err).toMatch(/exists; pass --force/);
  });

  it('names bad flags, bad values and corrupt files', () => {
    const unknown = cli('train.ts', ['--marginz', '0', '--out', join(dir, 'x')]);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/unknown flag --marginz; allowed: .*--margins/);
    const badMargin = cli('train.ts', ['--margins', '0,abc', '--out', join(dir, 'y')]);
    expect(badMargin.code).toBe(2);
    expect(badMargin.err).toMatch(/--margins: Spectral margin m \(margin\) must be 'none' or a number from 0 to 100 \(got 'abc'\)/);
    const lists = cli('train.ts', ['--margins', '0,1', '--seeds', '1,2,3', '--out', join(dir, 'z')]);
    expect(lists.err).toMatch(/--margins lists 2 values but --seeds lists 3: give one value or one per run/);
    const oplu = cli('train.ts', ['--nonlin', 'oplu', '--hidden', '7', '--out', join(dir, 'w')]);
    expect(oplu.err).toMatch(/OPLU pairs units, so the hidden size must be even/);
    expect(existsSync(join(dir, 'y'))).toBe(false);
    const corrupt = join(dir, 'corrupt.checkpoint.json');
    writeFileSync(corrupt, readFileSync(join(out, 'checkpoints', '00-m=0.checkpoint.json'), 'utf8').slice(0, 500));
    const ev = cli('evaluate.ts', ['--checkpoint', corrupt]);
    expect(ev.code).toBe(2);
    expect(ev.err).toMatch(/corrupt\.checkpoint\.json is not valid JSON .* truncated or corrupt/);
  });

  // issue 7, section 4: usage errors, so each exits with code 2 before any GPU work
  it('reads numbers in decimal or exponent notation only, and names a refused per-run value alone', () => {
    const hex = cli('train.ts', ['--lr', '0x1', '--T', '1e1', '--out', join(dir, 'v')]);
    expect(hex.code).toBe(2);
    // one line: '0x1' refused, '1e1' accepted (T = 10)
    expect(hex.err).toBe(usageError("--lr: Free learning rate (lrFree) must be a number from 0 to 1 (got '0x1')"));
    const margins = cli('train.ts', ['--margins', '0,abc,none', '--out', join(dir, 'u')]);
    expect(margins.code).toBe(2);
    expect(margins.err).toBe(usageError("--margins: Spectral margin m (margin) must be 'none' or a number from 0 to 100 (got 'abc')"));
    const iters = cli('train.ts', ['--iters', '0x10', '--out', join(dir, 't')]);
    expect(iters.code).toBe(2);
    expect(iters.err).toBe(usageError("--iters must be a whole number from 1 to 10000000 (got '0x10')"));
    const seed = cli('evaluate.ts', ['--checkpoint', join(out, 'checkpoints', '00-m=0.checkpoint.json'), '--seed', '0b1']);
    expect(seed.code).toBe(2);
    expect(seed.err).toBe(usageError("--seed: Data seed (dataSeed) must be a whole number from 0 to 4294967295 (got '0b1')"));
    for (const d of ['v', 'u', 't']) expect(existsSync(join(dir, d))).toBe(false);
  });
});
