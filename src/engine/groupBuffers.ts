/**
 * Every GPU buffer of a run group, allocated once: parameters, gradients and optimiser state stacked over
 * runs ([R][...] per parameter), activations over the whole sequence, the batch, and scratch space.
 */
import { storageBuffer } from '../gpu/buffers.ts';
import { HYPER_STRIDE } from './hyper.ts';
import { PARAM_NAMES, paramSize, type ModelDims, type ParamName } from './parameters.ts';

export const LOSS_STATS = 2; // (task loss, accuracy) per run
export const PENALTY_STATS = 2; // (soft orthogonality value, weight decay value on W) per run

export interface GroupBuffers {
  hyper: GPUBuffer;
  params: Record<ParamName, GPUBuffer>;
  grads: Record<ParamName, GPUBuffer>;
  /** RMSprop mean square or SGD velocity, per parameter the free optimiser updates */
  state: Record<ParamName, GPUBuffer>;
  x: GPUBuffer;
  targets: GPUBuffer;
  weight: GPUBuffer;
  accWeight: GPUBuffer;
  xproj: GPUBuffer;
  a: GPUBuffer;
  h: GPUBuffer;
  dh: GPUBuffer;
  da: GPUBuffer;
  dhOut: GPUBuffer;
  dh0: GPUBuffer;
  flow: GPUBuffer;
  logits: GPUBuffer;
  dlogits: GPUBuffer;
  lossStats: GPUBuffer;
  penaltyStats: GPUBuffer;
  /** W^T W (soft orthogonality), then reused */
  gram: GPUBuffer;
  /** W (W^T W) for the penalty gradient, or dW V for the spectrum gradient */
  scratch: GPUBuffer;
  /** the composed U diag(relu(s)) V^T before plain runs are masked out */
  composed: GPUBuffer;
  /** (U^T U, V^T V) for the drift metric [R][2][n][n] */
  basesGram: GPUBuffer;
  drift: GPUBuffer;
  /** runs whose margin changed since the last iteration: 1 = recompute p from s under the new margin */
  remarginMask: GPUBuffer;
  all: GPUBuffer[];
}

export function allocateGroupBuffers(device: GPUDevice, d: ModelDims, loss: 'xent' | 'mse'): GroupBuffers {
  const all: GPUBuffer[] = [];
  const f32 = (count: number, label: string) => {
    const b = storageBuffer(device, count * 4, label);
    all.push(b);
    return b;
  };
  const perParam = (what: string) => {
    const rec = {} as Record<ParamName, GPUBuffer>;
    for (const name of PARAM_NAMES) rec[name] = f32(d.R * paramSize(name, d), `${what}.${name}`);
    return rec;
  };
  const { R, L, B, n, O, P } = d;
  const seq = R * L * B * n;
  return {
    hyper: f32(R * HYPER_STRIDE, 'hyper'),
    params: perParam('param'),
    grads: perParam('grad'),
    state: perParam('state'),
    x: f32(L * B * d.I, 'x'),
    targets: f32(loss === 'xent' ? P : P * O, 'targets'),
    weight: f32(P, 'weight'),
    accWeight: f32(P, 'accWeight'),
    xproj: f32(seq, 'xproj'),
    a: f32(seq, 'a'),
    h: f32(R * (L + 1) * B * n, 'h'),
    dh: f32(seq, 'dh'),
    da: f32(seq, 'da'),
    dhOut: f32(seq, 'dhOut'),
    dh0: f32(R * B * n, 'dh0'),
    flow: f32(R * (L + 1), 'flow'),
    logits: f32(R * P * O, 'logits'),
    dlogits: f32(R * P * O, 'dlogits'),
    lossStats: f32(R * LOSS_STATS, 'lossStats'),
    penaltyStats: f32(R * PENALTY_STATS, 'penaltyStats'),
    gram: f32(R * n * n, 'gram'),
    scratch: f32(R * n * n, 'scratch'),
    composed: f32(R * n * n, 'composed'),
    basesGram: f32(R * 2 * n * n, 'basesGram'),
    drift: f32(R * 2, 'drift'),
    remarginMask: f32(R, 'remarginMask'),
    all,
  };
}
