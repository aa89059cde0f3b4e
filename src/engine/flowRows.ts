/**
 * Gradient flow aligned on each row's last scored step (docs/SCIENCE.md 7.1). A row b of a batch scores
 * output positions up to its last scored step t_b (the last step whose loss weight is > 0; padded text rows
 * end earlier than L). Loss_last = (1/B') sum over the B' rows that score anything of loss(t_b, b), and the
 * flow puts a row's state s steps before its t_b at index L - s: flow[k] sums (dLoss_last/dh_t)^2 over the
 * rows and units with t = k - (L - t_b). Rows scoring at L (every row of copy, adding, MNIST) land at k = t.
 * Index k is reached by the rows with t_b >= L - k (count[k]); the flow the lab records is the sum over them
 * scaled by B' / count[k] (the mean over the rows that reach k, on the scale of all B' rows: fewer rows is
 * no drop), NaN where no row reaches k. With every row at L the scale is exactly 1 and nothing changes.
 */

/** What the backward's flow delta needs of a batch: each row's last scored step and its injection scale. */
export interface FlowRows {
  /** [B] the row's last scored step t_b (1..L), 0 for a row that scores nothing (it injects nothing) */
  last: Uint32Array;
  /** [B] dLoss_last/dloss(t_b, b) relative to the training loss: 1 / (B' w(t_b, b)), 0 for a row scoring nothing */
  scale: Float64Array;
  /** B': the rows that score anything */
  scoring: number;
}

/** The batch fields flowRows reads (the engine's and the float64 reference's batches both have them). */
export interface FlowBatch {
  L: number;
  B: number;
  outputSteps: 'all' | 'last';
  /** loss weight per position [Lout][B] */
  weight: ArrayLike<number>;
}

/** Each row's last scored step and flow scale, from the loss weights of the batch. */
export function flowRows(batch: FlowBatch): FlowRows {
  const { L, B } = batch;
  const Lout = batch.outputSteps === 'all' ? L : 1;
  const last = new Uint32Array(B);
  const w = new Float64Array(B);
  let scoring = 0;
  for (let b = 0; b < B; b++) {
    for (let k = Lout - 1; k >= 0; k--) {
      const wk = batch.weight[k * B + b];
      if (wk > 0) {
        last[b] = batch.outputSteps === 'all' ? k + 1 : L;
        w[b] = wk;
        scoring++;
        break;
      }
    }
  }
  const scale = new Float64Array(B);
  for (let b = 0; b < B; b++) if (last[b] > 0) scale[b] = 1 / scoring / w[b];
  return { last, scale, scoring };
}

/** Every row scores at L with the same scale (the kernels' tests and unpadded tasks). */
export function uniformFlowRows(L: number, B: number, scale: number): FlowRows {
  return { last: new Uint32Array(B).fill(L), scale: new Float64Array(B).fill(scale), scoring: B };
}

/** count[k], k = 0..L: the rows that reach aligned index k (those scoring with t_b >= L - k). */
export function flowRowCounts(L: number, rows: Pick<FlowRows, 'last'>): Uint32Array {
  const count = new Uint32Array(L + 1);
  for (const tb of rows.last) if (tb > 0) for (let k = L - tb; k <= L; k++) count[k]++;
  return count;
}

/**
 * The recorded flow from the kernel's aligned sums: sum[k] * B' / count[k] (NaN where no row reaches k). Rows
 * that all score at L give count[k] = B' and the sums unchanged (the factor is exactly 1).
 */
export function alignedFlow<T extends Float32Array | Float64Array>(sum: T, rows: Pick<FlowRows, 'last' | 'scoring'>): T {
  const L = sum.length - 1;
  const count = flowRowCounts(L, rows);
  const out = sum.slice() as T;
  for (let k = 0; k <= L; k++) {
    const c = count[k];
    if (c === 0) out[k] = Number.NaN;
    else if (c !== rows.scoring) out[k] = (sum[k] * rows.scoring) / c;
  }
  return out;
}

/** The kernels' row table (end of the flow delta's scratch): [B][2] f32 = t_b (0 = scores nothing), scale. */
export function flowRowTable(rows: FlowRows): Float32Array {
  const B = rows.last.length;
  const t = new Float32Array(2 * B);
  for (let b = 0; b < B; b++) {
    t[2 * b] = rows.last[b];
    t[2 * b + 1] = rows.scale[b];
  }
  return t;
}

/**
 * Whether a task's batches have rows that end at different steps (the text task: sentences padded to L with
 * weight 0), so that its flow index k reads "L - k steps before the row's last scored step" and some k may be
 * reached by no row. Every other task scores each row at L: its k is the time step t itself.
 */
export function flowAlignedOnLastScored(task: string): boolean {
  return task === 'text';
}

/** What a backward op's setFlow takes: one batch's rows (or a uniform scale), or with one batch per run each run's. */
export type FlowRowsInput = FlowRows | number | readonly FlowRows[];

/**
 * The row table(s) a backward op writes: one table [B][2] for every run (perRunOf null), or one per run
 * [R][B][2] (perRunOf = R: a block with one batch per run; a single FlowRows or scale then serves every run).
 * Throws naming the op when the rows do not fit it.
 */
export function flowRowTables(L: number, B: number, rows: FlowRowsInput, perRunOf: number | null, op: string): Float32Array {
  const one = (r: FlowRows | number) => {
    const t = flowRowTable(typeof r === 'number' ? uniformFlowRows(L, B, r) : r);
    if (t.length !== 2 * B) throw new Error(`${op}.setFlow: rows for ${t.length / 2} batch rows, the op has B = ${B}`);
    return t;
  };
  if (typeof rows === 'number' || !Array.isArray(rows)) {
    const t = one(rows as FlowRows | number);
    if (perRunOf === null) return t;
    const out = new Float32Array(perRunOf * 2 * B);
    for (let r = 0; r < perRunOf; r++) out.set(t, r * 2 * B);
    return out;
  }
  const list = rows as readonly FlowRows[];
  if (perRunOf === null || list.length !== perRunOf)
    throw new Error(
      `${op}.setFlow: rows for ${list.length} runs, the op has ${perRunOf === null ? 'one row table for all its runs' : `${perRunOf} runs`}`,
    );
  const out = new Float32Array(perRunOf * 2 * B);
  list.forEach((r, k) => {
    out.set(one(r), k * 2 * B);
  });
  return out;
}
