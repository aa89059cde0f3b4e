/**
 * The run guard (docs/ENGINE.md, "The run guard"; kernel shaders/runGuard.wgsl): checks every run's loss, the
 * given gradient and parameter buffers, and freezes a run whose step is not healthy, in the health table the
 * update kernels read. The slots are split over dispatches of GUARD_SLOTS_PER_DISPATCH each (a block's 16 or
 * so slots take three), all of them serving every run; the last one decides. The iteration the guard records
 * comes from a small uniform the trainer writes every step (setIteration).
 */
import { GUARD_BOUNDS } from '../../engine/runHealth.ts';
import type { Dispatch } from '../kernel.ts';
import type { OpContext } from './context.ts';
import { dispatch, type Footprint, uniforms } from './footprint.ts';

/**
 * Slots of one guard dispatch: 8 storage bindings (WebGPU's default per stage, so a device without more can
 * still run every RNN group) less the loss and the health table.
 */
export const GUARD_SLOTS_PER_DISPATCH = 6;

export interface GuardSlotBuffer {
  kind: 'gradient' | 'parameter';
  /** [R][size] f32 */
  buffer: GPUBuffer;
  size: number;
}

export interface RunGuard {
  dispatches: Dispatch[];
  /** the 1-based iteration the next guarded step is (recorded when a run fails) */
  setIteration(iteration: number): void;
}

/** The guard's dispatches for `slots` checked buffers: one Params uniform and a [1][R] grid each, and the clock uniform. */
export function runGuardFootprint(dims: { R: number; slots: number }): Footprint {
  const groups = Math.max(1, Math.ceil(dims.slots / GUARD_SLOTS_PER_DISPATCH));
  return {
    buffers: [uniforms('runGuard', groups), { name: 'runGuard.clock', kind: 'uniforms', bytes: 16, binding: 'uniform', count: 1 }],
    dispatches: Array.from({ length: groups }, (_, g) => dispatch(`runGuard.${g}`, 'runGuard', [1, dims.R, 1])),
  };
}

export async function prepareRunGuard(
  ctx: OpContext,
  dims: { R: number },
  bufs: { lossStats: GPUBuffer; health: GPUBuffer; slots: readonly GuardSlotBuffer[] },
  bounds: { loss: number; gradient: number; parameter: number } = GUARD_BOUNDS,
): Promise<RunGuard> {
  const { R } = dims;
  for (const [i, s] of bufs.slots.entries()) {
    if (s.buffer.size < R * s.size * 4)
      throw new Error(`runGuard: slot ${i} (${s.buffer.label}) needs ${R * s.size} floats but its buffer holds ${s.buffer.size / 4}`);
  }
  if (bufs.health.size < R * 16) throw new Error(`runGuard: health needs ${R} runs x 4 words`);
  const kernel = await ctx.kernels.get('runGuard', { WG: ctx.software ? 64 : 256 });
  const clock = ctx.device.createBuffer({ label: 'runGuard.clock', size: 16, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
  const groups: GuardSlotBuffer[][] = [];
  for (let i = 0; i < bufs.slots.length; i += GUARD_SLOTS_PER_DISPATCH) groups.push(bufs.slots.slice(i, i + GUARD_SLOTS_PER_DISPATCH));
  if (!groups.length) groups.push([]);
  const dispatches = groups.map((slots, g): Dispatch => {
    const values: Record<string, number> = {
      R,
      first: g === 0 ? 1 : 0,
      last: g === groups.length - 1 ? 1 : 0,
      paramSlots: slots.reduce((m, s, k) => (s.kind === 'parameter' ? m | (1 << k) : m), 0),
      lossBound: bounds.loss,
      gradientBound: bounds.gradient,
      parameterBound: bounds.parameter,
    };
    // an unused slot checks nothing (size 0) and binds the read-only loss buffer
    for (let k = 0; k < GUARD_SLOTS_PER_DISPATCH; k++) values[`size${k}`] = slots[k]?.size ?? 0;
    const params = kernel.makeParams(values, `runGuard.params.${g}`);
    const slotBuffers = Array.from({ length: GUARD_SLOTS_PER_DISPATCH }, (_, k) => slots[k]?.buffer ?? bufs.lossStats);
    return {
      label: `runGuard.${g}`,
      kernel,
      group: kernel.bind([params, clock, bufs.lossStats, bufs.health, ...slotBuffers]),
      workgroups: [1, R, 1],
    };
  });
  return {
    dispatches,
    setIteration: (iteration) => ctx.device.queue.writeBuffer(clock, 0, new Uint32Array([iteration])),
  };
}
