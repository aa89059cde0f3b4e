/**
 * The dispatch plan of one training iteration for one cell's block of runs, prepared once (the LSTM's is in
 * lstmPlan.ts; both share the readout, the segment sweeps and the free optimiser from here). Every list below is
 * encoded as is each iteration: with full storage the number of dispatches does not depend on the sequence
 * length (fused recurrent kernels) or on the number of runs (the run index is a dispatch dimension); with
 * recomputation (src/engine/recompute.ts) the forward, readout and backward dispatches repeat per segment, so
 * the count grows with L/k.
 * Layouts and the order of operations: docs/ENGINE.md.
 */
import { storageBuffer } from '../gpu/buffers.ts';
import type { Dispatch } from '../gpu/kernel.ts';
import type { OpContext } from '../gpu/ops/context.ts';
import { prepareGeodesicStep } from '../gpu/ops/geodesicStep.ts';
import { lossPartialBytes, prepareMeanSquaredError, prepareSoftmaxCrossEntropy } from '../gpu/ops/losses.ts';
import { prepareMatmul } from '../gpu/ops/matmul.ts';
import { prepareRmsprop, prepareSgd } from '../gpu/ops/optimizers.ts';
import { prepareOrthPenalty, prepareWeightDecay } from '../gpu/ops/penalties.ts';
import { preparePreluSlopeGrad, prepareRnnBackward, type RnnBackwardScratch } from '../gpu/ops/rnnBackward.ts';
import { fullSegment, prepareRnnForward, type Segment } from '../gpu/ops/rnnForward.ts';
import { prepareRunGuard } from '../gpu/ops/runGuard.ts';
import { prepareSelectRuns } from '../gpu/ops/selectRuns.ts';
import { prepareSingularValues } from '../gpu/ops/singularValues.ts';
import { prepareAddBias, prepareCopyStates, prepareOrthDrift, prepareReduceRows } from '../gpu/ops/smallOps.ts';
import { prepareSpectrumBackward, prepareSpectrumForward, prepareSpectrumRemargin } from '../gpu/ops/spectrum.ts';
import type { LossKind } from '../tasks/task.ts';
import type { FlowRowsInput } from './flowRows.ts';
import type { BlockBuffers, GroupBuffers } from './groupBuffers.ts';
import { MARGIN_P_CLAMP } from './modelSettings.ts';
import { type CellKind, freeParams, type ModelDims, paramNames, paramSize } from './parameters.ts';
import { type Storage, segmentsOf, segmentsOver } from './recompute.ts';
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
  /** how activations are kept (default full storage); the block's buffers must be allocated for the same */
  storage?: Storage;
  /**
   * the lengths (steps computed) the gradient part is prepared for, ascending, the last one L (default [L]):
   * shorter text batches (src/engine/batchLength.ts planLengths)
   */
  lengths?: number[];
  /**
   * the block's batch buffers hold one batch per run ([R][...], a group with several data streams,
   * src/engine/dataStreams.ts): xproj, dW_in and the loss read their run's (default: one batch shared, stride 0)
   */
  perRunBatch?: boolean;
}

/** Per-run strides into a block's batch buffers: 0 for one shared batch, a whole batch for one per run. */
export function batchStrides(d: Pick<ModelDims, 'L' | 'B' | 'I' | 'P'>, perRun: boolean | undefined): { x: number; positions: number } {
  return perRun ? { x: d.L * d.B * d.I, positions: d.P } : { x: 0, positions: 0 };
}

export interface IterationPlan {
  /** forward, loss and backward over all L steps: after it, every gradient buffer holds dTrainingLoss/dparam */
  gradients: Dispatch[];
  /** the lengths the gradients are prepared for, ascending (the last one L) */
  lengths: readonly number[];
  /**
   * `gradients` over the first `length` steps only (one of `lengths`; the same gradients for a batch whose
   * rows score nothing after it, src/engine/batchLength.ts), with the flow state of the last setFlow. The
   * parts that do not depend on the length (penalties, the factorised chain) are the same dispatches in every list.
   */
  gradientsFor(length: number): Dispatch[];
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
  /**
   * the flow delta on or off, and each batch row's last scored step and scale (src/engine/flowRows.ts): for
   * `gradients` at once, for the other lengths when gradientsFor hands them out
   */
  setFlow(track: boolean, rows: FlowRowsInput): void;
  /** the plan computes the soft orthogonality penalty (some run had lambda_W > 0 when it was built) */
  hasSoftOrth: boolean;
}

