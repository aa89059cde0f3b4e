/**
 * The dispatch plan of one training iteration for one cell's block of runs, prepared once (the LSTM's is in
 * lstmPlan.ts; both share the readout and the free optimiser from here). Every list below is encoded as is
 * each iteration: the number of dispatches does not depend on the sequence length (fused recurrent kernels)
 * or on the number of runs (the run index is a dispatch dimension).
 * Layouts and the order of operations: docs/ENGINE.md.
 */
import type { Dispatch } from '../gpu/kernel.ts';
import type { OpContext } from '../gpu/ops/context.ts';
import { prepareGeodesicStep } from '../gpu/ops/geodesicStep.ts';
import { prepareMeanSquaredError, prepareSoftmaxCrossEntropy } from '../gpu/ops/losses.ts';
import { prepareMatmul } from '../gpu/ops/matmul.ts';
import { prepareRmsprop, prepareSgd } from '../gpu/ops/optimizers.ts';
import { prepareOrthPenalty, prepareWeightDecay } from '../gpu/ops/penalties.ts';
import { preparePreluSlopeGrad, prepareRnnBackward } from '../gpu/ops/rnnBackward.ts';
import { prepareRnnForward } from '../gpu/ops/rnnForward.ts';
import { prepareRunGuard } from '../gpu/ops/runGuard.ts';
import { prepareSelectRuns } from '../gpu/ops/selectRuns.ts';
import { prepareSingularValues } from '../gpu/ops/singularValues.ts';
import { prepareAddBias, prepareOrthDrift, prepareReduceRows } from '../gpu/ops/smallOps.ts';
import { prepareSpectrumBackward, prepareSpectrumForward, prepareSpectrumRemargin } from '../gpu/ops/spectrum.ts';
import type { LossKind } from '../tasks/task.ts';
import type { BlockBuffers, GroupBuffers } from './groupBuffers.ts';
import { MARGIN_P_CLAMP } from './modelSettings.ts';
import { type CellKind, freeParams, type ModelDims, paramNames, paramSize } from './parameters.ts';
import { BOUNDED_PARAMS } from './runHealth.ts';
import type { OptimizerName } from './settings.ts';

export interface PlanOptions {
  loss: LossKind;
  optimizer: OptimizerName;
  /** naive recurrent kernels (one dispatch per step): the reference path for the benchmark */
  naive?: boolean;
  /** some run is factorised: spectrum, geodesic and compose dispatches are needed */
  anyFactorised: boolean;
  /** some run has a soft orthogonality penalty: W^T W and W (W^T W) are needed */
  anySoftOrth: boolean;
}

export interface IterationPlan {
  /** forward, loss and backward: after it, every gradient buffer holds dTrainingLoss/dparam */
  gradients: Dispatch[];
  /** the run guard (after `gradients`, before `update`): freezes the runs whose step is not healthy */
  guard: Dispatch[];
  /** the iteration the next `guard` guards (1-based; recorded when a run fails) */
  setGuardIteration(iteration: number): void;
  /** optimiser and geodesic steps, then `recompose`; runs frozen by the guard are left alone */
  update: Dispatch[];
  /** s from p, W = U diag(relu(s)) V^T for factorised runs (plain runs keep their W) */
  recompose: Dispatch[];
  /** orthogonality drift of U and V (tracking iterations) */
  drift: Dispatch[];
  /**
   * singular values of the free recurrent matrices (plain RNNs' W, LSTMs' stacked W) into buf.spectrum
   * (tracking iterations, after `update`: the spectrum of the W the next iteration starts from)
   */
  spectrum: Dispatch[];
  /** recompute p from s for runs flagged in remarginMask (after a margin changed), then `recompose` */
  remargin: Dispatch[];
  setFlow(track: boolean, flowScale: number): void;
  /** the plan computes the soft orthogonality penalty (some run had lambda_W > 0 when it was built) */
  hasSoftOrth: boolean;
}

/**
 * The readout and loss every cell shares, at the scored steps: logits = h W_out^T + b_out, the loss (with
 * accuracy) and dlogits; then dW_out = dlogits^T h, db_out and dLoss/dh_t = dlogits W_out into dhOut.
 * `forward` runs after the recurrent forward, `backward` before the recurrent backward.
 */
