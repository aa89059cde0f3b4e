/**
 * A read-only window into the lab for the end-to-end tests (and for curious users in the console):
 *
 *   window.__lab.snapshot() -> { phase, playing, iteration, itPerSec, lastTickMs, pendingCollects,
 *     evaluationPending, evaluationSeconds,
 *     runs: [{ id, name, margin, hidden, state, message, loss, accuracy,
 *              spectrum: { iteration, lower, upper, min, max, mean } | null,   // the MetricsBook's latest statistics
 *              points: number }] }                                            // loss points stored in the book
 *
 * Plain numbers copied out of the store and the MetricsBook; nothing in it can change the lab.
 */
import type { LabController } from './controller.ts';

export interface LabSnapshot {
  phase: string;
  playing: boolean;
  iteration: number;
  itPerSec: number;
  /** JS time of the trainer's last tick (ms) */
  lastTickMs: number;
  /** readbacks queued and not yet in the MetricsBook (0 once a pause has settled) */
  pendingCollects: number;
  /** an evaluation round is due or running (its results have not landed yet) */
  evaluationPending: boolean;
  /** seconds each evaluation round of the current group took (validation, then test where a run improved) */
  evaluationSeconds: number[];
  runs: {
    id: string;
    name: string;
    margin: number | null;
    hidden: boolean;
    state: string;
    message?: string;
    loss: number;
    /** the loss the book holds for iteration 1 (NaN when it holds none there) */
    firstLoss: number;
    accuracy: number;
    spectrum: { iteration: number; lower: number | null; upper: number | null; min: number; max: number; mean: number } | null;
    points: number;
    /** evaluation rounds of the run kept in the book: [iteration, validation accuracy (null: none)] */
    rounds: [number, number | null][];
  }[];
}

declare global {
  interface Window {
    __lab?: { snapshot(): LabSnapshot };
  }
}

export function installTestHook(lab: LabController): () => void {
  const hook = {
    snapshot(): LabSnapshot {
      const s = lab.store.getState();
      return {
        phase: s.phase,
        playing: s.playing,
        iteration: s.iteration,
        itPerSec: s.itPerSec,
        lastTickMs: lab.trainer?.lastTickMs ?? 0,
        pendingCollects: lab.trainer?.pending ?? 0,
        evaluationPending: lab.trainer?.evaluationPending ?? false,
        evaluationSeconds: [...lab.evaluationSeconds],
        runs: s.runs.map((r) => {
          const t = lab.book.traces.get(r.id);
          const st = t?.spectrum[t.spectrum.length - 1];
          const v = s.runViews[r.id];
          return {
            id: r.id,
            name: r.settings.name,
            margin: r.settings.margin,
            hidden: r.hidden,
            state: v?.state ?? 'training',
            message: v?.message,
            loss: v?.loss ?? NaN,
            firstLoss: t?.loss.iterations[0] === 1 ? t.loss.values[0] : NaN,
            accuracy: v?.accuracy ?? NaN,
            spectrum: st ? { iteration: st.iteration, lower: st.lower, upper: st.upper, min: st.min, max: st.max, mean: st.mean } : null,
            points: t?.loss.iterations.length ?? 0,
            rounds: (t?.evaluations ?? []).map((e) => [e.iteration, e.validation.accuracy] as [number, number | null]),
          };
        }),
      };
    },
  };
  window.__lab = hook;
  return () => {
    if (window.__lab === hook) delete window.__lab;
  };
}
