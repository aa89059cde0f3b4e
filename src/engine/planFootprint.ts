/**
 * What the dispatch plans of plan.ts (RNN block) and lstmPlan.ts (LSTM block) create for themselves and
 * dispatch, op by op in the same order, from the ops' footprints (src/gpu/ops/footprint.ts): the part of the
 * memory plan that is not in the buffer tables of groupBuffers.ts. A change to a plan needs the same change
 * here; tests/kernels/memoryPlan.test.ts fails when the two disagree (bytes created, dispatch grids).
 * A kernel added to the iteration adds its op's footprint here, as the run guard's is in blockFootprint.
 */
import { combine, type Footprint, type FootprintContext, scratchBuffer } from '../gpu/ops/footprint.ts';
import { geodesicStepFootprint } from '../gpu/ops/geodesicStep.ts';
import { lossFootprint, lossPartialBytes } from '../gpu/ops/losses.ts';
import { lstmBackwardFootprint, lstmForwardFootprint } from '../gpu/ops/lstm.ts';
import { matmulFootprint } from '../gpu/ops/matmul.ts';
import { optimizerFootprint } from '../gpu/ops/optimizers.ts';
import { orthPenaltyFootprint, weightDecayFootprint } from '../gpu/ops/penalties.ts';
import { preluSlopeGradFootprint, rnnBackwardFootprint } from '../gpu/ops/rnnBackward.ts';
import { rnnForwardFootprint, type Segment } from '../gpu/ops/rnnForward.ts';
import { runGuardFootprint } from '../gpu/ops/runGuard.ts';
import { selectRunsFootprint } from '../gpu/ops/selectRuns.ts';
import { singularValuesFootprint } from '../gpu/ops/singularValues.ts';
import { addBiasFootprint, copyStatesFootprint, orthDriftFootprint, reduceRowsFootprint } from '../gpu/ops/smallOps.ts';
import { spectrumBackwardFootprint, spectrumForwardFootprint, spectrumRemarginFootprint } from '../gpu/ops/spectrum.ts';
import type { LossKind } from '../tasks/task.ts';
import { type CellKind, freeParams, type ModelDims, paramNames, paramSize } from './parameters.ts';
import { checkedLengths, type PlanOptions, scoredPart } from './plan.ts';
import { type Storage, segmentsOf, segmentsOver } from './recompute.ts';
import { BOUNDED_PARAMS } from './runHealth.ts';
import type { OptimizerName } from './settings.ts';

/** prepareReadoutForward of one segment: readout matmul, bias, loss (nothing where it scores nothing). */
export function readoutForwardFootprint(
  fc: FootprintContext,
  d: ModelDims,
  loss: LossKind,
  seg: Segment,
  sharedPartial: boolean,
  label = 'readout',
): Footprint {
  const { R, n, O, B } = d;
  const part = scoredPart(d, seg);
  if (!part) return { buffers: [], dispatches: [] };
  const P = part.steps * B;
  return combine(
    matmulFootprint(fc, { batch: R, M: P, N: O, K: n, transB: 1 }, { label }),
    addBiasFootprint(fc, { R, P, O }),
    lossFootprint(loss === 'xent' ? 'softmaxCrossEntropy' : 'meanSquaredError', { R, P, O }, { sharedPartial }),
  );
}

/** prepareReadout of one segment: its forward; dW_out, db_out, dhOut (nothing where it scores nothing). */
function readoutFootprint(fc: FootprintContext, d: ModelDims, loss: LossKind, seg: Segment, sharedPartial: boolean): Footprint {
  const { R, n, O, B } = d;
  const part = scoredPart(d, seg);
  if (!part) return { buffers: [], dispatches: [] };
  const P = part.steps * B;
  return combine(
    readoutForwardFootprint(fc, d, loss, seg, sharedPartial),
    matmulFootprint(fc, { batch: R, M: O, N: n, K: P, transA: 1 }, { label: 'dWout' }),
    reduceRowsFootprint(fc, { batch: R, cols: O }),
    matmulFootprint(fc, { batch: R, M: P, N: n, K: O }, { label: 'dhOut' }),
  );
}

/**
 * prepareSegmentSweeps and prepareSegmentReadouts: per segment, its forward (given) and readout; the copies to and
 * from the checkpoints (`states` of them per segment boundary, two ways). The loss scratch of several segments is
 * in sharedSweepsFootprint.
 */
