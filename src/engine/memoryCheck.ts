/**
 * A run group's memory plan (memoryPlan.ts) held against a device's limits and a memory budget, before
 * anything is built: every buffer against maxBufferSize, every storage buffer against
 * maxStorageBufferBindingSize (the kernels bind whole buffers at offset 0, so no offset alignment enters),
 * every kernel's storage bindings against maxStorageBuffersPerShaderStage, every dispatch grid against
 * maxComputeWorkgroupsPerDimension, and the total against the budget. A group that does not fit is refused
 * with a MemoryPlanError that names the largest offending buffer, its size, the limit, the total, and the
 * largest T, batch, n (each with the others fixed) or number of runs that would fit.
 *
 * How activations are kept follows the group's `recompute` setting (src/engine/recompute.ts): 'off' is full
 * storage, a number is recomputation in segments of that many steps, and 'auto' (the default) is full storage
 * when its plan fits and otherwise recomputation at the segment length with the least memory; a group that does
 * not fit even so is refused with the message saying what recomputation would need.
 *
 * The budget: WebGPU has no way to ask how much GPU memory is free (an adapter only states the largest
 * buffer it allows), so the total is held against DEFAULT_MEMORY_BUDGET unless the caller gives another
 * (`--memory-budget` in the CLI). 4 GiB fits the smallest discrete GPUs people teach with and a fair share of
 * an integrated GPU's shared memory; a group past what the GPU really has is still stopped cleanly by the
 * out-of-memory error scopes of RunGroup.create and of every iteration.
 */

import { KERNEL_LAYOUTS, type KernelName } from '../gpu/kernelLayouts.ts';
import type { PlannedBuffer, PlannedDispatch } from '../gpu/ops/footprint.ts';
import { type TaskShape, taskShape } from '../tasks/index.ts';
import { batchesVaryInLength, planLengths } from './batchLength.ts';
import { allBuffers, type MemoryPlan, planMemory } from './memoryPlan.ts';
import { formatBytes, KIND_WORDS } from './memoryText.ts';
import type { Storage } from './recompute.ts';
import { GROUP_SETTINGS, type GroupSettings, type RunSettings } from './settings.ts';

/** The device limits the plan is checked against (a GPUSupportedLimits has them all). */
export interface GpuLimits {
  maxBufferSize: number;
  maxStorageBufferBindingSize: number;
  maxStorageBuffersPerShaderStage: number;
  maxComputeWorkgroupsPerDimension: number;
}

/** WebGPU's default limits: what a device gets when it asks for nothing more. */
export const WEBGPU_DEFAULT_LIMITS: GpuLimits = {
  maxBufferSize: 256 * 2 ** 20,
  maxStorageBufferBindingSize: 128 * 2 ** 20,
  maxStorageBuffersPerShaderStage: 8,
  maxComputeWorkgroupsPerDimension: 65535,
};

export const DEFAULT_MEMORY_BUDGET = 4 * 2 ** 30;

export type MemoryProblem =
  | { kind: 'buffer'; buffer: PlannedBuffer; limit: number }
  | { kind: 'binding'; buffer: PlannedBuffer; limit: number }
  | { kind: 'workgroups'; dispatch: PlannedDispatch; axis: number; limit: number }
  | { kind: 'bindings-per-stage'; kernel: KernelName; count: number; limit: number }
  | { kind: 'budget'; total: number; budget: number };

/** Everything in the plan that the device or the budget does not allow, the largest buffers first. */
export function checkMemoryPlan(plan: MemoryPlan, limits: GpuLimits, budget = DEFAULT_MEMORY_BUDGET): MemoryProblem[] {
  const buffers = allBuffers(plan)
    .map((b) => b.buffer)
    .sort((a, b) => b.bytes - a.bytes);
  const problems: MemoryProblem[] = [];
  for (const buffer of buffers) {
    if (buffer.bytes > limits.maxBufferSize) problems.push({ kind: 'buffer', buffer, limit: limits.maxBufferSize });
    else if (buffer.binding === 'storage' && buffer.bytes > limits.maxStorageBufferBindingSize)
      problems.push({ kind: 'binding', buffer, limit: limits.maxStorageBufferBindingSize });
  }
  const kernels = new Set<KernelName>();
  for (const block of plan.blocks) {
    for (const d of block.dispatches) {
      kernels.add(d.kernel);
      const axis = d.workgroups.findIndex((w) => w > limits.maxComputeWorkgroupsPerDimension);
      if (axis >= 0) problems.push({ kind: 'workgroups', dispatch: d, axis, limit: limits.maxComputeWorkgroupsPerDimension });
    }
  }
  for (const kernel of kernels) {
    const count = KERNEL_LAYOUTS[kernel].storage;
    if (count > limits.maxStorageBuffersPerShaderStage)
      problems.push({ kind: 'bindings-per-stage', kernel, count, limit: limits.maxStorageBuffersPerShaderStage });
  }
  if (plan.totalBytes > budget) problems.push({ kind: 'budget', total: plan.totalBytes, budget });
  return problems;
}

