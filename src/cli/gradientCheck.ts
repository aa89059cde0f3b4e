/**
 * A self-check of the GPU's gradients against the float64 reference models on the adapter at hand, for
 * `npm run bench:gpu` (issue 12, section 3): the kernel tests run on SwiftShader with its blocking; a real GPU
 * picks other blocking constants (src/gpu/ops: software ? ... : ...), so the same comparison is run there at
 * the GPU's own shapes before any of its timings are trusted. No test framework: it reports every comparison
 * (worst error against its tolerance) and whether all held.
 *
 * Tolerances are the kernel tests' (tests/kernels/runGroupGradients.test.ts): loss within 1e-4 relative,
 * flow |gpu - ref| <= 2e-3 max|ref| + 5e-3 |ref|, each parameter's gradient <= 2e-3 max|ref| + 2e-3 |ref|.
 * Larger n sums more float32 terms: the report gives each worst error so that a drift shows before it fails.
 */

import { trainedParameterNames } from '../engine/modelSettings.ts';
import { RunGroup } from '../engine/runGroup.ts';
import type { GroupSettings, RunSettings } from '../engine/settings.ts';
import type { OpContext } from '../gpu/ops/context.ts';
import { Rng } from '../random/rng.ts';
import { lossAndGradients as lstmLossAndGradients } from '../reference/lstmModel.ts';
import { lossAndGradients } from '../reference/model.ts';

export interface GradientComparison {
  run: string;
  /** 'loss', 'flow' or 'd<parameter>' */
  what: string;
  /** the worst |gpu - ref| over the elements */
  maxAbsError: number;
  /** max |ref|, the scale the tolerance is relative to */
  scale: number;
  /** the worst element's error over its allowance (<= 1 holds) */
  ratio: number;
  ok: boolean;
}

export function compareArrays(
  run: string,
  what: string,
  gpu: ArrayLike<number>,
  ref: ArrayLike<number>,
  atolOfScale: number,
  rtol: number,
) {
  if (gpu.length !== ref.length) throw new Error(`${run} ${what}: the GPU gave ${gpu.length} values, the reference ${ref.length}`);
  // NaN on both sides is no data on both (a gradient-flow step no row of a padded batch reaches) and agrees;
  // NaN on one side only is a mismatch
  const noData = (i: number) => Number.isNaN(gpu[i]) && Number.isNaN(ref[i]);
  let scale = 0;
  for (let i = 0; i < ref.length; i++) if (!Number.isNaN(ref[i])) scale = Math.max(scale, Math.abs(ref[i]));
  const atol = atolOfScale * scale + 1e-9;
  let maxAbsError = 0;
  let ratio = 0;
  for (let i = 0; i < ref.length; i++) {
    if (noData(i)) continue;
    const err = Math.abs(gpu[i] - ref[i]);
    const r = Number.isFinite(gpu[i]) && Number.isFinite(err) ? err / (atol + rtol * Math.abs(ref[i])) : Infinity;
    maxAbsError = Math.max(maxAbsError, Number.isFinite(err) ? err : Infinity);
    ratio = Math.max(ratio, r);
  }
  return { run, what, maxAbsError, scale, ratio, ok: ratio <= 1 };
}

/** The GPU's loss, flow and every trained parameter's gradient on one batch against the reference, per run. */
export async function checkGroupGradients(
  ops: OpContext,
  group: GroupSettings,
  runs: RunSettings[],
  batchSeed: number,
): Promise<GradientComparison[]> {
  const rg = await RunGroup.create(ops, group, runs, {});
  const out: GradientComparison[] = [];
  try {
    const batch = rg.task.batch(new Rng(batchSeed), group.batchSize);
    const metrics = await rg.computeGradients(batch);
    const refBatch = { ...batch, x: Float64Array.from(batch.x) };
    for (let r = 0; r < runs.length; r++) {
      const run = runs[r];
      const params = Object.fromEntries(Object.entries(await rg.readParameters(r)).map(([k, v]) => [k, Float64Array.from(v)]));
      const ref = run.parameterisation === 'lstm' ? lstmLossAndGradients(run, params, refBatch) : lossAndGradients(run, params, refBatch);
      const lossErr = Math.abs(metrics[r].loss - ref.forward.taskLoss);
      const lossTol = 1e-4 * Math.max(1, ref.forward.taskLoss);
      out.push({
        run: run.name,
        what: 'loss',
        maxAbsError: lossErr,
        scale: ref.forward.taskLoss,
        ratio: lossErr / lossTol,
        ok: lossErr <= lossTol,
      });
      out.push(compareArrays(run.name, 'flow', await rg.readFlow(r), ref.backward.flow, 2e-3, 5e-3));
      const grads = await rg.readGradients(r);
      for (const name of trainedParameterNames(run))
        out.push(compareArrays(run.name, `d${name}`, grads[name], ref.backward.grads[name], 2e-3, 2e-3));
    }
  } finally {
    await rg.destroy();
  }
  return out;
}

/** The comparisons as a markdown table (worst error, its scale, the error over its allowance). */
export function gradientCheckTable(rows: readonly (GradientComparison & { config: string })[]): string {
  const lines = [
    '| configuration | run | what | worst abs error | max abs reference | error / allowance | holds |',
    '|---|---|---|---:|---:|---:|---|',
  ];
  for (const r of rows)
    lines.push(
      `| ${r.config} | ${r.run} | ${r.what} | ${r.maxAbsError.toExponential(2)} | ${r.scale.toExponential(2)} | ${r.ratio.toFixed(3)} | ${r.ok ? 'yes' : '**NO**'} |`,
    );
  return lines.join('\n');
}
