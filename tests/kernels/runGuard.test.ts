/**
 * The run guard (shaders/runGuard.wgsl through prepareRunGuard) against its reference (src/reference/runGuard.ts):
 * the health table it leaves must equal the reference's word for word (exact: both classify f32 values, the
 * kernel by their bits, the reference with Number.isNaN and comparisons). Cases: healthy runs; a NaN, an
 * infinite and a too-large loss; NaN, +-inf and too-large values in each gradient slot and each parameter slot
 * (first, middle and last element, past the workgroup's stride); values exactly at a bound; several runs of
 * which only some fail; sticky frozen runs; slot lists that take one, two and three dispatches.
 */
import { describe, expect, it } from 'vitest';
import { GUARD_BOUNDS, GuardFlag, HEALTH_STRIDE, Health, HealthState } from '../../src/engine/runHealth.ts';
import { readU32, uploadArray, uploadF32 } from '../../src/gpu/buffers.ts';
import type { OpContext } from '../../src/gpu/ops/context.ts';
import { prepareRunGuard } from '../../src/gpu/ops/runGuard.ts';
import { Rng } from '../../src/random/rng.ts';
import { type GuardSlot, runGuard } from '../../src/reference/runGuard.ts';
import { device, gpu, kernels, submit } from '../helpers/gpu.ts';

const ctx: OpContext = { device, kernels, software: gpu.adapterInfo.isSoftware, quads: gpu.quadSwaps };
const R = 4;
const ITERATION = 7;

/** An RNN block's slot shapes at n = 6, I = 2, O = 3: 10 gradients then 6 parameters (two dispatches). */
const RNN_SLOTS: [GuardSlot['kind'], number][] = [
  ['gradient', 36],
  ['gradient', 72],
  ['gradient', 6],
  ['gradient', 6],
  ['gradient', 12],
  ['gradient', 6],
  ['gradient', 6],
  ['gradient', 18],
  ['gradient', 3],
  ['gradient', 1],
  ['parameter', 36],
  ['parameter', 12],
  ['parameter', 6],
  ['parameter', 6],
  ['parameter', 18],
  ['parameter', 3],
];
/** Sizes past the workgroup (64 on SwiftShader, 256 on a GPU), so that elements are reached by striding. */
const LONG_SLOTS: [GuardSlot['kind'], number][] = [
  ['gradient', 700],
  ['parameter', 300],
  ['gradient', 257],
];
/** 19 slots: three dispatches, the long ones in the last. */
const ALL_SLOTS = [...RNN_SLOTS, ...LONG_SLOTS];
/** Every binding of a dispatch with a slot past the workgroup. */
const LONG8_SLOTS: [GuardSlot['kind'], number][] = [300, 701, 258, 512, 333, 999, 270, 640].map((size, k) => [
  k % 3 === 1 ? 'parameter' : 'gradient',
  size,
]);

/** The next float32 above a positive float32 (one ulp up). */
function nextUp(v: number): number {
  const bits = new Uint32Array(new Float32Array([v]).buffer);
  bits[0]++;
  return new Float32Array(bits.buffer)[0];
}

interface Case {
  slots: { kind: GuardSlot['kind']; data: Float32Array; size: number }[];
  loss: Float32Array;
  health: Uint32Array;
}

function healthyCase(shapes: [GuardSlot['kind'], number][], seed: number): Case {
  const rng = new Rng(seed);
  const slots = shapes.map(([kind, size]) => ({ kind, size, data: Float32Array.from(rng.uniformArray(R * size, -3, 3)) }));
  const loss = new Float32Array(R * 2);
  for (let r = 0; r < R; r++) {
    loss[2 * r] = rng.range(0, 5);
    loss[2 * r + 1] = rng.uniform();
  }
  return { slots, loss, health: new Uint32Array(R * HEALTH_STRIDE) };
}

/** Runs the guard on the GPU and the reference on the same case; returns both health tables. */
async function guard(c: Case): Promise<{ got: Uint32Array; want: Uint32Array }> {
  const lossStats = uploadF32(device, c.loss);
  const health = uploadArray(device, c.health);
  const slots = c.slots.map((s) => ({ kind: s.kind, size: s.size, buffer: uploadF32(device, s.data) }));
  const g = await prepareRunGuard(ctx, { R }, { lossStats, health, slots });
  g.setIteration(ITERATION);
  submit(g.dispatches);
  const got = await readU32(device, health, R * HEALTH_STRIDE);
  const want = Uint32Array.from(c.health);
  runGuard(want, c.loss, c.slots, R, ITERATION);
  return { got, want };
}

const word = (t: Uint32Array, r: number, w: number) => t[r * HEALTH_STRIDE + w];

