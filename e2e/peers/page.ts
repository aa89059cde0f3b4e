/**
 * The page `npm run bench:peers` (e2e/benchPeers.ts) drives: the lab's own training step and the same step in
 * TensorFlow.js (webgpu, wasm, cpu) and jax-js (webgpu, wasm), in one Chromium page. Nothing here is part of
 * the lab: the peers are dev dependencies and this page is served by the benchmark's own dev server only.
 *
 * The step is the paper's Table 5 setting with the lab's plain RNN (PAPER_RUN, parameterisation plain): copy
 * T, batch B, n units, a linear recurrence h_t = W h_{t-1} + W_in x_t + b from h0, logits = h_t W_out^T + b_out
 * at every step, the mean cross-entropy over all B x L positions, BPTT, weight decay wd (||W_in||^2 +
 * ||W_out||^2) in the gradient, one RMSprop step (rho 0.9, eps 1e-6 inside the root, the lab's form) on every
 * parameter. Every peer starts from the lab's initial parameters (read back from its GPU buffers) and trains
 * on the lab's first batch, so their first losses must agree with the lab's (checked by the driver); after that
 * first step each scores the lab's second batch, which must agree with the lab's second loss (the gradients,
 * the weight decay and RMSprop agree too). The timed steps repeat the first batch.
 */

import type { ParamSet } from '../../src/engine/parameters.ts';
import { RunGroup } from '../../src/engine/runGroup.ts';
import { acquireGpu } from '../../src/gpu/device.ts';
import { KernelCache } from '../../src/gpu/kernel.ts';
import { type OpContext, opContext } from '../../src/gpu/ops/context.ts';
import { browserShaderLibrary } from '../../src/gpu/shadersBrowser.ts';
import { Rng } from '../../src/random/rng.ts';
import { makeTask } from '../../src/tasks/index.ts';
import type { TaskBatch } from '../../src/tasks/task.ts';
import { labSettings, labStepTiming, type PeerConfig, type PeerTiming } from './labStep.ts';

export type { PeerConfig, PeerTiming };

interface Shared {
  cfg: PeerConfig;
  params: ParamSet;
  batch: TaskBatch;
  /** the lab's second batch (its data stream's next draw) */
  second: TaskBatch;
  wd: number;
  lr: number;
}

let shared: Shared | null = null;

async function labContext(): Promise<{ ctx: OpContext; destroy(): void; adapter: string }> {
  const gpu = await acquireGpu(navigator.gpu);
  const a = gpu.adapterInfo;
  return {
    ctx: opContext(gpu, new KernelCache(gpu.device, browserShaderLibrary())),
    destroy: () => gpu.destroy(),
    adapter: `${[a.vendor, a.architecture, a.description].filter(Boolean).join(' / ')}${a.isSoftware ? ` (software, CPU${gpu.quadSwaps ? '; subgroups of 4 lanes: quad-swap kernels' : ''})` : ''}`,
  };
}

/** The lab's initial parameters and first batch, which every peer starts from. */
async function setup(cfg: PeerConfig): Promise<{ adapter: string }> {
  const { group, run } = labSettings(cfg);
  const lab = await labContext();
  try {
    const rg = await RunGroup.create(lab.ctx, group, [run]);
    const params = await rg.readParameters(0);
    await rg.destroy();
    const task = makeTask('copy', cfg.T);
    const rng = new Rng(group.dataSeed);
    const batch = task.batch(rng, cfg.B);
    const second = task.batch(rng, cfg.B);
    shared = { cfg, params, batch, second, wd: run.weightDecay, lr: run.lrFree };
    return { adapter: lab.adapter };
  } finally {
    lab.destroy();
  }
}

function need(): Shared {
  if (!shared) throw new Error('setup() first');
  return shared;
}