function sweepsFootprint(
  fc: FootprintContext,
  d: ModelDims,
  loss: LossKind,
  segs: Segment[],
  states: number,
  forward: (seg: Segment) => Footprint[],
): Footprint {
  const S = segs.length;
  const parts: Footprint[] = segs.flatMap((seg) => [...forward(seg), readoutFootprint(fc, d, loss, seg, S > 1)]);
  if (S > 1) parts.push(copyStatesFootprint(fc, { R: d.R, count: d.B * d.n }, 2 * states * (S - 1)));
  return combine(...parts);
}

/**
 * The scratch every length of a block shares: the segments' loss partial where the full length has several
 * segments (a shorter length has no more of them). The backward's scratch is in its footprint (`scratch`).
 */
function sharedSweepsFootprint(cell: CellKind, d: ModelDims, storage: Storage): Footprint {
  const segs = segmentsOf(d.L, storage);
  if (segs.length < 2) return { buffers: [], dispatches: [] };
  const partial = lossPartialBytes(d.R, Math.min(segs[0].slots, d.Lout) * d.B);
  return { buffers: [scratchBuffer(`${cell}.segments.lossPartial`, partial, '[R][ceil(k B/64)][2]')], dispatches: [] };
}

/** prepareFreeUpdates: one optimiser dispatch per free parameter (the state buffer is always bound). */
function freeUpdatesFootprint(fc: FootprintContext, cell: CellKind, d: ModelDims, optimizer: OptimizerName): Footprint {
  const kernel = optimizer === 'rmsprop' ? 'rmsprop' : 'sgd';
  return combine(...freeParams(cell).map(({ name }) => optimizerFootprint(fc, kernel, { R: d.R, size: paramSize(cell, name, d) })));
}

/** The gradient part of an RNN block for one length (its segments): sweeps, readouts, backward and the weight gradients. */
function rnnGradientsFootprint(fc: FootprintContext, d: ModelDims, opts: PlanOptions, segs: Segment[], ownScratch: boolean): Footprint {
  const { R, L, B, n, I } = d;
  const naive = opts.naive ?? false;
  return combine(
    sweepsFootprint(fc, d, opts.loss, segs, 1, (segment) => [
      matmulFootprint(fc, { batch: R, M: segment.steps * B, N: n, K: I, transB: 1 }, { label: 'xproj' }),
      rnnForwardFootprint(fc, { R, L, B, n }, { naive, segment }),
    ]),
    rnnBackwardFootprint(fc, { R, L, B, n }, { naive, segments: segs, scratch: ownScratch, perRunRows: opts.perRunBatch }),
    ...segs.flatMap((seg) => [
      matmulFootprint(fc, { batch: R, M: n, N: I, K: seg.steps * B, transA: 1 }, { label: 'dWin' }),
      reduceRowsFootprint(fc, { batch: R, cols: n }),
      matmulFootprint(fc, { batch: R, M: n, N: n, K: seg.steps * B, transA: 1 }, { label: 'dW' }),
      preluSlopeGradFootprint({ R }),
    ]),
    reduceRowsFootprint(fc, { batch: R, cols: n }),
  );
}

/** prepareIterationPlan (an RNN block). */
function rnnPlanFootprint(fc: FootprintContext, d: ModelDims, opts: PlanOptions): Footprint {
  const { R, L, n } = d;
  const square = { batch: R, M: n, N: n, K: n };
  const storage = opts.storage ?? 'full';
  const parts = [
    sharedSweepsFootprint('rnn', d, storage),
    ...checkedLengths(L, opts.lengths).map((length, i) => rnnGradientsFootprint(fc, d, opts, segmentsOver(L, length, storage), i === 0)),
  ];
  if (opts.anySoftOrth)
    parts.push(matmulFootprint(fc, { ...square, transA: 1 }, { label: 'WtW' }), matmulFootprint(fc, square, { label: 'W WtW' }));
  parts.push(
    orthPenaltyFootprint(fc, { R, n }),
    weightDecayFootprint(fc, { R, size: paramSize('rnn', 'Win', d) }, false),
    weightDecayFootprint(fc, { R, size: paramSize('rnn', 'Wout', d) }, false),
  );
  if (opts.anyFactorised)
    parts.push(
      matmulFootprint(fc, square, { label: 'dW V' }),
      spectrumBackwardFootprint({ R, n }, false),
      matmulFootprint(fc, { ...square, transA: 1 }, { label: 'dV' }),
      geodesicStepFootprint(fc, { systems: 2 * R, n, systemsPerRun: 2 }),
    );
  parts.push(freeUpdatesFootprint(fc, 'rnn', d, opts.optimizer));
  if (opts.anyFactorised)
    parts.push(
      // recompose (also the tail of remargin), drift, remargin
      spectrumForwardFootprint(fc, { R, n }),
      matmulFootprint(fc, { ...square, transB: 1 }, { label: 'compose W' }),
      selectRunsFootprint(fc, { R, size: n * n }),
      matmulFootprint(fc, { batch: 2 * R, M: n, N: n, K: n, transA: 1 }, { label: 'M^T M' }),
      orthDriftFootprint({ S: 2 * R }),
      spectrumRemarginFootprint(fc, { R, n }),
    );
  return combine(...parts);
}

