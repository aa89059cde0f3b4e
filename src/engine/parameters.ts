/**
 * The model's parameters by name (docs/ENGINE.md), their per-run shapes, and which learning rate of the
 * hyper table the free optimiser applies to each. U and V live together in UV and take geodesic steps.
 */
import { Hyper } from './hyper.ts';

export interface ModelDims {
  /** runs in the group */
  R: number;
  /** sequence length */
  L: number;
  B: number;
  n: number;
  I: number;
  O: number;
  /** scored output steps per sequence (L or 1) */
  Lout: number;
  /** scored positions per run: Lout * B */
  P: number;
}

export const PARAM_NAMES = ['W', 'UV', 's', 'p', 'Win', 'b', 'h0', 'Wout', 'bout', 'slope'] as const;
export type ParamName = (typeof PARAM_NAMES)[number];

/** Parameters updated by the free optimiser (RMSprop or SGD), with the hyper-table slot of their learning rate. */
export const FREE_PARAMS: readonly { name: ParamName; lrIndex: number }[] = [
  { name: 'W', lrIndex: Hyper.LR_W },
  { name: 's', lrIndex: Hyper.LR_S },
  { name: 'p', lrIndex: Hyper.LR_P },
  { name: 'Win', lrIndex: Hyper.LR_FREE },
  { name: 'b', lrIndex: Hyper.LR_FREE },
  { name: 'h0', lrIndex: Hyper.LR_FREE },
  { name: 'Wout', lrIndex: Hyper.LR_FREE },
  { name: 'bout', lrIndex: Hyper.LR_FREE },
  { name: 'slope', lrIndex: Hyper.LR_SLOPE },
];

export function paramShape(name: ParamName, d: Pick<ModelDims, 'n' | 'I' | 'O'>): number[] {
  switch (name) {
    case 'W':
      return [d.n, d.n];
    case 'UV':
      return [2, d.n, d.n];
    case 's':
    case 'p':
    case 'b':
    case 'h0':
      return [d.n];
    case 'Win':
      return [d.n, d.I];
    case 'Wout':
      return [d.O, d.n];
    case 'bout':
      return [d.O];
    case 'slope':
      return [1];
  }
}

export function paramSize(name: ParamName, d: Pick<ModelDims, 'n' | 'I' | 'O'>): number {
  return paramShape(name, d).reduce((a, b) => a * b, 1);
}

/** One run's parameters (or gradients, or optimiser state) as float arrays by name. */
export type ParamSet = Record<ParamName, Float32Array>;