/** The lab: `iters` timed iterations after `warmup`, each submitted and its metrics read back (collect). */
async function labTiming(warmup: number, iters: number, profiles: number): Promise<PeerTiming> {
  const { cfg } = need();
  const lab = await labContext();
  try {
    return await labStepTiming(lab.ctx, cfg, warmup, iters, 'lab', lab.adapter, undefined, profiles);
  } finally {
    lab.destroy();
  }
}

/** The batch's targets as weighted one-hot rows [L*B][O] (weight = the position's loss weight). */
function weightedOneHot(batch: TaskBatch): Float32Array {
  const rows = batch.L * batch.B;
  const out = new Float32Array(rows * batch.O);
  const t = batch.targets as Uint32Array;
  for (let p = 0; p < rows; p++) out[p * batch.O + t[p]] = batch.weight[p];
  return out;
}

const TRAINED = ['W', 'Win', 'b', 'h0', 'Wout', 'bout'] as const;
type Trained = (typeof TRAINED)[number];

function shapes(cfg: PeerConfig, batch: TaskBatch): Record<Trained, number[]> {
  return { W: [cfg.n, cfg.n], Win: [cfg.n, batch.I], b: [cfg.n], h0: [1, cfg.n], Wout: [batch.O, cfg.n], bout: [batch.O] };
}

/** TensorFlow.js on `backend` (webgpu, wasm, cpu). */
async function tfTiming(backend: 'webgpu' | 'wasm' | 'cpu', warmup: number, iters: number): Promise<PeerTiming> {
  const { cfg, params, batch, second, wd, lr } = need();
  const tf = await import('@tensorflow/tfjs-core');
  // tfjs-core alone registers no gradients (the umbrella @tensorflow/tfjs does this)
  await import('@tensorflow/tfjs-core/dist/register_all_gradients');
  await import('@tensorflow/tfjs-backend-cpu');
  if (backend === 'webgpu') await import('@tensorflow/tfjs-backend-webgpu');
  if (backend === 'wasm') {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    // served by the benchmark's own server: nothing is fetched from another host
    wasm.setWasmPaths('/node_modules/@tensorflow/tfjs-backend-wasm/dist/');
  }
  if (!(await tf.setBackend(backend))) throw new Error(`TensorFlow.js could not start its ${backend} backend`);
  await tf.ready();
  let detail = `TensorFlow.js ${tf.version_core} ${backend}`;
  if (backend === 'wasm') {
    const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
    const threads = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
    detail += ` (SIMD ${simd ? 'on' : 'off'}, ${threads ? 'multithreaded' : '1 thread'})`;
  }
  const { L, B, I, O } = batch;
  const sh = shapes(cfg, batch);
  const vars = Object.fromEntries(TRAINED.map((k) => [k, tf.variable(tf.tensor(params[k]!, sh[k]), true, `p_${k}`)])) as Record<
    Trained,
    ReturnType<typeof tf.variable>
  >;
  const x = tf.tensor2d(batch.x, [L * B, I]);
  const y = tf.tensor2d(weightedOneHot(batch), [L * B, O]);
  const x2 = tf.tensor2d(second.x, [L * B, I]);
  const y2 = tf.tensor2d(weightedOneHot(second), [L * B, O]);
  const opt = tf.train.rmsprop(lr, 0.9, 0, 1e-6, false);
  const lossFn = () =>
    tf.tidy(() => {
      const xp = tf.add(tf.matMul(x, vars.Win, false, true), vars.b);
      const steps = tf.unstack(tf.reshape(xp, [L, B, cfg.n]));
      let h = tf.tile(vars.h0, [B, 1]) as ReturnType<typeof tf.tile>;
      const hs = [];
      for (let t = 0; t < L; t++) {
        h = tf.add(tf.matMul(h, vars.W, false, true), steps[t]);
        hs.push(h);
      }
      const H = tf.concat(hs, 0);
      const logits = tf.add(tf.matMul(H, vars.Wout, false, true), vars.bout);
      const data = tf.neg(tf.sum(tf.mul(y, tf.logSoftmax(logits))));
      // the weight decay wd (||W_in||^2 + ||W_out||^2): the lab adds 2 wd w to the gradients of W_in and W_out
      const decay = tf.mul(wd, tf.add(tf.sum(tf.square(vars.Win)), tf.sum(tf.square(vars.Wout))));
      return tf.add(data, decay) as ReturnType<typeof tf.scalar>;
    });
  const dataLoss = (x: ReturnType<typeof tf.tensor2d>, y: ReturnType<typeof tf.tensor2d>) =>
    tf.tidy(() => {
      // the loss without the decay term (what the lab reports)
      const xp = tf.add(tf.matMul(x, vars.Win, false, true), vars.b);
      const steps = tf.unstack(tf.reshape(xp, [L, B, cfg.n]));
      let h = tf.tile(vars.h0, [B, 1]) as ReturnType<typeof tf.tile>;
      const hs = [];
      for (let t = 0; t < L; t++) {
        h = tf.add(tf.matMul(h, vars.W, false, true), steps[t]);
        hs.push(h);
      }
      const logits = tf.add(tf.matMul(tf.concat(hs, 0), vars.Wout, false, true), vars.bout);
      return tf.neg(tf.sum(tf.mul(y, tf.logSoftmax(logits))));
    });
  try {
    const score = async (x: ReturnType<typeof tf.tensor2d>, y: ReturnType<typeof tf.tensor2d>) => {
      const l = dataLoss(x, y);
      const v = (await l.data())[0];
      l.dispose();
      return v;
    };
    const firstLoss = await score(x, y);
    const step = async () => {
      const cost = opt.minimize(lossFn, true);
      await cost!.data();
      cost!.dispose();
    };
    await step();
    const secondLoss = await score(x2, y2);
    for (let k = 1; k < warmup; k++) await step();
    const ms: number[] = [];
    for (let k = 0; k < iters; k++) {
      const t0 = performance.now();
      await step();
      ms.push(performance.now() - t0);
    }
    return { system: `tfjs-${backend}`, detail, firstLoss, secondLoss, ms };
  } finally {
    opt.dispose();
    x.dispose();
    x2.dispose();
    y2.dispose();
    y.dispose();
    for (const v of Object.values(vars)) v.dispose();
    tf.disposeVariables();
  }
}