/** One problem in words. */
export function describeProblem(p: MemoryProblem): string {
  const what = (b: PlannedBuffer) => `${KIND_WORDS[b.kind]} ${b.name}${b.shape ? ` ${b.shape}` : ''}`;
  switch (p.kind) {
    case 'buffer':
      return `${what(p.buffer)} need ${formatBytes(p.buffer.bytes)} in one buffer; this device allows ${formatBytes(p.limit)} per buffer`;
    case 'binding':
      return `${what(p.buffer)} need ${formatBytes(p.buffer.bytes)} in one storage binding; this device allows ${formatBytes(p.limit)} per storage binding`;
    case 'workgroups':
      return `the dispatch '${p.dispatch.label}' needs ${p.dispatch.workgroups[p.axis]} workgroups along ${'xyz'[p.axis]}; this device allows ${p.limit}`;
    case 'bindings-per-stage':
      return `the kernel ${p.kernel} binds ${p.count} storage buffers; this device allows ${p.limit} per shader stage`;
    case 'budget':
      return `the group needs ${formatBytes(p.total)} of GPU memory, over the memory budget of ${formatBytes(p.budget)}`;
  }
}

/** Where and how a group is planned: the adapter class, the device's limits, the budget. */
export interface MemoryEnvironment {
  software: boolean;
  /** OpContext.quads (the software kernels picked; they set workgroup counts, not bytes) */
  quads: boolean;
  limits: GpuLimits;
  /** default DEFAULT_MEMORY_BUDGET */
  budget?: number;
  naive?: boolean;
  /** a task that is not in the settings table (RunGroupOptions.task); its L is fixed, so no T is suggested */
  task?: TaskShape;
  /** every batch runs all L steps (RunGroupOptions.fullLength): no gradients prepared for shorter text batches */
  fullLength?: boolean;
}

/** The plan of the group with its activations kept as `storage`. */
export function storageMemoryPlan(
  group: GroupSettings,
  runs: readonly RunSettings[],
  env: MemoryEnvironment,
  storage: Storage,
): MemoryPlan {
  return planMemory({
    task: env.task ?? taskShape(group),
    batchSize: group.batchSize,
    hidden: group.hidden,
    optimizer: group.optimizer,
    runs,
    device: { software: env.software, quads: env.quads, maxComputeWorkgroupsPerDimension: env.limits.maxComputeWorkgroupsPerDimension },
    naive: env.naive,
    storage,
    lengths: planLengths((env.task ?? taskShape(group)).L, !env.fullLength && batchesVaryInLength(group.task)),
  });
}

/**
 * The group's plan with the storage its `recompute` setting picks: 'off' full storage, k segments of k steps,
 * 'auto' (also when unset) full storage if that fits the limits and the budget, else recomputation at the
 * segment length with the least memory.
 */
export function groupMemoryPlan(group: GroupSettings, runs: readonly RunSettings[], env: MemoryEnvironment): MemoryPlan {
  const setting = group.recompute ?? 'auto';
  if (setting === 'off') return storageMemoryPlan(group, runs, env, 'full');
  if (typeof setting === 'number') return storageMemoryPlan(group, runs, env, { recompute: setting });
  const full = storageMemoryPlan(group, runs, env, 'full');
  if (checkMemoryPlan(full, env.limits, env.budget).length === 0) return full;
  return storageMemoryPlan(group, runs, env, { recompute: full.activationsPerRun.recompute.k });
}

function fits(group: GroupSettings, runs: readonly RunSettings[], env: MemoryEnvironment): boolean {
  return checkMemoryPlan(groupMemoryPlan(group, runs, env), env.limits, env.budget).length === 0;
}

