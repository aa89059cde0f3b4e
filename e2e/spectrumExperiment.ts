/**
 * An experiment with plain and LSTM runs at n = 128 (the paper's size), for the checks that the spectra of
 * free matrices never cost the main thread (issue 8): their singular values are computed on the GPU
 * (shaders/singularValues.wgsl), only n numbers per run are read back. Beside them a factorised run (its
 * spectrum is read directly). The run set of Tables 1-2 has no plain RNN, so this is a link of its own:
 * the sizes that decide the SVD's cost (n = 128, the LSTM's stacked [4n][n] W) at the paper's values, the
 * others small (copy T = 10, batch 8) so an iteration stays quick on a CPU adapter, and a spectrum every 5
 * iterations so a measured window sees several. bench:lab and the e2e check (lab-robustness.spec.ts) train it.
 */

import { encodeExperiment } from '../src/app/lab/urlState.ts';
import { PAPER_GROUP, PAPER_RUN, type RunSettings } from '../src/engine/settings.ts';

const rates = { lrGeodesic: 0.01, lrFree: 0.01, lrSpectrum: 0.01 };

export const PLAIN_AND_LSTM_RUNS: RunSettings[] = [
  { ...PAPER_RUN, ...rates, name: 'm=1', color: '#1f77b4', margin: 1 },
  { ...PAPER_RUN, ...rates, name: 'plain (orthogonal)', color: '#ff7f0e', parameterisation: 'plain', margin: null },
  { ...PAPER_RUN, ...rates, name: 'plain (Glorot)', color: '#2ca02c', parameterisation: 'plain', margin: null, init: 'glorot' },
  { ...PAPER_RUN, ...rates, name: 'LSTM', color: '#d62728', parameterisation: 'lstm', margin: null, clip: 1 },
];

/** The link's hash (append to the lab's address), with a spectrum every `trackEvery` iterations. */
export function plainAndLstmLink(trackEvery: number): string {
  return encodeExperiment({
    group: { ...PAPER_GROUP, task: 'copy', T: 10, batchSize: 8, hidden: 128, trackEvery },
    runs: PLAIN_AND_LSTM_RUNS,
  });
}

/** What bench:lab and the e2e check train: a spectrum every 5 iterations. */
export const PLAIN_AND_LSTM_128 = plainAndLstmLink(5);
