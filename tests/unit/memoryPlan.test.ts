/**
 * The memory plan and its checks from the limits alone (no device): sizes the GPU cannot hold are refused
 * with a message naming the largest offending buffer, its size, the limit, the total and what would fit; each
 * kind of limit (buffer size, storage binding size, storage buffers per stage, workgroups per dimension, the
 * budget) is checked; the suggested sizes really are the largest that fit.
 */
import { describe, expect, it } from 'vitest';
import {
  assertGroupFits,
  checkMemoryPlan,
  DEFAULT_MEMORY_BUDGET,
  type GpuLimits,
  groupMemoryPlan,
  type MemoryEnvironment,
  MemoryPlanError,
  WEBGPU_DEFAULT_LIMITS,
} from '../../src/engine/memoryCheck.ts';
import { allBuffers, sumBytes } from '../../src/engine/memoryPlan.ts';
import { formatBytes, memoryRows, memorySummary, parseByteSize } from '../../src/engine/memoryText.ts';
import { type GroupSettings, PAPER_GROUP, PAPER_RUN, type RunSettings } from '../../src/engine/settings.ts';

/** What SwiftShader's device gets (measured in Node and Chromium): 1 GiB buffers and bindings, 10 storage buffers per stage. */
const SWIFTSHADER: GpuLimits = {
  maxBufferSize: 2 ** 30,
  maxStorageBufferBindingSize: 2 ** 30,
  maxStorageBuffersPerShaderStage: 10,
  maxComputeWorkgroupsPerDimension: 65535,
};
const sw: MemoryEnvironment = { software: true, quads: true, limits: SWIFTSHADER };
const factorised: RunSettings = { ...PAPER_RUN, margin: 0 };
const plain: RunSettings = { ...PAPER_RUN, parameterisation: 'plain' };
const lstm: RunSettings = { ...PAPER_RUN, parameterisation: 'lstm' };

function refusal(group: GroupSettings, runs: RunSettings[], env: MemoryEnvironment): MemoryPlanError {
  try {
    assertGroupFits(group, runs, env);
  } catch (e) {
    if (e instanceof MemoryPlanError) return e;
    throw e;
  }
  throw new Error('the group was not refused');
}

/** The paper's group with full storage only (the refusals below are about what full storage needs). */
const PAPER_OFF: GroupSettings = { ...PAPER_GROUP, recompute: 'off' };

const fits = (group: GroupSettings, runs: RunSettings[], env: MemoryEnvironment) =>
  checkMemoryPlan(groupMemoryPlan(group, runs, env), env.limits, env.budget).length === 0;

