/**
 * The runs: one row each with its colour, name, status, latest loss and accuracy, margin slider, and
 * buttons to show its other settings, pause it, hide it from the charts, duplicate or remove it. The
 * other settings (parameterisation, initialisation, nonlinearity with its slope, gain, learning rates,
 * penalties, clip, seed) open below the row. Every field goes through the settings table.
 *
 * A run trained over several seeds (its Seeds field, src/experiments/replicates.ts) is one row: its set's
 * name, the seeds, and the latest loss and accuracy as the mean ± std over the seeds (n); every setting
 * changed there changes for all its seeds, and pause, hide, duplicate and remove act on the whole set.
 */
import { useMemo, useState } from 'react';
import { RUN_SETTINGS, type RunSettings } from '../../../engine/settings.ts';
import { OVER_DATA_SPEC, type ReplicateSet, replicateSets, SEEDS_SPEC, summarise } from '../../../experiments/replicates.ts';
import { taskShape } from '../../../tasks/index.ts';
import { useLab, useLabState } from '../LabContext.tsx';
import type { LabRun, RunView } from '../store.ts';
import { MarginSlider } from './MarginSlider.tsx';
import { SettingField } from './SettingField.tsx';

const DETAIL_GROUPS: { title: string; keys: (keyof RunSettings)[] }[] = [
  { title: 'Model', keys: ['parameterisation', 'init', 'nonlinearity', 'slope', 'gain', 'seed'] },
  { title: 'Learning rates', keys: ['lrGeodesic', 'lrFree', 'lrSpectrum', 'rescaleSpectrum'] },
  { title: 'Penalties and clipping', keys: ['softOrth', 'prior', 'weightDecay', 'clip'] },
];

const LSTM_IGNORES = new Set<keyof RunSettings>([
  'nonlinearity',
  'slope',
  'gain',
  'lrGeodesic',
  'lrSpectrum',
  'rescaleSpectrum',
  'softOrth',
  'prior',
]);

function fmt(v: number, pct = false): string {
  if (!Number.isFinite(v)) return '–';
  return pct ? `${(100 * v).toFixed(1)}%` : v.toPrecision(3);
}

function StatusBadge({ views }: { views: (RunView | undefined)[] }) {
  const states = views.map((v) => v?.state ?? 'training');
  const state = states[0];
  if (states.every((s) => s === state))
    return (
      <span className={`run-state run-state-${state}`} title={views.find((v) => v?.message)?.message}>
        {state}
      </span>
    );
  // the seeds of a set in different states: how many in each
  const counts = (['training', 'paused', 'failed'] as const).map((s) => [s, states.filter((x) => x === s).length] as const);
  return (
    <span
      className="run-state run-state-mixed"
      title={views
        .map((v) => v?.message)
        .filter(Boolean)
        .join('\n')}
    >
      {counts
        .filter(([, n]) => n > 0)
        .map(([s, n]) => `${n} ${s}`)
        .join(', ')}
    </span>
  );
}

/** A number over the seeds of a set as the row shows it: the value (one seed), or mean ± std (n). */
function overSeeds(values: number[], format: (v: number) => string): string {
  if (values.length === 1) return format(values[0]);
  const s = summarise(values);
  if (s.n === 0) return '–';
  return `${format(s.mean)} ± ${format(s.std)} (${s.n})`;
}

