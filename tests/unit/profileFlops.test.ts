/**
 * The FLOP counts of the per-op profile (src/engine/profile.ts opFlops, withFlops): the matrix products of the
 * paper's Table 5 iteration add up to the 662 MFLOP issue 12 counted by hand, the elementwise parts follow
 * their formulas, and a group's count is each block's count times its runs, for the cells that dispatch the op.
 */
import { describe, expect, it } from 'vitest';
import { type FlopDims, type IterationProfile, opFlops, profileFromTimestamps, withFlops } from '../../src/engine/profile.ts';

// copy T = 100 (L = 120), batch 50, n = 128: 10 inputs, 9 classes, every step scored
const table5: FlopDims = { L: 120, B: 50, I: 10, O: 9, n: 128, outputSteps: 120, loss: 'xent' };
const plain = { cell: 'rnn' as const, anyFactorised: false, anySoftOrth: false, optimizer: 'rmsprop' as const };

describe('FLOP counts of the profile', () => {
  it("Table 5's matrix products: 662 MFLOP an iteration, as issue 12 counted", () => {
    const { L, B, I, O, n } = table5;
    const LB = L * B;
    // the elementwise parts, from the formulas in opFlops' comment
    const elementwise = {
      'input projection': 0,
      'recurrent forward': 4 * LB * n,
      readout: LB * O,
      'readout backward': LB * O + LB * n + B * n,
      'recurrent backward': 3 * LB * n,
      'parameter gradients': 2 * LB * n,
    } as const;
    let products = 0;
    for (const [op, extra] of Object.entries(elementwise)) products += opFlops(op as keyof typeof elementwise, table5, plain)! - extra;
    expect(products).toBe(2 * (3 * LB * n * n + 2 * LB * I * n + 3 * LB * n * O));
    expect(products / 1e6).toBeCloseTo(662.0, 1);
  });

  it('the other ops: loss, penalties, optimiser, geodesic step; nothing for integer or iterative work', () => {
    const { B, L, O, n, I } = table5;
    expect(opFlops('loss', table5, plain)).toBe(7 * L * B * O);
    expect(opFlops('loss', { ...table5, loss: 'mse' }, plain)).toBe(4 * L * B * O);
    expect(opFlops('penalties', table5, plain)).toBe(2 * (n * I + O * n));
    expect(opFlops('penalties', table5, { ...plain, anySoftOrth: true })).toBe(2 * (n * I + O * n) + 4 * n ** 3 + 3 * n ** 2);
    // RMSprop over W, s, p, W_in, b, h0, W_out, b_out, slope
    expect(opFlops('optimiser', table5, plain)).toBe(8 * (n * n + n + n + n * I + n + n + O * n + O + 1));
    expect(opFlops('optimiser', table5, { ...plain, optimizer: 'sgd' })).toBe(2 * (n * n + 4 * n + n * I + O * n + O + 1));
    expect(opFlops('geodesic step', table5, plain)).toBe(2 * (8 * n ** 3 + 5 * n ** 2));
    expect(
      opFlops('parameter gradients', table5, { ...plain, anyFactorised: true })! - opFlops('parameter gradients', table5, plain)!,
    ).toBe(4 * n ** 3 + 4 * n ** 2);
    // the LSTM's four gates
    const lstm = { ...plain, cell: 'lstm' as const };
    expect(opFlops('input projection', table5, lstm)).toBe(2 * L * B * I * 4 * n);
    for (const op of ['run guard', 'spectrum', 'gradient flow', 'other'] as const) expect(opFlops(op, table5, plain)).toBeNull();
  });

  it("a group's count: each block's count times its runs, only for the cells that dispatch the op", () => {
    const p: IterationProfile = profileFromTimestamps(
      1,
      [
        { label: 'xproj', cell: 'rnn', phase: 'gradients' },
        { label: 'lstm xproj', cell: 'lstm', phase: 'gradients' },
        { label: 'geodesicStep.solve', cell: 'rnn', phase: 'update' },
        { label: 'runGuard', cell: 'rnn', phase: 'guard' },
      ],
      new BigUint64Array([0n, 2_000_000n, 2_000_000n, 3_000_000n, 3_000_000n, 7_000_000n, 7_000_000n, 8_000_000n]),
    );
    const blocks = [
      { ...plain, anyFactorised: true, runs: 3 },
      { ...plain, cell: 'lstm' as const, runs: 2 },
    ];
    const q = withFlops(p, table5, blocks);
    const c = (name: string) => q.categories.find((x) => x.category === name)!;
    const { L, B, I, n } = table5;
    // the input projection: both cells' dispatches fall in it
    expect(c('input projection').flops).toBe(3 * 2 * L * B * I * n + 2 * 2 * L * B * I * 4 * n);
    expect(c('input projection').gflops).toBeCloseTo(c('input projection').flops! / 3e6, 9);
    // the geodesic step is the RNN block's only
    expect(c('geodesic step').flops).toBe(3 * 2 * (8 * n ** 3 + 5 * n ** 2));
    expect(c('run guard').flops).toBeNull();
    expect(c('run guard').gflops).toBeNull();
  });
});
