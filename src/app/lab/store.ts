/**
 * The lab's UI state in one zustand store: the experiment's settings (group + runs), the play state,
 * the iteration counter and speed, each run's status with its latest loss and accuracy, a structural
 * change waiting for the user's confirmation, and messages. Plain numbers only: the measured series live
 * in the MetricsBook, which the charts read directly. Components read it with narrow selectors.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { GroupSettings, RunSettings } from '../../engine/settings.ts';
import type { MemoryRefusal } from './memory.ts';

export interface LabRun {
  /** stable id for the MetricsBook and the charts (not part of the URL) */
  id: string;
  settings: RunSettings;
  /** hidden from the charts (it still trains) */
  hidden: boolean;
}

export type RunState = 'training' | 'paused' | 'failed';

export interface RunView {
  state: RunState;
  message?: string;
  /** the latest measured loss and accuracy (NaN before the first iteration or when the task has none) */
  loss: number;
  accuracy: number;
}

export type LabPhase = 'building' | 'ready' | 'stopped';

/** A change that rebuilds the run group: shown to the user, applied only after they confirm. */
export interface PendingChange {
  title: string;
  /** what will happen, in words (what is carried over, what restarts, what is kept) */
  details: string[];
  confirmLabel: string;
}

export interface LabMessage {
  id: number;
  kind: 'info' | 'warning' | 'error';
  text: string;
}

export interface LabState {
  group: GroupSettings;
  runs: LabRun[];
  playing: boolean;
  phase: LabPhase;
  /** what 'building' is doing, or why the lab stopped */
  phaseText: string;
  iteration: number;
  itPerSec: number;
  /** what the evaluation round running now scores, or null when none runs */
  evaluating: string | null;
  /** the text group's data, once its task is built (null otherwise) */
  textData: TextData | null;
  runViews: Record<string, RunView>;
  pending: PendingChange | null;
  /** settings this device cannot hold, refused before anything was built: why, and what would fit */
  memoryRefusal: MemoryRefusal | null;
  messages: LabMessage[];
  presentation: boolean;
  showShortcuts: boolean;
}

/** What a text group trains on, for the toolbar: the corpus, its splits, an epoch in iterations and the padding. */
export interface TextData {
  corpus: string;
  digest: string;
  /** sentences of the three splits after the length filter */
  sentences: [number, number, number];
  /** iterations of the group's batch in one epoch */
  epochIterations: number;
  /** the padding share, in words (textTask.ts paddingLine) */
  padding: string;
  /** padded steps / the steps the GPU computes for the epoch's batches (each run to its longest sentence, rounded up: src/engine/batchLength.ts) */
  paddingShare: number;
}

export type LabStore = StoreApi<LabState>;

export function createLabStore(group: GroupSettings, runs: LabRun[]): LabStore {
  return createStore<LabState>()(() => ({
    group,
    runs,
    playing: false,
    phase: 'building',
    phaseText: 'Compiling the training kernels…',
    iteration: 0,
    itPerSec: 0,
    evaluating: null,
    textData: null,
    runViews: Object.fromEntries(runs.map((r) => [r.id, freshView()])),
    pending: null,
    memoryRefusal: null,
    messages: [],
    presentation: false,
    showShortcuts: false,
  }));
}

export function freshView(): RunView {
  return { state: 'training', loss: NaN, accuracy: NaN };
}

let nextMessageId = 1;

/** Adds a message (identical consecutive messages are not repeated); keeps the last 8. */
export function pushMessage(store: LabStore, kind: LabMessage['kind'], text: string): void {
  store.setState((s) => {
    if (s.messages.length && s.messages[s.messages.length - 1].text === text) return s;
    return { messages: [...s.messages, { id: nextMessageId++, kind, text }].slice(-8) };
  });
}

export function dismissMessage(store: LabStore, id: number): void {
  store.setState((s) => ({ messages: s.messages.filter((m) => m.id !== id) }));
}
