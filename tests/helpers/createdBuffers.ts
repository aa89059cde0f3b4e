/**
 * Every buffer the test device creates while a test runs (a group's, its ops', the readbacks'), to hold a
 * memory plan to what was really built: recordCreatedBuffers() installs the recorder around each test of
 * the file that calls it; plannedBuffers lists what a plan says will be created.
 */
import { afterEach, beforeEach, expect } from 'vitest';
import { allBuffers, type MemoryPlan } from '../../src/engine/memoryPlan.ts';
import { device } from './gpu.ts';

export interface CreatedBuffer {
  label: string;
  size: number;
  uniform: boolean;
}

/** The buffers created since the current test began (clear() starts the list again). */
export interface BufferRecord {
  readonly list: CreatedBuffer[];
  clear(): void;
}

export function recordCreatedBuffers(): BufferRecord {
  const record = {
    list: [] as CreatedBuffer[],
    clear() {
      record.list.length = 0;
    },
  };
  const realCreate = device.createBuffer.bind(device);
  beforeEach(() => {
    record.clear();
    device.createBuffer = (desc: GPUBufferDescriptor) => {
      record.list.push({ label: desc.label ?? '', size: desc.size, uniform: (desc.usage & GPUBufferUsage.UNIFORM) !== 0 });
      return realCreate(desc);
    };
  });
  afterEach(() => {
    device.createBuffer = realCreate;
  });
  return record;
}

/** The buffers a plan says are created (its transient staging buffer aside: readbacks make those as they go). */
export function plannedBuffers(plan: MemoryPlan): CreatedBuffer[] {
  return allBuffers(plan)
    .filter(({ buffer }) => buffer !== plan.transient)
    .flatMap(({ buffer: b }) =>
      Array.from({ length: b.count }, () => ({ label: b.name, size: b.bytes, uniform: b.binding === 'uniform' })),
    );
}

export const byLabel = (a: CreatedBuffer, b: CreatedBuffer) => a.label.localeCompare(b.label) || a.size - b.size;
export const sortedSizes = (xs: CreatedBuffer[]) => xs.map((x) => x.size).sort((a, b) => a - b);

/** What was created is exactly what the plan says: the labelled buffers by label and size, uniforms by size, the bytes in all. */
export function expectBuffersAsPlanned(record: BufferRecord, plan: MemoryPlan): void {
  const planned = plannedBuffers(plan);
  expect(record.list.filter((b) => !b.uniform).sort(byLabel)).toEqual(planned.filter((b) => !b.uniform).sort(byLabel));
  expect(sortedSizes(record.list.filter((b) => b.uniform))).toEqual(sortedSizes(planned.filter((b) => b.uniform)));
  expect(record.list.reduce((a, b) => a + b.size, 0)).toBe(plan.residentBytes);
}
