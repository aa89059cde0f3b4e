/**
 * The memory plan in words: byte sizes, the one-line summary the CLI prints and the lab shows beside the
 * group settings ("GPU memory: 38.2 MiB (6 runs x 6.20 MiB + shared 0.41 MiB); largest buffer rnn.h 2.10 MiB
 * of 1.00 GiB allowed; activations per run 1.48 MiB with full storage (recomputation in segments of 9 steps:
 * 412 KiB)"), and the rows of its details view.
 */
import type { BufferKind } from '../gpu/ops/footprint.ts';
import { allBuffers, bufferBytes, type MemoryPlan } from './memoryPlan.ts';
import { storageText } from './recompute.ts';

const UNITS = ['KiB', 'MiB', 'GiB', 'TiB'];

/** Bytes in binary units with three significant digits: 512 B, 6.20 MiB, 39.1 GiB. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  let v = bytes / 1024;
  let u = 0;
  while (v >= 1024 && u < UNITS.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toPrecision(3)} ${UNITS[u]}`;
}

const SIZE_UNITS: Record<string, number> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 2 ** 10,
  mib: 2 ** 20,
  gib: 2 ** 30,
  tib: 2 ** 40,
};

/** A byte size as a user writes it: 4GiB, 512 MiB, 2.5GB, 1e9 (bytes); null when it is not one. */
export function parseByteSize(text: string): number | null {
  const m = /^\s*(\d+(?:\.\d+)?(?:e\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  const unit = m ? SIZE_UNITS[(m[2] || 'b').toLowerCase()] : undefined;
  const bytes = m && unit ? Math.round(Number(m[1]) * unit) : NaN;
  return Number.isFinite(bytes) && bytes >= 1 ? bytes : null;
}

function runsWord(cell: 'rnn' | 'lstm', runs: number, several: boolean): string {
  const what = several ? (cell === 'lstm' ? ' LSTM' : ' RNN') : '';
  return `${runs}${what} run${runs === 1 ? '' : 's'}`;
}

/** "38.2 MiB (6 runs x 6.20 MiB + shared 0.41 MiB); largest buffer rnn.h 2.10 MiB of 1.00 GiB allowed". */
export function memorySummary(plan: MemoryPlan, maxBufferSize: number): string {
  const several = plan.blocks.length > 1;
  const perRun = plan.blocks.map((b) => `${runsWord(b.cell, b.runs, several)} x ${formatBytes(b.bytes / b.runs)}`);
  const shared = formatBytes(plan.sharedBytes + bufferBytes(plan.transient));
  return (
    `${formatBytes(plan.totalBytes)} (${perRun.join(' + ')} + shared ${shared}); ` +
    `largest buffer ${plan.largest.name} ${formatBytes(plan.largest.bytes)} of ${formatBytes(maxBufferSize)} allowed; ` +
    activationsText(plan)
  );
}

/**
 * The activation memory per run as planned, against the other way of keeping it: "activations per run 18.4 MiB
 * with recomputation, segments of 41 steps (full storage: 1.47 GiB)" or "... 1.48 MiB with full storage
 * (recomputation in segments of 9 steps: 412 KiB)".
 */
export function activationsText(plan: MemoryPlan): string {
  const a = plan.activationsPerRun;
  if (plan.storage === 'full')
    return `activations per run ${formatBytes(a.full)} with full storage (recomputation in segments of ${a.recompute.k} steps: ${formatBytes(a.recompute.bytes)})`;
  const mine = plan.blocks.reduce((t, b) => t + sumKind(b.buffers, 'activations'), 0) / plan.dims.R;
  return `activations per run ${formatBytes(mine)} with ${storageText(plan.storage)} (full storage: ${formatBytes(a.full)})`;
}

function sumKind(buffers: MemoryPlan['shared'], kind: BufferKind): number {
  return buffers.filter((b) => b.kind === kind).reduce((t, b) => t + bufferBytes(b), 0);
}

export const KIND_WORDS: Record<BufferKind, string> = {
  batch: 'batch',
  settings: 'settings',
  parameters: 'parameters',
  gradients: 'gradients',
  optimiser: 'optimiser state',
  activations: 'activations',
  scratch: 'scratch',
  metrics: 'metrics',
  staging: 'staging',
  uniforms: 'kernel uniforms',
};

export interface MemoryRow {
  owner: string;
  name: string;
  kind: string;
  shape: string;
  count: number;
  /** bytes of one buffer */
  bytes: number;
  /** bytes of all `count` buffers */
  total: number;
  binding: string;
}

/**
 * The plan as table rows, largest first: every buffer over `minBytes` on its own, the smaller ones of each
 * owner and kind summed into one row (the many uniforms and small metrics buffers).
 */
export function memoryRows(plan: MemoryPlan, minBytes = 64 * 1024): MemoryRow[] {
  const rows: MemoryRow[] = [];
  const small = new Map<string, MemoryRow>();
  for (const { owner, buffer: b } of allBuffers(plan)) {
    const total = bufferBytes(b);
    if (b.bytes >= minBytes) {
      rows.push({
        owner,
        name: b.name,
        kind: KIND_WORDS[b.kind],
        shape: b.shape ?? '',
        count: b.count,
        bytes: b.bytes,
        total,
        binding: b.binding,
      });
      continue;
    }
    const key = `${owner}/${b.kind}`;
    const row = small.get(key) ?? {
      owner,
      name: `${KIND_WORDS[b.kind]} under ${formatBytes(minBytes)}`,
      kind: KIND_WORDS[b.kind],
      shape: '',
      count: 0,
      bytes: 0,
      total: 0,
      binding: '',
    };
    row.count += b.count;
    row.bytes = Math.max(row.bytes, b.bytes);
    row.total += total;
    small.set(key, row);
  }
  return [...rows, ...small.values()].sort((a, b) => b.total - a.total);
}
