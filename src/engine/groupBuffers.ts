/**
 * Every GPU buffer of a run group, allocated once. The batch (inputs, targets, position weights) is shared
 * by the whole group; each cell's block of runs (src/engine/cellBlock.ts) has its own parameters, gradients
 * and optimiser state stacked over its runs ([R][...] per parameter), activations over the whole sequence,
 * and scratch space. Layouts: docs/ENGINE.md.
 */
import { storageBuffer } from '../gpu/buffers.ts';
import { SINGULAR_VALUES_INFO, SINGULAR_VALUES_STATE, singularValuesScratchFloats } from '../gpu/ops/singularValues.ts';
import { HYPER_STRIDE } from './hyper.ts';
import { type CellKind, type ModelDims, type ParamName, paramNames, paramSize } from './parameters.ts';

export const LOSS_STATS = 2; // (task loss, accuracy) per run
export const PENALTY_STATS = 2; // (soft orthogonality value, weight decay value on W) per run

/** The batch every run of the group trains on (written once per iteration). */
export interface BatchBuffers {
  /** [L][B][I] */
  x: GPUBuffer;
  targets: GPUBuffer;
  weight: GPUBuffer;
  accWeight: GPUBuffer;
  all: GPUBuffer[];
}

/**
 * The live spectrum of free recurrent matrices (plain RNNs' W, LSTMs' stacked [4n][n] W), computed on the GPU
 * on tracking iterations (src/gpu/ops/singularValues.ts): a column copy of W to rotate, the sweep state, and
 * what is read back, n singular values and 4 numbers of info per run.
 */
export interface SpectrumBuffers {
  /** scratch [R][n][rows padded to a multiple of 64] (rows = n, or 4n for an LSTM) */
  cols: GPUBuffer;
  /** scratch [R][8] u32 */
  state: GPUBuffer;
  /** [R][n] singular values, descending */
  sv: GPUBuffer;
  /** [R][4] sweeps, converged, largest cosine of the last sweep, status */
  info: GPUBuffer;
}

/** What every block has, whatever its cell: parameters, the readout and its loss, metrics. */
export interface BlockBuffersBase extends Omit<BatchBuffers, 'all'> {
  hyper: GPUBuffer;
  params: Record<ParamName, GPUBuffer>;
  grads: Record<ParamName, GPUBuffer>;
  /** RMSprop mean square or SGD velocity, per parameter the free optimiser updates */
  state: Record<ParamName, GPUBuffer>;
  /** W_in x_t for every step: [R][L][B][n] (RNN) or [R][L][B][4n] (LSTM) */
  xproj: GPUBuffer;
  /** [R][L+1][B][n], slot 0 = h0 */
  h: GPUBuffer;
  /** dLoss/dh_t from the readout only [R][L][B][n] */
  dhOut: GPUBuffer;
  /** dLoss/dh_0 per batch row [R][B][n] (summed into the h0 gradient) */
  dh0: GPUBuffer;
  flow: GPUBuffer;
  logits: GPUBuffer;
  dlogits: GPUBuffer;
  lossStats: GPUBuffer;
  penaltyStats: GPUBuffer;
  /** for blocks with free recurrent matrices (every LSTM block; RNN blocks with a plain run), else null */
  spectrum: SpectrumBuffers | null;
  /** the buffers this block owns (the batch's are the group's) */
  all: GPUBuffer[];
}

/** An RNN block (factorised and plain runs). */
export interface GroupBuffers extends BlockBuffersBase {
  cell: 'rnn';
  a: GPUBuffer;
  dh: GPUBuffer;
  da: GPUBuffer;
  /** W^T W (soft orthogonality), then reused */
  gram: GPUBuffer;
  /** W (W^T W) for the penalty gradient, or dW V for the spectrum gradient */
  scratch: GPUBuffer;
  /** the composed U diag(relu(s)) V^T before plain runs are masked out */
  composed: GPUBuffer;
  /** (U^T U, V^T V) for the drift metric [R][2][n][n] */
  basesGram: GPUBuffer;
  drift: GPUBuffer;
  /** runs whose margin changed since the last iteration: 1 = recompute p from s under the new margin */
  remarginMask: GPUBuffer;
}

