/**
 * The benchmark's per-op profile section (issue 12, section 1): for a configuration, `repeats` iterations
 * profiled with GPU timestamps (RunGroup.profileStep, src/engine/profile.ts) beside as many ordinary
 * iterations timed on the wall clock (submit to every result read back), with the spread over the repeats
 * (median, min, max) of every op, its share of the ops' sum, and the achieved GFLOP/s of every op whose
 * floating-point work is counted (src/engine/profile.ts opFlops: 2 per multiply-add of the products, 1 per
 * elementwise operation; the run guard's integer checks and the spectrum's Jacobi sweeps are not: '').
 */
import { type IterationProfile, OP_CATEGORIES, type OpCategory } from '../engine/profile.ts';
import { RunGroup } from '../engine/runGroup.ts';
import type { GroupSettings, RunSettings } from '../engine/settings.ts';
import { summarise } from '../experiments/replicates.ts';
import type { OpContext } from '../gpu/ops/context.ts';

export interface OpSpread {
  category: OpCategory;
  dispatches: number;
  medianMs: number;
  minMs: number;
  maxMs: number;
  /** median ms over the median sum of the ops */
  share: number;
  /** FLOPs of one iteration of this op (src/engine/profile.ts opFlops), null where not counted */
  flops: number | null;
  gflops: number | null;
}

export interface OpProfileRow {
  config: string;
  n: number;
  L: number;
  B: number;
  runs: number;
  repeats: number;
  /** ordinary iterations, wall clock from submit to every result read back: median, min, max ms */
  ordinaryMs: number;
  ordinaryMinMs: number;
  ordinaryMaxMs: number;
  /** the profiled iterations: median of the ops' sum and of the span (first pass start to last pass end) */
  medianSumMs: number;
  medianSpanMs: number;
  ops: OpSpread[];
}

export async function profileGroup(
  ops: OpContext,
  group: GroupSettings,
  runs: RunSettings[],
  config: string,
  repeats: number,
): Promise<OpProfileRow> {
  const rg = await RunGroup.create(ops, group, runs, {});
  try {
    // warm up (pipelines compile lazily in drivers; the first iteration tracks)
    for (let k = 0; k < 3; k++) {
      rg.step();
      await rg.collect();
    }
    const ordinary: number[] = [];
    const profiles: IterationProfile[] = [];
    for (let k = 0; k < repeats; k++) {
      const t0 = performance.now();
      rg.step();
      await rg.collect();
      await ops.device.queue.onSubmittedWorkDone();
      ordinary.push(performance.now() - t0);
      profiles.push(await rg.profileStep());
      await rg.collect();
    }
    const task = rg.task;
    const sum = summarise(profiles.map((p) => p.sumMs));
    const spread: OpSpread[] = OP_CATEGORIES.flatMap((category) => {
      const per = profiles.map((p) => p.categories.find((c) => c.category === category));
      if (per.every((c) => !c)) return [];
      const ms = summarise(per.map((c) => c?.ms ?? 0));
      // the same iteration shape every repeat: the FLOPs of the first profile that holds the op
      const flops = per.find((c) => c)?.flops ?? null;
      return [
        {
          category,
          dispatches: per.find((c) => c)?.dispatches ?? 0,
          medianMs: ms.median,
          minMs: ms.min,
          maxMs: ms.max,
          share: sum.median > 0 ? ms.median / sum.median : 0,
          flops,
          gflops: flops === null || ms.median <= 0 ? null : flops / (ms.median * 1e6),
        },
      ];
    });
    const o = summarise(ordinary);
    return {
      config,
      n: group.hidden,
      L: task.L,
      B: group.batchSize,
      runs: runs.length,
      repeats,
      ordinaryMs: o.median,
      ordinaryMinMs: o.min,
      ordinaryMaxMs: o.max,
      medianSumMs: sum.median,
      medianSpanMs: summarise(profiles.map((p) => p.spanMs)).median,
      ops: spread,
    };
  } finally {
    await rg.destroy();
  }
}

const ms = (v: number) => v.toFixed(3);

/** The profile rows as markdown: one table per configuration. */
export function profileRowsTable(rows: readonly OpProfileRow[]): string {
  return rows
    .map((r) => {
      const head =
        `### Per-op profile: ${r.config}, n = ${r.n}, L = ${r.L}, batch ${r.B}, ${r.runs} run(s), ${r.repeats} profiled iterations\n\n` +
        `Ordinary iteration (wall clock, submit to results read back): median ${ms(r.ordinaryMs)} ms (min ${ms(r.ordinaryMinMs)}, max ${ms(r.ordinaryMaxMs)}). ` +
        `Profiled iteration (GPU timestamps, each dispatch in a pass of its own): ops sum ${ms(r.medianSumMs)} ms, span ${ms(r.medianSpanMs)} ms (medians).\n\n`;
      const lines = [
        '| op | dispatches | median ms | min ms | max ms | % of ops | MFLOP | GFLOP/s |',
        '|---|---:|---:|---:|---:|---:|---:|---:|',
      ];
      for (const o of r.ops)
        lines.push(
          `| ${o.category} | ${o.dispatches} | ${ms(o.medianMs)} | ${ms(o.minMs)} | ${ms(o.maxMs)} | ${(100 * o.share).toFixed(1)} | ${o.flops === null ? '' : (o.flops / 1e6).toPrecision(4)} | ${o.gflops === null ? '' : o.gflops.toPrecision(3)} |`,
        );
      const counted = r.ops.reduce((a, o) => a + (o.flops ?? 0), 0);
      const foot = `\n\n${(counted / 1e6).toPrecision(4)} MFLOP counted in all (the run guard and the spectrum are not counted): ${(counted / (r.ordinaryMs * 1e6)).toPrecision(3)} GFLOP/s over the ordinary iteration's median.`;
      return head + lines.join('\n') + foot;
    })
    .join('\n\n');
}
