/**
 * Messages between the page and the text worker (textWorker.ts): the page hands it a run's parameters once per
 * readback ('model', under a key), then asks for samples and gradient views of that model; the worker answers
 * each request by its id, with progress for the gradient view.
 */
import type { RunModelSettings } from '../../engine/modelSettings.ts';

export type TextRequest =
  | { kind: 'model'; key: string; settings: RunModelSettings; parameters: Record<string, Float32Array> }
  | { kind: 'sample'; id: number; key: string; prompt: string; temperature: number; seed: number; maxLength: number }
  | { kind: 'gradient'; id: number; key: string; sentence: string };

export interface SampleResult {
  /** the sentence as the vocabulary writes it (lower case, '?' for an unknown character), without its newline */
  text: string;
  /** characters of the prompt (as encoded) */
  promptLength: number;
  drawn: number;
  ended: 'newline' | 'length';
  logProbability: number;
}

export interface GradientResult {
  /** the sentence as the vocabulary writes it, without its newline */
  text: string;
  L: number;
  /** G[(k-1) L + (s-1)] = || d loss_k / d h_s || (NaN for s > k) */
  G: Float64Array;
  losses: Float64Array;
  seconds: number;
}

export type TextReply =
  | { kind: 'progress'; id: number; done: number; total: number }
  | { kind: 'sample'; id: number; result: SampleResult }
  | { kind: 'gradient'; id: number; result: GradientResult }
  | { kind: 'error'; id: number; message: string };
