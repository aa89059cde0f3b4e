/**
 * The trainer never loses or mixes data, with real processes and real signals: SIGINT and SIGTERM save what
 * was measured and resume exactly, a second SIGINT aborts without touching the last snapshot, SIGKILL at
 * random moments of saves always leaves one consistent snapshot, --force replaces a larger experiment whole,
 * and a failed run stays stopped while the others continue. Sizes are tiny (copy T = 3, n = 8, batch 4).
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readManifest } from '../../src/cli/experimentFolder.ts';
import { loadResume } from '../../src/cli/resume.ts';
import { parseCheckpoint } from '../../src/engine/checkpoint.ts';
import { Rng } from '../../src/random/rng.ts';
import { CliProcess, cli, sleep, TINY } from '../helpers/cliProcess.ts';
import { drive, metricsAt, optimizerStateAt, parametersAt, rngStateAt } from '../helpers/snapshotDriver.ts';

const root = mkdtempSync(join(tmpdir(), 'ortho-saves-'));
// two plain runs, SGD, the one-dispatch-per-step kernels: the group that starts fastest on SwiftShader (its
// pipelines compile in a third of the time of the fused factorised ones); the saving does not depend on it
const TRAIN = [...TINY, '--naive', '--param', 'plain', '--optimizer', 'sgd', '--seed', '1,2', '--track-every', '10'];
const PROGRESS = /^it \d+\/\d+ /m;
const rng = new Rng(20261202);

/** A file of the experiment's current snapshot, parsed, without the tags that differ between experiments. */
function snapshotJson(dir: string, file: string): Record<string, unknown> {
  const m = readManifest(dir)!;
  const { experimentId: _id, iteration: _it, ...rest } = JSON.parse(readFileSync(join(dir, m.snapshot, file), 'utf8'));
  return rest;
}

function checkpointText(dir: string, r: number): string {
  const m = readManifest(dir)!;
  return readFileSync(join(dir, m.snapshot, m.files.filter((f) => f.endsWith('.checkpoint.json'))[r]), 'utf8');
}

async function untilExists(path: string): Promise<void> {
  while (!existsSync(path)) await sleep(20);
}

describe('interrupting the trainer', () => {
  it('SIGINT without --checkpoint-every saves everything, exits 130, and resume continues exactly', async () => {
    const N = 200;
    const ref = join(root, 'reference');
    const reference = new CliProcess('train.ts', [...TRAIN, '--iters', String(N), '--out', ref, '--quiet']);
    const dir = join(root, 'interrupted');
    const p = new CliProcess('train.ts', [...TRAIN, '--iters', String(N), '--out', dir]);
    await p.waitFor(PROGRESS);
    p.signal('SIGINT');
    const r = await p.exited;
    expect(r.code, r.err).toBe(130);
    const said = r.err.match(/Interrupted \(SIGINT\) after (\d+) of 200 iterations: .* holds the snapshot of iteration (\d+) /);
    expect(said, r.err).not.toBeNull();
    const k = Number(said![2]);
    expect(k).toBeGreaterThan(0);
    expect(k, 'the interruption came too late to test anything').toBeLessThan(N);
    expect(readManifest(dir)!.iteration).toBe(k);
    expect(r.err).toContain(`continue with npm run train -- --resume ${dir} --iters ${N - k}`);
    expect(loadResume(dir).log.metrics.iterations).toEqual(Array.from({ length: k }, (_, i) => i + 1));

    const done = await reference.exited;
    expect(done.code, done.err).toBe(0);
    expect(done.err, '--quiet prints nothing but real problems').toBe('');
    const resumed = cli('train.ts', ['--resume', dir, '--iters', String(N - k), '--quiet']);
    expect(resumed.code, resumed.err).toBe(0);
    // the same batches, the same updates: bit for bit the uninterrupted run's numbers
    expect(snapshotJson(dir, 'metrics.json')).toEqual(snapshotJson(ref, 'metrics.json'));
    expect(snapshotJson(dir, 'traces.json')).toEqual(snapshotJson(ref, 'traces.json'));
    expect(parseCheckpoint(checkpointText(dir, 1)).parameters).toEqual(parseCheckpoint(checkpointText(ref, 1)).parameters);
  }, 600_000);

  it('SIGTERM to `npm run train` likewise: exit 143 and a complete snapshot', async () => {
    const dir = join(root, 'terminated');
    // through npm, as the README starts it: the signal reaches npm alone, which must pass it on (the script
    // execs node, so no shell sits in between that would keep it)
    const p = new CliProcess('train.ts', [...TRAIN, '--iters', '100000', '--out', dir], { viaNpm: true, timeoutMs: 90_000 });
    await p.waitFor(PROGRESS);
    p.signal('SIGTERM');
    const r = await p.exited;
    expect(r.code, r.err).toBe(143);
    const k = Number(r.err.match(/Interrupted \(SIGTERM\) after \d+ of 100000 iterations: .* the snapshot of iteration (\d+) /)?.[1]);
    expect(k).toBeGreaterThan(0);
    const resumed = loadResume(dir);
    expect(resumed.manifest.iteration).toBe(k);
    expect(resumed.log.metrics.iterations.at(-1)).toBe(k);
  }, 300_000);

  it('a second SIGINT aborts at once without saving; the last snapshot stays whole', async () => {
    const dir = join(root, 'terminated');
    const before = readManifest(dir)!;
    // each step of a save pauses 2 s here, so the save the first SIGINT starts lasts over 14 s
    const p = new CliProcess('train.ts', ['--resume', dir, '--iters', '100000'], { env: { ORTHO_TEST_SAVE_STEP_MS: '2000' } });
    await p.waitFor(PROGRESS);
    p.signal('SIGINT');
    await p.waitFor(/SIGINT: stopping after the iterations in flight, then saving \(SIGINT again aborts without saving\)/);
    await sleep(1000); // past the 300 ms in which a repeat counts as the same signal
    p.signal('SIGINT');
    const r = await p.exited;
    expect(r.code, r.err).toBe(130);
    expect(r.err).toContain(
      `SIGINT again: aborted without saving; ${dir} holds the snapshot of iteration ${before.iteration} (${before.snapshot})`,
    );
    expect(r.err).not.toMatch(/Interrupted \(SIGINT\) after/);
    expect(readManifest(dir)).toEqual(before);
    expect(loadResume(dir).initial.iteration).toBe(before.iteration);
  }, 300_000);
});