/** Where a segment's scored steps are: the first one (1-based step), how many, and the rows of the batch. */
export function scoredPart(d: Pick<ModelDims, 'L' | 'B' | 'Lout'>, seg: Segment): { first: number; steps: number; pOff: number } | null {
  const unscored = d.L - d.Lout; // steps 1..unscored are not scored
  const first = Math.max(seg.start + 1, unscored + 1);
  const end = seg.start + seg.steps;
  if (first > end) return null;
  return { first, steps: end - first + 1, pOff: (first - unscored - 1) * d.B };
}

/** What the readout's forward reads and writes: a block's (BlockBuffers) or the evaluation pass's (forwardPlan.ts). */
export interface ReadoutForwardBuffers {
  /** hidden states [R][slots+1][B][n] */
  h: GPUBuffer;
  params: { Wout: GPUBuffer; bout: GPUBuffer };
  logits: GPUBuffer;
  targets: GPUBuffer;
  weight: GPUBuffer;
  accWeight: GPUBuffer;
  /** written by the loss kernel (the backward reads it; the evaluation pass never does) */
  dlogits: GPUBuffer;
  lossStats: GPUBuffer;
}

/**
 * The readout's forward at the scored steps of a segment (full storage: of the sequence): logits = h W_out^T +
 * b_out, then the loss (with accuracy) and dlogits. `accumulate`: the loss stats add to what earlier segments
 * left (otherwise overwritten). Null when the segment has no scored step. Training (prepareReadout) and the
 * evaluation pass (forwardPlan.ts) both encode this very list.
 */
export async function prepareReadoutForward(
  ctx: OpContext,
  d: ModelDims,
  buf: ReadoutForwardBuffers,
  loss: LossKind,
  seg: Segment = fullSegment(d.L),
  opts: { accumulate?: boolean; lossPartial?: GPUBuffer; label?: string; pStride?: number } = {},
): Promise<Dispatch[] | null> {
  const { R, B, n, O } = d;
  const part = scoredPart(d, seg);
  if (!part) return null;
  const p = buf.params;
  const P = part.steps * B;
  const hStride = (seg.slots + 1) * B * n;
  const hScoredOffset = (part.first - seg.start) * B * n; // h slot of the first scored step
  const lossOpts = { pOff: part.pOff, accumulate: opts.accumulate, partial: opts.lossPartial, pStride: opts.pStride };
  return [
    ...(await prepareMatmul(
      ctx,
      { batch: R, M: P, N: O, K: n, transB: 1, offA: hScoredOffset, strideA: hStride },
      { A: buf.h, B: p.Wout, C: buf.logits },
      { label: opts.label ?? 'readout' },
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
          lossOpts,
        )
      : await prepareMeanSquaredError(
          ctx,
          { R, P, O },
          { pred: buf.logits, targets: buf.targets, weight: buf.weight, dpred: buf.dlogits, stats: buf.lossStats },
          lossOpts,
        )),
  ];
}

/**
 * The readout and loss every cell shares, at the scored steps of a segment (full storage: of the sequence):
 * the forward (prepareReadoutForward), then dW_out = dlogits^T h, db_out and dLoss/dh_t = dlogits W_out into
 * dhOut. `forward` runs after the recurrent forward, `backward` before the recurrent backward. `accumulate`:
 * the loss stats, dW_out and db_out add to what earlier segments of the backward sweep left (the first
 * segment processed overwrites). Null when the segment has no scored step.
 */
