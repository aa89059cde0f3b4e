/**
 * The per-op profile (src/engine/profile.ts, RunGroup.profileStep): a profiled iteration trains exactly as an
 * ordinary one (the same dispatches in the same order, only split into timed passes: parameters and metrics
 * bit for bit those of an unprofiled twin), every dispatch of the lab's configurations falls in a named op
 * (nothing left in 'other'), and the ops' times are consistent: the passes run one after another (each starts
 * no earlier than the previous one ended, up to the timer's resolution), so their sum is at most the span.
 * Timing values themselves are never asserted.
 */
import { describe, expect, it } from 'vitest';
import { opCategory, profileFromTimestamps, profileTable } from '../../src/engine/profile.ts';
import { RunGroup } from '../../src/engine/runGroup.ts';
import { type GroupSettings, PAPER_GROUP, PAPER_RUN, type RunSettings } from '../../src/engine/settings.ts';
import { device, gpu, kernels } from '../helpers/gpu.ts';

const ops = { device, kernels, software: gpu.adapterInfo.isSoftware, quads: gpu.quadSwaps };
const group: GroupSettings = { ...PAPER_GROUP, task: 'copy', T: 3, hidden: 8, batchSize: 4, trackEvery: 2 };
const runs: RunSettings[] = [
  { ...PAPER_RUN, name: 'plain', parameterisation: 'plain', margin: null, softOrth: 0.1, lrFree: 0.01 },
  { ...PAPER_RUN, name: 'factorised', parameterisation: 'factorised', margin: 0.1, prior: 0.1, lrFree: 0.01, seed: 2 },
  { ...PAPER_RUN, name: 'lstm', parameterisation: 'lstm', margin: null, lrFree: 0.01, seed: 3 },
];
/** the timer's resolution allowed between passes that follow each other (ms: 1 us) */
const RESOLUTION_MS = 0.001;

describe('the per-op profile', () => {
  it('op categories: every rule names its op; unknown labels stay "other"', () => {
    expect(opCategory('gradients', 'xproj')).toBe('input projection');
    expect(opCategory('gradients', 'lstm xproj')).toBe('input projection');
    expect(opCategory('gradients', 'rnnBackward ch0 t=23')).toBe('recurrent backward');
    expect(opCategory('gradients', 'rnnBackwardStep ch1 t=2')).toBe('gradient flow');
    expect(opCategory('gradients', 'lstmBackward flow sum')).toBe('gradient flow');
    expect(opCategory('gradients', 'lstmBackward peephole sum')).toBe('parameter gradients');
    expect(opCategory('update', 'geodesicStep.solve')).toBe('geodesic step');
    expect(opCategory('update', 'compose W')).toBe('compose W');
    expect(opCategory('gradients', 'something new')).toBe('other');
    const p = profileFromTimestamps(
      1,
      [
        { label: 'xproj', cell: 'rnn', phase: 'gradients' },
        { label: 'mystery', cell: 'rnn', phase: 'update' },
      ],
      new BigUint64Array([1000n, 3000n, 5000n, 4000n]),
    );
    expect(p.ops.map((o) => o.ms)).toEqual([0.002, 0]);
    expect(p.spanMs).toBeCloseTo(0.004, 12);
    expect(p.note).toBe('1 of 2 timestamp pairs ran backwards and count as 0 ms');
    expect(profileTable(p)).toContain('| other (mystery) | 1 |');
  });

  it.skipIf(!device.features.has('timestamp-query'))(
    'a profiled iteration trains bit for bit like an ordinary one, names every op, and its passes run one after another',
    async () => {
      for (const naive of [false, true]) {
        const what = naive ? 'naive kernels' : 'fused kernels';
        const profiled = await RunGroup.create(ops, group, runs, { naive });
        const twin = await RunGroup.create(ops, group, runs, { naive });
        try {
          // iteration 1 tracks (gradient flow, drift, spectrum); 2 is unprofiled in both; 3 does not track
          for (const it of [1, 2, 3]) {
            twin.step();
            const [expected] = await twin.collect();
            if (it === 2) {
              profiled.step();
              expect((await profiled.collect())[0]).toEqual(expected);
              continue;
            }
            const p = await profiled.profileStep();
            const [rec] = await profiled.collect();
            expect(rec, `${what}, iteration ${it}: the profiled iteration's metrics`).toEqual(expected);
            expect(p.iteration).toBe(it);
            expect(
              p.categories.find((c) => c.category === 'other'),
              JSON.stringify(p.categories),
            ).toBeUndefined();
            const names: string[] = p.categories.map((c) => c.category);
            for (const op of ['input projection', 'recurrent forward', 'readout', 'loss', 'readout backward', 'recurrent backward'])
              expect(names, what).toContain(op);
            for (const op of ['parameter gradients', 'penalties', 'run guard', 'geodesic step', 'optimiser', 'compose W'])
              expect(names, what).toContain(op);
            // the flow channel is dispatched every iteration (off the tracking iterations it returns at once)
            expect(names, what).toContain('gradient flow');
            for (const op of ['spectrum', 'orthogonality drift'])
              expect(names.includes(op), `${what}: ${op} on iteration ${it}`).toBe(it === 1);
            // every op whose arithmetic is counted has its FLOPs and GFLOP/s (src/engine/profile.ts opFlops)
            for (const c of p.categories) {
              const counted = !['run guard', 'gradient flow', 'spectrum'].includes(c.category);
              expect(c.flops === null, `${what}: ${c.category} flops ${c.flops}`).toBe(!counted);
              if (counted) expect(c.flops! > 0 && (c.ms === 0 ? c.gflops === null : c.gflops! > 0), `${what}: ${c.category}`).toBe(true);
            }
            // one after another: each pass begins no earlier than the one before it ended
            let lastEnd = 0;
            for (const o of p.ops) {
              expect(Number.isFinite(o.ms) && o.ms >= 0, `${o.label}: ${o.ms} ms`).toBe(true);
              expect(o.startMs, `${what}: ${o.label} began before the pass before it ended`).toBeGreaterThanOrEqual(
                lastEnd - RESOLUTION_MS,
              );
              lastEnd = o.startMs + o.ms;
            }
            expect(p.sumMs).toBeLessThanOrEqual(p.spanMs + p.ops.length * RESOLUTION_MS);
            expect(p.gapsMs).toBeGreaterThanOrEqual(-p.ops.length * RESOLUTION_MS);
          }
          for (let r = 0; r < runs.length; r++)
            expect(await profiled.readParameters(r), `${what}: ${runs[r].name}`).toEqual(await twin.readParameters(r));
        } finally {
          await profiled.destroy();
          await twin.destroy();
        }
      }
    },
    300_000,
  );
});
