/**
 * Initialisation of one run's parameters (docs/SCIENCE.md sections 2.3 and 3), in float64, keyed and laid out as in
 * docs/ENGINE.md (the trainer converts to f32 when it uploads).
 */

import { Rng } from '../random/rng.ts';
import { composeW, identityMatrix, qr, svd } from './linalg.ts';
import {
  hasMargin,
  type InitScheme,
  isLstm,
  type ModelDims,
  type Parameterisation,
  pFromSpectrum,
  type RunModelSettings,
  spectrumFromP,
} from './modelSettings.ts';

/** A Haar-random n x n orthogonal matrix: Q of the QR of a standard Gaussian matrix, with diag(R) > 0. */
export function orthogonalInit(rng: Rng, n: number): Float64Array {
  return qr(rng.normalArray(n * n), n).q;
}

/** Glorot normal for an n x n matrix: entries N(0, 2/(fan_in + fan_out)) = N(0, 1/n). */
export function glorotNormal(rng: Rng, n: number): Float64Array {
  return rng.normalArray(n * n, 1 / Math.sqrt(n));
}

/** The n x n identity. */
export function identity(n: number): Float64Array {
  return identityMatrix(n);
}

/** Glorot (Xavier) uniform for a fan_out x fan_in matrix: U(+-sqrt(6/(fan_in + fan_out))). */
export function glorotUniform(rng: Rng, fanOut: number, fanIn: number): Float64Array {
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  return rng.uniformArray(fanOut * fanIn, -limit, limit);
}

export type RecurrentInit =
  | { parameterisation: 'plain'; W: Float64Array }
  | {
      parameterisation: 'factorised';
      U: Float64Array;
      /** V itself (its columns are right singular vectors), not V^T */
      V: Float64Array;
      /** singular values of W0, descending (all exactly 1 for orthogonal and identity init) */
      s: Float64Array;
      /** margin mode: p = inverse margin map of s (exactly 0 where s = 1); null without a margin */
      p: Float64Array | null;
    };

/**
 * Draws W0 by the scheme and returns it (plain) or its factorisation W0 = U0 diag(s) V0^T (factorised).
 * - orthogonal, plain: W0 Haar. Factorised: U0 and V0 independent Haar, s = 1 exactly, so W0 = U0 V0^T
 *   is Haar and (U0, 1, V0) is one of its SVDs (no SVD rounding; both bases random, as in the release).
 * - identity: W0 = I; factorised U0 = V0 = I, s = 1 exactly.
 * - glorot: W0 ~ N(0, 1/n); factorised from the Jacobi SVD of W0 (s descending).
 * Margin mode: p = logit((s - 1)/(2m) + 1/2) clamped inside (0, 1) (see pFromSpectrum); with margin 0
 * the spectrum is fixed at 1 and p = 0, so the model starts from U0 V0^T.
 */
export function initRecurrent(
  scheme: InitScheme,
  rng: Rng,
  n: number,
  factorisation: { parameterisation: Parameterisation; margin: number | null },
): RecurrentInit {
  if (factorisation.parameterisation === 'lstm')
    throw new Error('initRecurrent is for RNN runs; an LSTM run starts from initLstmParameters');
  if (factorisation.parameterisation === 'plain') {
    const W = scheme === 'orthogonal' ? orthogonalInit(rng, n) : scheme === 'glorot' ? glorotNormal(rng, n) : identity(n);
    return { parameterisation: 'plain', W };
  }
  let U: Float64Array;
  let V: Float64Array;
  let s: Float64Array;
  if (scheme === 'orthogonal') {
    U = orthogonalInit(rng, n);
    V = orthogonalInit(rng, n);
    s = new Float64Array(n).fill(1);
  } else if (scheme === 'identity') {
    U = identity(n);
    V = identity(n);
    s = new Float64Array(n).fill(1);
  } else {
    const d = svd(glorotNormal(rng, n), n);
    U = d.u;
    V = d.v;
    s = d.s;
  }
  const margin = factorisation.margin;
  const p = margin === null ? null : pFromSpectrum(s, margin);
  return { parameterisation: 'factorised', U, V, s, p };
}