/** The largest v in [lo, hi] with ok(v), for ok true up to some value and false above it; null if not even lo. */
function largest(lo: number, hi: number, ok: (v: number) => boolean): number | null {
  if (hi < lo || !ok(lo)) return null;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (ok(mid)) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

const MIN_T = GROUP_SETTINGS.T.kind === 'integer' ? GROUP_SETTINGS.T.min : 1;

export interface FitSuggestion {
  /** the setting to lower ('runs': keep the first `value` runs) */
  key: 'T' | 'batchSize' | 'hidden' | 'runs';
  value: number;
  text: string;
}

/** The largest T, batch and n (each with the others fixed) and number of runs with which the group fits. */
export function suggestFits(group: GroupSettings, runs: readonly RunSettings[], env: MemoryEnvironment): FitSuggestion[] {
  const out: FitSuggestion[] = [];
  const { T, batchSize: B, hidden: n } = group;
  const taskPart = env.task ? '' : `T = ${T}, `;
  if (!env.task) {
    const v = largest(MIN_T, T - 1, (t) => fits({ ...group, T: t }, runs, env));
    if (v !== null) out.push({ key: 'T', value: v, text: `T at most ${v} (n = ${n}, batch ${B})` });
  }
  const b = largest(1, B - 1, (v) => fits({ ...group, batchSize: v }, runs, env));
  if (b !== null) out.push({ key: 'batchSize', value: b, text: `batch at most ${b} (${taskPart}n = ${n})` });
  // OPLU pairs units: only even sizes are allowed when an RNN run uses it
  const even = runs.some((r) => r.nonlinearity === 'oplu' && r.parameterisation !== 'lstm');
  const allowed = (v: number) => (even ? v - (v % 2) : v);
  const h = largest(2, n - 1, (v) => fits({ ...group, hidden: allowed(v) }, runs, env));
  if (h !== null && allowed(h) < n) out.push({ key: 'hidden', value: allowed(h), text: `n at most ${allowed(h)} (${taskPart}batch ${B})` });
  const k = largest(1, runs.length - 1, (v) => fits(group, runs.slice(0, v), env));
  if (k !== null) out.push({ key: 'runs', value: k, text: `the first ${k} of the ${runs.length} runs` });
  return out;
}

export class MemoryPlanError extends Error {
  constructor(
    message: string,
    readonly plan: MemoryPlan,
    readonly problems: MemoryProblem[],
    readonly suggestions: FitSuggestion[],
  ) {
    super(message);
    this.name = 'MemoryPlanError';
  }
}

/**
 * The refusal in one line: the largest offending buffer (or the first problem), the first problem of each
 * other kind (a kernel's bindings or a grid is not a matter of memory), how many more, the total, and what
 * would fit.
 */
export function refusalMessage(
  plan: MemoryPlan,
  problems: MemoryProblem[],
  suggestions: FitSuggestion[],
  budget: number,
  setting: GroupSettings['recompute'] = 'off',
): string {
  // a grid or a kernel's bindings is not a matter of memory: the first of each of those kinds is named too
  const other = (p: MemoryProblem) => p.kind === 'workgroups' || p.kind === 'bindings-per-stage';
  const shown = problems.filter(
    (p, i) => i === 0 || (other(p) && p.kind !== problems[0].kind && problems.findIndex((q) => q.kind === p.kind) === i),
  );
  const more = problems.length - shown.length;
  const parts = [
    `This run group does not fit the GPU: ${shown.map(describeProblem).join('; and ')}`,
    more > 0 ? ` (and ${more} more problem${more === 1 ? '' : 's'})` : '',
    problems[0].kind === 'budget' ? '.' : `. In all it needs ${formatBytes(plan.totalBytes)} (memory budget ${formatBytes(budget)}).`,
    storageNote(plan, setting),
    suggestions.length
      ? ` What would fit: ${suggestions.map((s) => s.text).join('; or ')}.`
      : ' Nothing smaller in one setting fits: reduce several of T, batch, n and the number of runs.',
  ];
  return parts.join('');
}

/** What recomputation does or would do for a refused plan, in one sentence (empty when it has nothing to add). */
function storageNote(plan: MemoryPlan, setting: GroupSettings['recompute']): string {
  const a = plan.activationsPerRun;
  const rec = `recomputation in segments of ${a.recompute.k} steps (the least memory) needs ${formatBytes(a.recompute.bytes)} of activations per run, full storage ${formatBytes(a.full)}`;
  if (plan.storage !== 'full' && (setting ?? 'auto') === 'auto') return ` Recomputation was tried: ${rec}.`;
  if (plan.storage !== 'full') return ` With recomputation in segments of ${plan.storage.recompute} steps; ${rec}.`;
  return ` Recomputation is off; ${rec}.`;
}

/** The group's plan when it fits; otherwise throws a MemoryPlanError (nothing is built). */
export function assertGroupFits(group: GroupSettings, runs: readonly RunSettings[], env: MemoryEnvironment): MemoryPlan {
  const plan = groupMemoryPlan(group, runs, env);
  const budget = env.budget ?? DEFAULT_MEMORY_BUDGET;
  const problems = checkMemoryPlan(plan, env.limits, budget);
  if (!problems.length) return plan;
  const suggestions = suggestFits(group, runs, env);
  throw new MemoryPlanError(refusalMessage(plan, problems, suggestions, budget, group.recompute), plan, problems, suggestions);
}

/**
 * What to say when the device could not allocate a group its limits and the budget allow (WebGPU cannot tell
 * how much memory is free, so the plan can pass and the allocation still fail): the plan's sizes, and what
 * would fit in half of it, i.e. with a memory budget of half the plan's total.
 */
export function outOfMemoryAdvice(group: GroupSettings, runs: readonly RunSettings[], env: MemoryEnvironment, plan: MemoryPlan): string {
  const half = Math.floor(plan.totalBytes / 2);
  const suggestions = suggestFits(group, runs, { ...env, budget: half });
  return (
    `The group needed ${formatBytes(plan.totalBytes)} in all (largest buffer ${plan.largest.name} ${formatBytes(plan.largest.bytes)}), ` +
    `within this device's limits and the memory budget of ${formatBytes(env.budget ?? DEFAULT_MEMORY_BUDGET)}, but the device could not allocate it ` +
    '(WebGPU cannot tell how much memory is free). ' +
    (suggestions.length
      ? `In half that memory (a memory budget of ${formatBytes(half)}) would fit: ${suggestions.map((s) => s.text).join('; or ')}.`
      : 'Reduce several of T, batch, n and the number of runs.')
  );
}
