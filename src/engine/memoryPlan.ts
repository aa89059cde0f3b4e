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
 * Activations are stored for every step (`storage: 'full'`). Recomputation (keep every k-th state, recompute
 * each segment in the backward pass) would be a second variant: its activation rows sized by k steps, plus
 * the checkpoint rows; everything else stays as it is.
 */

import type { BufferKind, Footprint, FootprintContext, PlannedBuffer, PlannedDispatch } from '../gpu/ops/footprint.ts';
import type { TaskShape } from '../tasks/task.ts';
import { outputStepCount } from '../tasks/task.ts';
import { type BufferSpec, batchBufferTable, blockBufferTable } from './groupBuffers.ts';
import { type CellKind, cellOf, type ModelDims, paramNames, paramSize } from './parameters.ts';
import { blockFootprint } from './planFootprint.ts';
import { ringBytes, STAGING_SLOTS, stagingBytes, traceParts } from './readback.ts';
import type { OptimizerName, RunSettings } from './settings.ts';

export interface MemoryPlanInput {
  task: Pick<TaskShape, 'L' | 'I' | 'O' | 'loss' | 'outputSteps'>;
  batchSize: number;
  hidden: number;
  optimizer: OptimizerName;
  /** the runs in group order (what decides the blocks and which optional kernels are prepared) */
  runs: readonly Pick<RunSettings, 'parameterisation' | 'softOrth'>[];
  /** the adapter class (ops choose their blocking from it) and the grid clamp of the elementwise ops */
  device: FootprintContext;
  /** the naive one-dispatch-per-step recurrent kernels */
  naive?: boolean;
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
  /** how activations are kept: every step ('full'); a recomputation variant would keep segments */
  storage: 'full';
  /** the group's dimensions (R = every run) */
  dims: ModelDims;
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

export function planMemory(input: MemoryPlanInput): MemoryPlan {
  const { task, runs } = input;
  const Lout = outputStepCount(task);
  const B = input.batchSize;
  const dims: ModelDims = { R: runs.length, L: task.L, B, n: input.hidden, I: task.I, O: task.O, Lout, P: Lout * B };
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
      },
      freeSpectrum,
    );
    const buffers = [...fromTable(blockBufferTable(cell, d, freeSpectrum)), ...fp.buffers];
    blocks.push({ cell, runs: d.R, buffers, dispatches: fp.dispatches, bytes: sumBytes(buffers) });
    traceFloats += traceParts(cell, d.R, d.L, d.n, freeSpectrum).reduce((a, p) => a + p.floats, 0);
  }
  const shared: PlannedBuffer[] = [
    ...fromTable(batchBufferTable(dims, task.loss)),
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
    storage: 'full',
    dims,
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