describe('runGuard kernel vs reference (exact)', () => {
  it('healthy runs stay healthy, in one, two and three dispatches', async () => {
    for (const shapes of [RNN_SLOTS.slice(0, 5), RNN_SLOTS, ALL_SLOTS]) {
      const c = healthyCase(shapes, shapes.length);
      const { got, want } = await guard(c);
      expect(Array.from(got)).toEqual(Array.from(want));
      expect(Array.from(got)).toEqual(new Array(R * HEALTH_STRIDE).fill(0));
    }
  });

  it('a NaN, an infinite and a too-large loss freeze their runs only; a loss at the bound does not', async () => {
    const c = healthyCase(RNN_SLOTS, 1);
    c.loss[0 * 2] = Number.NaN;
    c.loss[1 * 2] = Number.POSITIVE_INFINITY;
    c.loss[2 * 2] = nextUp(Math.fround(GUARD_BOUNDS.loss));
    c.loss[3 * 2] = Math.fround(GUARD_BOUNDS.loss);
    const { got, want } = await guard(c);
    expect(Array.from(got)).toEqual(Array.from(want));
    expect([0, 1, 2, 3].map((r) => word(got, r, Health.FLAGS))).toEqual([
      GuardFlag.LOSS_NAN,
      GuardFlag.LOSS_INFINITE,
      GuardFlag.LOSS_ABOVE_BOUND,
      0,
    ]);
    expect([0, 1, 2, 3].map((r) => word(got, r, Health.STATE))).toEqual([1, 1, 1, 0]);
    expect([0, 1, 2].map((r) => word(got, r, Health.ITERATION))).toEqual([ITERATION, ITERATION, ITERATION]);
  });

  // every slot, each bad value, at its first, middle and last element, in a different run for each slot
  const bad: [string, number, 'nan' | 'inf' | 'above'][] = [
    ['NaN', Number.NaN, 'nan'],
    ['+inf', Number.POSITIVE_INFINITY, 'inf'],
    ['-inf', Number.NEGATIVE_INFINITY, 'inf'],
    ['above the bound', 0, 'above'],
  ];
  for (const shapes of [RNN_SLOTS, ALL_SLOTS, LONG8_SLOTS]) {
    for (const [name, value, what] of bad) {
      it(`${name} in each slot of ${shapes.length} freezes exactly the run it is in`, async () => {
        for (let k = 0; k < shapes.length; k++) {
          for (const where of ['first', 'middle', 'last'] as const) {
            const c = healthyCase(shapes, 100 + k);
            const slot = c.slots[k];
            const r = k % R;
            const bound = slot.kind === 'gradient' ? GUARD_BOUNDS.gradient : GUARD_BOUNDS.parameter;
            const positions = { first: 0, middle: Math.floor(slot.size / 2), last: slot.size - 1 };
            const at = positions[where];
            // above the bound: one ulp above it, or far below minus it
            slot.data[r * slot.size + at] = what === 'above' ? (k % 2 ? -2 * bound : nextUp(Math.fround(bound))) : value;
            // the same slot in another run holds a value exactly at the bound (healthy)
            slot.data[((r + 1) % R) * slot.size + at] = Math.fround(bound);
            const { got, want } = await guard(c);
            expect(Array.from(got), `slot ${k} (${slot.kind}, ${slot.size}), run ${r}, element ${at}`).toEqual(Array.from(want));
            const kindShift = slot.kind === 'gradient' ? 3 : 6;
            const bit = { nan: 1, inf: 2, above: 4 }[what] << kindShift;
            expect(word(got, r, Health.FLAGS), `slot ${k}`).toBe(bit);
            expect(word(got, r, Health.STATE)).toBe(HealthState.FROZEN);
            for (let q = 0; q < R; q++) if (q !== r) expect(word(got, q, Health.STATE), `slot ${k}, run ${q}`).toBe(0);
          }
        }
      });
    }
  }

  it('several runs fail at once with every finding recorded; frozen runs are sticky', async () => {
    const c = healthyCase(RNN_SLOTS, 7);
    // run 0: a NaN gradient, an infinite parameter and a loss above the bound, all in one iteration
    c.slots[3].data[0 * 6 + 2] = Number.NaN;
    c.slots[12].data[0 * 6 + 5] = Number.NEGATIVE_INFINITY;
    c.loss[0] = 3e10;
    // run 1: frozen at iteration 3 before, fails again now: keeps its iteration and flags
    c.health[1 * HEALTH_STRIDE + Health.STATE] = HealthState.FROZEN;
    c.health[1 * HEALTH_STRIDE + Health.ITERATION] = 3;
    c.health[1 * HEALTH_STRIDE + Health.FLAGS] = GuardFlag.LOSS_NAN;
    c.slots[9].data[1] = Number.POSITIVE_INFINITY;
    // run 2: healthy; run 3: restored as failed from a checkpoint and healthy now: stays frozen
    c.health[3 * HEALTH_STRIDE + Health.STATE] = HealthState.RESTORED;
    c.health[3 * HEALTH_STRIDE + Health.ITERATION] = 5;
    const { got, want } = await guard(c);
    expect(Array.from(got)).toEqual(Array.from(want));
    expect(word(got, 0, Health.FLAGS)).toBe(GuardFlag.GRADIENT_NAN | GuardFlag.PARAMETER_INFINITE | GuardFlag.LOSS_ABOVE_BOUND);
    expect([word(got, 1, Health.STATE), word(got, 1, Health.ITERATION), word(got, 1, Health.FLAGS)]).toEqual([1, 3, GuardFlag.LOSS_NAN]);
    expect(word(got, 2, Health.STATE)).toBe(0);
    expect([word(got, 3, Health.STATE), word(got, 3, Health.ITERATION), word(got, 3, Health.FLAGS)]).toEqual([2, 5, 0]);
  });
});
