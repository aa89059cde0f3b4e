/**
 * The model's parameters by name (docs/ENGINE.md), per cell: their per-run shapes, and which learning rate
 * of the hyper table the free optimiser applies to each. RNN runs (factorised or plain) share one set of
 * names, where U and V live together in UV and take geodesic steps; LSTM runs have their own (docs/ENGINE.md,
 * "The LSTM cell"). A run group trains the runs of each cell in a block of their own (src/engine/runGroup.ts).
 */
import { Hyper } from './hyper.ts';
import type { Parameterisation } from './modelSettings.ts';

/** The recurrent cell of a run: the vanilla RNN (factorised or plain W) or the LSTM baseline. */
export type CellKind = 'rnn' | 'lstm';

export function cellOf(run: { parameterisation: Parameterisation }): CellKind {
  return run.parameterisation === 'lstm' ? 'lstm' : 'rnn';
}

export interface ModelDims {
  /** runs in the group (or in one cell's block of it) */
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

export const RNN_PARAM_NAMES = ['W', 'UV', 's', 'p', 'Win', 'b', 'h0', 'Wout', 'bout', 'slope'] as const;
export const LSTM_PARAM_NAMES = ['W', 'Win', 'b', 'h0', 'c0', 'peep', 'Wout', 'bout'] as const;
export type RnnParamName = (typeof RNN_PARAM_NAMES)[number];
export type LstmParamName = (typeof LSTM_PARAM_NAMES)[number];
export type ParamName = RnnParamName | LstmParamName;

/** Every parameter a run of this cell stores (trained or derived), in a fixed order. */
export function paramNames(cell: CellKind): readonly ParamName[] {
  return cell === 'lstm' ? LSTM_PARAM_NAMES : RNN_PARAM_NAMES;
}

/** Parameters updated by the free optimiser (RMSprop or SGD), with the hyper-table slot of their learning rate. */
export function freeParams(cell: CellKind): readonly { name: ParamName; lrIndex: number }[] {
  return cell === 'lstm' ? LSTM_FREE_PARAMS : RNN_FREE_PARAMS;
}

const RNN_FREE_PARAMS: readonly { name: ParamName; lrIndex: number }[] = [
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

const LSTM_FREE_PARAMS: readonly { name: ParamName; lrIndex: number }[] = LSTM_PARAM_NAMES.map((name) => ({
  name,
  lrIndex: Hyper.LR_FREE,
}));

export function paramShape(cell: CellKind, name: ParamName, d: Pick<ModelDims, 'n' | 'I' | 'O'>): number[] {
  const gates = cell === 'lstm' ? 4 : 1;
  switch (name) {
    case 'W':
      return [gates * d.n, d.n];
    case 'UV':
      return [2, d.n, d.n];
    case 'b':
      return [gates * d.n];
    case 's':
    case 'p':
    case 'h0':
    case 'c0':
      return [d.n];
    case 'peep':
      return [3, d.n];
    case 'Win':
      return [gates * d.n, d.I];
    case 'Wout':
      return [d.O, d.n];
    case 'bout':
      return [d.O];
    case 'slope':
      return [1];
  }
}

export function paramSize(cell: CellKind, name: ParamName, d: Pick<ModelDims, 'n' | 'I' | 'O'>): number {
  return paramShape(cell, name, d).reduce((a, b) => a * b, 1);
}

/**
 * One run's parameters (or gradients, or optimiser state) as float arrays by name: the paramNames of its
 * cell (checked where a set is written to the GPU or read from a file).
 */
export type ParamSet = Record<string, Float32Array>;
