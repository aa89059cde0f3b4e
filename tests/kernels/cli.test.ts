/**
 * The headless commands as a user runs them (node --import tsx src/cli/..., as npm run does), on
 * Dawn/SwiftShader: files written, resume, evaluation, and one-line errors (exit code 2) for bad flags, bad
 * folders and bad files, found before any GPU work. Signals, kills and --force: cliSaves.test.ts.
 */

import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readManifest } from '../../src/cli/experimentFolder.ts';
import { parseCheckpoint } from '../../src/engine/checkpoint.ts';
import { cli } from '../helpers/cliProcess.ts';
import { drive } from '../helpers/snapshotDriver.ts';

/** What the command prints for a usage error: one line (src/cli/run.ts). */
const usageError = (message: string) => `error: ${message}\n`;

const dir = mkdtempSync(join(tmpdir(), 'ortho-cli-'));
const out = join(dir, 'copy');

/** The checkpoint file of run r in the experiment's current snapshot. */
function checkpointPath(folder: string, r: number): string {
  const m = readManifest(folder)!;
  return join(folder, m.snapshot, m.files.filter((f) => f.endsWith('.checkpoint.json'))[r]);
}

/** A usage error: exit 2 and exactly one line on stderr, no stack trace. */
function expectOneLine(r: { code: number | null; err: string }, re: RegExp): void {
  expect(r.code, r.err).toBe(2);
  expect(r.err).toMatch(re);
  expect(r.err.trimEnd().split('\n'), r.err).toHaveLength(1);
}

/** Lines native code prints at start-up that the commands filter (src/cli/nativeNoise.ts). */
const NOISE = /XDG_RUNTIME_DIR|ArrayDynamicIndexing|While initializing adapter|PhysicalDeviceVk/;

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
      // the one-dispatch-per-step kernels compile in half the time on SwiftShader; resume keeps them
      '--naive',
      '--out',
      out,
    ]);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/it 30\/30 .* it\/s .*m=0: loss .* acc/);
    expect(r.err).not.toMatch(NOISE);
    const csv = readFileSync(join(out, 'metrics.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe('iteration,run,name,loss,accuracy,soft_orth_penalty,weight_decay_penalty');
    expect(csv.length).toBe(1 + 30 * 2);
    const metrics = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
    expect(metrics.iterations).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    const traces = JSON.parse(readFileSync(join(out, 'traces.json'), 'utf8'));
    expect(traces.iterations).toEqual([1, 10, 20, 30]);
    expect(traces.runs[0].flow[0].length).toBe(3 + 20 + 1);
    expect(traces.runs[1].spectrum[3].length).toBe(8);
    const m = readManifest(out)!;
    expect(m.iteration).toBe(30);
    const cks = readdirSync(join(out, m.snapshot, 'checkpoints')).sort();
    expect(cks).toEqual(['00-m=0.checkpoint.json', '01-m=none.checkpoint.json']);
    const ck = parseCheckpoint(readFileSync(join(out, m.snapshot, 'checkpoints', cks[1]), 'utf8'));
    expect(ck.checkpoint.iteration).toBe(30);
    expect(ck.checkpoint.experimentId).toBe(m.experimentId);
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
    const ck = parseCheckpoint(readFileSync(checkpointPath(out, 0), 'utf8'));
    expect(ck.checkpoint.iteration).toBe(40);
    expect(resumed.err, '--quiet prints nothing but real problems').toBe('');
    expect(JSON.parse(readFileSync(join(out, 'settings.json'), 'utf8')).kernels, 'resume keeps the kernels').toBe('naive');
  });

  it('evaluates a checkpoint on a seeded batch with every gradient', () => {
    const file = join(dir, 'eval.json');
    const r = cli('evaluate.ts', ['--checkpoint', checkpointPath(out, 0), '--seed', '7', '--out', file]);
    expect(r.code, r.err).toBe(0);
    const e = JSON.parse(readFileSync(file, 'utf8'));
    expect(e.iteration).toBe(40);
    expect(Number.isFinite(e.loss)).toBe(true);
    expect(e.accuracy).toBeGreaterThanOrEqual(0);
    expect(Object.keys(e.gradients).sort()).toEqual(['UV', 'W', 'Win', 'Wout', 'b', 'bout', 'h0', 'p', 's', 'slope']);
    expect(e.gradients.UV.shape).toEqual([2, 8, 8]);
    expect(e.gradientFlow.length).toBe(24);
    // the same seed gives the same numbers
    const r2 = cli('evaluate.ts', ['--checkpoint', checkpointPath(out, 0), '--seed', '7']);
    expect(JSON.parse(r2.out).loss).toBe(e.loss);
    const again = cli('evaluate.ts', ['--checkpoint', checkpointPath(out, 0), '--out', file]);
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
    const lists = cli('train.ts', ['--margins', '0,1', '--seed', '1,2,3', '--out', join(dir, 'z')]);
    expect(lists.err).toMatch(/--margins lists 2 values but --seed lists 3: give one value or one per run/);
    const oplu = cli('train.ts', ['--nonlin', 'oplu', '--hidden', '7', '--out', join(dir, 'w')]);
    expect(oplu.err).toMatch(/OPLU pairs units, so the hidden size must be even/);
    expect(existsSync(join(dir, 'y'))).toBe(false);
    const corrupt = join(dir, 'corrupt.checkpoint.json');
    writeFileSync(corrupt, readFileSync(checkpointPath(out, 0), 'utf8').slice(0, 500));
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
    const seed = cli('evaluate.ts', ['--checkpoint', checkpointPath(out, 0), '--seed', '0b1']);
    expect(seed.code).toBe(2);
    expect(seed.err).toBe(usageError("--seed: Data seed (dataSeed) must be a whole number from 0 to 4294967295 (got '0b1')"));
    for (const d of ['v', 'u', 't']) expect(existsSync(join(dir, d))).toBe(false);
  });
});