/** prepareLstmPlan (an LSTM block). */
function lstmPlanFootprint(fc: FootprintContext, d: ModelDims, opts: PlanOptions): Footprint {
  const { R, L } = d;
  const storage = opts.storage ?? 'full';
  return combine(
    sharedSweepsFootprint('lstm', d, storage),
    ...checkedLengths(L, opts.lengths).map((length, i) => lstmGradientsFootprint(fc, d, opts, segmentsOver(L, length, storage), i === 0)),
    weightDecayFootprint(fc, { R, size: paramSize('lstm', 'W', d) }, true),
    weightDecayFootprint(fc, { R, size: paramSize('lstm', 'Win', d) }, false),
    weightDecayFootprint(fc, { R, size: paramSize('lstm', 'Wout', d) }, false),
    freeUpdatesFootprint(fc, 'lstm', d, opts.optimizer),
  );
}

/** The gradient part of an LSTM block for one length (its segments). */
function lstmGradientsFootprint(fc: FootprintContext, d: ModelDims, opts: PlanOptions, segs: Segment[], ownScratch: boolean): Footprint {
  const { R, L, B, n, I } = d;
  const naive = opts.naive ?? false;
  const G = 4 * n;
  return combine(
    lstmBackwardFootprint(fc, { R, L, B, n }, { naive, segments: segs, scratch: ownScratch, perRunRows: opts.perRunBatch }),
    sweepsFootprint(fc, d, opts.loss, segs, 2, (segment) => [
      matmulFootprint(fc, { batch: R, M: segment.steps * B, N: G, K: I, transB: 1 }, { label: 'lstm xproj' }),
      lstmForwardFootprint(fc, { R, L, B, n }, { naive, segment }),
    ]),
    ...segs.flatMap((seg) => [
      matmulFootprint(fc, { batch: R, M: G, N: n, K: seg.steps * B, transA: 1 }, { label: 'lstm dW' }),
      matmulFootprint(fc, { batch: R, M: G, N: I, K: seg.steps * B, transA: 1 }, { label: 'lstm dWin' }),
      reduceRowsFootprint(fc, { batch: R, cols: G }),
    ]),
    reduceRowsFootprint(fc, { batch: R, cols: n }),
    reduceRowsFootprint(fc, { batch: R, cols: n }),
  );
}

/** Everything the dispatch plan of one block creates and dispatches (d.R = the block's runs). */
export function blockFootprint(fc: FootprintContext, cell: CellKind, d: ModelDims, opts: PlanOptions, freeSpectrum: boolean): Footprint {
  // the run guard (prepareBlockGuard): every gradient and the bounded parameters
  const guard = runGuardFootprint({ R: d.R, slots: paramNames(cell).length + BOUNDED_PARAMS[cell].length });
  const parts = [cell === 'lstm' ? lstmPlanFootprint(fc, d, opts) : rnnPlanFootprint(fc, d, opts), guard];
  // the GPU spectrum of free matrices (prepareFreeSpectrum), where the block has them
  if (freeSpectrum) parts.push(singularValuesFootprint(fc, { R: d.R, rows: (cell === 'lstm' ? 4 : 1) * d.n, n: d.n }, `${cell}.spectrum`));
  return combine(...parts);
}