describe('SIGKILL at random moments of saves', () => {
  it('20 kills of the save loop (every iteration saved): each leaves one consistent snapshot, which resumes', async () => {
    const dir = join(root, 'killed');
    let last = 0;
    let inSave = 0;
    for (let t = 0; t < 20; t++) {
      const p = new CliProcess('tests/helpers/snapshotDriver.ts', [dir, '3', '100000', ...(t ? ['resume'] : [])], {
        env: { ORTHO_TEST_SAVE_STEP_MS: '3' },
      });
      await p.waitFor(/saved \d+/);
      await sleep(rng.range(0, 150));
      p.signal('SIGKILL');
      await p.exited;
      const m = readManifest(dir)!;
      const leftovers = readdirSync(join(dir, 'snapshots')).filter((s) => `snapshots/${s}` !== m.snapshot);
      if (leftovers.length || readdirSync(dir).some((f) => f.includes('.tmp-'))) inSave++;
      const r = loadResume(dir); // checks every file against the manifest: ids, iteration, shapes
      const k = m.iteration;
      expect(k).toBeGreaterThanOrEqual(last);
      last = k;
      expect(r.log.metrics.iterations).toEqual(Array.from({ length: k }, (_, i) => i + 1));
      expect(r.log.metrics.metrics[k - 1]).toEqual([0, 1, 2].map((run) => metricsAt(k, run)));
      expect(r.log.traces.iterations.at(-1)).toBeLessThanOrEqual(k);
      r.runs.forEach((run, i) => {
        expect(r.initial.parameters[i]).toEqual(parametersAt(k, i, run));
        expect(r.initial.optimizerState[i]).toEqual(optimizerStateAt(k, i, run));
      });
      expect(JSON.stringify(r.initial.dataRngState)).toBe(JSON.stringify(rngStateAt(k)));
    }
    // most kills land inside a save (each iteration is one); those left a temporary or an unnamed snapshot
    expect(inSave).toBeGreaterThan(5);
  }, 600_000);

  it('SIGKILL of the real trainer with --checkpoint-every 1, three times, then --resume', async () => {
    const dir = join(root, 'killed-trainer');
    let last = 0;
    for (let t = 0; t < 3; t++) {
      const args = t === 0 ? [...TRAIN, '--out', dir] : ['--resume', dir];
      const p = new CliProcess('train.ts', [...args, '--checkpoint-every', '1', '--iters', '100000'], { supervised: false });
      await p.waitFor(PROGRESS);
      await untilExists(join(dir, 'experiment.json'));
      await sleep(rng.range(0, 300));
      p.signal('SIGKILL');
      await p.exited;
      const r = loadResume(dir);
      expect(r.log.metrics.iterations.at(-1)).toBe(r.manifest.iteration);
      expect(r.manifest.iteration).toBeGreaterThanOrEqual(last);
      last = r.manifest.iteration;
    }
    const done = cli('train.ts', ['--resume', dir, '--iters', '3', '--quiet']);
    expect(done.code, done.err).toBe(0);
    expect(readManifest(dir)!.iteration).toBe(last + 3);
  }, 600_000);
});

