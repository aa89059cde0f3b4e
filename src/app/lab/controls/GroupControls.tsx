/**
 * The group's settings (shared by every run): preset, task, T (copy, adding), MNIST's image, step,
 * permutation seed and training subset, or the text task's corpus and longest sentence, then batch size, hidden size, optimiser, data seed, track every,
 * recompute, the evaluation rounds (evaluate every, evaluation batch); the GPU memory they need. Only the settings of the group's task are shown.
 */
import { appliesToTask, GROUP_SETTINGS, type GroupSettings } from '../../../engine/settings.ts';
import { useLab, useLabState } from '../LabContext.tsx';
import { presets } from '../presets.ts';
import { MemoryLine } from './MemoryLine.tsx';
import { SettingField } from './SettingField.tsx';

const KEYS: (keyof GroupSettings)[] = [
  'task',
  'T',
  'mnistImage',
  'mnistStep',
  'permutationSeed',
  'trainSubset',
  'textCorpus',
  'maxLength',
  'batchSize',
  'hidden',
  'optimizer',
  'dataSeed',
  'trackEvery',
  'recompute',
  'evaluateEvery',
  'evaluationBatch',
];

export function GroupControls() {
  const { edits, software } = useLab();
  const group = useLabState((s) => s.group);
  const all = presets(software);
  return (
    <div className="group-controls">
      <div className="preset-row">
        <label htmlFor="preset-select">Preset</label>
        <select
          id="preset-select"
          data-testid="preset-select"
          value=""
          onChange={(e) => {
            const p = all.find((x) => x.id === e.target.value);
            if (p) edits.replace(p.experiment, `Load the preset '${p.label}'?`);
          }}
        >
          <option value="">Load a preset…</option>
          {all.map((p) => (
            <option key={p.id} value={p.id}>
              {p.label}
            </option>
          ))}
        </select>
        {/* every preset's settings and the paper's words: behind a disclosure, or they are pages long */}
        <details className="preset-details" data-testid="preset-details">
          <summary>What each of the {all.length} presets trains</summary>
          <ul className="preset-notes">
            {all.map((p) => (
              <li key={p.id}>
                <strong>{p.label}:</strong> {p.description}
              </li>
            ))}
          </ul>
        </details>
      </div>
      <fieldset className="group-fields">
        <legend>Task and network (shared by every run)</legend>
        {KEYS.filter((key) => appliesToTask(GROUP_SETTINGS[key], group.task)).map((key) => (
          <SettingField
            key={key}
            spec={GROUP_SETTINGS[key]}
            value={group[key]}
            testId={`group-${key}`}
            onCommit={(v) => edits.setGroupSetting(key, v as never)}
          />
        ))}
        <MemoryLine />
      </fieldset>
    </div>
  );
}
