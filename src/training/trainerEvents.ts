/**
 * What the trainer tells its host, as typed events of plain data (structured-clonable: a Worker host can
 * post them as they are). Listeners are called synchronously, in the order the trainer emits:
 *   metrics   the records of the iterations read back, in iteration order, each iteration once
 *   progress  the measured speed, after a readback of the running loop
 *   runFailed a run the run guard froze (src/engine/runHealth.ts): its status says where and why
 *   gpuError  a GPU error stopped the training (TrainingGpuError): the records before it went out as metrics
 *   deviceLost the GPU device was lost: the records before it went out as metrics
 *   error     anything else that stopped the training (a failed readback, a bug)
 *   evaluation an evaluation round (evaluationHook.ts): every split it scored at that iteration
 * After gpuError, deviceLost or error the trainer trains no more.
 */

import type { IterationRecord, RunStatus } from '../engine/runGroup.ts';
import type { GpuError } from '../gpu/device.ts';
import type { TrainerEvaluation } from './evaluationHook.ts';

export interface TrainerEvents {
  metrics: { records: IterationRecord[] };
  progress: { iteration: number; itPerSec: number };
  runFailed: { run: number; status: RunStatus };
  gpuError: {
    kind: Exclude<GpuError['kind'], 'device-lost'>;
    /** the first iteration whose numbers are not valid */
    iteration: number;
    /** what happened and what is kept, in words (TrainingGpuError.message) */
    message: string;
  };
  deviceLost: { iteration: number; message: string };
  error: { message: string };
  /** the round at `iteration` (the weights of exactly that iteration; every record up to it delivered before) */
  evaluation: { iteration: number; results: TrainerEvaluation[] };
}

export type TrainerEventType = keyof TrainerEvents;
export type TrainerListener<K extends TrainerEventType> = (event: TrainerEvents[K]) => void;

/** A minimal typed emitter (no DOM EventTarget, no node:events: the trainer runs on any host). */
export class TrainerEmitter {
  private readonly listeners = new Map<TrainerEventType, Set<(event: never) => void>>();

  /** Adds a listener; returns the function that removes it. */
  on<K extends TrainerEventType>(type: K, listener: TrainerListener<K>): () => void {
    let set = this.listeners.get(type);
    if (!set) {
      set = new Set();
      this.listeners.set(type, set);
    }
    set.add(listener as (event: never) => void);
    return () => set.delete(listener as (event: never) => void);
  }

  emit<K extends TrainerEventType>(type: K, event: TrainerEvents[K]): void {
    for (const listener of [...(this.listeners.get(type) ?? [])]) (listener as TrainerListener<K>)(event);
  }
}
