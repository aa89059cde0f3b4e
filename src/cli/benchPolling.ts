/**
 * The benchmark's polling section (issue 12: why the trainer in Node was slower than the lab in Chromium on
 * the same kernels): the same training iteration with dawn.node's own busy loop of polls (interval 0) and
 * with the trainer's pacing (src/gpu/dawnPolling.ts), interleaved in one process, iteration by iteration, the
 * order alternating, so that the machine's load falls on both alike. Each iteration is step() and collect()
 * (submitted, its metrics read back), as the lab's timing in e2e/peers/labStep.ts. Beside the wall clock it
 * reads the CPU time of the process and of its main thread (the thread that polls; Linux /proc only).
 */
import { readFileSync } from 'node:fs';
import { RunGroup } from '../engine/runGroup.ts';
import type { GroupSettings, RunSettings } from '../engine/settings.ts';
import { summarise } from '../experiments/replicates.ts';
import { dawnPollInterval, setDawnPollInterval } from '../gpu/dawnPolling.ts';
import type { OpContext } from '../gpu/ops/context.ts';

export interface PollingRow {
  config: string;
  n: number;
  /** ms between Dawn's polls while a wait goes on (0: dawn.node's busy loop) */
  intervalMs: number;
  /** whether this is the interval the trainer uses on this adapter */
  trainer: boolean;
  iterations: number;
  medianMs: number;
  minMs: number;
  maxMs: number;
  /** medians per iteration: CPU ms of the whole process, and of its main thread (null where not readable) */
  processCpuMs: number;
  mainThreadCpuMs: number | null;
}

/** CPU ms of this process's main thread, from /proc (null off Linux). */
export function mainThreadCpuMs(): number | null {
  try {
    // after the command name: utime and stime are the 12th and 13th fields (clock ticks, 100 a second)
    const f = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(f[11]) + Number(f[12])) * 10;
  } catch {
    return null;
  }
}

/**
 * `repeats` iterations at each of `intervals` (ms; default: 0 and the interval the trainer uses on this
 * adapter, or 1 ms where that is 0 too), after 2 warm-up iterations, alternating between them; the interval
 * in force before (the trainer's) is restored.
 */
export async function timePolling(
  ops: OpContext,
  group: GroupSettings,
  run: RunSettings,
  config: string,
  repeats: number,
  intervals: number[] = [0, dawnPollInterval() || 1],
): Promise<PollingRow[]> {
  const kept = dawnPollInterval();
  const distinct = [...new Set(intervals)];
  const rg = await RunGroup.create(ops, group, [run], {});
  const wall = distinct.map(() => [] as number[]);
  const cpu = distinct.map(() => [] as number[]);
  const main = distinct.map(() => [] as number[]);
  let mainReadable = true;
  try {
    for (let k = 0; k < 2; k++) {
      rg.step();
      await rg.collect();
    }
    for (let r = 0; r < repeats; r++) {
      for (let j = 0; j < distinct.length; j++) {
        const i = (j + r) % distinct.length;
        setDawnPollInterval(distinct[i]);
        const c0 = process.cpuUsage();
        const m0 = mainThreadCpuMs();
        const t0 = performance.now();
        rg.step();
        await rg.collect();
        wall[i].push(performance.now() - t0);
        const c = process.cpuUsage(c0);
        cpu[i].push((c.user + c.system) / 1000);
        const m1 = mainThreadCpuMs();
        if (m0 === null || m1 === null) mainReadable = false;
        else main[i].push(m1 - m0);
      }
    }
  } finally {
    setDawnPollInterval(kept);
    await rg.destroy();
  }
  return distinct.map((intervalMs, i) => {
    const w = summarise(wall[i]);
    return {
      config,
      n: group.hidden,
      intervalMs,
      trainer: intervalMs === kept,
      iterations: wall[i].length,
      medianMs: w.median,
      minMs: w.min,
      maxMs: w.max,
      processCpuMs: summarise(cpu[i]).median,
      mainThreadCpuMs: mainReadable ? summarise(main[i]).median : null,
    };
  });
}

/** The polling rows as markdown, each row's median over its configuration's paced one. */
export function pollingTable(rows: readonly PollingRow[]): string {
  const head =
    '| configuration | n | polls | iterations | median ms/iter | min | max | over the paced median | process CPU ms/iter | main thread CPU ms/iter |\n' +
    '|---|---:|---|---:|---:|---:|---:|---:|---:|---:|\n';
  const body = rows.map((r) => {
    const paced = rows.find((p) => p.config === r.config && p.n === r.n && p.intervalMs > 0);
    const ratio = paced ? (r.medianMs / paced.medianMs).toFixed(2) : '';
    const polls = `${r.intervalMs === 0 ? "busy loop (dawn.node's own)" : `every ${r.intervalMs} ms`}${r.trainer ? ', the trainer' : ''}`;
    return `| ${r.config} | ${r.n} | ${polls} | ${r.iterations} | ${r.medianMs.toFixed(0)} | ${r.minMs.toFixed(0)} | ${r.maxMs.toFixed(0)} | ${ratio} | ${r.processCpuMs.toFixed(0)} | ${r.mainThreadCpuMs === null ? '' : r.mainThreadCpuMs.toFixed(0)} |`;
  });
  return head + body.join('\n');
}
