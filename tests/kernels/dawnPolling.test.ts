/**
 * The pacing of dawn.node's polls (src/gpu/dawnPolling.ts): while a wait for the GPU is under way, Dawn's
 * polls run on a timer, intervalMs apart, instead of back to back in a setImmediate loop; every other
 * setImmediate call runs as before; the interval comes from ORTHO_DAWN_POLL_MS or the adapter.
 * These tests count polls, not time: a paced poll waits on a timer of at least intervalMs, so a wait of
 * E ms can hold at most E / intervalMs + 1 of them (an immediate loop would hold thousands).
 */
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { readF32 } from '../../src/gpu/buffers.ts';
import {
  DAWN_POLL_ENV,
  dawnPollInterval,
  dawnPollStats,
  EnvironmentError,
  isDawnPoll,
  pollIntervalFromEnv,
  setDawnPollInterval,
} from '../../src/gpu/dawnPolling.ts';
import { device, gpu } from '../helpers/gpu.ts';

/** A kernel that keeps SwiftShader busy for a while (each of 64 invocations sums `iters` terms). */
const BUSY = /* wgsl */ `
@group(0) @binding(0) var<storage, read_write> out: array<f32>;
override ITERS: u32 = 1u;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  var acc = 0.0;
  for (var k = 0u; k < ITERS; k++) { acc += f32((k ^ id.x) & 7u); }
  out[id.x] = acc;
}`;

/** The sum the busy kernel writes for invocation x (exact in f32: small integers, sums below 2^24). */
function busySum(x: number, iters: number): number {
  let s = 0;
  for (let k = 0; k < iters; k++) s += (k ^ x) & 7;
  return s;
}

async function busyJob(iters: number): Promise<{ got: Float32Array; ms: number }> {
  const out = device.createBuffer({ size: 64 * 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
  const pipeline = await device.createComputePipelineAsync({
    layout: 'auto',
    compute: { module: device.createShaderModule({ code: BUSY }), entryPoint: 'main', constants: { ITERS: iters } },
  });
  const enc = device.createCommandEncoder();
  const pass = enc.beginComputePass();
  pass.setPipeline(pipeline);
  pass.setBindGroup(
    0,
    device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries: [{ binding: 0, resource: { buffer: out } }] }),
  );
  pass.dispatchWorkgroups(1);
  pass.end();
  const t0 = performance.now();
  device.queue.submit([enc.finish()]);
  const got = await readF32(device, out);
  const ms = performance.now() - t0;
  out.destroy();
  return { got, ms };
}

describe('dawn.node poll pacing', () => {
  it('recognises what the binding hands to setImmediate (a native function without a name), and nothing else', () => {
    // Function.prototype is such a function: native, named ''
    expect(isDawnPoll(Function.prototype)).toBe(true);
    expect(isDawnPoll(() => {})).toBe(false);
    expect(isDawnPoll(function named() {})).toBe(false);
    expect(isDawnPoll((() => {}).bind(null))).toBe(false);
    expect(isDawnPoll(Math.max)).toBe(false);
    expect(isDawnPoll('function () { [native code] }')).toBe(false);
  });

  it('reads ORTHO_DAWN_POLL_MS: unset or a whole number 0-100, anything else refused by name', () => {
    expect(pollIntervalFromEnv({})).toBeUndefined();
    expect(pollIntervalFromEnv({ [DAWN_POLL_ENV]: '' })).toBeUndefined();
    expect(pollIntervalFromEnv({ [DAWN_POLL_ENV]: '0' })).toBe(0);
    expect(pollIntervalFromEnv({ [DAWN_POLL_ENV]: '1' })).toBe(1);
    expect(pollIntervalFromEnv({ [DAWN_POLL_ENV]: '100' })).toBe(100);
    for (const bad of ['-1', '1.5', '101', 'abc', '0x1', '1e1', '5ms']) {
      expect(() => pollIntervalFromEnv({ [DAWN_POLL_ENV]: bad }), bad).toThrow(EnvironmentError);
      expect(() => pollIntervalFromEnv({ [DAWN_POLL_ENV]: bad }), bad).toThrow(
        new RegExp(`${DAWN_POLL_ENV} must be a whole number of milliseconds from 0 to 100.*got '${bad.replace('.', '\\.')}'`),
      );
    }
    expect(() => setDawnPollInterval(-1)).toThrow(/whole number of milliseconds from 0 to 100 \(got -1\)/);
    expect(() => setDawnPollInterval(0.5)).toThrow(/got 0\.5/);
  });

  it('polls every millisecond on SwiftShader by default, and a long wait sleeps between its polls', async () => {
    if (!gpu.adapterInfo.isSoftware) return; // a hardware GPU keeps dawn.node's own loop (interval 0)
    expect(dawnPollInterval()).toBe(pollIntervalFromEnv() ?? 1);
    const interval = dawnPollInterval();
    if (interval === 0) return; // ORTHO_DAWN_POLL_MS=0 asked for the busy loop
    const iters = 400_000;
    await busyJob(1000); // compile and warm up
    const before = dawnPollStats();
    const { got, ms } = await busyJob(iters);
    const after = dawnPollStats();
    const paced = after.paced - before.paced;
    const immediate = after.immediate - before.immediate;
    // the job's results are what they are without pacing
    for (const x of [0, 1, 7, 63]) expect(got[x], `out[${x}]`).toBe(busySum(x, iters));
    // the wait outlasted a poll or two, and its polls were paced: at most one per interval, plus the first
    expect(paced, `${paced} paced polls in ${ms.toFixed(1)} ms`).toBeGreaterThan(0);
    expect(paced + immediate).toBeLessThanOrEqual(ms / interval + 4);
  });

  it('restores the busy loop at an interval of 0 (many immediate polls, none paced)', async () => {
    if (!gpu.adapterInfo.isSoftware) return;
    const kept = dawnPollInterval();
    setDawnPollInterval(0);
    try {
      const before = dawnPollStats();
      const { got } = await busyJob(100_000);
      const after = dawnPollStats();
      expect(got[5]).toBe(busySum(5, 100_000));
      expect(after.paced - before.paced).toBe(0);
      expect(after.immediate - before.immediate).toBeGreaterThan(1);
    } finally {
      setDawnPollInterval(kept);
    }
  });

  it("passes every other setImmediate call through unchanged (arguments, promisify's form)", async () => {
    const before = dawnPollStats();
    const got = await new Promise<string>((resolve) => setImmediate((a: string, b: string) => resolve(a + b), 'x', 'y'));
    expect(got).toBe('xy');
    expect(await promisify(setImmediate)('z')).toBe('z');
    const after = dawnPollStats();
    expect(after.other - before.other).toBeGreaterThanOrEqual(1);
    expect(after.paced - before.paced).toBe(0);
  });
});
