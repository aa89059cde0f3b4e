/**
 * The lab's view of the memory plan (src/engine/memoryPlan.ts, memoryCheck.ts): the plan of some settings on
 * this page's device, and the refusal of settings the device cannot hold, with the experiments that would
 * fit (each suggestion applied to the refused settings) for the user to pick. No GPU work: limits only.
 * A group that evaluates is checked with its evaluation pass beside it (evaluationMemory.ts, as
 * Evaluation.create checks it), so an evaluation batch the device cannot hold is refused before anything is
 * built, like a group that does not fit.
 */
import {
  assertEvaluationFits,
  EvaluationMemoryError,
  type EvaluationMemoryInput,
  planEvaluationMemory,
} from '../../engine/evaluationMemory.ts';
import {
  assertGroupFits,
  checkMemoryPlan,
  DEFAULT_MEMORY_BUDGET,
  type FitSuggestion,
  groupMemoryPlan,
  type MemoryEnvironment,
  MemoryPlanError,
} from '../../engine/memoryCheck.ts';
import type { MemoryPlan } from '../../engine/memoryPlan.ts';
import { evaluationOf, type GroupSettings } from '../../engine/settings.ts';
import { taskShape } from '../../tasks/index.ts';
import type { LabRun } from './store.ts';

/** An experiment that fits, from one suggestion. */
export interface MemoryFit {
  /** "T = 48", "batch 50", "n = 90", "the first 2 runs" */
  label: string;
  group: GroupSettings;
  runs: LabRun[];
}

/** Settings the device cannot hold: why, and what would fit. */
export interface MemoryRefusal {
  message: string;
  fits: MemoryFit[];
}

/** The lab's memory line: the group's plan and, when the group evaluates, its evaluation pass's beside it. */
export interface LabMemory {
  plan: MemoryPlan;
  /** the evaluation pass (evaluationMemory.ts) at its batch, or null when the group does not evaluate */
  evaluation: { plan: MemoryPlan; batchSize: number } | null;
  /** the group, and its evaluation pass beside it, fit the device and the budget */
  fits: boolean;
}

function evaluationInput(group: GroupSettings, plan: MemoryPlan, env: MemoryEnvironment, batchSize: number): EvaluationMemoryInput {
  return {
    task: env.task ?? taskShape(group),
    batchSize,
    hidden: group.hidden,
    blocks: plan.blocks.map((b) => ({ cell: b.cell, runs: b.runs })),
    device: { software: env.software, quads: env.quads, maxComputeWorkgroupsPerDimension: env.limits.maxComputeWorkgroupsPerDimension },
    naive: env.naive,
    keepBest: true,
    storage: plan.storage,
  };
}

export function labMemoryPlan(group: GroupSettings, runs: readonly LabRun[], env: MemoryEnvironment): LabMemory {
  const plan = groupMemoryPlan(
    group,
    runs.map((r) => r.settings),
    env,
  );
  const groupFits = checkMemoryPlan(plan, env.limits, env.budget).length === 0;
  const request = evaluationOf(group);
  if (!request) return { plan, evaluation: null, fits: groupFits };
  const batchSize = request.batchSize ?? group.batchSize;
  const evaluationPlan = planEvaluationMemory(evaluationInput(group, plan, env, batchSize));
  const left = Math.max(0, (env.budget ?? DEFAULT_MEMORY_BUDGET) - plan.totalBytes);
  const fits = groupFits && checkMemoryPlan(evaluationPlan, env.limits, left).length === 0;
  return { plan, evaluation: { plan: evaluationPlan, batchSize }, fits };
}

function fitOf(s: FitSuggestion, group: GroupSettings, runs: LabRun[]): MemoryFit {
  switch (s.key) {
    case 'T':
      return { label: `T = ${s.value}`, group: { ...group, T: s.value }, runs };
    case 'batchSize':
      return { label: `batch ${s.value}`, group: { ...group, batchSize: s.value }, runs };
    case 'hidden':
      return { label: `n = ${s.value}`, group: { ...group, hidden: s.value }, runs };
    case 'runs':
      return { label: `the first ${s.value} runs`, group, runs: runs.slice(0, s.value) };
  }
}

/** null when (group, runs) fits the device and the budget, with its evaluation pass where it evaluates; else the refusal. */
export function memoryRefusal(group: GroupSettings, runs: LabRun[], env: MemoryEnvironment): MemoryRefusal | null {
  let plan: MemoryPlan;
  try {
    plan = assertGroupFits(
      group,
      runs.map((r) => r.settings),
      env,
    );
  } catch (e) {
    if (!(e instanceof MemoryPlanError)) throw e;
    return { message: e.message, fits: e.suggestions.map((s) => fitOf(s, group, runs)) };
  }
  const evaluation = evaluationOf(group);
  if (!evaluation) return null;
  try {
    assertEvaluationFits(
      evaluationInput(group, plan, env, evaluation.batchSize ?? group.batchSize),
      env.limits,
      plan.totalBytes,
      env.budget,
    );
    return null;
  } catch (e) {
    if (!(e instanceof EvaluationMemoryError)) throw e;
    return { message: `Evaluation batch (evaluationBatch): ${e.message}`, fits: [] };
  }
}
