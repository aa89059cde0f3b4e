/**
 * How dawn.node (the npm package `webgpu`) waits for the GPU, and the pacing this project puts on it.
 *
 * dawn.node settles every promise of the WebGPU API (mapAsync, onSubmittedWorkDone, popErrorScope,
 * createComputePipelineAsync, requestDevice, ...) by polling Dawn: while any of them is pending, a native
 * callback handed to the global `setImmediate` calls wgpuInstanceProcessEvents and hands itself to
 * `setImmediate` again (AsyncRunner::ScheduleProcessEvents in Dawn's src/dawn/node/binding/AsyncRunner.cpp,
 * which carries a TODO to poll less often). That is a busy loop: Node's main thread runs flat out for as long
 * as the GPU works. On a hardware GPU it only costs a CPU core. On a CPU adapter (SwiftShader, whose shader
 * threads want every core) it takes CPU from the kernels themselves: on a 2-core machine the same
 * training iteration took 1.5-3.1x as long with the busy loop as with the pacing below, measured interleaved
 * in one process (docs/bench/2026-12-03-node-vs-chromium.md). Chromium has no such loop: its page waits for
 * the GPU process on IPC, asleep.
 *
 * The binding looks `setImmediate` up on the global object at every poll, so installDawnPolling() puts a
 * wrapper there. A call whose callback is a native function without a name (what the binding passes) is a
 * poll of Dawn's: the first poll of a wait still runs at once (a wait that is already over costs nothing),
 * every further poll of the same wait runs `intervalMs` later on a timer, so the thread sleeps in between.
 * Every other setImmediate call runs as before. Only when a settled promise is noticed changes (at most
 * intervalMs later): nothing the GPU computes, and no order of GPU work, changes.
 */

/** Node's own setImmediate, kept before the wrapper replaces it. */
type Immediate = (callback: (...args: unknown[]) => void, ...args: unknown[]) => unknown;

export interface DawnPollStats {
  /** polls of Dawn's run at once (the first poll of each wait, or every poll with an interval of 0) */
  immediate: number;
  /** polls of Dawn's run on a timer, intervalMs after the poll before */
  paced: number;
  /** setImmediate calls that were not Dawn's, passed through unchanged */
  other: number;
}

/** The environment variable that sets the poll interval (milliseconds; 0 for dawn.node's own busy loop). */
export const DAWN_POLL_ENV = 'ORTHO_DAWN_POLL_MS';
export const MAX_DAWN_POLL_MS = 100;

const state = {
  installed: false,
  original: undefined as Immediate | undefined,
  intervalMs: 0,
  insidePoll: false,
  stats: { immediate: 0, paced: 0, other: 0 } as DawnPollStats,
};

/** A native function without a name: what dawn.node's binding hands to setImmediate (Napi::Function::New). */
export function isDawnPoll(callback: unknown): boolean {
  return (
    typeof callback === 'function' &&
    callback.name === '' &&
    /\{\s*\[native code\]\s*\}\s*$/.test(Function.prototype.toString.call(callback))
  );
}

/** A setting in the environment that is not what it must be (the CLI prints its message alone and exits 2). */
export class EnvironmentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EnvironmentError';
  }
}

/** The poll interval in ORTHO_DAWN_POLL_MS: undefined when unset; an EnvironmentError for anything but a whole number 0-100. */
export function pollIntervalFromEnv(env: Record<string, string | undefined> = process.env): number | undefined {
  const text = env[DAWN_POLL_ENV];
  if (text === undefined || text === '') return undefined;
  if (!/^\d{1,3}$/.test(text.trim()) || Number(text) > MAX_DAWN_POLL_MS)
    throw new EnvironmentError(
      `${DAWN_POLL_ENV} must be a whole number of milliseconds from 0 to ${MAX_DAWN_POLL_MS} (0: poll Dawn in a busy loop, ` +
        `as dawn.node does by itself; 1: the default on a CPU adapter), got '${text.slice(0, 60)}'`,
    );
  return Number(text);
}

/** Puts the pacing wrapper on globalThis.setImmediate (once; later calls change nothing). */
export function installDawnPolling(): void {
  if (state.installed) return;
  const original = globalThis.setImmediate as unknown as Immediate;
  state.original = original;
  const wrapper = (callback: (...args: unknown[]) => void, ...args: unknown[]): unknown => {
    if (!isDawnPoll(callback)) {
      state.stats.other++;
      return original(callback, ...args);
    }
    const poll = () => {
      state.insidePoll = true;
      try {
        callback(...args);
      } finally {
        state.insidePoll = false;
      }
    };
    // a poll queued from inside a poll is the same wait going on: that one waits on the timer
    if (state.intervalMs > 0 && state.insidePoll) {
      state.stats.paced++;
      return setTimeout(poll, state.intervalMs);
    }
    state.stats.immediate++;
    return original(poll);
  };
  // keep what hangs on Node's setImmediate (util.promisify's custom form among them)
  for (const key of Reflect.ownKeys(original)) {
    if (key === 'length' || key === 'name' || key === 'prototype') continue;
    const d = Object.getOwnPropertyDescriptor(original, key);
    if (d) Object.defineProperty(wrapper, key, d);
  }
  globalThis.setImmediate = wrapper as unknown as typeof setImmediate;
  state.installed = true;
}

/** Sets how long a wait for the GPU sleeps between polls of Dawn: 0 restores dawn.node's busy loop. */
export function setDawnPollInterval(ms: number): void {
  if (!Number.isInteger(ms) || ms < 0 || ms > MAX_DAWN_POLL_MS)
    throw new Error(`the Dawn poll interval must be a whole number of milliseconds from 0 to ${MAX_DAWN_POLL_MS} (got ${ms})`);
  state.intervalMs = ms;
}

export function dawnPollInterval(): number {
  return state.intervalMs;
}

/** The polls counted since installDawnPolling() (a copy). */
export function dawnPollStats(): DawnPollStats {
  return { ...state.stats };
}
