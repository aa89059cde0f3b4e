/**
 * The headless trainer with sizes the GPU cannot hold and with a GPU error during training, run as a user
 * runs it (npx tsx src/cli/train.ts) on Dawn/SwiftShader: a refused group prints one line and exits 2 before
 * any GPU work, writing nothing; a GPU validation error mid-run (injected by tests/helpers/injectGpuError.ts)
 * stops training with one line and exit 3, keeping the metrics measured before it and nothing after.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

function train(args: string[], env: Record<string, string> = {}, preload: string[] = []) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', ...preload.flatMap((p) => ['--import', p]), 'src/cli/train.ts', ...args], {
    encoding: 'utf8',
    timeout: 150_000,
    env: { ...process.env, ...env },
  });
  const errors = r.stderr.split('\n').filter((l) => l.startsWith('error: ') && !l.startsWith('error: XDG_RUNTIME_DIR'));
  return { code: r.status, err: r.stderr, errors };
}

const dir = mkdtempSync(join(tmpdir(), 'ortho-memory-'));
const small = ['--task', 'copy', '--T', '3', '--hidden', '8', '--batch', '4', '--lr', '0.01', '--quiet'];

describe('npm run train: sizes the GPU cannot hold, and GPU errors', () => {
  it("refuses the issue's --T 10000 --hidden 1024 --batch 1024 (recompute off) in one line, exit 2, before any GPU work or file", () => {
    const out = join(dir, 'too-big');
    // (with recompute 'auto' this group would fit in 2.6 GiB and train, far too slowly for SwiftShader)
    const r = train(['--T', '10000', '--hidden', '1024', '--batch', '1024', '--recompute', 'off', '--iters', '5', '--out', out]);
    expect(r.code, r.err).toBe(2);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatch(
      /^error: This run group does not fit the GPU: activations rnn\.h \[R\]\[L\+1\]\[B\]\[n\] need 39\.1 GiB in one buffer; this device allows 1\.00 GiB per buffer.* What would fit: T at most \d+ \(n = 1024, batch 1024\)/,
    );
    expect(r.errors[0]).toMatch(
      /Recomputation is off; recomputation in segments of \d+ steps \(the least memory\) needs [\d.]+ GiB of activations per run/,
    );
    expect(r.err).not.toMatch(/validation|Buffer size|loss/i);
    expect(existsSync(out)).toBe(false);
  });

  it('--recompute 4 trains in segments of 4 steps and prints the activation memory per run against full storage', () => {
    const r = train([
      '--task',
      'copy',
      '--T',
      '3',
      '--hidden',
      '8',
      '--batch',
      '4',
      '--iters',
      '2',
      '--recompute',
      '4',
      '--out',
      join(dir, 'rec'),
    ]);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(
      /GPU memory: [\d.]+ [KM]iB .*; activations per run [\d.]+ KiB with recomputation, segments of 4 steps \(full storage: [\d.]+ KiB\); budget 4\.00 GiB/,
    );
    const bad = train([...small, '--recompute', 'sometimes', '--out', join(dir, 'rec-bad')]);
    expect(bad.code).toBe(2);
    expect(bad.errors[0]).toMatch(
      /--recompute: Recompute \(recompute\) must be 'auto', 'off' or a whole number from 1 to 10020 \(got 'sometimes'\)/,
    );
  });

  it('refuses a group over --memory-budget, and prints the memory line of one that fits', () => {
    const refused = train([...small, '--iters', '2', '--memory-budget', '16KiB', '--out', join(dir, 'budget')]);
    expect(refused.code, refused.err).toBe(2);
    expect(refused.errors[0]).toMatch(/over the memory budget of 16\.0 KiB/);
    expect(existsSync(join(dir, 'budget'))).toBe(false);
    const bad = train([...small, '--memory-budget', 'lots', '--out', join(dir, 'bad')]);
    expect(bad.code).toBe(2);
    expect(bad.errors[0]).toMatch(/--memory-budget must be a size such as 4GiB/);
    const ok = train(['--task', 'copy', '--T', '3', '--hidden', '8', '--batch', '4', '--iters', '2', '--out', join(dir, 'ok')]);
    expect(ok.code, ok.err).toBe(0);
    expect(ok.err).toMatch(
      /GPU memory: [\d.]+ [KM]iB \(1 run x [\d.]+ [KM]iB \+ shared [\d.]+ KiB\); largest buffer \S+ [\d.]+ KiB of 1\.00 GiB allowed; activations per run [\d.]+ KiB with full storage \(recomputation in segments of \d+ steps: [\d.]+ KiB\); budget 4\.00 GiB/,
    );
  });

  it('a GPU validation error at iteration 5 stops training: one line, exit 3, the metrics of iterations 1-4 kept, no checkpoint', () => {
    const out = join(dir, 'gpu-error');
    const r = train([...small, '--iters', '12', '--track-every', '3', '--out', out], { ORTHO_INJECT_GPU_ERROR: '5' }, [
      './tests/helpers/injectGpuError.ts',
    ]);
    expect(r.code, r.err).toBe(3);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatch(
      /^error: Training stopped at iteration 5: the GPU rejected a command .*Nothing measured from iteration 5 on is kept.*Saved the metrics and traces measured up to iteration 4 in .*no checkpoint was written after the error/,
    );
    const metrics = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
    expect(metrics.iterations).toEqual([1, 2, 3, 4]);
    const csv = readFileSync(join(out, 'metrics.csv'), 'utf8').trim().split('\n');
    expect(csv.length).toBe(1 + 4);
    expect(metrics.stoppedBy.gpuError).toMatch(/iteration 5/);
    expect(JSON.parse(readFileSync(join(out, 'traces.json'), 'utf8')).iterations).toEqual([1, 3]);
    // no snapshot (and so no checkpoint) was saved: nothing after the error is trusted, and none came before
    expect(existsSync(join(out, 'experiment.json'))).toBe(false);
    expect(readdirSync(out).sort()).toEqual(['metrics.csv', 'metrics.json', 'settings.json', 'traces.json']);
  });
});
