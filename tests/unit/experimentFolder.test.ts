/**
 * The experiment folder of the headless trainer without a GPU: snapshots saved by the real save code
 * (through the stand-in trainer of tests/helpers/snapshotDriver.ts), read back by the real resume code, and
 * every way a folder can be inconsistent named by resume.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readManifest, removeOurs, surveyFolder } from '../../src/cli/experimentFolder.ts';
import { loadResume } from '../../src/cli/resume.ts';
import { drive, metricsAt, optimizerStateAt, parametersAt, rngStateAt } from '../helpers/snapshotDriver.ts';

const root = mkdtempSync(join(tmpdir(), 'ortho-folder-'));
let n = 0;
const fresh = () => join(root, `e${n++}`);

function snapshotOf(dir: string): string {
  return join(dir, readManifest(dir)!.snapshot);
}

function editJson(path: string, edit: (v: Record<string, unknown>) => void): void {
  const v = JSON.parse(readFileSync(path, 'utf8'));
  edit(v);
  writeFileSync(path, JSON.stringify(v));
}

describe('experiment folder', () => {
  it('holds the manifest, one snapshot with every file, and copies of its small files at the top', async () => {
    const dir = fresh();
    await drive(dir, 2, 3);
    const m = readManifest(dir)!;
    expect(m.iteration).toBe(3);
    expect(readdirSync(dir).sort()).toEqual([
      'experiment.json',
      'metrics.csv',
      'metrics.json',
      'settings.json',
      'snapshots',
      'traces.json',
    ]);
    expect(readdirSync(join(dir, 'snapshots'))).toEqual([m.snapshot.slice('snapshots/'.length)]);
    expect(m.files).toEqual([
      'checkpoints/00-run0.checkpoint.json',
      'checkpoints/01-run1.checkpoint.json',
      'metrics.csv',
      'metrics.json',
      'settings.json',
      'traces.json',
    ]);
    for (const f of ['settings.json', 'metrics.json', 'traces.json', 'checkpoints/01-run1.checkpoint.json']) {
      const v = JSON.parse(readFileSync(join(dir, m.snapshot, f), 'utf8'));
      expect([v.experimentId, v.iteration], f).toEqual([m.experimentId, 3]);
    }
    expect(readFileSync(join(dir, 'metrics.csv'), 'utf8')).toBe(readFileSync(join(dir, m.snapshot, 'metrics.csv'), 'utf8'));

    const r = loadResume(dir);
    expect(r.initial.iteration).toBe(3);
    expect(r.initial.parameters[1]).toEqual(parametersAt(3, 1, r.runs[1]));
    expect(r.initial.optimizerState[0]).toEqual(optimizerStateAt(3, 0, r.runs[0]));
    expect(JSON.stringify(r.initial.dataRngState)).toBe(JSON.stringify(rngStateAt(3)));
    expect(r.log.metrics.iterations).toEqual([1, 2, 3]);
    expect(r.log.metrics.metrics[2][1]).toEqual(metricsAt(3, 1));
    expect(r.status.map((s) => s.state)).toEqual(['training', 'training']);
    expect(r.kernels).toBe('fused');
  });

  it('ignores what a killed save left (a temporary folder, a snapshot the manifest does not name) and the next save removes it', async () => {
    const dir = fresh();
    await drive(dir, 2, 3);
    const snap = snapshotOf(dir);
    const id8 = readManifest(dir)!.experimentId.slice(0, 8);
    mkdirSync(join(dir, 'snapshots', `.tmp-000004-${id8}-99999`, 'checkpoints'), { recursive: true });
    writeFileSync(join(dir, 'snapshots', `.tmp-000004-${id8}-99999`, 'metrics.json'), '{"half');
    // a whole snapshot renamed into place, killed before its manifest: it has the name the next save uses
    cpSync(snap, join(dir, 'snapshots', `000004-${id8}`), { recursive: true });
    writeFileSync(join(dir, 'experiment.json.tmp-99999'), '{');
    expect(loadResume(dir).initial.iteration).toBe(3);
    await drive(dir, 2, 1, true);
    expect(readManifest(dir)!.iteration).toBe(4);
    expect(readdirSync(join(dir, 'snapshots'))).toEqual([`000004-${id8}`]);
    expect(existsSync(join(dir, 'experiment.json.tmp-99999'))).toBe(false);
    expect(loadResume(dir).initial.parameters[0]).toEqual(parametersAt(4, 0, loadResume(dir).runs[0]));
  });

  it('resume names each inconsistency exactly', async () => {
    const base = fresh();
    await drive(base, 2, 2);
    const at2 = join(root, 'checkpoint-at-2.json');
    cpSync(join(snapshotOf(base), 'checkpoints/01-run1.checkpoint.json'), at2);
    await drive(base, 2, 1, true);
    const other = fresh();
    await drive(other, 2, 3);
    const otherId = readManifest(other)!.experimentId;
    const id = readManifest(base)!.experimentId;

    const broken = (edit: (snap: string, dir: string) => void) => {
      const dir = fresh();
      cpSync(base, dir, { recursive: true });
      edit(snapshotOf(dir), dir);
      return () => loadResume(dir);
    };
    expect(
      broken((s) => cpSync(join(s, 'checkpoints/00-run0.checkpoint.json'), join(s, 'checkpoints/00-run0 copy.checkpoint.json'))),
    ).toThrow(/run 0 appears twice \(files .*checkpoints\/00-run0\.checkpoint\.json and .*checkpoints\/00-run0 copy\.checkpoint\.json\)/);
    expect(
      broken((s) => cpSync(join(snapshotOf(other), 'checkpoints/01-run1.checkpoint.json'), join(s, 'checkpoints/01-run1.checkpoint.json'))),
    ).toThrow(new RegExp(`01-run1\\.checkpoint\\.json belongs to experiment ${otherId}, not to experiment ${id} at iteration 3`));
    expect(broken((s) => cpSync(at2, join(s, 'checkpoints/01-run1.checkpoint.json')))).toThrow(
      /01-run1\.checkpoint\.json was saved at iteration 2, but the snapshot is of experiment .* at iteration 3/,
    );
    expect(broken((s) => rmSync(join(s, 'checkpoints/01-run1.checkpoint.json')))).toThrow(
      /checkpoints\/01-run1\.checkpoint\.json is missing \(experiment\.json lists it\)/,
    );
    expect(broken((s) => editJson(join(s, 'settings.json'), (v) => (v.experimentId = otherId)))).toThrow(
      new RegExp(`settings\\.json belongs to experiment ${otherId}, not to experiment ${id}`),
    );
    expect(broken((s) => editJson(join(s, 'metrics.json'), (v) => (v.iterations = {})))).toThrow(
      /metrics\.json: iterations must be an array \(got an object\)/,
    );
    expect(broken((s) => editJson(join(s, 'metrics.json'), (v) => ((v.metrics as unknown[][])[1] = [[1, 2, 3, 4]])))).toThrow(
      /metrics\.json: metrics\[1\] must hold 2 entries \(has 1\)/,
    );
    expect(broken((s) => editJson(join(s, 'metrics.json'), (v) => (v.metrics as unknown[][][])[0][1].splice(2, 1, 'x')))).toThrow(
      /metrics\.json: metrics\[0\]\[1\]\[2\] must be a number or null \(got the text 'x'\)/,
    );
    expect(
      broken((s) =>
        editJson(join(s, 'metrics.json'), (v) => {
          (v.iterations as number[]).pop();
          (v.metrics as unknown[]).pop();
        }),
      ),
    ).toThrow(/metrics\.json ends at iteration 2, but the snapshot is of iteration 3/);
    expect(broken((s) => editJson(join(s, 'traces.json'), (v) => ((v.runs as { name: string }[])[1].name = 'b')))).toThrow(
      /traces\.json: runs\[1\] is named 'b', settings\.json names run 1 'run1'/,
    );
    expect(broken((s) => editJson(join(s, 'traces.json'), (v) => ((v.runs as { flow: unknown[] }[])[0].flow[0] = [1])))).toThrow(
      /traces\.json: runs\[0\]\.flow\[0\] must hold 24 entries \(has 1\)/,
    );
    expect(broken((s) => rmSync(s, { recursive: true }))).toThrow(/experiment\.json names snapshots\/000003-.*, but .* is missing/);
    expect(broken((_s, d) => editJson(join(d, 'experiment.json'), (v) => (v.snapshot = '../../etc')))).toThrow(
      /snapshot must be 'snapshots\/000003-/,
    );
    expect(
      broken((s) =>
        editJson(join(s, 'checkpoints/01-run1.checkpoint.json'), (v) => {
          v.dataRngState = [1, 2, 3, 4, null];
        }),
      ),
    ).toThrow(/01-run1\.checkpoint\.json holds another data-generator state than checkpoints\/00-run0\.checkpoint\.json/);
    expect(broken((s) => editJson(join(s, 'settings.json'), (v) => Object.assign(v, { group: 5, runs: 'x' })))).toThrow(
      /settings\.json lists no runs/,
    );
    expect(broken((s) => editJson(join(s, 'settings.json'), (v) => Object.assign(v, { group: null })))).toThrow(
      /settings\.json has invalid settings: group/,
    );
    expect(broken((s) => writeFileSync(join(s, 'settings.json'), 'null'))).toThrow(/settings\.json is not a settings file of this trainer/);
    expect(broken((s) => editJson(join(s, 'settings.json'), (v) => (v.kernels = 'fast')))).toThrow(
      /settings\.json: kernels must be 'fused' or 'naive' \(got 'fast'\)/,
    );
    expect(
      broken((_s, d) => writeFileSync(join(d, 'experiment.json'), '{"format": "orthogonality-lab/experiment-folder", "version": 1}')),
    ).toThrow(/experiment\.json: experimentId is missing or malformed/);
    // the old layout (checkpoints/ at the top, no manifest) is refused with the reason
    const legacy = fresh();
    mkdirSync(join(legacy, 'checkpoints'), { recursive: true });
    cpSync(at2, join(legacy, 'checkpoints', '00-a.checkpoint.json'));
    expect(() => loadResume(legacy)).toThrow(/no experiment\.json there; the folder was written by an older npm run train/);
  });

  it("a failed run's status is read back from its checkpoint", async () => {
    const dir = fresh();
    await drive(dir, 2, 2);
    editJson(join(snapshotOf(dir), 'checkpoints/01-run1.checkpoint.json'), (v) => {
      v.status = { state: 'failed', iteration: 2, message: 'loss became NaN at iteration 2' };
    });
    expect(loadResume(dir).status).toEqual([
      { state: 'training' },
      { state: 'failed', iteration: 2, message: 'loss became NaN at iteration 2' },
    ]);
    editJson(join(snapshotOf(dir), 'checkpoints/01-run1.checkpoint.json'), (v) => {
      v.status = { state: 'exploded' };
    });
    expect(() => loadResume(dir)).toThrow(/01-run1\.checkpoint\.json: status must be/);
  });

  it('replacing an experiment removes what this trainer wrote, old layout included, and nothing else', async () => {
    const dir = fresh();
    await drive(dir, 3, 2);
    const snap = readManifest(dir)!.snapshot;
    mkdirSync(join(dir, 'checkpoints'));
    writeFileSync(join(dir, 'checkpoints', '00-old.checkpoint.json'), '{}');
    writeFileSync(join(dir, 'checkpoints', 'README'), 'mine');
    writeFileSync(join(dir, 'notes.txt'), 'mine');
    writeFileSync(join(dir, 'draft.tmp'), 'mine'); // a name like a leftover's, but not one this trainer writes
    writeFileSync(join(dir, snap, 'plot.png'), 'mine');
    renameSync(join(dir, 'metrics.csv'), join(dir, 'metrics.csv.tmp'));
    const survey = surveyFolder(dir);
    expect(survey.foreign).toEqual(['checkpoints/README', 'draft.tmp', 'notes.txt', `${snap}/plot.png`]);
    expect(survey.ours).toContain('experiment.json');
    expect(survey.ours).toContain('checkpoints/00-old.checkpoint.json');
    expect(survey.ours).toContain(`${snap}/checkpoints/02-run2.checkpoint.json`);
    expect(removeOurs(dir, survey)).toEqual([
      'checkpoints/',
      'experiment.json',
      'metrics.csv.tmp',
      'metrics.json',
      'settings.json',
      snap,
      'traces.json',
    ]);
    const left: string[] = readdirSync(dir, { recursive: true }) as string[];
    expect(left.sort()).toEqual(
      [
        'checkpoints',
        'checkpoints/README',
        'draft.tmp',
        'notes.txt',
        'snapshots',
        `snapshots/${snap.split('/')[1]}`,
        `${snap}/plot.png`,
      ].sort(),
    );
  });

  it("evaluations.csv and best/: the current experiment's are kept, any others are ours to remove, foreign files in best/ stay", async () => {
    const dir = fresh();
    await drive(dir, 3, 2);
    const m = readManifest(dir)!;
    mkdirSync(join(dir, 'best'));
    writeFileSync(join(dir, 'evaluations.csv'), 'run\n');
    writeFileSync(join(dir, 'evaluations.csv.tmp-12'), 'run\n');
    writeFileSync(join(dir, 'best', '00-run0.best.checkpoint.json'), '{}');
    writeFileSync(join(dir, 'best', '01-old.best.checkpoint.json'), '{}');
    writeFileSync(join(dir, 'best', '00-run0.best.checkpoint.json.tmp-7'), '{}');
    writeFileSync(join(dir, 'best', 'notes.txt'), 'mine');
    const keep = ['evaluations.csv', 'best/00-run0.best.checkpoint.json'];
    const survey = surveyFolder(dir, m, keep);
    expect(survey.ours.sort()).toEqual([
      'best/00-run0.best.checkpoint.json.tmp-7',
      'best/01-old.best.checkpoint.json',
      'evaluations.csv.tmp-12',
    ]);
    expect(survey.foreign).toEqual(['best/notes.txt']);
    expect(removeOurs(dir, survey)).toEqual(['best/', 'evaluations.csv.tmp-12']);
    expect(readdirSync(join(dir, 'best')).sort()).toEqual(['00-run0.best.checkpoint.json', 'notes.txt']);
    // without a current experiment (--force over it), both are ours
    expect(surveyFolder(dir).ours).toEqual(expect.arrayContaining(['evaluations.csv', 'best/00-run0.best.checkpoint.json']));
  });

  it('a save the file system refuses changes nothing the experiment holds, and says which snapshot it still is', async () => {
    const dir = fresh();
    await drive(dir, 2, 2);
    const before = readManifest(dir)!;
    // where the manifest's temporary file goes, a folder with a file in it: writing the manifest fails
    mkdirSync(join(dir, `experiment.json.tmp-${process.pid}`, 'x'), { recursive: true });
    await expect(drive(dir, 2, 1, true)).rejects.toThrow(
      new RegExp(
        `cannot save the snapshot of iteration 3 in .*; the snapshot of iteration 2 \\(.*${before.snapshot}\\) is still the experiment's`,
      ),
    );
    expect(readManifest(dir)).toEqual(before);
    expect(loadResume(dir).initial.iteration).toBe(2);
    rmSync(join(dir, `experiment.json.tmp-${process.pid}`), { recursive: true });
    await drive(dir, 2, 1, true);
    expect(readManifest(dir)!.iteration).toBe(3);
    expect(readdirSync(join(dir, 'snapshots'))).toEqual([readManifest(dir)!.snapshot.slice('snapshots/'.length)]);
  });
});
