/**
 * The gradient flow's alignment on each row's last scored step (src/engine/flowRows.ts): the rows' t_b and
 * scales from the loss weights, the per-index row counts, the recorded flow (sum * B' / count, NaN where no
 * row reaches), and that rows all scoring at L leave the sums bit for bit as they were.
 */
import { describe, expect, it } from 'vitest';
import { alignedFlow, flowRowCounts, flowRows, flowRowTable, uniformFlowRows } from '../../src/engine/flowRows.ts';

/** weights [Lout][B] from per-row columns */
function weights(cols: number[][]): Float32Array {
  const B = cols.length;
  const Lout = cols[0].length;
  const w = new Float32Array(Lout * B);
  for (let b = 0; b < B; b++) for (let k = 0; k < Lout; k++) w[k * B + b] = cols[b][k];
  return w;
}

describe('flowRows', () => {
  it('every step read out: t_b is the last step with weight > 0; B counts the rows scoring anything', () => {
    // L = 5, B = 4: row 0 scores to the end, row 1 to step 3 (with a gap), row 2 nothing, row 3 step 1 only
    const weight = weights([
      [0.1, 0.1, 0.1, 0.1, 0.1],
      [0.1, 0, 0.2, 0, 0],
      [0, 0, 0, 0, 0],
      [0.25, 0, 0, 0, 0],
    ]);
    const rows = flowRows({ L: 5, B: 4, outputSteps: 'all', weight });
    expect(Array.from(rows.last)).toEqual([5, 3, 0, 1]);
    expect(rows.scoring).toBe(3);
    // 1 / (B' w(t_b, b)), with w as the f32 the batch holds
    expect(Array.from(rows.scale)).toEqual([1 / 3 / Math.fround(0.1), 1 / 3 / Math.fround(0.2), 0, 1 / 3 / 0.25]);
    // index k is reached by the rows with t_b >= L - k
    expect(Array.from(flowRowCounts(5, rows))).toEqual([1, 1, 2, 2, 3, 3]);
    expect(Array.from(flowRowTable(rows))).toEqual(
      [5, Math.fround(rows.scale[0]), 3, Math.fround(rows.scale[1]), 0, 0, 1, 1 / 3 / 0.25].map(Math.fround),
    );
  });

  it('read out at the last step only: a row scores at L or nothing', () => {
    const rows = flowRows({ L: 7, B: 3, outputSteps: 'last', weight: Float32Array.of(0.5, 0, 0.5) });
    expect(Array.from(rows.last)).toEqual([7, 0, 7]);
    expect(rows.scoring).toBe(2);
    expect(Array.from(rows.scale)).toEqual([1, 0, 1]);
    expect(Array.from(flowRowCounts(7, rows))).toEqual(new Array(8).fill(2));
  });

  it('an unpadded batch gives the scale the engine used before alignment (1 / B / w at L) for every row', () => {
    const B = 3;
    const L = 4;
    const weight = new Float32Array(L * B).fill(1 / (B * L));
    const rows = flowRows({ L, B, outputSteps: 'all', weight });
    expect(Array.from(rows.last)).toEqual([L, L, L]);
    for (const s of rows.scale) expect(s).toBe(1 / B / weight[0]);
  });
});

describe('alignedFlow', () => {
  it('rows that all score at L: the sums come back bit for bit', () => {
    const sum = Float32Array.of(0.1, 1e-30, 3.3, Number.MIN_VALUE, 7);
    const out = alignedFlow(sum, uniformFlowRows(4, 6, 0.5));
    expect(out).not.toBe(sum);
    expect(Buffer.from(out.buffer).equals(Buffer.from(sum.buffer))).toBe(true);
  });

  it('padded rows: each index is the sum over the rows reaching it scaled to all B rows; none reaching: NaN', () => {
    // L = 4; rows end at 4, 2, 1 and one scores nothing (B' = 3); index k is reached
    // by rows with t_b >= L - k: k = 0: t_b = 4 only; k = 2: 4 and 2; k = 3: all three
    const rows = { last: Uint32Array.of(4, 2, 0, 1), scoring: 3 };
    expect(Array.from(flowRowCounts(4, rows))).toEqual([1, 1, 2, 3, 3]);
    const out = alignedFlow(Float64Array.of(1, 2, 4, 6, 9), rows);
    expect(Array.from(out)).toEqual([3, 6, 6, 6, 9]);
    // the longest row ends at 2: indices 0 and 1 are reached by none
    const short = { last: Uint32Array.of(2, 1), scoring: 2 };
    expect(Array.from(flowRowCounts(4, short))).toEqual([0, 0, 1, 2, 2]);
    const o2 = alignedFlow(Float32Array.of(0, 0, 5, 8, 8), short);
    expect(Number.isNaN(o2[0]) && Number.isNaN(o2[1])).toBe(true);
    expect(Array.from(o2.subarray(2))).toEqual([10, 8, 8]);
  });
});