/** An LSTM block (docs/ENGINE.md, "The LSTM cell"). */
export interface LstmBuffers extends BlockBuffersBase {
  cell: 'lstm';
  /** gate activations (i, f, g, o) [R][L][B][4n] */
  gates: GPUBuffer;
  /** cell states [R][L+1][B][n], slot 0 = c0 */
  c: GPUBuffer;
  /** dLoss/dz_t of the gate pre-activations after the clip [R][L][B][4n] */
  dz: GPUBuffer;
  /** dLoss/dc_0 per batch row [R][B][n] */
  dc0: GPUBuffer;
}

export type BlockBuffers = GroupBuffers | LstmBuffers;

function allocator(device: GPUDevice) {
  const all: GPUBuffer[] = [];
  const f32 = (count: number, label: string) => {
    const b = storageBuffer(device, count * 4, label);
    all.push(b);
    return b;
  };
  return { all, f32 };
}

export function allocateBatchBuffers(
  device: GPUDevice,
  d: Pick<ModelDims, 'L' | 'B' | 'I' | 'O' | 'P'>,
  loss: 'xent' | 'mse',
): BatchBuffers {
  const { all, f32 } = allocator(device);
  return {
    x: f32(d.L * d.B * d.I, 'x'),
    targets: f32(loss === 'xent' ? d.P : d.P * d.O, 'targets'),
    weight: f32(d.P, 'weight'),
    accWeight: f32(d.P, 'accWeight'),
    all,
  };
}

/**
 * The buffers of one block of R runs of `cell` (d.R = the block's runs). `freeSpectrum`: the block has free
 * recurrent matrices whose spectrum is computed on the GPU (an LSTM block always; an RNN block with a plain run).
 */
export function allocateBlockBuffers(
  device: GPUDevice,
  cell: CellKind,
  d: ModelDims,
  batch: BatchBuffers,
  freeSpectrum = cell === 'lstm',
): BlockBuffers {
  const { all, f32 } = allocator(device);
  const perParam = (what: string) => {
    const rec = {} as Record<ParamName, GPUBuffer>;
    for (const name of paramNames(cell)) rec[name] = f32(d.R * paramSize(cell, name, d), `${cell}.${what}.${name}`);
    return rec;
  };
  const { R, L, B, n, O, P } = d;
  const gates = cell === 'lstm' ? 4 : 1;
  const sd = { R, rows: gates * n, n };
  const base: BlockBuffersBase = {
    x: batch.x,
    targets: batch.targets,
    weight: batch.weight,
    accWeight: batch.accWeight,
    hyper: f32(R * HYPER_STRIDE, `${cell}.hyper`),
    params: perParam('param'),
    grads: perParam('grad'),
    state: perParam('state'),
    xproj: f32(R * L * B * gates * n, `${cell}.xproj`),
    h: f32(R * (L + 1) * B * n, `${cell}.h`),
    dhOut: f32(R * L * B * n, `${cell}.dhOut`),
    dh0: f32(R * B * n, `${cell}.dh0`),
    flow: f32(R * (L + 1), `${cell}.flow`),
    logits: f32(R * P * O, `${cell}.logits`),
    dlogits: f32(R * P * O, `${cell}.dlogits`),
    lossStats: f32(R * LOSS_STATS, `${cell}.lossStats`),
    penaltyStats: f32(R * PENALTY_STATS, `${cell}.penaltyStats`),
    spectrum: freeSpectrum
      ? {
          cols: f32(singularValuesScratchFloats(sd), `${cell}.spectrum.cols`),
          state: f32(R * SINGULAR_VALUES_STATE, `${cell}.spectrum.state`),
          sv: f32(R * n, `${cell}.spectrum.sv`),
          info: f32(R * SINGULAR_VALUES_INFO, `${cell}.spectrum.info`),
        }
      : null,
    all,
  };
  const seq = R * L * B * n;
  if (cell === 'lstm') {
    return {
      ...base,
      cell,
      gates: f32(4 * seq, 'lstm.gates'),
      c: f32(R * (L + 1) * B * n, 'lstm.c'),
      dz: f32(4 * seq, 'lstm.dz'),
      dc0: f32(R * B * n, 'lstm.dc0'),
    };
  }
  return {
    ...base,
    cell,
    a: f32(seq, 'a'),
    dh: f32(seq, 'dh'),
    da: f32(seq, 'da'),
    gram: f32(R * n * n, 'gram'),
    scratch: f32(R * n * n, 'scratch'),
    composed: f32(R * n * n, 'composed'),
    basesGram: f32(R * 2 * n * n, 'basesGram'),
    drift: f32(R * 2, 'drift'),
    remarginMask: f32(R, 'remarginMask'),
  };
}
