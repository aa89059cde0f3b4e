/**
 * Every GPU buffer of a run group's batch and blocks, allocated once from the tables below (which the memory
 * plan, src/engine/memoryPlan.ts, lists too). The batch (inputs, targets, position weights) is shared
 * by the whole group; each cell's block of runs (src/engine/cellBlock.ts) has its own parameters, gradients
 * and optimiser state stacked over its runs ([R][...] per parameter), activations over the whole sequence
 * (full storage) or over one segment of k steps with checkpoints of the state every k steps (recomputation,
 * src/engine/recompute.ts), and scratch space. Layouts: docs/ENGINE.md.
 */
import { storageBuffer } from '../gpu/buffers.ts';
import type { BufferKind } from '../gpu/ops/footprint.ts';
import { SINGULAR_VALUES_INFO, SINGULAR_VALUES_STATE, singularValuesScratchFloats } from '../gpu/ops/singularValues.ts';
import { HYPER_STRIDE } from './hyper.ts';
import { type CellKind, type ModelDims, type ParamName, paramNames, paramShape, paramSize } from './parameters.ts';
import { checkpointSlots, type Storage, storageSlots } from './recompute.ts';
import { HEALTH_STRIDE } from './runHealth.ts';

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
  /** W_in x_t for every step: [R][L][B][n] (RNN) or [R][L][B][4n] (LSTM); with recomputation [R][k][B][...] */
  xproj: GPUBuffer;
  /** [R][L+1][B][n], slot 0 = h0 (recomputation: [R][k+1][B][n], slot 0 = the state before the segment) */
  h: GPUBuffer;
  /** dLoss/dh_t from the readout only [R][L][B][n] (recomputation: [R][k][B][n]) */
  dhOut: GPUBuffer;
  /**
   * recomputation with more than one segment: the state after steps k, 2k, ... ([R][S-1][B][n] each, S segments;
   * c for an LSTM block); null for full storage
   */
  checkpoints: { h: GPUBuffer; c: GPUBuffer | null } | null;
  /** dLoss/dh_0 per batch row [R][B][n] (summed into the h0 gradient) */
  dh0: GPUBuffer;
  flow: GPUBuffer;
  logits: GPUBuffer;
  dlogits: GPUBuffer;
  lossStats: GPUBuffer;
  penaltyStats: GPUBuffer;
  /** the run guard's health table [R][4] u32 (src/engine/runHealth.ts): written by the guard, read by every update */
  health: GPUBuffer;
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

/** One row of the buffer tables below: what allocate*Buffers creates and what the memory plan lists. */
export interface BufferSpec {
  /** the field of BatchBuffers / BlockBuffers it fills ('params.W', 'grads.W', 'state.W' for parameter sets) */
  key: string;
  /** its label on the GPU */
  name: string;
  floats: number;
  kind: BufferKind;
  shape: string;
}

function spec(key: string, name: string, floats: number, kind: BufferKind, shape: string): BufferSpec {
  return { key, name, floats, kind, shape };
}

/**
 * The group's batch buffers: inputs, targets and the per-position weights, shared by every block. With
 * `perRun` (a group whose runs draw from several data streams, src/engine/dataStreams.ts) the buffers of one
 * block of perRun.R runs: one batch per run, [R][...] (named `<cell>.x`, ...).
 */
export function batchBufferTable(
  d: Pick<ModelDims, 'L' | 'B' | 'I' | 'O' | 'P'>,
  loss: 'xent' | 'mse',
  perRun?: { cell: CellKind; R: number },
): BufferSpec[] {
  const k = perRun?.R ?? 1;
  const name = (b: string) => (perRun ? `${perRun.cell}.${b}` : b);
  const shape = (s: string) => (perRun ? `[R]${s}` : s);
  return [
    spec('x', name('x'), k * d.L * d.B * d.I, 'batch', shape('[L][B][I]')),
    spec(
      'targets',
      name('targets'),
      k * (loss === 'xent' ? d.P : d.P * d.O),
      'batch',
      shape(loss === 'xent' ? '[Lout][B] u32' : '[Lout][B][O]'),
    ),
    spec('weight', name('weight'), k * d.P, 'batch', shape('[Lout][B]')),
    spec('accWeight', name('accWeight'), k * d.P, 'batch', shape('[Lout][B]')),
  ];
}

/**
 * The buffers of one block of R runs of `cell` (d.R = the block's runs), in allocation order. The rows of
 * kind 'activations' hold every step of the sequence ([R][L][B][...], h and c [R][L+1][B][n]) with full
 * storage; with recomputation in segments of k steps they hold one segment ([R][k][B][...], h and c
 * [R][k+1][B][n], the readout's logits [R][min(k, Lout)][B][O]) and the checkpoint rows are added.
 */