describe('the memory plan', () => {
  it('sums to its blocks and shared buffers; activations grow with the sequence', () => {
    const runs = [factorised, { ...factorised, margin: 1 }, plain, lstm];
    const plan = groupMemoryPlan(PAPER_GROUP, runs, sw);
    expect(plan.blocks.map((b) => [b.cell, b.runs])).toEqual([
      ['rnn', 3],
      ['lstm', 1],
    ]);
    expect(plan.residentBytes).toBe(plan.sharedBytes + plan.blocks.reduce((a, b) => a + sumBytes(b.buffers), 0));
    expect(plan.totalBytes).toBe(plan.residentBytes + plan.transient.bytes);
    const h = (p: typeof plan) => allBuffers(p).find((b) => b.buffer.name === 'rnn.h')!.buffer.bytes;
    // h [R][L+1][B][n]: copy T=100 is L = 120 steps
    expect(h(plan)).toBe(3 * 121 * 50 * 128 * 4);
    expect(h(groupMemoryPlan({ ...PAPER_GROUP, T: 200 }, runs, sw))).toBe(3 * 221 * 50 * 128 * 4);
    expect(plan.largest.bytes).toBe(Math.max(...allBuffers(plan).map((b) => b.buffer.bytes)));
  });

  it('says what a group needs in one line, and lists its buffers largest first', () => {
    const plan = groupMemoryPlan(PAPER_GROUP, [factorised, { ...factorised, margin: 1 }], sw);
    const line = memorySummary(plan, SWIFTSHADER.maxBufferSize);
    expect(line).toMatch(
      /^\d+(\.\d+)? MiB \(2 runs x \d+(\.\d+)? MiB \+ shared \d+(\.\d+)? KiB\); largest buffer rnn\.h 5\.91 MiB of 1\.00 GiB allowed; activations per run [\d.]+ MiB with full storage \(recomputation in segments of \d+ steps: [\d.]+ [KM]iB\)$/,
    );
    const rows = memoryRows(plan);
    expect(rows[0].name).toBe('rnn.h');
    expect(rows.reduce((a, r) => a + r.total, 0)).toBe(plan.totalBytes);
    expect(formatBytes(42026926080)).toBe('39.1 GiB');
    expect(formatBytes(512)).toBe('512 B');
  });

  it('reads a memory budget as a user writes it (--memory-budget)', () => {
    expect(parseByteSize('4GiB')).toBe(4 * 2 ** 30);
    expect(parseByteSize('512 MiB')).toBe(512 * 2 ** 20);
    expect(parseByteSize('2.5GB')).toBe(2.5e9);
    expect(parseByteSize('1e9')).toBe(1e9);
    expect(parseByteSize('64kib')).toBe(65536);
    for (const bad of ['lots', '', '0', '-1GiB', '4 GiBs', 'GiB', '1e400']) expect(parseByteSize(bad), bad).toBeNull();
  });
});

