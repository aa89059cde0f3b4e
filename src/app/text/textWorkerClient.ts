/**
 * The page's side of the text worker (textWorker.ts): hands it a run's parameters under a key, asks for
 * samples and gradient views by id, and can cancel a long gradient view by ending the worker (a new one starts
 * on the next request, and is handed the models again).
 */
import type { RunModelSettings } from '../../engine/modelSettings.ts';
import type { GradientResult, SampleResult, TextReply, TextRequest } from './textWorkerProtocol.ts';

export class CancelledError extends Error {
  constructor() {
    super('cancelled');
  }
}

type ModelMessage = Extract<TextRequest, { kind: 'model' }>;

interface Pending {
  resolve: (v: SampleResult | GradientResult) => void;
  reject: (e: Error) => void;
  onProgress?: (done: number, total: number) => void;
}

const MODELS_KEPT = 4;

export class TextWorkerClient {
  private worker: Worker | null = null;
  private nextId = 1;
  private nextKey = 1;
  private readonly pending = new Map<number, Pending>();
  /** the models handed over, newest last, to hand a fresh worker again */
  private readonly models: ModelMessage[] = [];

  private ensure(): Worker {
    if (this.worker) return this.worker;
    const w = new Worker(new URL('./textWorker.ts', import.meta.url), { type: 'module', name: 'text samples' });
    w.onmessage = (ev: MessageEvent<TextReply>) => {
      const reply = ev.data;
      const p = this.pending.get(reply.id);
      if (!p) return;
      if (reply.kind === 'progress') {
        p.onProgress?.(reply.done, reply.total);
        return;
      }
      this.pending.delete(reply.id);
      if (reply.kind === 'error') p.reject(new Error(reply.message));
      else p.resolve(reply.result);
    };
    w.onerror = (ev) => this.failAll(new Error(`the text worker failed: ${ev.message || 'it could not start'}`));
    w.onmessageerror = () => this.failAll(new Error('the text worker sent a message that could not be read'));
    for (const m of this.models) w.postMessage(m);
    this.worker = w;
    return w;
  }

  private failAll(e: Error): void {
    this.worker?.terminate();
    this.worker = null;
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
  }

  /** Hands over a run's parameters; returns the key to ask by. */
  setModel(settings: RunModelSettings, parameters: Record<string, Float32Array>): string {
    const msg: ModelMessage = { kind: 'model', key: `m${this.nextKey++}`, settings: { ...settings }, parameters };
    this.models.push(msg);
    while (this.models.length > MODELS_KEPT) this.models.shift();
    this.ensure().postMessage(msg);
    return msg.key;
  }

  private ask<T extends SampleResult | GradientResult>(req: TextRequest & { id: number }, onProgress?: Pending['onProgress']): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.set(req.id, { resolve: resolve as Pending['resolve'], reject, onProgress });
      this.ensure().postMessage(req);
    });
  }

  sample(key: string, r: { prompt: string; temperature: number; seed: number; maxLength: number }): Promise<SampleResult> {
    return this.ask({ kind: 'sample', id: this.nextId++, key, ...r });
  }

  gradient(key: string, sentence: string, onProgress?: (done: number, total: number) => void): Promise<GradientResult> {
    return this.ask({ kind: 'gradient', id: this.nextId++, key, sentence }, onProgress);
  }

  /** Ends whatever the worker is doing: every pending request rejects with CancelledError. */
  cancel(): void {
    this.failAll(new CancelledError());
  }

  dispose(): void {
    this.cancel();
    this.models.length = 0;
  }
}
