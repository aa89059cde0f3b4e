/**
 * The memory plan of a run group: every GPU buffer the group will create, known from its settings before
 * anything is built (no device needed: the adapter class and the limits are inputs). It lists, per block of
 * runs (src/engine/cellBlock.ts) and for the group, each buffer's label, what it is for, its size in bytes
 * and how it is bound (a storage binding must also fit maxStorageBufferBindingSize), and every dispatch grid.
 * It is exactly what RunGroup.create allocates: the block and batch buffers come from the tables of
 * groupBuffers.ts, the ops' own scratch space and uniforms from their footprints (planFootprint.ts), the
 * metrics ring and staging buffers from readback.ts. tests/kernels/memoryPlan.test.ts checks the sum against
 * the buffers really created. memoryCheck.ts holds it against a device's limits and a memory budget.
 *
 * Activations are stored for every step (`storage: 'full'`) or, with recomputation (`{ recompute: k }`, keep the
 * state every k steps and recompute each segment in the backward pass, src/engine/recompute.ts), for one segment
 * of k steps plus the checkpoint rows; everything else stays as it is. Every plan also states the activation
 * bytes of both (full storage, and recomputation at the segment length that takes the least memory), so that
 * the CLI and the lab can show what recomputation saves.
 */

import type { BufferKind, Footprint, FootprintContext, PlannedBuffer, PlannedDispatch } from '../gpu/ops/footprint.ts';
import type { TaskShape } from '../tasks/task.ts';
import { outputStepCount } from '../tasks/task.ts';
import { perRunBatches } from './dataStreams.ts';
import { type BufferSpec, batchBufferTable, blockBufferTable } from './groupBuffers.ts';
import { type CellKind, cellOf, type ModelDims, paramNames, paramSize } from './parameters.ts';
import { blockFootprint } from './planFootprint.ts';
import { ringBytes, STAGING_SLOTS, stagingBytes, traceParts } from './readback.ts';
import type { Storage } from './recompute.ts';
import type { OptimizerName, RunSettings } from './settings.ts';

export interface MemoryPlanInput {
  task: Pick<TaskShape, 'L' | 'I' | 'O' | 'loss' | 'outputSteps'>;
  batchSize: number;
  hidden: number;
  optimizer: OptimizerName;
  /** the runs in group order (what decides the blocks and which optional kernels are prepared) */
  runs: readonly Pick<RunSettings, 'parameterisation' | 'softOrth' | 'dataOffset'>[];
  /** the adapter class (ops choose their blocking from it) and the grid clamp of the elementwise ops */
  device: FootprintContext;
  /** the naive one-dispatch-per-step recurrent kernels */
  naive?: boolean;
  /** how activations are kept (default full storage; a segment length above L counts as L) */
  storage?: Storage;
  /** the lengths the gradients are prepared for (shorter text batches, src/engine/batchLength.ts; default [L]) */
  lengths?: number[];
}

/** Activation bytes of the group per run (all blocks' activation rows over all runs), for one way of keeping them. */
export interface ActivationBytes {
  full: number;
  /** recomputation at the segment length with the least memory (bestSegmentLength) */
  recompute: { k: number; bytes: number };
}

export interface BlockPlan {
  cell: CellKind;
  /** runs in the block */
  runs: number;
  buffers: PlannedBuffer[];
  dispatches: PlannedDispatch[];
  /** bytes of the block's buffers */
  bytes: number;
}

export interface MemoryPlan {
  /** how activations are kept: every step ('full') or segments of k steps recomputed in the backward pass */
  storage: Storage;
  /** activation bytes per run with full storage and with the least-memory recomputation */
  activationsPerRun: ActivationBytes;
  /** the group's dimensions (R = every run) */
  dims: ModelDims;
  /** the lengths (steps) each block prepares its gradients for, ascending, the last one L (src/engine/batchLength.ts) */
  lengths: number[];
  /** the group's own buffers: the batch, the metrics ring, the staging buffers */
  shared: PlannedBuffer[];
  blocks: BlockPlan[];
  /** created for one read and destroyed at once (reading a run's parameters for a checkpoint): the largest */
  transient: PlannedBuffer;
  /** bytes held while the group lives (shared + blocks) */
  residentBytes: number;
  sharedBytes: number;
  /** residentBytes plus the transient read: the most the group holds at once */
  totalBytes: number;
  /** the largest single buffer */
  largest: PlannedBuffer;
}

export function bufferBytes(b: PlannedBuffer): number {
  return b.bytes * b.count;
}

export function sumBytes(buffers: readonly PlannedBuffer[]): number {
  return buffers.reduce((a, b) => a + bufferBytes(b), 0);
}

function fromTable(rows: BufferSpec[]): PlannedBuffer[] {
  return rows.map((r) => ({
    name: r.name,
    kind: r.kind,
    bytes: Math.max(16, r.floats * 4),
    binding: 'storage',
    count: 1,
    shape: r.shape,
  }));
}

function planned(name: string, kind: BufferKind, bytes: number, binding: PlannedBuffer['binding'], count: number, shape: string) {
  return { name, kind, bytes, binding, count, shape };
}

function planDims(input: MemoryPlanInput): ModelDims {
  const { task, runs } = input;
  const Lout = outputStepCount(task);
  const B = input.batchSize;
  return { R: runs.length, L: task.L, B, n: input.hidden, I: task.I, O: task.O, Lout, P: Lout * B };
}

/** A storage with its segment length clamped to L (k >= L is one segment: the same buffers as k = L). */
export function clampStorage(storage: Storage, L: number): Storage {
  return storage === 'full' ? storage : { recompute: Math.max(1, Math.min(L, Math.floor(storage.recompute))) };
}

