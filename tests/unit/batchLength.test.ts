/** The lengths a text block prepares and the one a batch runs (src/engine/batchLength.ts, recompute.ts segmentsOver). */
import { describe, expect, it } from 'vitest';
import { batchesVaryInLength, batchSteps, lengthFor, planLengths } from '../../src/engine/batchLength.ts';
import { checkedLengths } from '../../src/engine/plan.ts';
import { segmentsOver } from '../../src/engine/recompute.ts';

describe('shorter batches', () => {
  it('prepares the multiples of 8 below L and L for text, only L otherwise', () => {
    expect(planLengths(74, true)).toEqual([8, 16, 24, 32, 40, 48, 56, 64, 72, 74]);
    expect(planLengths(16, true)).toEqual([8, 16]);
    expect(planLengths(5, true)).toEqual([5]);
    expect(planLengths(74, false)).toEqual([74]);
    expect(planLengths(299, true)).toHaveLength(38);
    expect(batchesVaryInLength('text')).toBe(true);
    expect(batchesVaryInLength('copy')).toBe(false);
  });

  it("runs a batch to the smallest prepared length that covers its rows' last scored steps", () => {
    const lengths = planLengths(74, true);
    expect(batchSteps({ last: Uint32Array.from([3, 17, 0]) })).toBe(17);
    expect(batchSteps({ last: new Uint32Array(3) })).toBe(1);
    expect(lengthFor(lengths, 17)).toBe(24);
    expect(lengthFor(lengths, 16)).toBe(16);
    expect(lengthFor(lengths, 73)).toBe(74);
    expect(lengthFor(lengths, 1)).toBe(8);
    expect(() => lengthFor(lengths, 75)).toThrow(/longer than the longest prepared length 74/);
  });

  it('checks the lengths a plan is given', () => {
    expect(checkedLengths(20, undefined)).toEqual([20]);
    expect(checkedLengths(20, [8, 16, 20])).toEqual([8, 16, 20]);
    expect(() => checkedLengths(20, [8, 16])).toThrow(/ending with L/);
    expect(() => checkedLengths(20, [16, 8, 20])).toThrow(/ascending/);
    expect(() => checkedLengths(20, [0, 20])).toThrow(/from 1 to L = 20/);
  });

  it('segments over the first steps keep the buffer slots of L', () => {
    expect(segmentsOver(27, 16, 'full')).toEqual([{ start: 0, steps: 16, slots: 27 }]);
    expect(segmentsOver(27, 16, { recompute: 5 })).toEqual([
      { start: 0, steps: 5, slots: 5 },
      { start: 5, steps: 5, slots: 5 },
      { start: 10, steps: 5, slots: 5 },
      { start: 15, steps: 1, slots: 5 },
    ]);
    expect(segmentsOver(27, 3, { recompute: 5 })).toEqual([{ start: 0, steps: 3, slots: 5 }]);
    expect(() => segmentsOver(27, 28, 'full')).toThrow(/from 1 to L = 27/);
  });
});
