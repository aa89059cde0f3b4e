/**
 * The per-run hyperparameter table the kernels read: a storage buffer of HYPER_STRIDE f32 per run
 * (`hyper[r * 16 + index]`). The trainer writes it from each run's settings; changing a value (a margin
 * slider, a learning rate) is one small writeBuffer, effective at the next iteration.
 */
export const HYPER_STRIDE = 16;

export const Hyper = {
  /** nonlinearity code, see Nonlin */
  NONLIN: 0,
  /** pre-activation gain g: h = f(g a) */
  GAIN: 1,
  /** elementwise clip of dLoss/da_t (0 = off) */
  CLIP: 2,
  /** 1 = factorised W = U diag(s) V^T, 0 = plain W */
  FACTORISED: 3,
  /** margin m (used when MARGIN_MODE = 1) */
  MARGIN: 4,
  /** 1 = margin mode (p trained, s = 2m(sigmoid(p)-1/2)+1), 0 = no margin (s trained directly) */
  MARGIN_MODE: 5,
  /** learning rate of the free optimiser (W_in, b, h0, W_out, b_out, prelu slope) */
  LR_FREE: 6,
  /** effective learning rate of p (spectrum lr, divided by 2m when the rescale is on) */
  LR_SPECTRUM: 7,
  /** geodesic step size tau for U and V */
  TAU: 8,
  /** lambda_W of the soft orthogonality penalty ||W^T W - I||_F^2 */
  SOFT_ORTH: 9,
  /** lambda_s of the Gaussian prior sum (s_i - 1)^2 */
  PRIOR: 10,
  /** weight decay wd * (||W_in||^2 + ||W||^2 + ||W_out||^2) */
  WEIGHT_DECAY: 11,
  /** learning rate applied to a plain W (LR_FREE for plain runs, 0 for factorised ones) */
  LR_W: 12,
  /** learning rate applied to s in no-margin mode (LR_FREE there, else 0) */
  LR_S: 13,
  /** learning rate applied to p (LR_SPECTRUM in margin mode, else 0) */
  LR_P: 14,
  /** learning rate of the prelu slope (LR_FREE for prelu runs, else 0) */
  LR_SLOPE: 15,
} as const;

export const Nonlin = { linear: 0, tanh: 1, relu: 2, leaky: 3, prelu: 4, oplu: 5 } as const;
export type NonlinName = keyof typeof Nonlin;
