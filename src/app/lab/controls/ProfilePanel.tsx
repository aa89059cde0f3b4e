/**
 * Where the time of an iteration goes, on this adapter (issue 12, section 1): a button trains one iteration
 * with every GPU dispatch timed (LabController.profileIteration, RunGroup.profileStep, src/engine/profile.ts)
 * and the table shows each op's time and share, with a bar, and its floating-point work and GFLOP/s where
 * counted (src/engine/profile.ts opFlops), beside the ordinary iteration's time from the toolbar's speed.
 * Exported as CSV. Where the adapter offers no 'timestamp-query', it says so.
 */
import { useState } from 'react';
import { useStore } from 'zustand';
import type { IterationProfile } from '../../../engine/profile.ts';
import { csvBlob, downloadBlob, exportFilename } from '../../charts/chartExport.ts';
import { useLab } from '../LabContext.tsx';

/** The profile as CSV: one row per op, then the sum and the span. */
export function profileCsv(p: IterationProfile): string {
  const rows = ['op,dispatches,ms,share,flops,gflops'];
  for (const c of p.categories) {
    const name = c.category === 'other' ? `other (${c.labels.join('; ')})` : c.category;
    rows.push(`"${name.replace(/"/g, '""')}",${c.dispatches},${c.ms},${c.share},${c.flops ?? ''},${c.gflops ?? ''}`);
  }
  rows.push(`sum of ops,${p.ops.length},${p.sumMs},1,,`);
  rows.push(`span (first start to last end),,${p.spanMs},,,`);
  return `${rows.join('\n')}\n`;
}

export function ProfilePanel() {
  const { controller } = useLab();
  const phase = useStore(controller.store, (s) => s.phase);
  const itPerSec = useStore(controller.store, (s) => s.itPerSec);
  const [busy, setBusy] = useState(false);
  const [profile, setProfile] = useState<IterationProfile | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const canTime = controller.ctx.device.features.has('timestamp-query');
  const run = async () => {
    setBusy(true);
    setProblem(null);
    try {
      const r = await controller.profileIteration();
      if (typeof r === 'string') setProblem(`No profile: ${r}.`);
      else setProfile(r);
    } finally {
      setBusy(false);
    }
  };
  const max = profile ? Math.max(...profile.categories.map((c) => c.ms), 1e-9) : 1;
  return (
    <details className="group-details profile-details" data-testid="profile-panel">
      <summary>Where the time goes: a per-op GPU profile of one iteration</summary>
      <p className="profile-help">
        Trains one iteration (it counts like any other) with every GPU dispatch in a pass of its own between two GPU timestamps, and shows
        how long each part of the iteration took on this adapter, and how fast it did its arithmetic (GFLOP/s: 2 per multiply-add of a
        matrix product, 1 per elementwise operation; the run guard's integer checks and the spectrum's sweeps are not counted). Splitting
        the iteration into passes adds a little time to every op: compare the sum with the ordinary iteration.
      </p>
      {!canTime ? (
        <p role="status">This adapter offers no timestamp queries ('timestamp-query'): WebGPU cannot time the ops here.</p>
      ) : (
        <button type="button" onClick={() => void run()} disabled={busy || phase !== 'ready'} data-testid="profile-run">
          {busy ? 'Profiling…' : 'Profile one iteration'}
        </button>
      )}
      {problem && <p role="alert">{problem}</p>}
      {profile && (
        <>
          <table className="profile-table" data-testid="profile-table">
            <caption>
              Iteration {profile.iteration}: ops {profile.sumMs.toFixed(1)} ms in all (span {profile.spanMs.toFixed(1)} ms)
              {itPerSec > 0 ? `; an ordinary iteration takes about ${(1000 / itPerSec).toFixed(0)} ms here (toolbar speed)` : ''}.
              {profile.note ? ` ${profile.note}.` : ''}
            </caption>
            <thead>
              <tr>
                <th scope="col">op</th>
                <th scope="col">dispatches</th>
                <th scope="col">ms</th>
                <th scope="col">share</th>
                <th scope="col">MFLOP</th>
                <th scope="col">GFLOP/s</th>
              </tr>
            </thead>
            <tbody>
              {profile.categories.map((c) => (
                <tr key={c.category}>
                  <th scope="row">{c.category === 'other' ? `other (${c.labels.join(', ')})` : c.category}</th>
                  <td>{c.dispatches}</td>
                  <td>{c.ms.toFixed(2)}</td>
                  <td>
                    <span className="profile-bar" style={{ width: `${(6 * c.ms) / max}rem` }} aria-hidden="true" />
                    {(100 * c.share).toFixed(1)}%
                  </td>
                  <td>{c.flops == null ? '' : (c.flops / 1e6).toPrecision(3)}</td>
                  <td>{c.gflops == null ? '' : c.gflops.toPrecision(3)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <button type="button" onClick={() => downloadBlob(csvBlob(profileCsv(profile)), exportFilename('op-profile', 'csv'))}>
            Export CSV
          </button>
        </>
      )}
    </details>
  );
}
