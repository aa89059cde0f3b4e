/**
 * Bit-for-bit comparisons, for checks that two paths compute exactly the same float32 numbers (a run alone
 * against the same run beside others, a resumed run against an uninterrupted one).
 */
import { expect } from 'vitest';
import type { ParamSet } from '../../src/engine/parameters.ts';

/** The same bits (NaN equal to NaN): the index of the first difference, or -1 (0 for other lengths). */
export function firstDifference(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return 0;
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return i;
  return -1;
}

/** Every array of two parameter sets (gradients, parameters, optimiser state) the same bits. */
export function expectSameSet(label: string, a: ParamSet, b: ParamSet): void {
  expect(Object.keys(a).sort()).toEqual(Object.keys(b).sort());
  for (const name of Object.keys(a)) {
    const i = firstDifference(a[name], b[name]);
    expect(i, `${label} ${name}[${i}]: ${a[name][i]} vs ${b[name][i]}`).toBe(-1);
  }
}
