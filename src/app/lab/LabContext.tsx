/** Hands the lab's controller, edits and store to the controls: `const lab = useLab(); const it = useLabState((s) => s.iteration);` */
import { createContext, useContext } from 'react';
import { useStore } from 'zustand';
import type { LabController } from './controller.ts';
import type { LabEdits } from './edits.ts';
import type { LabState } from './store.ts';

export interface Lab {
  controller: LabController;
  edits: LabEdits;
  software: boolean;
}

export const LabContext = createContext<Lab | null>(null);

export function useLab(): Lab {
  const lab = useContext(LabContext);
  if (!lab) throw new Error('useLab() called outside the lab');
  return lab;
}

export function useLabState<T>(selector: (s: LabState) => T): T {
  return useStore(useLab().controller.store, selector);
}