describe('--force and failed runs', () => {
  it('--force replaces a larger experiment whole and leaves foreign files; resume refuses files of two experiments', async () => {
    const dir = join(root, 'forced');
    await drive(dir, 3, 4);
    const old = readManifest(dir)!;
    const oldCheckpoint = join(root, 'old-run1.checkpoint.json');
    cpSync(join(dir, old.snapshot, 'checkpoints', '01-run1.checkpoint.json'), oldCheckpoint);
    writeFileSync(join(dir, 'notes.txt'), 'mine');
    mkdirSync(join(dir, 'checkpoints')); // the old trainer's layout
    writeFileSync(join(dir, 'checkpoints', '05-legacy.checkpoint.json'), '{}');

    const r = cli('train.ts', [...TRAIN, '--iters', '5', '--out', dir, '--force', '--quiet']);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toContain(
      `--force: ${dir} holds experiment ${old.experimentId.slice(0, 8)} (iteration 4); its files are removed once the first snapshot of this experiment is saved`,
    );
    expect(r.err).toContain('--force: left as they are (not written by npm run train): notes.txt');
    expect(r.err).toContain(`--force: removed the previous experiment's checkpoints/, ${old.snapshot}`);
    const m = readManifest(dir)!;
    expect(m.experimentId).not.toBe(old.experimentId);
    expect(readdirSync(dir).sort()).toEqual([
      'experiment.json',
      'metrics.csv',
      'metrics.json',
      'notes.txt',
      'settings.json',
      'snapshots',
      'traces.json',
    ]);
    expect(readdirSync(join(dir, 'snapshots'))).toEqual([m.snapshot.slice('snapshots/'.length)]);
    for (const f of ['settings.json', 'metrics.json']) expect(JSON.parse(readFileSync(join(dir, f), 'utf8')).runs).toHaveLength(2);
    expect(loadResume(dir).runs.map((run) => run.name)).toEqual(['seed=1', 'seed=2']);

    cpSync(oldCheckpoint, join(dir, m.snapshot, 'checkpoints', '01-seed=2.checkpoint.json'));
    const mixed = cli('train.ts', ['--resume', dir]);
    expect(mixed.code).toBe(2);
    expect(mixed.err).toContain(`01-seed=2.checkpoint.json belongs to experiment ${old.experimentId}, not to experiment ${m.experimentId}`);
  }, 300_000);

  it('a failed run stays stopped at its last state while resume continues the healthy ones', () => {
    const dir = join(root, 'interrupted');
    const m = readManifest(dir)!;
    const file = join(dir, m.snapshot, 'checkpoints', '01-seed=2.checkpoint.json');
    const failed = JSON.parse(readFileSync(file, 'utf8'));
    failed.status = {
      state: 'failed',
      iteration: 150,
      message: 'loss became NaN at iteration 150; the run was stopped at its last finite state',
    };
    writeFileSync(file, JSON.stringify(failed));
    const before = [0, 1].map((r) => parseCheckpoint(checkpointText(dir, r)));

    const r = cli('train.ts', ['--resume', dir, '--iters', '5']);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toContain(
      "Run 'seed=2' loss became NaN at iteration 150; the run was stopped at its last finite state; it stays stopped, the other runs continue",
    );
    expect(r.err).toMatch(/seed=2: loss NaN FAILED/);
    expect(readManifest(dir)!.iteration).toBe(m.iteration + 5);
    const after = [0, 1].map((r) => JSON.parse(checkpointText(dir, r)));
    expect(after[1].status.state).toBe('failed');
    expect(parseCheckpoint(JSON.stringify(after[1])).parameters).toEqual(before[1].parameters);
    expect(parseCheckpoint(JSON.stringify(after[0])).parameters).not.toEqual(before[0].parameters);
    const metrics = JSON.parse(readFileSync(join(dir, 'metrics.json'), 'utf8'));
    for (const row of metrics.metrics.slice(-5)) {
      expect(row[1], 'no measurement is written for the stopped run').toEqual([null, null, null, null]);
      expect(row[0].every(Number.isFinite)).toBe(true);
    }
  }, 300_000);
});
