/**
 * The memory plan (src/engine/memoryPlan.ts) is exactly what a run group creates: every buffer
 * device.createBuffer really makes while a group is built and trains (label and size, uniforms by size),
 * and every dispatch grid its plans encode, for RNN-only, LSTM-only and mixed groups, with and without soft
 * orthogonality, the fused and the naive kernels, both losses. A run's checkpoint read stays within the
 * planned transient buffer. The memory budget holds at the byte: a budget of the plan's total builds, one
 * byte less is refused before anything is created.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryPlanError } from '../../src/engine/memoryCheck.ts';
import { allBuffers, type MemoryPlan } from '../../src/engine/memoryPlan.ts';
import { RunGroup } from '../../src/engine/runGroup.ts';
import { type GroupSettings, PAPER_RUN, type RunSettings } from '../../src/engine/settings.ts';
import type { Dispatch } from '../../src/gpu/kernel.ts';
import { device, gpu, kernels } from '../helpers/gpu.ts';

const ops = { device, kernels, software: gpu.adapterInfo.isSoftware };

interface Created {
  label: string;
  size: number;
  uniform: boolean;
}

// (the larger n make the grids of the per-unit kernels differ from one workgroup)
// every buffer the device creates while a test runs (the group's, its ops' and the readbacks')
let created: Created[] = [];
const realCreate = device.createBuffer.bind(device);
beforeEach(() => {
  created = [];
  device.createBuffer = (desc: GPUBufferDescriptor) => {
    created.push({ label: desc.label ?? '', size: desc.size, uniform: (desc.usage & GPUBufferUsage.UNIFORM) !== 0 });
    return realCreate(desc);
  };
});
afterEach(() => {
  device.createBuffer = realCreate;
});

function plannedList(plan: MemoryPlan): Created[] {
  return allBuffers(plan)
    .filter(({ buffer }) => buffer !== plan.transient)
    .flatMap(({ buffer: b }) =>
      Array.from({ length: b.count }, () => ({ label: b.name, size: b.bytes, uniform: b.binding === 'uniform' })),
    );
}

const byLabel = (a: Created, b: Created) => a.label.localeCompare(b.label) || a.size - b.size;
const sizes = (xs: Created[]) => xs.map((x) => x.size).sort((a, b) => a - b);

function dispatchesOf(rg: RunGroup): string[] {
  const seen = new Set<Dispatch>();
  for (const b of rg.blocks) for (const d of [...b.plan.gradients, ...b.plan.update, ...b.plan.drift, ...b.plan.remargin]) seen.add(d);
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

const CASES: { name: string; group: GroupSettings; runs: RunSettings[]; naive?: boolean }[] = [
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
];

describe('the memory plan is what a run group creates', () => {
  for (const c of CASES) {
    it(c.name, async () => {
      const rg = await RunGroup.create(ops, c.group, c.runs, { naive: c.naive });
      try {
        for (let k = 0; k < 4; k++) rg.step();
        await rg.collect();
        const plan = rg.memory;
        // buffers with their own labels by label and size, uniforms by size: the same lists
        expect(created.filter((b) => !b.uniform).sort(byLabel)).toEqual(
          plannedList(plan)
            .filter((b) => !b.uniform)
            .sort(byLabel),
        );
        expect(sizes(created.filter((b) => b.uniform))).toEqual(sizes(plannedList(plan).filter((b) => b.uniform)));
        expect(created.reduce((a, b) => a + b.size, 0)).toBe(plan.residentBytes);
        expect(dispatchesOf(rg)).toEqual(plannedDispatches(plan));
        // a checkpoint's reads: one transient buffer per parameter, none larger than planned
        created = [];
        for (let r = 0; r < c.runs.length; r++) await rg.readParameters(r);
        expect(created.length).toBeGreaterThan(0);
        expect(Math.max(...created.map((b) => b.size))).toBeLessThanOrEqual(plan.transient.bytes);
      } finally {
        await rg.destroy();
      }
    });
  }

  it('a memory budget of exactly the total builds; one byte less is refused before any buffer is created', async () => {
    const c = CASES[3];
    const rg = await RunGroup.create(ops, c.group, c.runs);
    const total = rg.memory.totalBytes;
    await rg.destroy();
    created = [];
    const fits = await RunGroup.create(ops, c.group, c.runs, { memoryBudget: total });
    await fits.destroy();
    created = [];
    const refused = RunGroup.create(ops, c.group, c.runs, { memoryBudget: total - 1 });
    await expect(refused).rejects.toBeInstanceOf(MemoryPlanError);
    await expect(refused).rejects.toThrow(/over the memory budget of/);
    expect(created).toEqual([]);
  });
});
