/**
 * The training lab inside #lab: it creates the store and the LabController for this page's device, opens
 * the experiment from the link (or the adapter's default preset), keeps the address bar's hash in step
 * with the settings, and lays out the toolbar, the controls and the charts engineer's ChartsPanel.
 */
import { useEffect, useMemo, useState } from 'react';
import { useStore } from 'zustand';
import { replicateSets } from '../../experiments/replicates.ts';
import { isDataTask, taskShape } from '../../tasks/index.ts';
import { ChartsPanel } from '../charts/ChartsPanel.tsx';
import type { ChartRun } from '../charts/types.ts';
import { loadMnistOnce, textCorpusFor } from '../data/labDatasets.ts';
import { useGpu } from '../GpuProvider.tsx';
import { TextPanel } from '../text/TextPanel.tsx';
import { LabController } from './controller.ts';
import { ConfirmDialog } from './controls/ConfirmDialog.tsx';
import { GroupControls } from './controls/GroupControls.tsx';
import { MemoryRefusal } from './controls/MemoryRefusal.tsx';
import { Messages } from './controls/Messages.tsx';
import { ProfilePanel } from './controls/ProfilePanel.tsx';
import { RunTable } from './controls/RunTable.tsx';
import { SHORTCUTS, ShortcutsPanel, useShortcuts } from './controls/Shortcuts.tsx';
import { Toolbar } from './controls/Toolbar.tsx';
import { LabEdits, labRuns } from './edits.ts';
import { type Lab, LabContext, useLab } from './LabContext.tsx';
import { defaultExperiment } from './presets.ts';
import { createLabStore, type LabState, pushMessage } from './store.ts';
import { installTestHook } from './testHook.ts';
import { decodeExperiment, encodeExperiment, linkMessages } from './urlState.ts';
import './lab.css';

function settingsSummary(s: LabState): string {
  const g = s.group;
  const task = isDataTask(g.task) ? taskShape(g).name : `${g.task}(T=${g.T})`;
  return `${task}, n=${g.hidden}, batch ${g.batchSize}, ${g.optimizer}, data seed ${g.dataSeed}; iteration ${s.iteration}`;
}

function Charts({ lab }: { lab: Lab }) {
  const store = lab.controller.store;
  const runs = useStore(store, (s) => s.runs);
  const group = useStore(store, (s) => s.group);
  const presentation = useStore(store, (s) => s.presentation);
  const iteration = useStore(store, (s) => Math.floor(s.iteration / 100));
  const chartRuns = useMemo<ChartRun[]>(() => {
    // each run knows its replicate set (its first member's id): the charts draw a set as one line with a band
    const sets = replicateSets(runs.map((r) => r.settings));
    const setOf = new Map(sets.flatMap((set) => set.members.map((m) => [m, set] as const)));
    return runs.map((r, i) => ({
      id: r.id,
      name: r.settings.name,
      color: r.settings.color,
      hidden: r.hidden,
      margin: r.settings.parameterisation === 'factorised' ? r.settings.margin : null,
      parameterisation: r.settings.parameterisation,
      setId: runs[setOf.get(i)?.members[0] ?? i].id,
      setName: setOf.get(i)?.name ?? r.settings.name,
    }));
  }, [runs]);
  const phase = useStore(store, (s) => s.phase);
  const task = useMemo(() => taskShape(group), [group]);
  // a data-backed task's memoryless baseline comes from its labels, once the group has loaded it
  // biome-ignore lint/correctness/useExhaustiveDependencies: the phase says when the group (and its task) changed
  const baselineLoss = useMemo(() => lab.controller.baselineLoss(), [lab, group, phase]);
  // the summary printed on exported charts: refreshed every 100 iterations, not on every collect
  // biome-ignore lint/correctness/useExhaustiveDependencies: group and iteration say when the store's settings summary changes
  const summary = useMemo(() => settingsSummary(store.getState()), [store, group, iteration]);
  return (
    <ChartsPanel
      book={lab.controller.book}
      runs={chartRuns}
      baselineLoss={baselineLoss}
      taskHasAccuracy={task.hasAccuracy}
      settingsSummary={summary}
      presentation={presentation}
      group={group}
      runSettings={runs}
    />
  );
}

