/**
 * The lab's training step as e2e/benchPeers.ts times it, wherever its kernels run: in the Chromium page
 * (e2e/peers/page.ts, system 'lab') and in the benchmark's own Node process on Dawn (e2e/peers/node.ts,
 * systems 'node' and 'node-busy'). One timed iteration is step() and collect(): submitted, and its metrics
 * read back.
 */
import { RunGroup } from '../../src/engine/runGroup.ts';
import { type GroupSettings, PAPER_GROUP, PAPER_RUN, type RunSettings } from '../../src/engine/settings.ts';
import type { OpContext } from '../../src/gpu/ops/context.ts';

export interface PeerConfig {
  n: number;
  T: number;
  B: number;
}

/** One system's timing: ms per iteration of each timed iteration, its first loss (the lab's first batch) and its second (the lab's second batch after one step). */
export interface PeerTiming {
  system: string;
  /** what the system said about itself (backend, threads) */
  detail: string;
  firstLoss: number;
  secondLoss: number;
  ms: number[];
  /** CPU milliseconds of the process's main thread per timed iteration, where the system can tell (Node on Linux) */
  mainThreadCpuMs?: number[];
  /**
   * the lab's systems, asked for profiles: per profiled iteration (RunGroup.profileStep: GPU timestamps, each
   * dispatch in a pass of its own) the ms of each op category and the span; absent where not asked
   */
  profiles?: { categories: { category: string; ms: number }[]; spanMs: number; sumMs: number }[];
  /** why there are no profiles although they were asked for (the adapter offers no timestamp-query) */
  profileNote?: string;
}

export function labSettings(cfg: PeerConfig): { group: GroupSettings; run: RunSettings } {
  return {
    group: { ...PAPER_GROUP, task: 'copy', T: cfg.T, batchSize: cfg.B, hidden: cfg.n, trackEvery: 100_000, recompute: 'off' },
    run: { ...PAPER_RUN, name: 'plain', parameterisation: 'plain' },
  };
}

/**
 * The lab's step on `ctx`: its first two losses, then `iters` timed iterations after `warmup` (the first two
 * count), each submitted and its metrics read back. `threadCpuMs`, where given, reads the main thread's CPU time.
 * `profiles` > 0: after the timed iterations, that many profiled ones (where the adapter offers timestamps).
 */
export async function labStepTiming(
  ctx: OpContext,
  cfg: PeerConfig,
  warmup: number,
  iters: number,
  system: string,
  detail: string,
  threadCpuMs?: () => number,
  profiles = 0,
): Promise<PeerTiming> {
  const { group, run } = labSettings(cfg);
  const rg = await RunGroup.create(ctx, group, [run]);
  try {
    rg.step();
    const first = await rg.collect();
    const firstLoss = first[0].runs[0].loss;
    rg.step();
    const secondLoss = (await rg.collect())[0].runs[0].loss;
    for (let k = 2; k < warmup; k++) {
      rg.step();
      await rg.collect();
    }
    const ms: number[] = [];
    const cpu: number[] = [];
    for (let k = 0; k < iters; k++) {
      const c0 = threadCpuMs?.() ?? 0;
      const t0 = performance.now();
      rg.step();
      await rg.collect();
      ms.push(performance.now() - t0);
      if (threadCpuMs) cpu.push(threadCpuMs() - c0);
    }
    const timed: PeerTiming = { system, detail, firstLoss, secondLoss, ms, ...(threadCpuMs ? { mainThreadCpuMs: cpu } : {}) };
    if (profiles === 0) return timed;
    if (!ctx.device.features.has('timestamp-query'))
      return { ...timed, profileNote: "this adapter offers no 'timestamp-query': no per-op profile" };
    const taken: NonNullable<PeerTiming['profiles']> = [];
    for (let k = 0; k < profiles; k++) {
      const p = await rg.profileStep();
      await rg.collect();
      taken.push({ categories: p.categories.map((c) => ({ category: c.category, ms: c.ms })), spanMs: p.spanMs, sumMs: p.sumMs });
    }
    return { ...timed, profiles: taken };
  } finally {
    await rg.destroy();
  }
}
