/**
 * The per-run model settings (docs/SCIENCE.md sections 1-4): what the recurrent model of one run is, as
 * opposed to how it is trained (optimiser, learning rates) or what it is trained on (task). Used by
 * initialisation, the float64 reference model, the GPU trainer and the settings table.
 */
import type { NonlinName } from './hyper.ts';
import { logit, sigmoid } from './linalg.ts';

export type { NonlinName };

/**
 * The model of a run. plain: an RNN whose W is a free n x n matrix; factorised: an RNN with
 * W = U diag(relu(s)) V^T, U and V orthogonal; lstm: the paper's LSTM baseline (docs/ENGINE.md, "The LSTM
 * cell"; margin, nonlinearity, gain, soft orthogonality and the spectral prior do not apply to it).
 */
export type Parameterisation = 'factorised' | 'plain' | 'lstm';

/** Initialisation scheme for the recurrent matrix W (docs/SCIENCE.md section 2.3). */
export type InitScheme = 'orthogonal' | 'glorot' | 'identity';

export interface RunModelSettings {
  parameterisation: Parameterisation;
  /**
   * Spectral margin m >= 0 for factorised models: s = 2m (sigmoid(p) - 1/2) + 1, p trained.
   * null = no margin (s trained directly). Ignored by plain models.
   */
  margin: number | null;
  init: InitScheme;
  nonlinearity: NonlinName;
  /** leaky's fixed slope for z < 0, or prelu's initial (trained) slope; ignored otherwise */
  slope: number;
  /** pre-activation gain g: h_t = f(g a_t) */
  gain: number;
  /** elementwise clip c of dLoss/da_t during BPTT (0 = off) */
  clip: number;
  /** lambda_W of the soft orthogonality penalty lambda_W ||W^T W - I||_F^2 (composite W) */
  softOrth: number;
  /** lambda_s of the Gaussian prior lambda_s sum_i (s_i - 1)^2 (factorised models) */
  prior: number;
  /** wd of wd (||W_in||_F^2 + ||W||_F^2 + ||W_out||_F^2) */
  weightDecay: number;
}

/** Sizes of one run's model: hidden units n, input channels I, outputs O. */
export interface ModelDims {
  n: number;
  I: number;
  O: number;
}

/** The paper's defaults: hard orthogonal factorised model (margin 0), clip 100, weight decay 1e-4. */
export const DEFAULT_RUN_MODEL_SETTINGS: Readonly<RunModelSettings> = {
  parameterisation: 'factorised',
  margin: 0,
  init: 'orthogonal',
  nonlinearity: 'linear',
  slope: 0.7,
  gain: 1,
  clip: 100,
  softOrth: 0,
  prior: 0,
  weightDecay: 1e-4,
};

export function isFactorised(settings: RunModelSettings): boolean {
  return settings.parameterisation === 'factorised';
}

/** True when the run trains p through the margin map (factorised with a margin). */
export function hasMargin(settings: RunModelSettings): boolean {
  return settings.parameterisation === 'factorised' && settings.margin !== null;
}

/** True for the LSTM baseline (docs/ENGINE.md, "The LSTM cell"). */
export function isLstm(settings: Pick<RunModelSettings, 'parameterisation'>): boolean {
  return settings.parameterisation === 'lstm';
}

/**
 * Names (docs/ENGINE.md) of the parameters a run trains, in a fixed order. Plain: W. Factorised: UV
 * ([2][n][n], U then V), then s (no margin) or p (margin). Then Win, b, h0, Wout, bout, and slope for prelu.
 * LSTM: W [4n][n], Win, b, h0, c0, peep, Wout, bout.
 */
export function trainedParameterNames(settings: RunModelSettings): string[] {
  if (isLstm(settings)) return ['W', 'Win', 'b', 'h0', 'c0', 'peep', 'Wout', 'bout'];
  const names = isFactorised(settings) ? ['UV', hasMargin(settings) ? 'p' : 's'] : ['W'];
  names.push('Win', 'b', 'h0', 'Wout', 'bout');
  if (settings.nonlinearity === 'prelu') names.push('slope');
  return names;
}

/** s_i = 2m (sigmoid(p_i) - 1/2) + 1, in (1 - m, 1 + m). */
export function spectrumFromP(p: ArrayLike<number>, margin: number): Float64Array {
  const s = new Float64Array(p.length);
  for (let i = 0; i < p.length; i++) s[i] = 2 * margin * (sigmoid(p[i]) - 0.5) + 1;
  return s;
}

/**
 * How far inside (0, 1) the sigmoid value is clamped when s is mapped back to p: a singular value at or
 * beyond the margin's bounds starts at p = +-logit(1 - MARGIN_P_CLAMP) = +-6.9 (s within 0.2% of m of
 * the bound), where the sigmoid still has a usable slope (~1e-3).
 */
export const MARGIN_P_CLAMP = 1e-3;

/**
 * Inverse of spectrumFromP: p_i = logit((s_i - 1)/(2m) + 1/2), with the sigmoid value clamped to
 * [MARGIN_P_CLAMP, 1 - MARGIN_P_CLAMP]. s_i = 1 gives p_i = 0 exactly; margin 0 gives p = 0 (s is 1).
 */
export function pFromSpectrum(s: ArrayLike<number>, margin: number): Float64Array {
  const p = new Float64Array(s.length);
  if (margin === 0) return p;
  for (let i = 0; i < s.length; i++) {
    if (s[i] === 1) continue;
    const u = (s[i] - 1) / (2 * margin) + 0.5;
    p[i] = logit(Math.min(1 - MARGIN_P_CLAMP, Math.max(MARGIN_P_CLAMP, u)));
  }
  return p;
}
