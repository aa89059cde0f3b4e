/**
 * The GPU memory the group's settings need, beside them: one line from the memory plan (total, per run,
 * the largest buffer against the device's limit), flagged when the settings do not fit this GPU, and a
 * details view listing the buffers, largest first. Recomputed from the limits alone whenever the settings
 * change (no GPU work).
 */
import { useMemo } from 'react';
import { formatBytes, memoryRows, memorySummary } from '../../../engine/memoryText.ts';
import { useLab, useLabState } from '../LabContext.tsx';
import { labMemoryPlan } from '../memory.ts';

export function MemoryLine() {
  const { controller } = useLab();
  const group = useLabState((s) => s.group);
  const runs = useLabState((s) => s.runs);
  const env = controller.memoryEnv;
  const { plan, fits } = useMemo(() => labMemoryPlan(group, runs, env), [group, runs, env]);
  const rows = useMemo(() => memoryRows(plan), [plan]);
  return (
    <div className={`memory-line${fits ? '' : ' memory-over'}`} data-testid="memory-line" data-fits={fits}>
      <p>
        <strong>GPU memory:</strong> {memorySummary(plan, env.limits.maxBufferSize)}
        {fits ? '' : ' — does not fit this GPU'}
      </p>
      <details data-testid="memory-details">
        <summary>The buffers</summary>
        <p className="memory-note">
          Limits of this device: {formatBytes(env.limits.maxBufferSize)} per buffer, {formatBytes(env.limits.maxStorageBufferBindingSize)}{' '}
          per storage binding; the lab keeps a group under {formatBytes(env.budget ?? 4 * 2 ** 30)} in all (WebGPU cannot tell how much GPU
          memory is free). Activations are stored for every step of the sequence.
        </p>
        <table className="memory-table">
          <thead>
            <tr>
              <th>block</th>
              <th>buffer</th>
              <th>for</th>
              <th>layout</th>
              <th>count</th>
              <th>size</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={`${r.owner}/${r.name}`}>
                <td>{r.owner}</td>
                <td>{r.name}</td>
                <td>{r.kind}</td>
                <td>{r.shape}</td>
                <td>{r.count}</td>
                <td>{formatBytes(r.total)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </div>
  );
}