describe('folders and files are checked before any GPU work, with one line and exit 2', () => {
  it('--out that is a file, lies under a file or under /proc', () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, 'x');
    expectOneLine(cli('train.ts', ['--out', file]), /--out .*a-file is a file, not a folder/);
    expectOneLine(cli('train.ts', ['--out', join(file, 'sub')]), /a-file is a file, so no folder can be made under it/);
    // Node's recursive mkdir loops forever there (procfs answers ENOENT): a time limit turns a hang into a failure
    expectOneLine(
      cli('train.ts', ['--out', '/proc/x/y'], { timeoutMs: 60_000 }),
      /--out \/proc\/x\/y: cannot create the folder \/proc\/x \(ENOENT: no such file or directory; the file system there does not allow new folders\)/,
    );
  });

  it('--out that is read-only or has a read-only parent, and a resumed folder that became read-only', (ctx) => {
    // root may write anywhere: the read-only cases run as nobody when the tests run as root; that user must be
    // able to reach the checkout, which a clone under a mode-700 folder is not: then these cases cannot run on
    // this machine, and the test says so as a skip with the reason (not as a failure of the code)
    const asUser = process.getuid?.() === 0 ? { uid: 65534 } : {};
    if (process.getuid?.() === 0) {
      const probe = spawnSync(process.execPath, ['-e', `require('fs').accessSync(${JSON.stringify(process.cwd())}, 5)`], { uid: 65534 });
      if (probe.status !== 0)
        ctx.skip(
          `user 65534 (nobody) cannot read this checkout (${process.cwd()}): clone it where others may enter to run the read-only cases as root`,
        );
    }
    const shared = mkdtempSync(join(tmpdir(), 'ortho-ro-'));
    chmodSync(shared, 0o755);
    const readOnly = join(shared, 'read-only');
    mkdirSync(readOnly);
    chmodSync(readOnly, 0o555);
    expectOneLine(
      cli('train.ts', ['--out', readOnly], asUser),
      /--out .*read-only: cannot write into .*read-only \(EACCES: permission denied\)/,
    );
    expectOneLine(
      cli('train.ts', ['--out', join(readOnly, 'new', 'deeper')], asUser),
      /cannot create the folder .*read-only\/new \(EACCES: permission denied\)/,
    );
    // a resumed folder that became read-only
    const experiment = join(shared, 'experiment');
    cpSync(out, experiment, { recursive: true });
    chmodSync(experiment, 0o555);
    expectOneLine(
      cli('train.ts', ['--resume', experiment, '--iters', '1'], asUser),
      /--resume .*experiment: cannot write into .*experiment \(EACCES/,
    );
  });

  it('evaluate given a folder, a file too large to read, a damaged data-generator state', () => {
    expectOneLine(
      cli('evaluate.ts', ['--checkpoint', out]),
      /--checkpoint .*copy is a folder; give one checkpoint file, e.g. .*copy\/snapshots\/000040-[0-9a-f]{8}\/checkpoints\/00-m=0\.checkpoint\.json/,
    );
    const big = join(dir, 'big.checkpoint.json');
    writeFileSync(big, '{');
    truncateSync(big, 629_000_000); // sparse: no disk used
    expectOneLine(
      cli('evaluate.ts', ['--checkpoint', big]),
      /big\.checkpoint\.json is 629 MB, more than the 537 MB that Node can read as one string, so it cannot be read; it is not a checkpoint this trainer wrote/,
    );
    const ck = JSON.parse(readFileSync(checkpointPath(out, 0), 'utf8'));
    ck.dataRngState[0] = 'x';
    writeFileSync(join(dir, 'rng.checkpoint.json'), JSON.stringify(ck));
    expectOneLine(cli('evaluate.ts', ['--checkpoint', join(dir, 'rng.checkpoint.json')]), /rng\.checkpoint\.json: dataRngState is damaged/);
    expectOneLine(
      cli('evaluate.ts', ['--checkpoint', checkpointPath(out, 0), '--out', dir]),
      /--out .* is a folder; give the file to write/,
    );
  });

  it('resume of a folder with a duplicated checkpoint or a metrics.json of the wrong shape', async () => {
    const folder = join(dir, 'driven');
    await drive(folder, 2, 3);
    const snap = join(folder, readManifest(folder)!.snapshot);
    const twin = join(snap, 'checkpoints', '00-run0 (copy).checkpoint.json');
    cpSync(join(snap, 'checkpoints', '00-run0.checkpoint.json'), twin);
    expectOneLine(
      cli('train.ts', ['--resume', folder]),
      /run 0 appears twice \(files .*checkpoints\/00-run0\.checkpoint\.json and .*checkpoints\/00-run0 \(copy\)\.checkpoint\.json\)/,
    );
    rmSync(twin);
    // the "TypeError: findIndex is not a function"
    const metricsPath = join(snap, 'metrics.json');
    writeFileSync(metricsPath, JSON.stringify({ ...JSON.parse(readFileSync(metricsPath, 'utf8')), iterations: 3 }));
    expectOneLine(cli('train.ts', ['--resume', folder]), /metrics\.json: iterations must be an array \(got number 3\)/);
  });
});