function useLabSetup(): Lab | null {
  const gpu = useGpu();
  const [lab, setLab] = useState<Lab | null>(null);
  // the link is read once, before any effect rewrites the hash (strict mode runs the effect twice)
  const [decoded] = useState(() => decodeExperiment(window.location.hash, defaultExperiment(gpu.adapterInfo.isSoftware)));
  useEffect(() => {
    const software = gpu.adapterInfo.isSoftware;
    const defaults = defaultExperiment(software);
    const e = decoded?.experiment ?? defaults;
    const store = createLabStore(e.group, labRuns(e.runs));
    const controller = new LabController(gpu, store, { mnist: async () => (await loadMnistOnce()).data, text: textCorpusFor });
    const edits = new LabEdits(controller);
    for (const p of linkMessages(decoded?.problems ?? [])) pushMessage(store, 'warning', p);
    // keep the address bar's hash equal to the settings; follow links pasted into this tab
    let written = '';
    const writeHash = (s: LabState) => {
      written = encodeExperiment({ group: s.group, runs: s.runs.map((r) => r.settings) });
      if (window.location.hash !== written) history.replaceState(null, '', written);
    };
    writeHash(store.getState());
    const unsubscribe = store.subscribe((s, prev) => {
      if (s.group !== prev.group || s.runs !== prev.runs) writeHash(s);
    });
    const onHash = () => {
      if (window.location.hash === written) return;
      const d = decodeExperiment(window.location.hash, defaults);
      if (!d) return;
      for (const p of linkMessages(d.problems)) pushMessage(store, 'warning', p);
      edits.replace(d.experiment, 'Open the experiment from the new link?');
    };
    window.addEventListener('hashchange', onHash);
    const uninstall = installTestHook(controller);
    void controller.start();
    setLab({ controller, edits, software });
    return () => {
      unsubscribe();
      uninstall();
      window.removeEventListener('hashchange', onHash);
      void controller.destroy();
    };
  }, [gpu, decoded]);
  return lab;
}

export function LabView() {
  const lab = useLabSetup();
  useShortcuts(lab);
  if (!lab) return <p role="status">Starting the lab…</p>;
  return (
    <LabContext.Provider value={lab}>
      <PresentationClass />
      <Toolbar />
      <p className="shortcut-hint">
        Keys:{' '}
        {SHORTCUTS.map((s) => (
          <span key={s.key}>
            <kbd>{s.label}</kbd> {s.what.split(' (')[0]}{' '}
          </span>
        ))}
      </p>
      <ShortcutsPanel />
      <MemoryRefusal />
      <Messages />
      <ConfirmDialog />
      <RunTable />
      <Charts lab={lab} />
      <TextSection lab={lab} />
      <details className="group-details" open>
        <summary>Experiment settings and presets</summary>
        <GroupControls />
      </details>
      <ProfilePanel />
    </LabContext.Provider>
  );
}

/** The text panel (samples, the gradient view) for a group whose task is 'text'. */
function TextSection({ lab }: { lab: Lab }) {
  const task = useStore(lab.controller.store, (s) => s.group.task);
  const presentation = useStore(lab.controller.store, (s) => s.presentation);
  return task === 'text' ? <TextPanel controller={lab.controller} presentation={presentation} /> : null;
}

/** Puts class="presentation" on <html> while presentation mode is on (larger type for projectors). */
function PresentationClass() {
  const { controller } = useLab();
  const on = useStore(controller.store, (s) => s.presentation);
  useEffect(() => {
    document.documentElement.classList.toggle('presentation', on);
    return () => document.documentElement.classList.remove('presentation');
  }, [on]);
  return null;
}
