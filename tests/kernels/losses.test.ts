import { describe, it } from 'vitest';
import { readF32, storageBuffer, uploadArray, uploadF32 } from '../../src/gpu/buffers.ts';
import type { OpContext } from '../../src/gpu/ops/context.ts';
import { prepareMeanSquaredError, prepareSoftmaxCrossEntropy } from '../../src/gpu/ops/losses.ts';
import { Rng } from '../../src/random/rng.ts';
import { meanSquaredError } from '../../src/reference/meanSquaredError.ts';
import { softmaxCrossEntropy } from '../../src/reference/softmaxCrossEntropy.ts';
import { expectClose } from '../helpers/compare.ts';
import { device, gpu, kernels, submit } from '../helpers/gpu.ts';

// Gradients: a handful of f32 exp/divide operations per element, relative error ~1e-6: atol 1e-5.
// Sums: up to a few hundred f32 terms of size <= ~5 added in a tree: atol 1e-3 + rtol 1e-4.
const GRAD_TOL = { atol: 1e-5, rtol: 1e-4 };
const SUM_TOL = { atol: 1e-3, rtol: 1e-4 };

const ctx: OpContext = { device, kernels, software: gpu.adapterInfo.isSoftware, quads: gpu.quadSwaps };

/** Weights with unscored positions (0) and accuracy weights 1/count over the scored ones. */
function weights(rng: Rng, P: number) {
  const weight = new Float32Array(P);
  for (let p = 0; p < P; p++) weight[p] = rng.uniform() < 0.3 ? 0 : Math.fround(1 / P);
  const count = weight.filter((w) => w > 0).length;
  const accWeight = weight.map((w) => (w > 0 ? 1 / count : 0));
  return { weight, accWeight };
}

describe('loss kernels vs float64 reference', () => {
  for (const [R, P, O] of [
    [1, 1, 9],
    [3, 7, 9],
    [2, 150, 49],
    [3, 65, 10],
  ]) {
    it(`softmaxCrossEntropy R=${R} P=${P} O=${O}`, async () => {
      const rng = new Rng(50 + P + O);
      const logits = Float32Array.from(rng.uniformArray(R * P * O, -4, 4));
      const targets = Uint32Array.from({ length: P }, () => rng.int(0, O));
      // make some predictions right, so the accuracy is neither 0 nor 1
      for (let p = 0; p < P; p += 2) logits[p * O + targets[p]] = 6;
      const { weight, accWeight } = weights(rng, P);
      const bufs = {
        logits: uploadF32(device, logits),
        targets: uploadArray(device, targets),
        weight: uploadF32(device, weight),
        accWeight: uploadF32(device, accWeight),
        dlogits: storageBuffer(device, R * P * O * 4),
        stats: storageBuffer(device, R * 2 * 4),
      };
      submit(await prepareSoftmaxCrossEntropy(ctx, { R, P, O }, bufs));
      const dlogits = new Float64Array(R * P * O);
      const stats = new Float64Array(R * 2);
      softmaxCrossEntropy(dlogits, stats, logits, targets, weight, accWeight, R, P, O);
      expectClose('dlogits', await readF32(device, bufs.dlogits, dlogits.length), dlogits, GRAD_TOL);
      expectClose('stats', await readF32(device, bufs.stats, stats.length), stats, SUM_TOL);
    });

    it(`meanSquaredError R=${R} P=${P} O=${O}`, async () => {
      const rng = new Rng(70 + P + O);
      const pred = Float32Array.from(rng.uniformArray(R * P * O, -2, 2));
      const targets = Float32Array.from(rng.uniformArray(P * O, -1, 1));
      const { weight } = weights(rng, P);
      const bufs = {
        pred: uploadF32(device, pred),
        targets: uploadF32(device, targets),
        weight: uploadF32(device, weight),
        dpred: storageBuffer(device, R * P * O * 4),
        stats: storageBuffer(device, R * 2 * 4),
      };
      submit(await prepareMeanSquaredError(ctx, { R, P, O }, bufs));
      const dpred = new Float64Array(R * P * O);
      const stats = new Float64Array(R * 2);
      meanSquaredError(dpred, stats, pred, targets, weight, R, P, O);
      expectClose('dpred', await readF32(device, bufs.dpred, dpred.length), dpred, GRAD_TOL);
      expectClose('stats', await readF32(device, bufs.stats, stats.length), stats, SUM_TOL);
    });
  }
});

