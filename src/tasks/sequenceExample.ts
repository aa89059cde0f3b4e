/**
 * One sequence of a task as it is stored, and how sequences become a batch. An example's weights are those
 * it has in a batch of one (a batch of B divides them by B, so a full batch's weights sum to 1 like a training
 * batch's); a row with no example is padding, every weight 0, never scored.
 */
import { outputStepCount, type TaskBatch, type TaskShape } from './task.ts';

export interface SequenceExample {
  /** inputs [L][I] */
  x: ArrayLike<number>;
  /** xent: class per output position [Lout]; mse: values [Lout][O] */
  targets: ArrayLike<number>;
  /** loss weight per output position [Lout] in a batch of one (default 1 / Lout at every position) */
  weight?: ArrayLike<number>;
  /** accuracy weight [Lout] in a batch of one (default 1 / Lout where the task has an accuracy, else 0) */
  accWeight?: ArrayLike<number>;
}

/** The example of row b of a batch (x, targets, weights), as a batch of one holds it. */
export function exampleOfRow(batch: TaskBatch, b: number): SequenceExample {
  const { L, B, I, O } = batch;
  const Lout = outputStepCount(batch);
  const x = new Float32Array(L * I);
  for (let t = 0; t < L; t++) x.set(batch.x.subarray((t * B + b) * I, (t * B + b + 1) * I), t * I);
  const perTarget = batch.loss === 'xent' ? 1 : O;
  const targets = batch.loss === 'xent' ? new Uint32Array(Lout) : new Float32Array(Lout * O);
  const weight = new Float32Array(Lout);
  const accWeight = new Float32Array(Lout);
  for (let k = 0; k < Lout; k++) {
    for (let o = 0; o < perTarget; o++) targets[k * perTarget + o] = batch.targets[(k * B + b) * perTarget + o];
    weight[k] = batch.weight[k * B + b] * B;
    accWeight[k] = batch.accWeight[k * B + b] * B;
  }
  return { x, targets, weight, accWeight };
}

/** A batch of B rows from examples (null = a padding row); checks every example's sizes against the task's shape. */
export function batchOfExamples(shape: TaskShape, B: number, rows: readonly (SequenceExample | null)[], what: string): TaskBatch {
  const { L, I, O, loss, outputSteps } = shape;
  const Lout = outputStepCount(shape);
  const perTarget = loss === 'xent' ? 1 : O;
  if (rows.length !== B) throw new Error(`${what}: ${rows.length} rows for a batch of ${B}`);
  const x = new Float32Array(L * B * I);
  const targets = loss === 'xent' ? new Uint32Array(Lout * B) : new Float32Array(Lout * B * O);
  const weight = new Float32Array(Lout * B);
  const accWeight = new Float32Array(Lout * B);
  const defaultAcc = shape.hasAccuracy ? 1 / Lout : 0;
  rows.forEach((ex, b) => {
    if (!ex) return;
    const sizes: [string, ArrayLike<number> | undefined, number][] = [
      ['x', ex.x, L * I],
      ['targets', ex.targets, Lout * perTarget],
      ['weight', ex.weight, Lout],
      ['accWeight', ex.accWeight, Lout],
    ];
    for (const [name, v, n] of sizes)
      if (v !== undefined && v.length !== n) throw new Error(`${what}, row ${b}: ${name} has ${v.length} values, the task needs ${n}`);
    for (let t = 0; t < L; t++) for (let c = 0; c < I; c++) x[(t * B + b) * I + c] = ex.x[t * I + c];
    for (let k = 0; k < Lout; k++) {
      for (let o = 0; o < perTarget; o++) {
        const v = ex.targets[k * perTarget + o];
        if (loss === 'xent' && !(Number.isInteger(v) && v >= 0 && v < O))
          throw new Error(`${what}, row ${b}: target ${v} at output position ${k} is not a class in 0..${O - 1}`);
        targets[(k * B + b) * perTarget + o] = v;
      }
      weight[k * B + b] = (ex.weight ? ex.weight[k] : 1 / Lout) / B;
      accWeight[k * B + b] = (ex.accWeight ? ex.accWeight[k] : defaultAcc) / B;
    }
  });
  return { L, B, I, O, loss, outputSteps, x, targets, weight, accWeight };
}
