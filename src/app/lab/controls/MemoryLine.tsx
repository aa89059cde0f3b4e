/**
 * The GPU memory the group's settings need, beside them: one line from the memory plan (total, per run,
 * the largest buffer against the device's limit), flagged when the settings do not fit this GPU, and a
 * details view listing the buffers, largest first. Recomputed from the limits alone whenever the settings
 * change (no GPU work). A group that evaluates (evaluateEvery) lists its evaluation pass too: the bytes it
 * takes besides the group (evaluationMemory.ts, as Evaluation.create plans it) and its buffers in the table.
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
  const { plan, evaluation, fits } = useMemo(() => labMemoryPlan(group, runs, env), [group, runs, env]);
  // the evaluation pass's buffers after the group's, under their own owner
  const rows = useMemo(
    () => [
      ...memoryRows(plan),
      ...(evaluation ? memoryRows(evaluation.plan).map((r) => ({ ...r, owner: `evaluation pass (${r.owner})` })) : []),
    ],
    [plan, evaluation],
  );
  return (
    <div className={`memory-line${fits ? '' : ' memory-over'}`} data-testid="memory-line" data-fits={fits}>
      <p>
        <strong>GPU memory:</strong> {memorySummary(plan, env.limits.maxBufferSize)}
        {evaluation && (
          <span data-testid="memory-evaluation">
            ; evaluation pass (batch {evaluation.batchSize}, forward only, with each run's best-validation weights):{' '}
            {formatBytes(evaluation.plan.totalBytes)} besides the group, {formatBytes(plan.totalBytes + evaluation.plan.totalBytes)} in all
          </span>
        )}
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