export async function prepareReadout(
  ctx: OpContext,
  d: ModelDims,
  buf: BlockBuffers,
  loss: LossKind,
  seg: Segment = fullSegment(d.L),
  opts: { accumulate?: boolean; lossPartial?: GPUBuffer; pStride?: number } = {},
): Promise<{ forward: Dispatch[]; backward: Dispatch[] } | null> {
  const { R, B, n, O } = d;
  const forward = await prepareReadoutForward(ctx, d, buf, loss, seg, opts);
  const part = scoredPart(d, seg);
  if (!forward || !part) return null;
  const g = buf.grads;
  const P = part.steps * B;
  const beta = opts.accumulate ? 1 : 0;
  const hStride = (seg.slots + 1) * B * n;
  const hScoredOffset = (part.first - seg.start) * B * n; // h slot of the first scored step
  const backward = [
    ...(await prepareMatmul(
      ctx,
      { batch: R, M: O, N: n, K: P, transA: 1, offB: hScoredOffset, strideB: hStride, beta },
      { A: buf.dlogits, B: buf.h, C: g.Wout },
      { label: 'dWout' },
    )),
    ...(await prepareReduceRows(ctx, { batch: R, rows: P, cols: O, beta }, { x: buf.dlogits, out: g.bout })),
    ...(await prepareMatmul(
      ctx,
      { batch: R, M: P, N: n, K: O, offC: (part.first - seg.start - 1) * B * n, strideC: seg.slots * B * n },
      { A: buf.dlogits, B: buf.params.Wout, C: buf.dhOut },
      { label: 'dhOut' },
    )),
  ];
  return { forward, backward };
}

/**
 * The forward sweep and the recomputations of a block's segments (docs/ENGINE.md, "Recomputation"), from each
 * segment's forward dispatches (xproj and the recurrent forward, prepared once and encoded in both sweeps) and
 * the block's state buffers with their checkpoints (h; the LSTM's h and c). The forward sweep runs every
 * segment in turn: restore its state from the checkpoint into slot 0 (after the first), forward, save the state
 * at its end into the checkpoint (before the last). recompute[s] is what the backward sweep runs before segment
 * s: restore and forward again, nothing for the last segment, whose activations the forward sweep left in place.
 * Full storage (one segment): the forward sweep is the forward, nothing is copied. forwardSegments[s] is the
 * forward sweep's part for segment s (the evaluation pass runs each segment's readout right after it).
 */
export async function prepareSegmentSweeps(
  ctx: OpContext,
  d: ModelDims,
  segs: Segment[],
  forward: Dispatch[][],
  states: { seq: GPUBuffer; checkpoint: GPUBuffer | null; label: string }[],
): Promise<{ forwardSweep: Dispatch[]; forwardSegments: Dispatch[][]; recompute: Dispatch[][] }> {
  const { R, B, n } = d;
  const S = segs.length;
  const K = segs[0].slots;
  const slot = B * n;
  const restore: Dispatch[][] = [];
  const save: Dispatch[][] = [];
  for (let s = 0; s < S; s++) {
    restore.push([]);
    save.push([]);
    for (const st of states) {
      if (!st.checkpoint) continue;
      const ck = { src: st.checkpoint, dst: st.seq };
      if (s > 0)
        restore[s].push(
          ...(await prepareCopyStates(
            ctx,
            { R, count: slot, srcOff: (s - 1) * slot, srcStride: (S - 1) * slot, dstOff: 0, dstStride: (K + 1) * slot },
            ck,
            `restore ${st.label} t=${segs[s].start}`,
          )),
        );
      if (s < S - 1)
        save[s].push(
          ...(await prepareCopyStates(
            ctx,
            { R, count: slot, srcOff: K * slot, srcStride: (K + 1) * slot, dstOff: s * slot, dstStride: (S - 1) * slot },
            { src: st.seq, dst: st.checkpoint },
            `save ${st.label} t=${segs[s].start + K}`,
          )),
        );
    }
  }
  const forwardSegments = segs.map((_, s) => [...restore[s], ...forward[s], ...save[s]]);
  return {
    forwardSweep: forwardSegments.flat(),
    forwardSegments,
    recompute: segs.map((_, s) => (s < S - 1 ? [...restore[s], ...forward[s]] : [])),
  };
}

/**
 * Each segment's readout (null where it scores nothing), the segments after the last accumulating; one loss
 * scratch when there are several, created once in `shared` (the plans of every length of a block share it).
 */