// One batch per run (a group over several data streams: pStride, the PSTRIDE constant): run r scores positions
// pOff .. pOff + P - 1 of its own batch, r * pStride + pOff + p. The reference runs each run on its own slice.
describe('loss kernels with one batch per run (pStride) vs float64 reference', () => {
  const [R, P, O, pOff, pStride] = [3, 13, 7, 5, 20];
  it(`softmaxCrossEntropy R=${R} P=${P} O=${O} pOff=${pOff} pStride=${pStride}`, async () => {
    const rng = new Rng(91);
    const logits = Float32Array.from(rng.uniformArray(R * P * O, -4, 4));
    const targets = Uint32Array.from({ length: R * pStride }, () => rng.int(0, O));
    for (let r = 0; r < R; r++) for (let p = 0; p < P; p += 2) logits[(r * P + p) * O + targets[r * pStride + pOff + p]] = 6;
    const parts = Array.from({ length: R }, () => weights(rng, pStride));
    const weight = Float32Array.from(parts.flatMap((w) => [...w.weight]));
    const accWeight = Float32Array.from(parts.flatMap((w) => [...w.accWeight]));
    const bufs = {
      logits: uploadF32(device, logits),
      targets: uploadArray(device, targets),
      weight: uploadF32(device, weight),
      accWeight: uploadF32(device, accWeight),
      dlogits: storageBuffer(device, R * P * O * 4),
      stats: storageBuffer(device, R * 2 * 4),
    };
    submit(await prepareSoftmaxCrossEntropy(ctx, { R, P, O }, bufs, { pOff, pStride }));
    const dlogits = new Float64Array(R * P * O);
    const stats = new Float64Array(R * 2);
    for (let r = 0; r < R; r++) {
      const at = r * pStride + pOff;
      softmaxCrossEntropy(
        dlogits.subarray(r * P * O, (r + 1) * P * O),
        stats.subarray(2 * r, 2 * r + 2),
        logits.subarray(r * P * O, (r + 1) * P * O),
        targets.subarray(at, at + P),
        weight.subarray(at, at + P),
        accWeight.subarray(at, at + P),
        1,
        P,
        O,
      );
    }
    expectClose('dlogits', await readF32(device, bufs.dlogits, dlogits.length), dlogits, GRAD_TOL);
    expectClose('stats', await readF32(device, bufs.stats, stats.length), stats, SUM_TOL);
  });

  it(`meanSquaredError R=${R} P=${P} O=${O} pOff=${pOff} pStride=${pStride}`, async () => {
    const rng = new Rng(92);
    const pred = Float32Array.from(rng.uniformArray(R * P * O, -2, 2));
    const targets = Float32Array.from(rng.uniformArray(R * pStride * O, -1, 1));
    const weight = Float32Array.from(Array.from({ length: R }, () => [...weights(rng, pStride).weight]).flat());
    const bufs = {
      pred: uploadF32(device, pred),
      targets: uploadF32(device, targets),
      weight: uploadF32(device, weight),
      dpred: storageBuffer(device, R * P * O * 4),
      stats: storageBuffer(device, R * 2 * 4),
    };
    submit(await prepareMeanSquaredError(ctx, { R, P, O }, bufs, { pOff, pStride }));
    const dpred = new Float64Array(R * P * O);
    const stats = new Float64Array(R * 2);
    for (let r = 0; r < R; r++) {
      const at = r * pStride + pOff;
      meanSquaredError(
        dpred.subarray(r * P * O, (r + 1) * P * O),
        stats.subarray(2 * r, 2 * r + 2),
        pred.subarray(r * P * O, (r + 1) * P * O),
        targets.subarray(at * O, (at + P) * O),
        weight.subarray(at, at + P),
        1,
        P,
        O,
      );
    }
    expectClose('dpred', await readF32(device, bufs.dpred, dpred.length), dpred, GRAD_TOL);
    expectClose('stats', await readF32(device, bufs.stats, stats.length), stats, SUM_TOL);
  });
});
