/**
 * The lab's toolbar: play/pause, one step, reset (with their keys), the iteration and speed, copy link,
 * export and import of the whole experiment, presentation mode and the shortcuts list.
 */
import { useRef, useState } from 'react';
import { useStore } from 'zustand';
import { MNIST_TRAIN_SPLIT } from '../../../data/mnist.ts';
import { quoteInput } from '../../../engine/quoteInput.ts';
import { isDataTask, mnistOptionsOf } from '../../../tasks/index.ts';
import { datasetsStore } from '../../data/labDatasets.ts';
import { corpusProblem, ExperimentFileError, experimentFileName, type LoadedExperiment, parseExperimentFile } from '../experimentFile.ts';
import { useLab, useLabState } from '../LabContext.tsx';
import { pushMessage } from '../store.ts';
import { experimentLink } from '../urlState.ts';

function download(name: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** A data set's load while the group waits for it: compressed bytes and images so far. */
function DatasetLoading() {
  const progress = useStore(datasetsStore, (s) => s.loading?.progress ?? null);
  if (!progress) return null;
  const mb = (b: number) => (b / 1e6).toFixed(1);
  return (
    <span className="phase-progress" data-testid="phase-progress">
      <progress max={progress.totalBytes} value={progress.loadedBytes} aria-label="Loading the data set" /> {mb(progress.loadedBytes)} of{' '}
      {mb(progress.totalBytes)} MB
      {progress.images &&
        ` · ${progress.images.decoded.toLocaleString('en-US')} of ${progress.images.total.toLocaleString('en-US')} images`}
    </span>
  );
}

/**
 * Where a data-backed task's training stands, in epochs, and how long an epoch trains on this adapter at
 * the speed measured while it trains (nothing is guessed: no speed, no estimate).
 */
const sentenceCounts = ([a, b, c]: [number, number, number]) =>
  `${a.toLocaleString('en-US')} training, ${b.toLocaleString('en-US')} validation, ${c.toLocaleString('en-US')} test sentences`;

function EpochClock() {
  const group = useLabState((s) => s.group);
  const iteration = useLabState((s) => s.iteration);
  const itPerSec = useLabState((s) => s.itPerSec);
  const playing = useLabState((s) => s.playing);
  const textData = useLabState((s) => s.textData);
  if (!isDataTask(group.task)) return null;
  // the text task's epoch is known once its corpus is loaded (its sentences under the length limit)
  if (group.task === 'text' && !textData) return null;
  // the speed is that of training: a round of evaluation (validation and test) takes time of its own
  const evaluating = group.evaluateEvery !== undefined && group.evaluateEvery !== 'off';
  const trainSize = group.task === 'text' ? textData!.sentences[0] : (mnistOptionsOf(group).trainLimit ?? MNIST_TRAIN_SPLIT);
  const perEpoch = group.task === 'text' ? textData!.epochIterations : trainSize / group.batchSize;
  const epochs = iteration / perEpoch;
  const epoch = Math.floor(epochs);
  const duration = (s: number) => (s < 90 ? `${s.toFixed(0)} s` : s < 5400 ? `${(s / 60).toFixed(1)} min` : `${(s / 3600).toFixed(1)} h`);
  const title =
    group.task === 'text'
      ? `${textData!.corpus} (digest ${textData!.digest}): ${sentenceCounts(textData!.sentences)}; ${textData!.padding}`
      : `an epoch: ${trainSize.toLocaleString('en-US')} training images, ${perEpoch.toFixed(1)} iterations`;
  return (
    <span className="counter" data-testid="epoch-clock" title={title}>
      epoch {epoch + 1} ({(100 * (epochs - epoch)).toFixed(0)}%)
      {group.task === 'text' && (
        <span data-testid="text-padding">
          {' '}
          · {textData!.corpus}, {(100 * textData!.paddingShare).toFixed(0)}% of the steps computed are padding
        </span>
      )}
      {playing && itPerSec > 0
        ? ` · an epoch trains in ${duration(perEpoch / itPerSec)} here${evaluating ? ', its evaluation round besides' : ''}`
        : ''}
    </span>
  );
}

export function Toolbar() {
  const { controller, edits } = useLab();
  const store = controller.store;
  const playing = useLabState((s) => s.playing);
  const phase = useLabState((s) => s.phase);
  const phaseText = useLabState((s) => s.phaseText);
  const evaluating = useLabState((s) => s.evaluating);
  const iteration = useLabState((s) => s.iteration);
  const itPerSec = useLabState((s) => s.itPerSec);
  const presentation = useLabState((s) => s.presentation);
  const fileInput = useRef<HTMLInputElement>(null);
  const [linkNote, setLinkNote] = useState('');
  const ready = phase === 'ready';

  const copyLink = async () => {
    const { group, runs } = store.getState();
    const link = experimentLink({ group, runs: runs.map((r) => r.settings) }, window.location);
    try {
      await navigator.clipboard.writeText(link);
      setLinkNote('Link copied');
    } catch {
      setLinkNote('Copy the link from the address bar (the clipboard is not available here)');
    }
  };

  const exportFile = async () => {
    try {
      const file = await controller.exportExperiment();
      download(experimentFileName(file.group, file.iteration), JSON.stringify(file));
      pushMessage(store, 'info', `Exported the experiment at iteration ${file.iteration} (settings, metrics and one checkpoint per run).`);
    } catch (e) {
      pushMessage(store, 'error', `Export failed: ${(e as Error).message}`);
    }
  };

  const importFile = async (file: File) => {
    let loaded: LoadedExperiment;
    try {
      loaded = parseExperimentFile(await file.text(), quoteInput(file.name));
    } catch (e) {
      const msg = e instanceof ExperimentFileError ? e.message : `Could not read ${quoteInput(file.name)}: ${(e as Error).message}`;
      pushMessage(store, 'error', `${msg}. Nothing was changed.`);
      return;
    }
    // a text experiment goes on only on the corpus its runs trained on (experimentFile.ts corpusProblem)
    let note: string | null = null;
    if (loaded.group.task === 'text') {
      let current: Awaited<ReturnType<typeof controller.corpusFor>>;
      try {
        current = await controller.corpusFor(loaded.group.textCorpus ?? 'brown');
      } catch (e) {
        pushMessage(
          store,
          'error',
          `Could not load the corpus to check ${quoteInput(file.name)} against: ${(e as Error).message}. Nothing was changed.`,
        );
        return;
      }
      const problem = corpusProblem(loaded, current, quoteInput(file.name));
      if (problem.refusal) {
        pushMessage(store, 'error', `${problem.refusal}. Nothing was changed.`);
        return;
      }
      note = problem.note;
    }
    controller.pause();
    await edits.load(loaded);
    const failed = (loaded.initial.status ?? []).filter((s) => s?.state === 'failed').length;
    pushMessage(
      store,
      'info',
      `Loaded ${quoteInput(file.name)}: ${loaded.runs.length} run(s) at iteration ${loaded.initial.iteration}` +
        (failed
          ? ` (${failed} failed before and stay${failed === 1 ? 's' : ''} stopped at ${failed === 1 ? 'its' : 'their'} last finite state)`
          : '') +
        '. Press play to continue training.' +
        (note ? ` ${note}.` : ''),
    );
  };

  return (
    <div className="toolbar" role="toolbar" aria-label="Training">
      <button
        type="button"
        className="primary"
        disabled={!ready}
        onClick={() => controller.togglePlay()}
        data-testid="play"
        aria-keyshortcuts="Space"
      >
        {playing ? 'Pause' : 'Play'} <kbd>Space</kbd>
      </button>
      <button type="button" disabled={!ready || playing} onClick={() => void controller.step()} data-testid="step" aria-keyshortcuts="S">
        Step <kbd>S</kbd>
      </button>
      <button type="button" disabled={phase === 'building'} onClick={() => edits.reset()} data-testid="reset" aria-keyshortcuts="R">
        Reset <kbd>R</kbd>
      </button>
      <span className="counter" data-testid="iteration" data-iteration={iteration}>
        iteration <strong>{iteration}</strong>
      </span>
      <span className="counter" data-testid="speed">
        {playing ? `${itPerSec.toFixed(1)} it/s` : phase === 'ready' ? 'paused' : ''}
      </span>
      <EpochClock />
      {phase !== 'ready' && (
        <span className={`phase phase-${phase}`} data-testid="phase" role="status">
          {phaseText}
          {phase === 'building' && <DatasetLoading />}
        </span>
      )}
      {evaluating && (
        <span className="phase phase-evaluating" data-testid="evaluating" role="status">
          {evaluating}
        </span>
      )}
      <span className="toolbar-spacer" />
      <button
        type="button"
        onClick={() => void copyLink()}
        data-testid="copy-link"
        title="A link that recreates these settings, seeds included"
      >
        Copy link
      </button>
      {linkNote && (
        <span className="note" role="status">
          {linkNote}
        </span>
      )}
      <button
        type="button"
        disabled={!ready}
        onClick={() => void exportFile()}
        data-testid="export-experiment"
        title={
          phase === 'stopped' && controller.isDeviceLost
            ? 'Not available: the trained weights were on the lost GPU device (export the charts instead)'
            : 'Settings, metrics and one checkpoint per run, as JSON'
        }
      >
        Export experiment
      </button>
      <button type="button" onClick={() => fileInput.current?.click()} title="Load an exported experiment to continue or look at it">
        Import experiment
      </button>
      <input
        ref={fileInput}
        type="file"
        accept=".json,application/json"
        className="visually-hidden"
        data-testid="import-experiment"
        aria-label="Import an experiment file"
        onChange={(e) => {
          const f = e.target.files?.[0];
          e.target.value = '';
          if (f) void importFile(f);
        }}
      />
      <button
        type="button"
        aria-pressed={presentation}
        onClick={() => store.setState({ presentation: !presentation })}
        data-testid="presentation-toggle"
      >
        Presentation mode
      </button>
      <button
        type="button"
        onClick={() => store.setState((s) => ({ showShortcuts: !s.showShortcuts }))}
        aria-label="Keyboard shortcuts"
        title="Keyboard shortcuts (?)"
      >
        ?
      </button>
    </div>
  );
}