describe('refusing what the device cannot hold', () => {
  it("the issue's --T 10000 --hidden 1024 --batch 1024: the buffer, its size, the limit, the total and what fits", () => {
    const group = { ...PAPER_OFF, T: 10000, hidden: 1024, batchSize: 1024 };
    const e = refusal(group, [factorised], sw);
    expect(e.message).toMatch(
      /^This run group does not fit the GPU: activations rnn\.h \[R\]\[L\+1\]\[B\]\[n\] need 39\.1 GiB in one buffer; this device allows 1\.00 GiB per buffer/,
    );
    expect(e.message).toMatch(/In all it needs \d+ GiB \(memory budget 4\.00 GiB\)\./);
    expect(e.message).toMatch(/What would fit: T at most \d+ \(n = 1024, batch 1024\); or batch at most \d+ \(T = 10000, n = 1024\)\./);
    expect(e.message).toMatch(
      /Recomputation is off; recomputation in segments of \d+ steps \(the least memory\) needs [\d.]+ GiB of activations per run, full storage [\d.]+ GiB\./,
    );
    expect(e.message).not.toMatch(/\n/);
    // each suggestion is the largest that fits with the others fixed
    const T = e.suggestions.find((s) => s.key === 'T')!.value;
    const B = e.suggestions.find((s) => s.key === 'batchSize')!.value;
    expect(fits({ ...group, T }, [factorised], sw)).toBe(true);
    expect(fits({ ...group, T: T + 1 }, [factorised], sw)).toBe(false);
    expect(fits({ ...group, batchSize: B }, [factorised], sw)).toBe(true);
    expect(fits({ ...group, batchSize: B + 1 }, [factorised], sw)).toBe(false);
    // the sequence's matmul grid (L*B rows) is beyond 65535 workgroups too, whatever n: no n is offered
    expect(e.message).toMatch(/the dispatch 'xproj' needs \d+ workgroups along y; this device allows 65535/);
    expect(e.suggestions.some((s) => s.key === 'hidden')).toBe(false);
  });

  it('a buffer under maxBufferSize but over maxStorageBufferBindingSize is refused as a binding', () => {
    // WebGPU's defaults: 256 MiB buffers, 128 MiB storage bindings, 8 storage buffers per stage (plain runs bind at most 8)
    const env: MemoryEnvironment = { software: false, quads: false, limits: WEBGPU_DEFAULT_LIMITS };
    const group = { ...PAPER_OFF, task: 'adding' as const, T: 2000, hidden: 128, batchSize: 160 };
    const plan = groupMemoryPlan(group, [plain], env);
    expect(plan.largest.bytes).toBeGreaterThan(WEBGPU_DEFAULT_LIMITS.maxStorageBufferBindingSize);
    expect(plan.largest.bytes).toBeLessThan(WEBGPU_DEFAULT_LIMITS.maxBufferSize);
    const e = refusal(group, [plain], env);
    expect(e.problems.every((p) => p.kind === 'binding')).toBe(true);
    expect(e.message).toMatch(/need 156 MiB in one storage binding; this device allows 128 MiB per storage binding/);
    const B = e.suggestions.find((s) => s.key === 'batchSize')!.value;
    expect(fits({ ...group, batchSize: B }, [plain], env)).toBe(true);
    expect(fits({ ...group, batchSize: B + 1 }, [plain], env)).toBe(false);
  });

  it('a kernel that binds more storage buffers than the device allows per stage', () => {
    // n = 128: the vec4 LSTM backward (src/gpu/ops/lstm.ts lstmBackwardKernel) is the kernel that binds 10
    const e = refusal(PAPER_OFF, [lstm], { software: false, quads: false, limits: { ...SWIFTSHADER, maxStorageBuffersPerShaderStage: 8 } });
    expect(e.message).toMatch(/the kernel lstmBackwardVec4 binds 10 storage buffers; this device allows 8 per shader stage/);
    expect(e.message).toMatch(/Nothing smaller in one setting fits/);
  });

  it('the total against the memory budget', () => {
    const group = { ...PAPER_OFF, T: 1000, batchSize: 200 };
    const runs = Array.from({ length: 8 }, (_, i) => ({ ...factorised, seed: i }));
    const plan = groupMemoryPlan(group, runs, sw);
    expect(plan.largest.bytes).toBeLessThan(SWIFTSHADER.maxBufferSize);
    expect(plan.totalBytes).toBeGreaterThan(DEFAULT_MEMORY_BUDGET);
    const e = refusal(group, runs, sw);
    expect(e.problems.map((p) => p.kind)).toEqual(['budget']);
    expect(e.message).toMatch(/the group needs [\d.]+ GiB of GPU memory, over the memory budget of 4\.00 GiB/);
    const k = e.suggestions.find((s) => s.key === 'runs')!.value;
    expect(e.message).toContain(`the first ${k} of the 8 runs`);
    expect(fits(group, runs.slice(0, k), sw)).toBe(true);
    expect(fits(group, runs.slice(0, k + 1), sw)).toBe(false);
    // a larger budget lets it through
    expect(fits(group, runs, { ...sw, budget: 2 * plan.totalBytes })).toBe(true);
  });

  it('the paper sizes fit SwiftShader; n must stay even for OPLU when it is suggested', () => {
    expect(fits(PAPER_OFF, [factorised, plain, lstm], sw)).toBe(true);
    const group = { ...PAPER_OFF, T: 1000, hidden: 1000, batchSize: 200 };
    const oplu = { ...plain, nonlinearity: 'oplu' as const };
    const e = refusal(group, [oplu], sw);
    const n = e.suggestions.find((s) => s.key === 'hidden')!.value;
    expect(n % 2).toBe(0);
    expect(fits({ ...group, hidden: n }, [oplu], sw)).toBe(true);
    expect(fits({ ...group, hidden: n + 2 }, [oplu], sw)).toBe(false);
  });
});