export async function prepareReadout(
  ctx: OpContext,
  d: ModelDims,
  buf: BlockBuffers,
  loss: LossKind,
): Promise<{ forward: Dispatch[]; backward: Dispatch[] }> {
  const { R, L, B, n, O, P, Lout } = d;
  const p = buf.params;
  const g = buf.grads;
  const hStride = (L + 1) * B * n;
  const firstScored = L - Lout; // 0-based step index of the first scored step
  const hScoredOffset = (firstScored + 1) * B * n; // h slot t = firstScored + 1
  const forward = [
    ...(await prepareMatmul(
      ctx,
      { batch: R, M: P, N: O, K: n, transB: 1, offA: hScoredOffset, strideA: hStride },
      { A: buf.h, B: p.Wout, C: buf.logits },
      { label: 'readout' },
    )),
    ...(await prepareAddBias(ctx, { R, P, O }, { bias: p.bout, y: buf.logits })),
    ...(loss === 'xent'
      ? await prepareSoftmaxCrossEntropy(
          ctx,
          { R, P, O },
          {
            logits: buf.logits,
            targets: buf.targets,
            weight: buf.weight,
            accWeight: buf.accWeight,
            dlogits: buf.dlogits,
            stats: buf.lossStats,
          },
        )
      : await prepareMeanSquaredError(
          ctx,
          { R, P, O },
          { pred: buf.logits, targets: buf.targets, weight: buf.weight, dpred: buf.dlogits, stats: buf.lossStats },
        )),
  ];
  const backward = [
    ...(await prepareMatmul(
      ctx,
      { batch: R, M: O, N: n, K: P, transA: 1, offB: hScoredOffset, strideB: hStride },
      { A: buf.dlogits, B: buf.h, C: g.Wout },
      { label: 'dWout' },
    )),
    ...(await prepareReduceRows(ctx, { batch: R, rows: P, cols: O }, { x: buf.dlogits, out: g.bout })),
    ...(await prepareMatmul(
      ctx,
      { batch: R, M: P, N: n, K: O, offC: firstScored * B * n, strideC: L * B * n },
      { A: buf.dlogits, B: p.Wout, C: buf.dhOut },
      { label: 'dhOut' },
    )),
  ];
  return { forward, backward };
}

/** RMSprop or SGD on every parameter of the cell the free optimiser trains, each at its hyper-table learning rate. */
export async function prepareFreeUpdates(
  ctx: OpContext,
  cell: CellKind,
  d: ModelDims,
  buf: BlockBuffers,
  optimizer: OptimizerName,
): Promise<Dispatch[]> {
  const out: Dispatch[] = [];
  for (const { name, lrIndex } of freeParams(cell)) {
    const size = paramSize(cell, name, d);
    const bufs = { hyper: buf.hyper, param: buf.params[name], grad: buf.grads[name], state: buf.state[name], health: buf.health };
    if (optimizer === 'rmsprop') out.push(...(await prepareRmsprop(ctx, { R: d.R, size, lrIndex }, bufs)));
    else
      out.push(
        ...(await prepareSgd(
          ctx,
          { R: d.R, size, lrIndex, momentum: optimizer === 'nesterov' ? 0.9 : 0, nesterov: optimizer === 'nesterov' },
          bufs,
        )),
      );
  }
  return out;
}

/**
 * The run guard of a block (docs/ENGINE.md, "The run guard"): its loss, every gradient buffer and the
 * parameters of BOUNDED_PARAMS, in three dispatches (six slots each) for either cell whatever the number of runs.
 */
export async function prepareBlockGuard(
  ctx: OpContext,
  cell: CellKind,
  d: ModelDims,
  buf: BlockBuffers,
): Promise<{ guard: Dispatch[]; setGuardIteration(iteration: number): void }> {
  const slots = [
    ...paramNames(cell).map((name) => ({ kind: 'gradient' as const, buffer: buf.grads[name], size: paramSize(cell, name, d) })),
    ...BOUNDED_PARAMS[cell].map((name) => ({ kind: 'parameter' as const, buffer: buf.params[name], size: paramSize(cell, name, d) })),
  ];
  const g = await prepareRunGuard(ctx, { R: d.R }, { lossStats: buf.lossStats, health: buf.health, slots });
  return { guard: g.dispatches, setGuardIteration: g.setIteration };
}