function RunDetails({ run, index }: { run: LabRun; index: number }) {
  const { edits } = useLab();
  const s = run.settings;
  const applies = (key: keyof RunSettings) => {
    // an LSTM has its own gates: no nonlinearity, gain, margin, geodesic steps or RNN-only penalties
    if (s.parameterisation === 'lstm') return !LSTM_IGNORES.has(key);
    if (key === 'slope') return s.nonlinearity === 'leaky' || s.nonlinearity === 'prelu';
    if (key === 'lrGeodesic' || key === 'lrSpectrum' || key === 'rescaleSpectrum' || key === 'prior')
      return s.parameterisation === 'factorised';
    return true;
  };
  return (
    <div className="run-details" data-testid={`run-${index}-details`}>
      {DETAIL_GROUPS.map((g) => (
        <fieldset key={g.title}>
          <legend>{g.title}</legend>
          {g.keys.filter(applies).map((key) => (
            <SettingField
              key={key}
              spec={RUN_SETTINGS[key]}
              value={s[key]}
              testId={`run-${index}-${key}`}
              onCommit={(v) => edits.setRunSetting(run.id, key, v as never)}
            />
          ))}
        </fieldset>
      ))}
      {s.nonlinearity === 'oplu' && s.parameterisation !== 'lstm' && (
        <p className="note">OPLU sorts each pair of units (2k, 2k+1): it keeps norms, like an orthogonal W.</p>
      )}
      {s.parameterisation === 'lstm' && (
        <p className="note">
          The LSTM baseline of the paper’s Tables 1 and 2: input, forget and output gates with peepholes, forget-gate bias 1; the clip acts
          on the gates’ pre-activation gradients (the paper used 1); every weight is trained by the free optimiser.
        </p>
      )}
    </div>
  );
}

function RunRow({
  run,
  index,
  set,
  members,
  failedMessage,
}: {
  run: LabRun;
  index: number;
  set: ReplicateSet;
  members: LabRun[];
  failedMessage?: string;
}) {
  const { edits } = useLab();
  const allViews = useLabState((s) => s.runViews);
  const views = members.map((m) => allViews[m.id]);
  const view = views[0];
  const seeds = members.length;
  const hasAccuracy = useLabState((s) => taskShape(s.group).hasAccuracy);
  // the text task's loss in bits per character (loss / ln 2), as on the charts
  const bits = useLabState((s) => s.group.task === 'text');
  const ready = useLabState((s) => s.phase === 'ready');
  const [open, setOpen] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const s = run.settings;
  const act = (msg: string | null) => setError(msg);
  return (
    <>
      <tr
        className={run.hidden ? 'run-row run-hidden' : 'run-row'}
        data-testid={`run-${index}`}
        data-run-id={run.id}
        data-state={view?.state ?? 'training'}
        data-seeds={seeds}
      >
        <td>
          <div className="run-id-cell">
            <SettingField
              spec={RUN_SETTINGS.color}
              value={s.color}
              compact
              testId={`run-${index}-color`}
              onCommit={(v) => edits.setRunSetting(run.id, 'color', v as string)}
            />
            <SettingField
              spec={RUN_SETTINGS.name}
              value={set.name}
              compact
              testId={`run-${index}-name`}
              onCommit={(v) => edits.setRunSetting(run.id, 'name', v as string)}
            />
            <span className="run-seeds" title={SEEDS_SPEC.help}>
              <SettingField
                spec={SEEDS_SPEC}
                value={seeds}
                compact
                testId={`run-${index}-seeds`}
                onCommit={(v) => edits.setRunSeeds(run.id, v as number)}
              />
              {seeds > 1 && (
                <span className="note" data-testid={`run-${index}-seed-list`}>
                  seeds {set.seeds.join(', ')}
                </span>
              )}
              {seeds > 1 && (
                <span className="run-over-data" title={OVER_DATA_SPEC.help}>
                  <SettingField
                    spec={OVER_DATA_SPEC}
                    value={set.data}
                    testId={`run-${index}-over-data`}
                    onCommit={(v) => edits.setRunOverData(run.id, v as boolean)}
                  />
                </span>
              )}
            </span>
          </div>
        </td>
        <td>
          <StatusBadge views={views} />
        </td>
        <td className="num" data-testid={`run-${index}-loss`}>
          {overSeeds(
            views.map((v) => (bits ? (v?.loss ?? NaN) / Math.LN2 : (v?.loss ?? NaN))),
            (v) => fmt(v),
          )}
        </td>
        {hasAccuracy && (
          <td className="num" data-testid={`run-${index}-accuracy`}>
            {overSeeds(
              views.map((v) => v?.accuracy ?? NaN),
              (v) => fmt(v, true),
            )}
          </td>
        )}
        <td>
          {s.parameterisation === 'factorised' ? (
            <MarginSlider
              margin={s.margin}
              testId={`run-${index}-margin`}
              onCommit={(v) => edits.setRunSetting(run.id, 'margin', v as number | null)}
            />
          ) : (
            <span className="note">{s.parameterisation === 'lstm' ? 'LSTM (no margin)' : 'plain W (no margin)'}</span>
          )}
        </td>
        <td>
          <div className="run-actions">
            <button type="button" aria-expanded={open} onClick={() => setOpen(!open)} data-testid={`run-${index}-more`}>
              {open ? 'Less' : 'Settings'}
            </button>
            <button
              type="button"
              disabled={!ready || views.every((v) => v?.state === 'failed')}
              onClick={() => act(edits.setRunPaused(run.id, !views.some((v) => v?.state === 'paused')))}
            >
              {views.some((v) => v?.state === 'paused') ? 'Resume' : 'Pause'}
            </button>
            <button
              type="button"
              aria-pressed={run.hidden}
              onClick={() => edits.setHidden(run.id, !run.hidden)}
              data-testid={`run-${index}-hide`}
            >
              {run.hidden ? 'Show' : 'Hide'}
            </button>
            <button type="button" onClick={() => act(edits.addRun(run.id))} title="A new run with the same settings">
              Duplicate
            </button>
            <button type="button" onClick={() => act(edits.removeRun(run.id))} data-testid={`run-${index}-remove`}>
              Remove
            </button>
          </div>
        </td>
      </tr>
      {(error || failedMessage) && (
        <tr className="run-message">
          <td colSpan={6} role="alert">
            {error ?? failedMessage}
          </td>
        </tr>
      )}
      {open && (
        <tr className="run-details-row">
          <td colSpan={6}>
            <RunDetails run={run} index={index} />
          </td>
        </tr>
      )}
    </>
  );
}

