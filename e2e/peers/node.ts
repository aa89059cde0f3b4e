/**
 * The lab's step in the benchmark's own Node process, on Dawn (the npm package `webgpu`), for
 * e2e/benchPeers.ts: the headless trainer's engine (src/cli/nodeContext.ts) beside the Chromium page's, on
 * the same SwiftShader unless --hardware. Two systems: 'node' waits for the GPU as the trainer does (Dawn's
 * polls paced, src/gpu/dawnPolling.ts) and 'node-busy' in dawn.node's own busy loop of polls (interval 0), so
 * that what the loop costs is measured interleaved with the rest. The engine is opened once and closed by
 * closeNodeEngine().
 */
import { readFileSync } from 'node:fs';
import { type NodeEngine, openNodeEngine } from '../../src/cli/nodeContext.ts';
import { dawnPollInterval, setDawnPollInterval } from '../../src/gpu/dawnPolling.ts';
import { labStepTiming, type PeerConfig, type PeerTiming } from './labStep.ts';

export const NODE_SYSTEMS = ['node', 'node-busy'];

let engine: NodeEngine | null = null;
/** the poll interval the engine chose for its adapter (what the trainer uses) */
let trainerInterval = 0;

/** CPU ms of this process's main thread (Linux /proc; undefined elsewhere). */
function mainThreadCpu(): (() => number) | undefined {
  const path = `/proc/self/task/${process.pid}/stat`;
  try {
    readFileSync(path);
  } catch {
    return undefined;
  }
  return () => {
    // fields after the command name: state is 3rd, utime 14th and stime 15th of the line (clock ticks, 100 a second)
    const f = readFileSync(path, 'utf8').split(') ')[1].split(' ');
    return (Number(f[11]) + Number(f[12])) * 10;
  };
}

export async function nodeTiming(
  system: string,
  cfg: PeerConfig,
  warmup: number,
  iters: number,
  hardware: boolean,
  profiles = 0,
): Promise<PeerTiming> {
  if (!NODE_SYSTEMS.includes(system)) throw new Error(`unknown Node system '${system}' (${NODE_SYSTEMS.join(', ')})`);
  if (!engine) {
    engine = await openNodeEngine(hardware ? 'auto' : 'software');
    trainerInterval = dawnPollInterval();
  }
  const interval = system === 'node-busy' ? 0 : trainerInterval;
  setDawnPollInterval(interval);
  try {
    const detail = `Dawn in Node ${process.version}, ${engine.describe()}, ${interval ? `polls every ${interval} ms` : 'busy polling loop'}`;
    return await labStepTiming(engine.ops, cfg, warmup, iters, system, detail, mainThreadCpu(), profiles);
  } finally {
    setDawnPollInterval(trainerInterval);
  }
}

export function closeNodeEngine(): void {
  engine?.close();
  engine = null;
}
