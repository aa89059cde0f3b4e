/**
 * GPU problems the user must see: device loss, uncaptured validation / out-of-memory / internal errors
 * (from acquireGpu's callbacks) and unexpected failures of the app itself. A small zustand store: the error
 * banner subscribes to it, and anything (the trainer, a hook, a global handler) can report into it.
 * Identical messages are collapsed with a count, so an error repeated every frame stays one line.
 */
import { create } from 'zustand';
import type { GpuError } from '../gpu/device.ts';

export type ProblemKind = GpuError['kind'] | 'app';

export interface Problem {
  id: number;
  kind: ProblemKind;
  message: string;
  /** How many times this exact message was reported. */
  count: number;
}

interface ProblemStore {
  problems: Problem[];
  nextId: number;
  report(kind: ProblemKind, message: string): void;
  dismiss(id: number): void;
}

export const useProblems = create<ProblemStore>()((set) => ({
  problems: [],
  nextId: 1,
  report: (kind, message) =>
    set((s) => {
      const same = s.problems.find((p) => p.kind === kind && p.message === message);
      if (same) return { problems: s.problems.map((p) => (p === same ? { ...p, count: p.count + 1 } : p)) };
      return { problems: [...s.problems, { id: s.nextId, kind, message, count: 1 }], nextId: s.nextId + 1 };
    }),
  dismiss: (id) => set((s) => ({ problems: s.problems.filter((p) => p.id !== id) })),
}));

/** Reports a problem to the banner and to the console (where developers and the e2e tests see it). */
export function reportProblem(kind: ProblemKind, message: string): void {
  console.error(`[${kind}] ${message}`);
  useProblems.getState().report(kind, message);
}

export function reportGpuError(e: GpuError): void {
  reportProblem(e.kind, e.message);
}

/** What the user should do next, per kind of problem. */
export const PROBLEM_ADVICE: Record<ProblemKind, string> = {
  'device-lost':
    'The GPU stopped answering (driver reset, out of GPU memory, or the system reclaimed it). Training has stopped: reload the page to start again.',
  validation:
    'The GPU rejected a command. This is a bug in the lab: please report it with this message. Numbers shown after it may be wrong.',
  'out-of-memory': 'The GPU ran out of memory: use fewer runs, a smaller batch or fewer hidden units, then reload.',
  internal: 'The GPU reported an internal error: reload the page; if it happens again, check chrome://gpu.',
  app: 'Something in the lab failed unexpectedly: reload the page; if it happens again, please report this message.',
};

/** Problems after which nothing on the GPU can continue. */
export function isFatal(kind: ProblemKind): boolean {
  return kind === 'device-lost';
}