export async function prepareSegmentReadouts(
  ctx: OpContext,
  d: ModelDims,
  buf: BlockBuffers,
  loss: LossKind,
  segs: Segment[],
  shared: { lossPartial?: GPUBuffer } = {},
  /** positions per run in the batch's targets and weights (0: one batch shared by the runs) */
  pStride = 0,
) {
  if (segs.length > 1 && !shared.lossPartial)
    shared.lossPartial = storageBuffer(
      ctx.device,
      lossPartialBytes(d.R, Math.min(segs[0].slots, d.Lout) * d.B),
      `${buf.cell}.segments.lossPartial`,
    );
  const lossPartial = segs.length > 1 ? shared.lossPartial : undefined;
  const out: ({ forward: Dispatch[]; backward: Dispatch[] } | null)[] = [];
  for (let s = 0; s < segs.length; s++)
    out.push(await prepareReadout(ctx, d, buf, loss, segs[s], { accumulate: s < segs.length - 1, lossPartial, pStride }));
  return out;
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

/** The backward op of one length as the plans use it: its flow switch and state. */
interface FlowSwitch {
  setFlow(track: boolean, rows: FlowRowsInput): void;
  readonly tracking: boolean;
}

/** The lengths a plan prepares (PlanOptions.lengths, checked: ascending integers in 1..L, the last one L). */
export function checkedLengths(L: number, lengths: readonly number[] | undefined): number[] {
  const out = lengths ? [...lengths] : [L];
  const ok =
    out.length > 0 && out[out.length - 1] === L && out.every((l, i) => Number.isInteger(l) && l >= 1 && (i === 0 || l > out[i - 1]));
  if (!ok) throw new Error(`plan: the lengths must be ascending whole numbers from 1 to L = ${L}, ending with L; got [${out.join(', ')}]`);
  return out;
}

/**
 * The gradients of every prepared length (ascending, the last one L) and the flow state each one gets: setFlow
 * switches the full length's backward at once and every other length's when gradientsFor hands it out (a
 * length not handed out since keeps an old state that nothing encodes).
 */
export function lengthPlans(
  parts: { length: number; gradients: Dispatch[]; backward: FlowSwitch }[],
): Pick<IterationPlan, 'gradients' | 'lengths' | 'gradientsFor' | 'setFlow'> {
  const full = parts[parts.length - 1];
  let want: { track: boolean; rows: FlowRowsInput } | null = null;
  const synced = new Map<number, object>();
  return {
    gradients: full.gradients,
    lengths: parts.map((q) => q.length),
    gradientsFor(length: number) {
      const part = parts.find((q) => q.length === length);
      if (!part)
        throw new Error(`plan: no gradients prepared for ${length} steps; prepared lengths: ${parts.map((q) => q.length).join(', ')}`);
      if (want && synced.get(length) !== want) {
        if (want.track || part.backward.tracking) part.backward.setFlow(want.track, want.rows);
        synced.set(length, want);
      }
      return part.gradients;
    },
    setFlow(track: boolean, rows: FlowRowsInput) {
      want = { track, rows };
      full.backward.setFlow(track, rows);
      synced.set(full.length, want);
    },
  };
}

/** The dispatch plan of an RNN block (factorised and plain runs). */
export async function prepareIterationPlan(ctx: OpContext, d: ModelDims, buf: GroupBuffers, opts: PlanOptions): Promise<IterationPlan> {
  const { R, L, B, n, I } = d;
  const p = buf.params;
  const g = buf.grads;
  const naive = opts.naive ?? false;
  const nn = n * n;
  const storage = opts.storage ?? 'full';
  const K = segmentsOf(L, storage)[0].slots; // steps the activation buffers hold
  const hStride = (K + 1) * B * n;
  const aStride = K * B * n;
  const batchStride = batchStrides(d, opts.perRunBatch);
  // scratch every length shares: the loss partial of the segments, the backward's flow scratch
  const shared: { lossPartial?: GPUBuffer; backward?: RnnBackwardScratch } = {};
  const parts: { length: number; gradients: Dispatch[]; backward: FlowSwitch }[] = [];
  for (const length of checkedLengths(L, opts.lengths)) {
    const segs = segmentsOver(L, length, storage);

    // per segment: xproj = x W_in^T for its steps at once (x shared by the runs: stride 0; one per run: a batch), the recurrent forward
    const forward: Dispatch[][] = [];
    for (const seg of segs)
      forward.push([
        ...(await prepareMatmul(
          ctx,
          { batch: R, M: seg.steps * B, N: n, K: I, transB: 1, offA: seg.start * B * I, strideA: batchStride.x, strideC: aStride },
          { A: buf.x, B: p.Win, C: buf.xproj },
          { label: 'xproj' },
        )),
        ...(await prepareRnnForward(
          ctx,
          { R, L, B, n },
          { hyper: buf.hyper, W: p.W, xproj: buf.xproj, b: p.b, h0: p.h0, slope: p.slope, a: buf.a, h: buf.h },
          { naive, segment: seg },
        )),
      ]);
    const sweeps = await prepareSegmentSweeps(ctx, d, segs, forward, [
      { seq: buf.h, checkpoint: buf.checkpoints?.h ?? null, label: 'rnn.h' },
    ]);
    const readouts = await prepareSegmentReadouts(ctx, d, buf, opts.loss, segs, shared, batchStride.positions);
    const backward = await prepareRnnBackward(
      ctx,
      { R, L, B, n },
      { hyper: buf.hyper, W: p.W, a: buf.a, slope: p.slope, dhOut: buf.dhOut, dh: buf.dh, da: buf.da, dh0: buf.dh0, flow: buf.flow },
      { naive, segments: segs, unscored: L - d.Lout, top: length, scratch: shared.backward, perRunRows: opts.perRunBatch },
    );
    shared.backward = backward.scratch;
    const gradients: Dispatch[] = [...sweeps.forwardSweep];
    // the backward sweep, last segment first; each segment's gradients add to the later segments' (beta = 1)
    for (let s = segs.length - 1; s >= 0; s--) {
      const seg = segs[s];
      const beta = s < segs.length - 1 ? 1 : 0;
      const rows = seg.steps * B;
      gradients.push(...sweeps.recompute[s]);
      const ro = readouts[s];
      if (ro) gradients.push(...ro.forward, ...ro.backward);
      gradients.push(
        ...backward.segments[s],
        // dW_in = sum_t da_t x_t^T, db = sum_t da_t, dh0 = sum over the batch
        ...(await prepareMatmul(
          ctx,
          { batch: R, M: n, N: I, K: rows, transA: 1, strideA: aStride, offB: seg.start * B * I, strideB: batchStride.x, beta },
          { A: buf.da, B: buf.x, C: g.Win },
          { label: 'dWin' },
        )),
        ...(await prepareReduceRows(ctx, { batch: R, rows, cols: n, stride: aStride, beta }, { x: buf.da, out: g.b })),
        ...(s === 0 ? await prepareReduceRows(ctx, { batch: R, rows: B, cols: n }, { x: buf.dh0, out: g.h0 }) : []),
        // dW = sum_t da_t h_{t-1}^T over the segment's rows
        ...(await prepareMatmul(
          ctx,
          { batch: R, M: n, N: n, K: rows, transA: 1, strideA: aStride, strideB: hStride, beta },
          { A: buf.da, B: buf.h, C: g.W },
          { label: 'dW' },
        )),
        ...(await preparePreluSlopeGrad(
          ctx,
          { R, L: seg.steps, B, n, slots: K, beta },
          { hyper: buf.hyper, dh: buf.dh, a: buf.a, slopeGrad: g.slope },
        )),
      );
    }
    parts.push({ length, gradients, backward });
  }
  // the parts every length shares (the same dispatches appended to each list)
  const tail: Dispatch[] = [];
  // penalties on the (composite) W, then weight decay on W_in and W_out
  if (opts.anySoftOrth) {
    tail.push(
      ...(await prepareMatmul(ctx, { batch: R, M: n, N: n, K: n, transA: 1 }, { A: p.W, B: p.W, C: buf.gram }, { label: 'WtW' })),
      ...(await prepareMatmul(ctx, { batch: R, M: n, N: n, K: n }, { A: p.W, B: buf.gram, C: buf.scratch }, { label: 'W WtW' })),
    );
  }
  tail.push(
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
    tail.push(
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
  for (const part of parts) part.gradients.push(...tail);

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
    ...lengthPlans(parts),
    ...(await prepareBlockGuard(ctx, 'rnn', d, buf)),
    update,
    recompose,
    drift,
    spectrum: await prepareFreeSpectrum(ctx, d, buf, 1),
    remargin,
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
