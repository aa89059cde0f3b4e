/**
 * The memory plan of an evaluation pass (evaluation.ts), known before anything is built, in the run group's
 * terms (memoryPlan.ts): its batch buffers at the evaluation's batch size, per block the forward-only
 * buffers of forwardPlan.ts and their ops' footprints, the best-validation weights when they are kept
 * (bestWeights.ts), and the ring of per-batch loss sums with its staging buffer. It is held against the
 * device's limits like a group's (memoryCheck.ts), and against what the memory budget leaves beside the
 * group it evaluates.
 */
import type { FootprintContext, PlannedBuffer } from '../gpu/ops/footprint.ts';
import type { TaskShape } from '../tasks/task.ts';
import { outputStepCount } from '../tasks/task.ts';
import { forwardBufferTable, forwardFootprint } from './forwardPlan.ts';
import { type BufferSpec, batchBufferTable, LOSS_STATS } from './groupBuffers.ts';
import { checkMemoryPlan, DEFAULT_MEMORY_BUDGET, describeProblem, type GpuLimits, type MemoryProblem } from './memoryCheck.ts';
import type { BlockPlan, MemoryPlan } from './memoryPlan.ts';
import { clampStorage, sumBytes } from './memoryPlan.ts';
import { formatBytes } from './memoryText.ts';
import { type CellKind, type ModelDims, paramNames, paramShape, paramSize } from './parameters.ts';
import type { Storage } from './recompute.ts';

/** Batches whose loss sums are gathered on the GPU before one readback. */
export const EVALUATION_SLOTS = 64;

export interface EvaluationMemoryInput {
  task: Pick<TaskShape, 'L' | 'I' | 'O' | 'loss' | 'outputSteps'>;
  /** the evaluation's batch (may differ from training's) */
  batchSize: number;
  hidden: number;
  /** the runs of each block, in the group's block order (RNN first) */
  blocks: readonly { cell: CellKind; runs: number }[];
  device: FootprintContext;
  naive?: boolean;
  /** the best-validation weights are kept (a second parameter set per block) */
  keepBest: boolean;
  /** how the group keeps its activations (the pass keeps its own the same way; default full storage) */
  storage?: Storage;
}

function fromTable(rows: BufferSpec[]): PlannedBuffer[] {
  return rows.map((r) => ({ name: r.name, kind: r.kind, bytes: Math.max(16, r.floats * 4), binding: 'storage', count: 1, shape: r.shape }));
}

/** The rows of a block's best-validation parameter set ([R][...] per name, like the block's own). */
export function bestBufferTable(cell: CellKind, d: ModelDims): BufferSpec[] {
  return paramNames(cell).map((name) => ({
    key: name,
    name: `best.${cell}.${name}`,
    floats: d.R * paramSize(cell, name, d),
    kind: 'parameters',
    shape: `[R][${paramShape(cell, name, d).join('][')}]`,
  }));
}

export function resultsBytes(R: number): number {
  return EVALUATION_SLOTS * R * LOSS_STATS * 4;
}