describe("recomputation: the 'auto' choice and what it needs", () => {
  const auto: GroupSettings = { ...PAPER_GROUP, recompute: 'auto' };

  it('a group that fits with full storage keeps it; the plan states what recomputation would need', () => {
    const plan = groupMemoryPlan(auto, [factorised], sw);
    expect(plan.storage).toBe('full');
    // copy T = 100: L = 120; the least-memory segment length is near sqrt(L * (checkpoint bytes) / (bytes per step))
    expect(plan.activationsPerRun.recompute.k).toBeGreaterThan(2);
    expect(plan.activationsPerRun.recompute.k).toBeLessThan(20);
    expect(plan.activationsPerRun.recompute.bytes).toBeLessThan(plan.activationsPerRun.full / 3);
    // unset reads as 'auto'
    const { recompute: _, ...unset } = auto;
    expect(groupMemoryPlan(unset, [factorised], sw).storage).toBe('full');
  });

  it("copy T = 10000 at n = 128, batch 50 (the paper's Figure 1): 'auto' recomputes with at most 64 MiB of activations per run", () => {
    const group = { ...auto, T: 10000 };
    // full storage (1.47 GiB of activations) fits SwiftShader's 1 GiB buffers and the default 4 GiB budget, so
    // 'auto' keeps it there; in 1 GiB, or with WebGPU's default limits (a browser), it recomputes
    expect(groupMemoryPlan(group, [factorised], sw).storage).toBe('full');
    expect(groupMemoryPlan(group, [factorised], { software: false, quads: false, limits: WEBGPU_DEFAULT_LIMITS }).storage).not.toBe('full');
    const env = { ...sw, budget: 2 ** 30 };
    const full = groupMemoryPlan({ ...group, recompute: 'off' }, [factorised], env);
    expect(checkMemoryPlan(full, env.limits, env.budget).length).toBeGreaterThan(0);
    const plan = groupMemoryPlan(group, [factorised], env);
    expect(plan.storage).toEqual({ recompute: plan.activationsPerRun.recompute.k });
    expect(checkMemoryPlan(plan, env.limits, env.budget)).toEqual([]);
    const activations = sumBytes(plan.blocks[0].buffers.filter((b) => b.kind === 'activations'));
    expect(activations).toBe(plan.activationsPerRun.recompute.bytes);
    expect(activations).toBeLessThanOrEqual(64 * 2 ** 20);
    expect(plan.activationsPerRun.full).toBeGreaterThan(1.4 * 2 ** 30);
    // the least memory: one step shorter or longer segments take more
    const at = (k: number) =>
      sumBytes(groupMemoryPlan({ ...group, recompute: k }, [factorised], env).blocks[0].buffers.filter((b) => b.kind === 'activations'));
    const k = plan.activationsPerRun.recompute.k;
    expect(at(k - 1)).toBeGreaterThanOrEqual(activations);
    expect(at(k + 1)).toBeGreaterThanOrEqual(activations);
    expect(memorySummary(plan, SWIFTSHADER.maxBufferSize)).toMatch(
      new RegExp(`activations per run [\\d.]+ MiB with recomputation, segments of ${k} steps \\(full storage: 1\\.\\d+ GiB\\)$`),
    );
  });

  it('a segment length is used as given (above L counts as L), whether or not full storage fits', () => {
    expect(groupMemoryPlan({ ...auto, recompute: 7 }, [factorised, lstm], sw).storage).toEqual({ recompute: 7 });
    expect(groupMemoryPlan({ ...auto, recompute: 5000 }, [factorised], sw).storage).toEqual({ recompute: 120 });
  });

  it('refuses what even recomputation cannot hold, saying it was tried and what it needs', () => {
    const group = { ...auto, T: 10000, hidden: 1024, batchSize: 1024 };
    const e = refusal(group, [factorised], { ...sw, budget: 2 ** 30 });
    expect(e.plan.storage).not.toBe('full');
    expect(e.message).toMatch(
      /^This run group does not fit the GPU: the group needs [\d.]+ GiB of GPU memory, over the memory budget of 1\.00 GiB\./,
    );
    expect(e.message).toMatch(
      /Recomputation was tried: recomputation in segments of \d+ steps \(the least memory\) needs [\d.]+ GiB of activations per run, full storage [\d.]+ GiB\./,
    );
    // what the suggestion offers fits with recomputation
    const T = e.suggestions.find((s) => s.key === 'T')!.value;
    expect(fits({ ...group, T }, [factorised], { ...sw, budget: 2 ** 30 })).toBe(true);
  });
});