export function blockBufferTable(cell: CellKind, d: ModelDims, freeSpectrum = cell === 'lstm', storage: Storage = 'full'): BufferSpec[] {
  const { R, B, n, O } = d;
  const full = storage === 'full';
  // the steps the activation buffers hold, and the scored positions of one segment
  const L = storageSlots(d.L, storage);
  const P = Math.min(L, d.Lout) * B;
  const Ls = full ? 'L' : 'k';
  const Lo = full ? 'Lout' : 'min(k,Lout)';
  const gates = cell === 'lstm' ? 4 : 1;
  const g = gates === 4 ? '4n' : 'n';
  const perParam = (set: 'params' | 'grads' | 'state', what: string, kind: BufferKind) =>
    paramNames(cell).map((name) =>
      spec(`${set}.${name}`, `${cell}.${what}.${name}`, R * paramSize(cell, name, d), kind, `[R][${paramShape(cell, name, d).join('][')}]`),
    );
  const seq = R * L * B * n;
  const rows = [
    spec('hyper', `${cell}.hyper`, R * HYPER_STRIDE, 'settings', `[R][${HYPER_STRIDE}]`),
    ...perParam('params', 'param', 'parameters'),
    ...perParam('grads', 'grad', 'gradients'),
    ...perParam('state', 'state', 'optimiser'),
    spec('xproj', `${cell}.xproj`, gates * seq, 'activations', `[R][${Ls}][B][${g}]`),
    spec('h', `${cell}.h`, R * (L + 1) * B * n, 'activations', `[R][${Ls}+1][B][n]`),
    spec('dhOut', `${cell}.dhOut`, seq, 'activations', `[R][${Ls}][B][n]`),
    spec('dh0', `${cell}.dh0`, R * B * n, 'gradients', '[R][B][n]'),
    spec('flow', `${cell}.flow`, R * (d.L + 1), 'metrics', '[R][L+1]'),
    spec('logits', `${cell}.logits`, R * P * O, 'activations', `[R][${Lo}][B][O]`),
    spec('dlogits', `${cell}.dlogits`, R * P * O, 'activations', `[R][${Lo}][B][O]`),
    spec('lossStats', `${cell}.lossStats`, R * LOSS_STATS, 'metrics', `[R][${LOSS_STATS}]`),
    spec('penaltyStats', `${cell}.penaltyStats`, R * PENALTY_STATS, 'metrics', `[R][${PENALTY_STATS}]`),
    // the run guard's sticky health table (src/engine/runHealth.ts), u32
    spec('health', `${cell}.health`, R * HEALTH_STRIDE, 'metrics', `[R][${HEALTH_STRIDE}] u32`),
  ];
  if (freeSpectrum) {
    // the GPU spectrum of free recurrent matrices (src/gpu/ops/singularValues.ts): a scaled copy of W's
    // columns, the kernel's state, the singular values and its info
    const sd = { R, rows: gates * n, n };
    rows.push(
      spec('spectrum.cols', `${cell}.spectrum.cols`, singularValuesScratchFloats(sd), 'scratch', `[R][n][${g} padded to 64]`),
      spec('spectrum.state', `${cell}.spectrum.state`, R * SINGULAR_VALUES_STATE, 'scratch', `[R][${SINGULAR_VALUES_STATE}] u32`),
      spec('spectrum.sv', `${cell}.spectrum.sv`, R * n, 'metrics', '[R][n]'),
      spec('spectrum.info', `${cell}.spectrum.info`, R * SINGULAR_VALUES_INFO, 'metrics', `[R][${SINGULAR_VALUES_INFO}]`),
    );
  }
  if (cell === 'lstm') {
    rows.push(
      spec('gates', 'lstm.gates', 4 * seq, 'activations', `[R][${Ls}][B][4n]`),
      spec('c', 'lstm.c', R * (L + 1) * B * n, 'activations', `[R][${Ls}+1][B][n]`),
      spec('dz', 'lstm.dz', 4 * seq, 'activations', `[R][${Ls}][B][4n]`),
      spec('dc0', 'lstm.dc0', R * B * n, 'gradients', '[R][B][n]'),
    );
  } else {
    rows.push(
      spec('a', 'rnn.a', seq, 'activations', `[R][${Ls}][B][n]`),
      spec('dh', 'rnn.dh', seq, 'activations', `[R][${Ls}][B][n]`),
      spec('da', 'rnn.da', seq, 'activations', `[R][${Ls}][B][n]`),
      spec('gram', 'rnn.gram', R * n * n, 'scratch', '[R][n][n]'),
      spec('scratch', 'rnn.scratch', R * n * n, 'scratch', '[R][n][n]'),
      spec('composed', 'rnn.composed', R * n * n, 'scratch', '[R][n][n]'),
      spec('basesGram', 'rnn.basesGram', R * 2 * n * n, 'scratch', '[R][2][n][n]'),
      spec('drift', 'rnn.drift', R * 2, 'metrics', '[R][2]'),
      spec('remarginMask', 'rnn.remarginMask', R, 'settings', '[R]'),
    );
  }
  // recomputation: the state after steps k, 2k, ..., (S-1)k, from which each segment's forward is recomputed
  const slots = checkpointSlots(d.L, storage);
  if (slots > 0) {
    rows.push(spec('checkpoints.h', `${cell}.checkpoints.h`, R * slots * B * n, 'activations', `[R][${slots}][B][n] (h every k steps)`));
    if (cell === 'lstm')
      rows.push(spec('checkpoints.c', 'lstm.checkpoints.c', R * slots * B * n, 'activations', `[R][${slots}][B][n] (c every k steps)`));
  }
  return rows;
}