export function planEvaluationMemory(input: EvaluationMemoryInput): MemoryPlan {
  const { task } = input;
  const Lout = outputStepCount(task);
  const B = input.batchSize;
  const R = input.blocks.reduce((a, b) => a + b.runs, 0);
  const dims: ModelDims = { R, L: task.L, B, n: input.hidden, I: task.I, O: task.O, Lout, P: Lout * B };
  const storage = clampStorage(input.storage ?? 'full', dims.L);
  // activation bytes per run of the pass with full storage and with the group's storage (its segment length)
  const activationBytes = (st: Storage) =>
    input.blocks.reduce(
      (a, { cell, runs }) =>
        a + sumBytes(fromTable(forwardBufferTable(cell, { ...dims, R: runs }, st).filter((r) => r.kind === 'activations'))),
      0,
    ) / R;
  const blocks: BlockPlan[] = input.blocks.map(({ cell, runs }) => {
    const d = { ...dims, R: runs };
    const fp = forwardFootprint(input.device, cell, d, { loss: task.loss, naive: input.naive, storage });
    const buffers = [
      ...fromTable(forwardBufferTable(cell, d, storage)),
      ...(input.keepBest ? fromTable(bestBufferTable(cell, d)) : []),
      ...fp.buffers,
    ];
    return { cell, runs, buffers, dispatches: fp.dispatches, bytes: sumBytes(buffers) };
  });
  const results = resultsBytes(R);
  const shared: PlannedBuffer[] = [
    // allocated from the group's own table (groupBuffers.ts), so labelled as the group's batch buffers are
    ...fromTable(batchBufferTable(dims, task.loss)),
    {
      name: 'evaluation.results',
      kind: 'metrics',
      bytes: results,
      binding: 'copy',
      count: 1,
      shape: `[${EVALUATION_SLOTS} batches][R][2]`,
    },
    { name: 'evaluation.staging', kind: 'staging', bytes: results, binding: 'map-read', count: 1, shape: 'the results ring' },
  ];
  // reading a run's best weights for a checkpoint goes through one staging buffer per parameter (readF32)
  const largestParam = Math.max(16, ...blocks.flatMap((b) => paramNames(b.cell).map((name) => paramSize(b.cell, name, dims) * 4)));
  const transient: PlannedBuffer = {
    name: 'read staging',
    kind: 'staging',
    bytes: input.keepBest ? largestParam : 0,
    binding: 'map-read',
    count: input.keepBest ? 1 : 0,
    shape: "one run's largest best-weights parameter",
  };
  const sharedBytes = sumBytes(shared);
  const residentBytes = sharedBytes + blocks.reduce((a, b) => a + b.bytes, 0);
  const all = [...shared, ...blocks.flatMap((b) => b.buffers), transient];
  return {
    storage,
    // the evaluation pass runs every batch over all L steps
    lengths: [dims.L],
    activationsPerRun: {
      full: activationBytes('full'),
      recompute: {
        k: storage === 'full' ? dims.L : storage.recompute,
        bytes: activationBytes(storage === 'full' ? { recompute: dims.L } : storage),
      },
    },
    dims,
    shared,
    blocks,
    transient,
    residentBytes,
    sharedBytes,
    totalBytes: residentBytes + transient.bytes * transient.count,
    largest: all.reduce((a, b) => (b.bytes > a.bytes ? b : a)),
  };
}

export class EvaluationMemoryError extends Error {
  constructor(
    message: string,
    readonly plan: MemoryPlan,
    readonly problems: MemoryProblem[],
  ) {
    super(message);
    this.name = 'EvaluationMemoryError';
  }
}

/**
 * The plan when it fits the device's limits and the budget left beside the group (budget - groupBytes);
 * otherwise an EvaluationMemoryError that names the problems and the largest evaluation batch that fits.
 */
export function assertEvaluationFits(
  input: EvaluationMemoryInput,
  limits: GpuLimits,
  groupBytes: number,
  budget = DEFAULT_MEMORY_BUDGET,
): MemoryPlan {
  const left = Math.max(0, budget - groupBytes);
  const plan = planEvaluationMemory(input);
  const problems = checkMemoryPlan(plan, limits, left);
  if (!problems.length) return plan;
  const fits = (b: number) => checkMemoryPlan(planEvaluationMemory({ ...input, batchSize: b }), limits, left).length === 0;
  let lo = 1;
  let hi = input.batchSize - 1;
  const any = hi >= 1 && fits(1);
  while (any && lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (fits(mid)) lo = mid;
    else hi = mid - 1;
  }
  const what = any
    ? ` An evaluation batch of at most ${lo} fits.`
    : ' No smaller evaluation batch fits: make the group smaller (T, n or the number of runs) or raise the budget.';
  const described = problems.map((p) =>
    p.kind === 'budget'
      ? `it needs ${formatBytes(p.total)}, more than the ${formatBytes(p.budget)} the memory budget leaves`
      : describeProblem(p),
  );
  throw new EvaluationMemoryError(
    `The evaluation pass does not fit the GPU beside its run group: ${described.join('; and ')}. ` +
      `It needs ${formatBytes(plan.totalBytes)}; the group holds ${formatBytes(groupBytes)} of the memory budget of ${formatBytes(budget)}.${what}`,
    plan,
    problems,
  );
}