/**
 * Every parameter of one run, keyed by its docs/ENGINE.md name (per-run slice, without the [R] axis):
 * - plain: W [n][n]
 * - factorised: UV [2][n][n] (U then V), s [n] (the effective spectrum; with a margin it is derived,
 *   spectrumFromP(p): 1 for margin 0, and clamped near the bounds), p [n] (margin mode only), and
 *   W [n][n], the composite
 *   U diag(relu(s)) V^T: derived, not trained, recomposed by the trainer every iteration
 * - Win [n][I] ~ U(-0.01, 0.01), b [n] = 0, h0 [n] = 0, Wout [O][n] Glorot uniform, bout [O] = 0,
 *   slope [1] = settings.slope (leaky's fixed slope or prelu's initial value; stored for every run).
 * One Rng(seed) draws, in this order: the recurrent matrix (or U0 then V0), Win, Wout.
 */
export function initRunParameters(settings: RunModelSettings, seed: number, dims: ModelDims): Record<string, Float64Array> {
  if (isLstm(settings)) return initLstmParameters(settings.init, seed, dims);
  const { n, I, O } = dims;
  const rng = new Rng(seed);
  const recurrent = initRecurrent(settings.init, rng, n, settings);
  const params: Record<string, Float64Array> = {};
  if (recurrent.parameterisation === 'plain') {
    params.W = recurrent.W;
  } else {
    const UV = new Float64Array(2 * n * n);
    UV.set(recurrent.U, 0);
    UV.set(recurrent.V, n * n);
    params.UV = UV;
    // With a margin the model's spectrum is the one p encodes (s = 1 for margin 0, clamped near the bounds).
    const margin = settings.margin;
    const s = hasMargin(settings) && recurrent.p && margin !== null ? spectrumFromP(recurrent.p, margin) : recurrent.s;
    params.s = s;
    if (hasMargin(settings) && recurrent.p) params.p = recurrent.p;
    params.W = composeW(recurrent.U, recurrent.V, s, n);
  }
  params.Win = rng.uniformArray(n * I, -0.01, 0.01);
  params.b = new Float64Array(n);
  params.h0 = new Float64Array(n);
  params.Wout = glorotUniform(rng, O, n);
  params.bout = new Float64Array(O);
  params.slope = Float64Array.of(settings.slope);
  return params;
}

/** The forget gate's initial bias (the paper's LSTM: "forget gate bias 1"). */
export const LSTM_FORGET_BIAS = 1;

/**
 * Every parameter of one LSTM run (docs/ENGINE.md, "The LSTM cell"), float64, per-run slices:
 * - W [4n][n]: the blocks of the gates i, f, g, o, each n x n drawn by the scheme (orthogonal: independent
 *   Haar blocks; glorot: N(0, 1/n); identity: I);
 * - Win [4n][I] ~ N(0, 0.1^2) and peep [3][n] ~ N(0, 0.1^2) (Lasagne's Gate defaults);
 * - b [4n] = 0 except the forget gate's block = LSTM_FORGET_BIAS; h0 = c0 = 0;
 * - Wout [O][n] Glorot uniform, bout [O] = 0.
 * One Rng(seed) draws, in this order: the blocks of W (i, f, g, o), Win, peep, Wout.
 */
export function initLstmParameters(scheme: InitScheme, seed: number, dims: ModelDims): Record<string, Float64Array> {
  const { n, I, O } = dims;
  const rng = new Rng(seed);
  const W = new Float64Array(4 * n * n);
  for (let k = 0; k < 4; k++) {
    const block = scheme === 'orthogonal' ? orthogonalInit(rng, n) : scheme === 'glorot' ? glorotNormal(rng, n) : identity(n);
    W.set(block, k * n * n);
  }
  const Win = rng.normalArray(4 * n * I, 0.1);
  const peep = rng.normalArray(3 * n, 0.1);
  const Wout = glorotUniform(rng, O, n);
  const b = new Float64Array(4 * n);
  b.fill(LSTM_FORGET_BIAS, n, 2 * n);
  return { W, Win, b, h0: new Float64Array(n), c0: new Float64Array(n), peep, Wout, bout: new Float64Array(O) };
}