/** The dispatch plan of an RNN block (factorised and plain runs). */
export async function prepareIterationPlan(ctx: OpContext, d: ModelDims, buf: GroupBuffers, opts: PlanOptions): Promise<IterationPlan> {
  const { R, L, B, n, I } = d;
  const p = buf.params;
  const g = buf.grads;
  const naive = opts.naive ?? false;
  const nn = n * n;
  const hStride = (L + 1) * B * n;
  const readout = await prepareReadout(ctx, d, buf, opts.loss);

  const gradients: Dispatch[] = [
    // xproj = x W_in^T for all steps at once (x is shared by the runs: stride 0)
    ...(await prepareMatmul(
      ctx,
      { batch: R, M: L * B, N: n, K: I, transB: 1, strideA: 0 },
      { A: buf.x, B: p.Win, C: buf.xproj },
      { label: 'xproj' },
    )),
    ...(await prepareRnnForward(
      ctx,
      { R, L, B, n },
      { hyper: buf.hyper, W: p.W, xproj: buf.xproj, b: p.b, h0: p.h0, slope: p.slope, a: buf.a, h: buf.h },
      { naive },
    )),
    ...readout.forward,
    ...readout.backward,
  ];
  const backward = await prepareRnnBackward(
    ctx,
    { R, L, B, n },
    { hyper: buf.hyper, W: p.W, a: buf.a, slope: p.slope, dhOut: buf.dhOut, dh: buf.dh, da: buf.da, dh0: buf.dh0, flow: buf.flow },
    { naive },
  );
  gradients.push(
    ...backward.dispatches,
    // dW_in = sum_t da_t x_t^T, db = sum_t da_t, dh0 = sum over the batch
    ...(await prepareMatmul(
      ctx,
      { batch: R, M: n, N: I, K: L * B, transA: 1, strideB: 0 },
      { A: buf.da, B: buf.x, C: g.Win },
      { label: 'dWin' },
    )),
    ...(await prepareReduceRows(ctx, { batch: R, rows: L * B, cols: n }, { x: buf.da, out: g.b })),
    ...(await prepareReduceRows(ctx, { batch: R, rows: B, cols: n }, { x: buf.dh0, out: g.h0 })),
    // dW = sum_t da_t h_{t-1}^T over all L*B rows
    ...(await prepareMatmul(
      ctx,
      { batch: R, M: n, N: n, K: L * B, transA: 1, strideA: L * B * n, strideB: hStride },
      { A: buf.da, B: buf.h, C: g.W },
      { label: 'dW' },
    )),
    ...(await preparePreluSlopeGrad(ctx, { R, L, B, n }, { hyper: buf.hyper, dh: buf.dh, a: buf.a, slopeGrad: g.slope })),
  );
  // penalties on the (composite) W, then weight decay on W_in and W_out
  if (opts.anySoftOrth) {
    gradients.push(
      ...(await prepareMatmul(ctx, { batch: R, M: n, N: n, K: n, transA: 1 }, { A: p.W, B: p.W, C: buf.gram }, { label: 'WtW' })),
      ...(await prepareMatmul(ctx, { batch: R, M: n, N: n, K: n }, { A: p.W, B: buf.gram, C: buf.scratch }, { label: 'W WtW' })),
    );
  }
  gradients.push(
    // runs with lambda_W = 0 never read C and Q; without any soft orthogonality they are never computed
    ...(await prepareOrthPenalty(
      ctx,
      { R, n },
      { hyper: buf.hyper, W: p.W, C: buf.gram, Q: buf.scratch, dW: g.W, stats: buf.penaltyStats },
    )),
    ...(await prepareWeightDecay(ctx, { R, size: paramSize('rnn', 'Win', d) }, { hyper: buf.hyper, w: p.Win, g: g.Win })),
    ...(await prepareWeightDecay(ctx, { R, size: paramSize('rnn', 'Wout', d) }, { hyper: buf.hyper, w: p.Wout, g: g.Wout })),
  );
  // factorised runs: through W = U diag(relu(s)) V^T to U, V and s (or p)
  if (opts.anyFactorised) {
    gradients.push(
      ...(await prepareMatmul(
        ctx,
        { batch: R, M: n, N: n, K: n, offB: nn, strideB: 2 * nn },
        { A: g.W, B: p.UV, C: buf.scratch },
        { label: 'dW V' },
      )),
      ...(await prepareSpectrumBackward(
        ctx,
        { R, n },
        { hyper: buf.hyper, T1: buf.scratch, UV: p.UV, s: p.s, p: p.p, gs: g.s, gp: g.p, dUV: g.UV },
      )),
      ...(await prepareMatmul(
        ctx,
        { batch: R, M: n, N: n, K: n, transA: 1, strideB: 2 * nn, offC: nn, strideC: 2 * nn, diagMode: 2, diagRelu: 1, strideD: n },
        { A: g.W, B: p.UV, C: g.UV, D: p.s },
        { label: 'dV' },
      )),
    );
  }

  const update: Dispatch[] = [];
  if (opts.anyFactorised)
    update.push(
      ...(await prepareGeodesicStep(
        ctx,
        { systems: 2 * R, n, systemsPerRun: 2 },
        { G: g.UV, M: p.UV, hyper: buf.hyper, health: buf.health },
      )),
    );
  update.push(...(await prepareFreeUpdates(ctx, 'rnn', d, buf, opts.optimizer)));
  const drift: Dispatch[] = [];
  const remargin: Dispatch[] = [];
  const recompose: Dispatch[] = [];
  if (opts.anyFactorised) {
    recompose.push(
      ...(await prepareSpectrumForward(ctx, { R, n }, { hyper: buf.hyper, p: p.p, s: p.s, health: buf.health })),
      ...(await prepareMatmul(
        ctx,
        { batch: R, M: n, N: n, K: n, transB: 1, strideA: 2 * nn, offB: nn, strideB: 2 * nn, diagMode: 1, diagRelu: 1, strideD: n },
        { A: p.UV, B: p.UV, C: buf.composed, D: p.s },
        { label: 'compose W' },
      )),
      ...(await prepareSelectRuns(ctx, { R, size: nn }, { hyper: buf.hyper, Wc: buf.composed, W: p.W, health: buf.health })),
    );
    drift.push(
      ...(await prepareMatmul(
        ctx,
        { batch: 2 * R, M: n, N: n, K: n, transA: 1, strideA: nn, strideB: nn },
        { A: p.UV, B: p.UV, C: buf.basesGram },
        { label: 'M^T M' },
      )),
      ...(await prepareOrthDrift(ctx, { S: 2 * R, n }, { C: buf.basesGram, drift: buf.drift })),
    );
    remargin.push(
      ...(await prepareSpectrumRemargin(
        ctx,
        { R, n, eps: MARGIN_P_CLAMP },
        { hyper: buf.hyper, mask: buf.remarginMask, s: p.s, p: p.p, health: buf.health },
      )),
      ...recompose,
    );
  }
  update.push(...recompose);
  return {
    gradients,
    ...(await prepareBlockGuard(ctx, 'rnn', d, buf)),
    update,
    recompose,
    drift,
    spectrum: await prepareFreeSpectrum(ctx, d, buf, 1),
    remargin,
    setFlow: backward.setFlow,
    hasSoftOrth: opts.anySoftOrth,
  };
}

/**
 * The GPU spectrum of a block's free recurrent matrices W [R][gates * n][n] (none when the block has no
 * spectrum buffers: an RNN block of factorised runs only, whose spectrum is s). Factorised runs of a mixed
 * block are skipped by the kernel (hyper FACTORISED).
 */
export async function prepareFreeSpectrum(ctx: OpContext, d: ModelDims, buf: BlockBuffers, gates: 1 | 4): Promise<Dispatch[]> {
  if (!buf.spectrum) return [];
  return prepareSingularValues(
    ctx,
    { R: d.R, rows: gates * d.n, n: d.n },
    { hyper: buf.hyper, A: buf.params.W, ...buf.spectrum },
    { label: `${buf.cell}.spectrum` },
  );
}