/** jax-js on `device` (webgpu, wasm): one jitted function does the forward, BPTT and the RMSprop step. */
async function jaxTiming(device: 'webgpu' | 'wasm', warmup: number, iters: number): Promise<PeerTiming> {
  const { cfg, params, batch, second, wd, lr } = need();
  const jax = await import('@jax-js/jax');
  const np = jax.numpy;
  const devices = await jax.init(device);
  if (!devices.includes(device)) throw new Error(`jax-js could not start its ${device} device (it offers ${devices.join(', ') || 'none'})`);
  jax.defaultDevice(device);
  const detail = `jax-js ${device}${device === 'wasm' ? (globalThis.crossOriginIsolated ? ' (SharedArrayBuffer available)' : ' (not cross-origin isolated)') : ''}`;
  const { L, B, I, O } = batch;
  type A = InstanceType<typeof jax.numpy.Array>;
  type P = { W: A; Win: A; b: A; h0: A; Wout: A; bout: A };
  const sh = shapes(cfg, batch);
  const mk = (k: Trained) => np.array(Float32Array.from(params[k]!)).reshape(sh[k]);
  // every function takes ownership of its arguments (jax-js reference counting): .ref keeps a use for later
  const dataLoss = (p: P, x: A, y: A): A => {
    const xp = np.matmul(x, p.Win.transpose()).add(p.b).reshape([L, B, cfg.n]);
    const steps = np.unstack(xp, 0);
    let h: A = np.broadcastTo(p.h0, [B, cfg.n]);
    const hs: A[] = [];
    const WT = p.W.transpose();
    for (let t = 0; t < L; t++) {
      h = np.matmul(h, WT.ref).add(steps[t]);
      hs.push(h.ref);
    }
    h.dispose();
    WT.dispose();
    const logits = np.matmul(np.concatenate(hs, 0), p.Wout.transpose()).add(p.bout);
    return np.sum(y.mul(jax.nn.logSoftmax(logits, -1))).neg();
  };
  const total = (p: P, x: A, y: A): A => {
    const decay = np
      .sum(np.square(p.Win.ref))
      .add(np.sum(np.square(p.Wout.ref)))
      .mul(wd);
    return dataLoss(p, x, y).add(decay);
  };
  const step = jax.jit((p: P, ms: P, x: A, y: A) => {
    const [loss, g] = jax.valueAndGrad(total)(jax.tree.ref(p), x, y) as unknown as [A, P];
    const np2: Partial<P> = {};
    const nm: Partial<P> = {};
    for (const k of TRAINED) {
      const gk = g[k];
      const m = ms[k].mul(0.9).add(gk.ref.mul(gk.ref).mul(0.1));
      np2[k] = p[k].sub(gk.mul(lr).div(np.sqrt(m.ref.add(1e-6))));
      nm[k] = m;
    }
    return [np2 as P, nm as P, loss] as [P, P, A];
  });
  let p = Object.fromEntries(TRAINED.map((k) => [k, mk(k)])) as P;
  let ms = Object.fromEntries(TRAINED.map((k) => [k, np.zeros(sh[k])])) as P;
  const x = np.array(Float32Array.from(batch.x)).reshape([L * B, I]);
  const y = np.array(Float32Array.from(weightedOneHot(batch))).reshape([L * B, O]);
  const x2 = np.array(Float32Array.from(second.x)).reshape([L * B, I]);
  const y2 = np.array(Float32Array.from(weightedOneHot(second))).reshape([L * B, O]);
  try {
    const firstLoss = (await dataLoss(jax.tree.ref(p), x.ref, y.ref).data())[0];
    const run = async () => {
      const [p2, m2, loss] = step(p, ms, x.ref, y.ref);
      p = p2;
      ms = m2;
      await loss.data();
    };
    await run();
    const secondLoss = (await dataLoss(jax.tree.ref(p), x2.ref, y2.ref).data())[0];
    for (let k = 1; k < warmup; k++) await run();
    const out: number[] = [];
    for (let k = 0; k < iters; k++) {
      const t0 = performance.now();
      await run();
      out.push(performance.now() - t0);
    }
    return { system: `jax-${device}`, detail, firstLoss, secondLoss, ms: out };
  } finally {
    step.dispose();
    x.dispose();
    x2.dispose();
    y2.dispose();
    y.dispose();
    for (const k of TRAINED) {
      p[k].dispose();
      ms[k].dispose();
    }
  }
}

declare global {
  interface Window {
    __peers?: {
      setup(cfg: PeerConfig): Promise<{ adapter: string }>;
      time(system: string, warmup: number, iters: number, profiles: number): Promise<PeerTiming>;
    };
  }
}

window.__peers = {
  setup,
  time(system, warmup, iters, profiles) {
    switch (system) {
      case 'lab':
        return labTiming(warmup, iters, profiles);
      case 'tfjs-webgpu':
      case 'tfjs-wasm':
      case 'tfjs-cpu':
        return tfTiming(system.slice(5) as 'webgpu', warmup, iters);
      case 'jax-webgpu':
      case 'jax-wasm':
        return jaxTiming(system.slice(4) as 'webgpu', warmup, iters);
      default:
        throw new Error(`unknown system '${system}' (lab, tfjs-webgpu, tfjs-wasm, tfjs-cpu, jax-webgpu, jax-wasm)`);
    }
  },
};
document.body.dataset.ready = '1';
