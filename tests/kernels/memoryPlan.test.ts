/**
 * The memory plan (src/engine/memoryPlan.ts) is exactly what a run group creates: every buffer
 * device.createBuffer really makes while a group is built and trains (label and size, uniforms by size),
 * and every dispatch grid its plans encode, for RNN-only, LSTM-only and mixed groups, with and without soft
 * orthogonality, the fused and the naive kernels, both losses. A run's checkpoint read stays within the
 * planned transient buffer. The memory budget holds at the byte: a budget of the plan's total builds, one
 * byte less is refused before anything is created. The device has the adapter's limits; on a device with
 * WebGPU's default limits the largest group that fits builds and trains and one batch row more is refused;
 * a GPU validation error (a buffer destroyed under the group) and a lost device stop training, and collect()
 * keeps only what was measured before.
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { loadBrown } from '../../src/data/nodeLoader.ts';
import { TrainingGpuError } from '../../src/engine/gpuScopes.ts';
import { MemoryPlanError, WEBGPU_DEFAULT_LIMITS } from '../../src/engine/memoryCheck.ts';
import type { MemoryPlan } from '../../src/engine/memoryPlan.ts';
import { RunGroup } from '../../src/engine/runGroup.ts';
import { type GroupSettings, PAPER_RUN, type RunSettings } from '../../src/engine/settings.ts';
import { GpuError } from '../../src/gpu/device.ts';
import { type Dispatch, KernelCache } from '../../src/gpu/kernel.ts';
import { textTask } from '../../src/tasks/textTask.ts';
import { expectBuffersAsPlanned, recordCreatedBuffers } from '../helpers/createdBuffers.ts';
import { device, gpu, kernels, shaders } from '../helpers/gpu.ts';

const ops = { device, kernels, software: gpu.adapterInfo.isSoftware, quads: gpu.quadSwaps };

// (the larger n make the grids of the per-unit kernels differ from one workgroup)
const buffers = recordCreatedBuffers();

function dispatchesOf(rg: RunGroup): string[] {
  const seen = new Set<Dispatch>();
  for (const b of rg.blocks)
    for (const d of [
      // the gradients of every prepared length (a text group's shorter batches share the other parts)
      ...b.plan.lengths.flatMap((l) => b.plan.gradientsFor(l)),
      ...b.plan.guard,
      ...b.plan.update,
      ...b.plan.drift,
      ...b.plan.remargin,
      ...b.plan.spectrum,
    ])
      seen.add(d);
  return [...seen].map((d) => `${d.kernel.name} ${d.workgroups.join('x')}`).sort();
}

function plannedDispatches(plan: MemoryPlan): string[] {
  return plan.blocks
    .flatMap((b) => b.dispatches.flatMap((d) => Array.from({ length: d.count }, () => `${d.kernel} ${d.workgroups.join('x')}`)))
    .sort();
}

const run = (over: Partial<RunSettings>): RunSettings => ({ ...PAPER_RUN, lrFree: 0.01, ...over });
const copyGroup: GroupSettings = { task: 'copy', T: 3, batchSize: 5, hidden: 8, optimizer: 'rmsprop', dataSeed: 1, trackEvery: 2 };
const addingGroup: GroupSettings = { ...copyGroup, task: 'adding', T: 6, optimizer: 'nesterov' };

const textGroup: GroupSettings = { ...copyGroup, task: 'text', textCorpus: 'brown', maxLength: 20, batchSize: 3 };
const brown = loadBrown();

const CASES: { name: string; group: GroupSettings; runs: RunSettings[]; naive?: boolean; software?: boolean; text?: boolean }[] = [
  {
    name: 'RNN only (factorised, no margin, plain)',
    group: copyGroup,
    runs: [run({ margin: 0.1 }), run({ margin: null }), run({ parameterisation: 'plain' })],
  },
  {
    name: 'RNN only, plain, soft orthogonality',
    group: copyGroup,
    runs: [run({ parameterisation: 'plain', softOrth: 0.1 }), run({ parameterisation: 'plain' })],
  },
  {
    name: 'LSTM only, n = 40',
    group: { ...copyGroup, hidden: 40 },
    runs: [run({ parameterisation: 'lstm', clip: 1 }), run({ parameterisation: 'lstm', seed: 2 })],
  },
  {
    name: 'mixed, soft orthogonality, adding (MSE), Nesterov, n = 70',
    group: { ...addingGroup, hidden: 70 },
    runs: [run({ parameterisation: 'lstm' }), run({ margin: 1, softOrth: 0.01 }), run({ parameterisation: 'plain', nonlinearity: 'tanh' })],
  },
  { name: 'mixed, naive kernels', group: copyGroup, runs: [run({ margin: 0 }), run({ parameterisation: 'lstm' })], naive: true },
  {
    name: 'mixed, recomputation in segments of 5 steps (L = 23: the last one shorter), soft orthogonality',
    group: { ...copyGroup, recompute: 5 },
    runs: [run({ margin: 0.1, softOrth: 0.1 }), run({ parameterisation: 'plain' }), run({ parameterisation: 'lstm' })],
  },
  {
    name: 'mixed, recomputation in segments of 4 steps, adding (MSE, one scored step), naive kernels',
    group: { ...addingGroup, T: 9, recompute: 4 },
    runs: [run({ parameterisation: 'lstm' }), run({ margin: 1 })],
    naive: true,
  },
  {
    name: "mixed, a GPU's blocking (tiled matmul, 256-wide workgroups), n = 70, batch 20",
    group: { ...copyGroup, hidden: 70, batchSize: 20 },
    runs: [run({ margin: 0.1, softOrth: 0.1 }), run({ parameterisation: 'plain' }), run({ parameterisation: 'lstm' })],
    software: false,
  },
  {
    name: 'mixed over two data streams (data replicates: one batch per run in each block), recomputation in segments of 5 steps',
    group: { ...copyGroup, recompute: 5 },
    runs: [
      run({ margin: 0.1 }),
      run({ margin: 0.1, seed: 2, dataOffset: 1 }),
      run({ parameterisation: 'lstm', dataOffset: 1 }),
      run({ parameterisation: 'lstm', seed: 3 }),
    ],
  },
  {
    name: 'text (Brown, L = 19: gradients for 8, 16 and 19 steps), mixed, recomputation in segments of 5 steps',
    group: { ...textGroup, recompute: 5 },
    runs: [run({ margin: 0.1, softOrth: 0.1 }), run({ parameterisation: 'plain' }), run({ parameterisation: 'lstm' })],
    text: true,
  },
  {
    name: 'text (Brown), mixed, full storage, naive kernels',
    group: textGroup,
    runs: [run({ margin: 0 }), run({ parameterisation: 'lstm' })],
    naive: true,
    text: true,
  },
];

describe('the memory plan is what a run group creates', () => {
  for (const c of CASES) {
    it(c.name, { timeout: c.software === false ? 400_000 : undefined }, async () => {
      const task = c.text ? textTask(brown, { maxLength: c.group.maxLength ?? 0 }) : undefined;
      const rg = await RunGroup.create({ ...ops, software: c.software ?? ops.software }, c.group, c.runs, { naive: c.naive, task });
      try {
        if (c.text) expect(rg.lengths).toEqual([8, 16, 19]);
        for (let k = 0; k < 4; k++) rg.step();
        await rg.collect();
        const plan = rg.memory;
        // buffers with their own labels by label and size, uniforms by size: the same lists
        expectBuffersAsPlanned(buffers, plan);
        expect(dispatchesOf(rg)).toEqual(plannedDispatches(plan));
        // a checkpoint's reads: one transient buffer per parameter, none larger than planned
        buffers.clear();
        for (let r = 0; r < c.runs.length; r++) await rg.readParameters(r);
        expect(buffers.list.length).toBeGreaterThan(0);
        expect(Math.max(...buffers.list.map((b) => b.size))).toBeLessThanOrEqual(plan.transient.bytes);
      } finally {
        await rg.destroy();
      }
    });
  }

  it('a memory budget of exactly the total builds; one byte less is refused before any buffer is created', async () => {
    const c = { ...CASES[3], group: { ...CASES[3].group, recompute: 'off' as const } };
    const rg = await RunGroup.create(ops, c.group, c.runs);
    const total = rg.memory.totalBytes;
    await rg.destroy();
    buffers.clear();
    const fits = await RunGroup.create(ops, c.group, c.runs, { memoryBudget: total });
    await fits.destroy();
    buffers.clear();
    const refused = RunGroup.create(ops, c.group, c.runs, { memoryBudget: total - 1 });
    await expect(refused).rejects.toBeInstanceOf(MemoryPlanError);
    await expect(refused).rejects.toThrow(/over the memory budget of/);
    expect(buffers.list).toEqual([]);
    // with recompute 'auto' the same budget builds, with recomputation
    const auto = await RunGroup.create(ops, { ...c.group, recompute: 'auto' }, c.runs, { memoryBudget: total - 1 });
    expect(auto.memory.storage).not.toBe('full');
    await auto.destroy();
  });
});

describe('a GPU error during training', () => {
  it('a buffer the plan uses, destroyed mid-run: training stops, collect() keeps only the records before the spoiled readback', async () => {
    const rg = await RunGroup.create(ops, { ...copyGroup, trackEvery: 5 }, [run({ margin: 1 })]);
    try {
      // iteration 1 is read back at once (it tracks); 2 and 3 wait in the ring
      for (let k = 0; k < 3; k++) rg.step();
      rg.blocks[0].buf.h.destroy();
      // 4 fails validation; 5 tracks, and its failed submission carried the readback of 2..5
      for (let k = 0; k < 2; k++) rg.step();
      const e = await rg.collect().catch((x: unknown) => x);
      expect(e).toBeInstanceOf(TrainingGpuError);
      const err = e as TrainingGpuError;
      expect(err.kind).toBe('validation');
      expect(err.iteration).toBe(2);
      expect(err.records.map((r) => r.iteration)).toEqual([1]);
      expect(err.message).toMatch(/^Training stopped at iteration 2: the GPU rejected a command .*rnn\.h/);
      expect(() => rg.step()).toThrow(TrainingGpuError);
      await expect(rg.collect()).rejects.toThrow(/Training stopped at iteration 2/);
    } finally {
      await rg.destroy();
    }
    // the scopes caught it: nothing reached the device's uncaptured errors (checked again after every file)
    expect(gpu.uncapturedErrors).toEqual([]);
  });
});

describe('a device that cannot allocate a group its limits allow', () => {
  // WebGPU cannot tell how much memory is free: the plan passes and a buffer's allocation still fails (seen:
  // SwiftShader, `--T 10000 --hidden 1024 --batch 1024`, vkAllocateMemory failed for a 1 GiB buffer). Every later
  // use of that buffer is then a validation error as well; the out-of-memory error is the cause and is named,
  // with the plan's sizes and what would fit in half of it. The device here reports both errors of such a build.
  it('names the out-of-memory error (not the validation errors it causes), the sizes, and what would fit', async () => {
    const filters: GPUErrorFilter[] = [];
    const failing = new Proxy(device, {
      get(target, key) {
        if (key === 'pushErrorScope')
          return (f: GPUErrorFilter) => {
            filters.push(f);
            target.pushErrorScope(f);
          };
        if (key === 'popErrorScope')
          return async () => {
            const f = filters.pop();
            const real = await target.popErrorScope();
            if (real) return real;
            if (f === 'out-of-memory') return new GPUOutOfMemoryError('vkAllocateMemory failed with VK_ERROR_OUT_OF_DEVICE_MEMORY');
            if (f === 'validation') return new GPUValidationError('[Invalid Buffer "rnn.h"] is invalid due to a previous error.');
            return null;
          };
        const v = Reflect.get(target, key, target);
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
    const c = CASES[0];
    const e = await RunGroup.create({ ...ops, device: failing }, c.group, c.runs).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(GpuError);
    const err = e as GpuError;
    expect(err.kind).toBe('out-of-memory');
    expect(err.message).toMatch(/^The GPU could not build the run group \(out-of-memory\): vkAllocateMemory failed/);
    expect(err.message).toMatch(/The group needed [\d.]+ [KMG]?i?B in all \(largest buffer .+\), within this device's limits/);
    expect(err.message).toMatch(/In half that memory \(a memory budget of [\d.]+ [KMG]?i?B\) would fit: .*(T|batch|n) /);
    expect(err.message).not.toMatch(/Invalid Buffer/);
    expect(filters).toEqual([]);
  });
});

describe('the device limits the plan is checked against', () => {
  it('the device got the limits the adapter offers (the kernels ask for 10 storage buffers per stage at most)', () => {
    const a = gpu.adapter.limits;
    const d = device.limits;
    expect(d.maxBufferSize).toBe(a.maxBufferSize);
    expect(d.maxStorageBufferBindingSize).toBe(a.maxStorageBufferBindingSize);
    expect(d.maxComputeWorkgroupsPerDimension).toBe(a.maxComputeWorkgroupsPerDimension);
    expect(d.maxStorageBuffersPerShaderStage).toBe(Math.min(a.maxStorageBuffersPerShaderStage, 10));
  });
});

const dawn = createRequire(import.meta.url)('webgpu') as { create(flags: string[]): GPU };
const instances: GPU[] = [];

describe("on a device with WebGPU's default limits (128 MiB storage bindings, 8 storage buffers per stage)", () => {
  it('the largest plain group that fits builds (a 128 MiB storage binding); one step more is refused; a lost device stops training', async () => {
    // a second instance and adapter (an adapter hands out one device); SwiftShader, as the shared helper set up.
    // The instance stays referenced until the file ends: Dawn aborts when an instance is collected mid-use.
    instances.push(dawn.create([]));
    const adapter = await instances[instances.length - 1].requestAdapter({ forceFallbackAdapter: true });
    const small = await adapter!.requestDevice();
    expect(small.limits.maxStorageBufferBindingSize).toBe(WEBGPU_DEFAULT_LIMITS.maxStorageBufferBindingSize);
    const ctx = { device: small, kernels: new KernelCache(small, shaders), software: true, quads: false };
    // adding (L = T), batch 1024, n = 16: h [L+1][B][n] takes exactly 128 MiB at T = 2047 and 128.06 MiB at 2048
    // (building binds every buffer; training this size would take minutes on SwiftShader, so it only builds)
    const group: GroupSettings = {
      task: 'adding',
      T: 2047,
      batchSize: 1024,
      hidden: 16,
      optimizer: 'rmsprop',
      dataSeed: 1,
      trackEvery: 10,
    };
    const runs = [run({ parameterisation: 'plain', nonlinearity: 'tanh' })];
    await expect(RunGroup.create(ctx, { ...group, T: 2048, recompute: 'off' }, runs)).rejects.toThrow(
      /activations rnn\.h \[R\]\[L\+1\]\[B\]\[n\] need 128 MiB in one storage binding; this device allows 128 MiB per storage binding.* Recomputation is off; recomputation in segments of \d+ steps.* T at most 2047 /,
    );
    const big = await RunGroup.create(ctx, { ...group, recompute: 'off' }, runs);
    expect(big.memory.largest.bytes).toBe(128 * 2 ** 20);
    await big.destroy();
    // with recompute 'auto' (the default) the group that full storage does not fit builds with recomputation
    const auto = await RunGroup.create(ctx, { ...group, T: 2048 }, runs);
    expect(auto.memory.storage).toEqual({ recompute: auto.memory.activationsPerRun.recompute.k });
    // the largest buffer is now the batch x [L][B][I] (16 MiB), not an activation
    expect(auto.memory.largest.bytes).toBeLessThanOrEqual(16 * 2 ** 20);
    await auto.destroy();
    // a small group on that device trains; then the device goes away with a readback in flight
    const rg = await RunGroup.create(ctx, { ...group, T: 5, batchSize: 4 }, runs);
    rg.step();
    const [first] = await rg.collect();
    expect(first.iteration).toBe(1);
    expect(Number.isFinite(first.runs[0].loss)).toBe(true);
    rg.step();
    small.destroy();
    const stopped = await rg.collect().catch((e: unknown) => e);
    expect(stopped).toBeInstanceOf(TrainingGpuError);
    expect((stopped as TrainingGpuError).kind).toBe('device-lost');
    expect((stopped as TrainingGpuError).records).toEqual([]);
    expect(() => rg.step()).toThrow(/Training stopped at iteration 2: the GPU device was lost/);
    await rg.destroy();
  });
});
