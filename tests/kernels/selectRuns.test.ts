import { describe, expect, it } from 'vitest';
import { HYPER_STRIDE, Hyper } from '../../src/engine/hyper.ts';
import { healthTable } from '../../src/engine/runHealth.ts';
import { readF32, uploadArray, uploadF32 } from '../../src/gpu/buffers.ts';
import type { OpContext } from '../../src/gpu/ops/context.ts';
import { prepareSelectRuns } from '../../src/gpu/ops/selectRuns.ts';
import { Rng } from '../../src/random/rng.ts';
import { selectRuns } from '../../src/reference/selectRuns.ts';
import { device, gpu, kernels, submit } from '../helpers/gpu.ts';

// A pure copy: exact equality. Run 4 is factorised but frozen by the run guard: it keeps its W.
const FACTORISED = [1, 0, 1, 0, 1];
const FROZEN = [4];

describe('selectRuns kernel vs reference (exact)', () => {
  for (const n of [6, 20, 32]) {
    it(`R=${FACTORISED.length} size=${n * n}`, async () => {
      const R = FACTORISED.length;
      const size = n * n;
      const rng = new Rng(80 + n);
      const hyper = new Float32Array(R * HYPER_STRIDE);
      FACTORISED.forEach((f, r) => {
        hyper[r * HYPER_STRIDE + Hyper.FACTORISED] = f;
      });
      const W0 = Float32Array.from(rng.uniformArray(R * size));
      const Wc = Float32Array.from(rng.uniformArray(R * size));
      const W = uploadF32(device, W0);
      const ctx: OpContext = { device, kernels, software: gpu.adapterInfo.isSoftware, quads: gpu.quadSwaps };
      const health = healthTable(R, FROZEN);
      submit(
        await prepareSelectRuns(
          ctx,
          { R, size },
          { hyper: uploadF32(device, hyper), W, Wc: uploadF32(device, Wc), health: uploadArray(device, health) },
        ),
      );
      const want = Float64Array.from(W0);
      selectRuns(want, Wc, hyper, R, size, health);
      const got = await readF32(device, W, R * size);
      expect(Array.from(got)).toEqual(Array.from(want));
      expect(Array.from(got.subarray(4 * size))).toEqual(Array.from(W0.subarray(4 * size)));
      expect(Array.from(got.subarray(0, size))).toEqual(Array.from(Wc.subarray(0, size)));
    });
  }
});
