/** Writes the per-run hyper table (src/engine/hyper.ts) from run settings. */
import { HYPER_STRIDE, Hyper, Nonlin } from './hyper.ts';
import { effectiveSpectrumLr, type RunSettings } from './settings.ts';

/**
 * Fills one run's 16 slots. A run that is not training (paused, failed) gets zero learning rates and tau.
 * An LSTM run reads CLIP, WEIGHT_DECAY and its learning rates (every parameter at lr_free, LR_W included);
 * the RNN-only slots (nonlinearity, gain, margin, penalties on W) are zero.
 */
export function hyperRow(run: RunSettings, training: boolean): Float32Array {
  const row = new Float32Array(HYPER_STRIDE);
  const on = training ? 1 : 0;
  if (run.parameterisation === 'lstm') {
    row[Hyper.CLIP] = run.clip;
    row[Hyper.WEIGHT_DECAY] = run.weightDecay;
    row[Hyper.LR_FREE] = on * run.lrFree;
    row[Hyper.LR_W] = on * run.lrFree;
    return row;
  }
  const factorised = run.parameterisation === 'factorised';
  const marginMode = factorised && run.margin !== null;
  row[Hyper.NONLIN] = Nonlin[run.nonlinearity];
  row[Hyper.GAIN] = run.gain;
  row[Hyper.CLIP] = run.clip;
  row[Hyper.FACTORISED] = factorised ? 1 : 0;
  row[Hyper.MARGIN] = marginMode ? (run.margin as number) : 0;
  row[Hyper.MARGIN_MODE] = marginMode ? 1 : 0;
  row[Hyper.LR_FREE] = on * run.lrFree;
  row[Hyper.LR_SPECTRUM] = on * (marginMode ? effectiveSpectrumLr(run) : 0);
  row[Hyper.TAU] = on * (factorised ? run.lrGeodesic : 0);
  row[Hyper.SOFT_ORTH] = run.softOrth;
  row[Hyper.PRIOR] = factorised ? run.prior : 0;
  row[Hyper.WEIGHT_DECAY] = run.weightDecay;
  row[Hyper.LR_W] = on * (factorised ? 0 : run.lrFree);
  row[Hyper.LR_S] = on * (factorised && !marginMode ? run.lrFree : 0);
  row[Hyper.LR_P] = row[Hyper.LR_SPECTRUM];
  row[Hyper.LR_SLOPE] = on * (run.nonlinearity === 'prelu' ? run.lrFree : 0);
  return row;
}

export function hyperTable(runs: readonly RunSettings[], training: readonly boolean[]): Float32Array {
  const table = new Float32Array(runs.length * HYPER_STRIDE);
  runs.forEach((run, r) => {
    table.set(hyperRow(run, training[r]), r * HYPER_STRIDE);
  });
  return table;
}