/** The blocks' activation rows (groupBuffers.ts tables) in bytes for one storage, summed over the blocks. */
function activationTableBytes(input: MemoryPlanInput, dims: ModelDims, storage: Storage): number {
  let bytes = 0;
  for (const cell of ['rnn', 'lstm'] as const) {
    const mine = input.runs.filter((r) => cellOf(r) === cell);
    if (!mine.length) continue;
    const freeSpectrum = cell === 'lstm' || mine.some((r) => r.parameterisation === 'plain');
    for (const row of blockBufferTable(cell, { ...dims, R: mine.length }, freeSpectrum, storage))
      if (row.kind === 'activations') bytes += Math.max(16, row.floats * 4);
  }
  return bytes;
}

/**
 * The segment length whose activations (segment buffers plus checkpoints) take the least memory: about
 * sqrt(L * checkpoint bytes per step / activation bytes per step), found by evaluating the buffer tables. For a
 * number of segments S the shortest segments are k = ceil(L / S) (a longer k with the same S only adds
 * activation slots), so the candidates are those k for S = 1 .. 8 sqrt(L) (more segments only add checkpoints
 * faster than they save). Ties go to the longer segment (fewer dispatches).
 */
export function bestSegmentLength(input: MemoryPlanInput): { k: number; bytes: number } {
  const dims = planDims(input);
  const L = dims.L;
  let best = { k: L, bytes: activationTableBytes(input, dims, { recompute: L }) };
  let last = L;
  for (let S = 2; S <= Math.min(L, 8 * Math.ceil(Math.sqrt(L))); S++) {
    const k = Math.ceil(L / S);
    if (k === last) continue;
    last = k;
    const bytes = activationTableBytes(input, dims, { recompute: k });
    if (bytes < best.bytes) best = { k, bytes };
  }
  return best;
}

export function planMemory(input: MemoryPlanInput): MemoryPlan {
  const { task, runs } = input;
  const dims = planDims(input);
  const storage = clampStorage(input.storage ?? 'full', dims.L);
  const best = bestSegmentLength(input);
  const lengths = input.lengths ?? [dims.L];
  const activationsPerRun: ActivationBytes = {
    full: activationTableBytes(input, dims, 'full') / dims.R,
    recompute: { k: best.k, bytes: best.bytes / dims.R },
  };
  const blocks: BlockPlan[] = [];
  let traceFloats = 0;
  for (const cell of ['rnn', 'lstm'] as const) {
    const mine = runs.filter((r) => cellOf(r) === cell);
    if (!mine.length) continue;
    const d = { ...dims, R: mine.length };
    // spectrum buffers and dispatches where some W is free: every LSTM block, RNN blocks with a plain run
    const freeSpectrum = cell === 'lstm' || mine.some((r) => r.parameterisation === 'plain');
    const fp: Footprint = blockFootprint(
      input.device,
      cell,
      d,
      {
        loss: task.loss,
        optimizer: input.optimizer,
        naive: input.naive,
        anyFactorised: mine.some((r) => r.parameterisation === 'factorised'),
        anySoftOrth: mine.some((r) => r.softOrth > 0),
        storage,
        lengths,
        perRunBatch: perRunBatches(runs),
      },
      freeSpectrum,
    );
    const buffers = [...fromTable(blockBufferTable(cell, d, freeSpectrum, storage)), ...fp.buffers];
    blocks.push({ cell, runs: d.R, buffers, dispatches: fp.dispatches, bytes: sumBytes(buffers) });
    traceFloats += traceParts(cell, d.R, d.L, d.n, freeSpectrum).reduce((a, p) => a + p.floats, 0);
  }
  const shared: PlannedBuffer[] = [
    // one batch for the group, or with several data streams one per run in each block (dataStreams.ts)
    ...(perRunBatches(runs)
      ? blocks.flatMap((b) => fromTable(batchBufferTable(dims, task.loss, { cell: b.cell, R: b.runs })))
      : fromTable(batchBufferTable(dims, task.loss))),
    planned('metricsRing', 'metrics', ringBytes(dims.R), 'copy', 1, '[64 slots][R][4]'),
    planned('metricsStaging', 'staging', stagingBytes(dims.R, traceFloats), 'map-read', STAGING_SLOTS, 'a full ring and the traces'),
  ];
  // a checkpoint reads a run's parameters one by one through a staging buffer of that size (readF32)
  const largestParam = Math.max(
    ...blocks.flatMap((b) => paramNames(b.cell).map((name) => paramSize(b.cell, name, dims) * 4)),
    (dims.L + 1) * 4,
  );
  const transient = planned('read staging', 'staging', largestParam, 'map-read', 1, "one run's largest parameter");
  const sharedBytes = sumBytes(shared);
  const residentBytes = sharedBytes + blocks.reduce((a, b) => a + b.bytes, 0);
  const all = [...shared, ...blocks.flatMap((b) => b.buffers), transient];
  const largest = all.reduce((a, b) => (b.bytes > a.bytes ? b : a));
  return {
    storage,
    activationsPerRun,
    dims,
    lengths,
    shared,
    blocks,
    transient,
    residentBytes,
    sharedBytes,
    totalBytes: residentBytes + bufferBytes(transient),
    largest,
  };
}

/** Every buffer of the plan with the block it belongs to ('group' for the shared ones). */
export function allBuffers(plan: MemoryPlan): { owner: CellKind | 'group'; buffer: PlannedBuffer }[] {
  return [
    ...plan.shared.map((buffer) => ({ owner: 'group' as const, buffer })),
    ...plan.blocks.flatMap((b) => b.buffers.map((buffer) => ({ owner: b.cell, buffer }))),
    { owner: 'group' as const, buffer: plan.transient },
  ];
}