/** Creates every buffer of a table (storage, copy source and destination); returns them by key and in order. */
function allocate(device: GPUDevice, table: BufferSpec[]): { get: (key: string) => GPUBuffer; all: GPUBuffer[] } {
  const byKey = new Map<string, GPUBuffer>();
  const all = table.map((row) => {
    const b = storageBuffer(device, row.floats * 4, row.name);
    byKey.set(row.key, b);
    return b;
  });
  const get = (key: string) => {
    const b = byKey.get(key);
    if (!b) throw new Error(`no buffer '${key}' in the table`);
    return b;
  };
  return { get, all };
}

export function allocateBatchBuffers(
  device: GPUDevice,
  d: Pick<ModelDims, 'L' | 'B' | 'I' | 'O' | 'P'>,
  loss: 'xent' | 'mse',
  perRun?: { cell: CellKind; R: number },
): BatchBuffers {
  const { get, all } = allocate(device, batchBufferTable(d, loss, perRun));
  return { x: get('x'), targets: get('targets'), weight: get('weight'), accWeight: get('accWeight'), all };
}

/**
 * The buffers of one block of R runs of `cell` (d.R = the block's runs), from blockBufferTable. `freeSpectrum`:
 * the block has free recurrent matrices whose spectrum is computed on the GPU (an LSTM block always; an RNN
 * block with a plain run).
 */
export function allocateBlockBuffers(
  device: GPUDevice,
  cell: CellKind,
  d: ModelDims,
  batch: BatchBuffers,
  freeSpectrum = cell === 'lstm',
  storage: Storage = 'full',
): BlockBuffers {
  const table = blockBufferTable(cell, d, freeSpectrum, storage);
  const { get, all } = allocate(device, table);
  const has = (key: string) => table.some((row) => row.key === key);
  const perParam = (set: 'params' | 'grads' | 'state') =>
    Object.fromEntries(paramNames(cell).map((name) => [name, get(`${set}.${name}`)])) as Record<ParamName, GPUBuffer>;
  const base: BlockBuffersBase = {
    x: batch.x,
    targets: batch.targets,
    weight: batch.weight,
    accWeight: batch.accWeight,
    hyper: get('hyper'),
    params: perParam('params'),
    grads: perParam('grads'),
    state: perParam('state'),
    xproj: get('xproj'),
    h: get('h'),
    dhOut: get('dhOut'),
    checkpoints: has('checkpoints.h') ? { h: get('checkpoints.h'), c: has('checkpoints.c') ? get('checkpoints.c') : null } : null,
    dh0: get('dh0'),
    flow: get('flow'),
    logits: get('logits'),
    dlogits: get('dlogits'),
    lossStats: get('lossStats'),
    penaltyStats: get('penaltyStats'),
    health: get('health'),
    spectrum: freeSpectrum
      ? { cols: get('spectrum.cols'), state: get('spectrum.state'), sv: get('spectrum.sv'), info: get('spectrum.info') }
      : null,
    all,
  };
  if (cell === 'lstm') return { ...base, cell, gates: get('gates'), c: get('c'), dz: get('dz'), dc0: get('dc0') };
  return {
    ...base,
    cell,
    a: get('a'),
    dh: get('dh'),
    da: get('da'),
    gram: get('gram'),
    scratch: get('scratch'),
    composed: get('composed'),
    basesGram: get('basesGram'),
    drift: get('drift'),
    remarginMask: get('remarginMask'),
  };
}