export function RunTable() {
  const { edits } = useLab();
  const runs = useLabState((s) => s.runs);
  const views = useLabState((s) => s.runViews);
  const hasAccuracy = useLabState((s) => taskShape(s.group).hasAccuracy);
  const bits = useLabState((s) => s.group.task === 'text');
  const [error, setError] = useState<string | null>(null);
  // one row per replicate set (a run without replicates is a set of one), at its first member's place
  const sets = useMemo(() => replicateSets(runs.map((r) => r.settings)), [runs]);
  return (
    <div className="runs">
      <table className="run-table" data-testid="run-table">
        <thead>
          <tr>
            <th scope="col">Run</th>
            <th scope="col">Status</th>
            <th scope="col">{bits ? 'Loss (bpc)' : 'Loss'}</th>
            {hasAccuracy && <th scope="col">Accuracy</th>}
            <th scope="col" title={RUN_SETTINGS.margin.help}>
              {RUN_SETTINGS.margin.label}
            </th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {sets.map((set) => {
            const members = set.members.map((m) => runs[m]);
            const failed = members
              .filter((m) => views[m.id]?.state === 'failed')
              .map((m) => (members.length > 1 ? `${m.settings.name}: ${views[m.id]?.message ?? 'failed'}` : views[m.id]?.message));
            const run = members[0];
            return (
              <RunRow
                key={run.id}
                run={run}
                index={set.members[0]}
                set={set}
                members={members}
                failedMessage={failed.length ? failed.join(' ') : undefined}
              />
            );
          })}
        </tbody>
      </table>
      <button type="button" onClick={() => setError(edits.addRun())} data-testid="add-run">
        Add a run
      </button>
      {error && (
        <span className="field-error" role="alert">
          {error}
        </span>
      )}
    </div>
  );
}
