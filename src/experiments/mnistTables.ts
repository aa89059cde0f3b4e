/**
 * The paper's Tables 1 and 2 (sequential and permuted MNIST, n = 128): the run set, in the tables' order, and
 * the test accuracies the paper reports for each row (docs/SCIENCE.md section 6.3 and the reference figures).
 * The lab's presets, the benchmark and the reproduce command all train this one run set.
 */
import { type GroupSettings, PAPER_GROUP, PAPER_RUN, RUN_COLORS, type RunSettings } from '../engine/settings.ts';
import type { DataTaskName } from '../tasks/index.ts';

export interface MnistTableRow {
  /** the run's name, as the tables label the row */
  name: string;
  settings: Partial<RunSettings>;
  /** the paper's test accuracy in %: Table 1 (sequential MNIST), Table 2 (permuted MNIST) */
  paper: { table1: number; table2: number };
}

export const MNIST_TABLE_ROWS: readonly MnistTableRow[] = [
  { name: 'm=0', settings: { margin: 0 }, paper: { table1: 77.18, table2: 83.56 } },
  { name: 'm=0.001', settings: { margin: 0.001 }, paper: { table1: 79.26, table2: 84.59 } },
  { name: 'm=0.01', settings: { margin: 0.01 }, paper: { table1: 85.47, table2: 89.63 } },
  { name: 'm=0.1', settings: { margin: 0.1 }, paper: { table1: 94.1, table2: 91.44 } },
  { name: 'm=1', settings: { margin: 1 }, paper: { table1: 93.84, table2: 90.83 } },
  { name: 'none (orthogonal)', settings: { margin: null }, paper: { table1: 93.24, table2: 90.51 } },
  { name: 'none (Glorot)', settings: { margin: null, init: 'glorot' }, paper: { table1: 66.71, table2: 79.33 } },
  { name: 'none (identity)', settings: { margin: null, init: 'identity' }, paper: { table1: 53.53, table2: 42.72 } },
  { name: 'LSTM', settings: { parameterisation: 'lstm', margin: null }, paper: { table1: 97.3, table2: 92.62 } },
];

/** The run set of Tables 1 and 2 (tanh RNNs and the LSTM) at the given learning rates. */
export function mnistTableRuns(rates: Pick<RunSettings, 'lrGeodesic' | 'lrFree' | 'lrSpectrum'>): RunSettings[] {
  return MNIST_TABLE_ROWS.map((row, i) => ({
    ...PAPER_RUN,
    ...rates,
    nonlinearity: 'tanh',
    name: row.name,
    color: RUN_COLORS[i % RUN_COLORS.length],
    ...row.settings,
  }));
}

/** The learning rates that make a classroom run move within minutes (tau, lr, spectrum lr all 0.01; the paper: 1e-6, 1e-4, 1e-4). */
export const INTERACTIVE_RATES = { lrGeodesic: 0.01, lrFree: 0.01, lrSpectrum: 0.01 };

/** The paper's rates (tau 1e-6, lr 1e-4, spectrum lr 1e-4). */
export const PAPER_RATES = { lrGeodesic: PAPER_RUN.lrGeodesic, lrFree: PAPER_RUN.lrFree, lrSpectrum: PAPER_RUN.lrSpectrum };

/** The paper's MNIST group: 784 one-pixel steps, n = 128, batch 50. */
export function mnistPaperGroup(task: DataTaskName): GroupSettings {
  return { ...PAPER_GROUP, task };
}

/**
 * The classroom MNIST group: 14 x 14 images read a row a step (14 steps of 14 pixels, not the paper's 784
 * single pixels); small (2,000 training images, n = 32, batch 32) where the adapter is a CPU.
 */
export function mnistClassroomGroup(task: DataTaskName, small: boolean): GroupSettings {
  const base: GroupSettings = { ...PAPER_GROUP, task, mnistImage: '14x14', mnistStep: 'row' };
  return small ? { ...base, trainSubset: 2000, hidden: 32, batchSize: 32 } : { ...base, trainSubset: 0 };
}

/** The table of the paper that a task's results go beside: Table 1 for sequential MNIST, Table 2 for permuted. */
export function paperTableOf(task: string): 'table1' | 'table2' | null {
  return task === 'mnist' ? 'table1' : task === 'pmnist' ? 'table2' : null;
}

/**
 * What a run must be to be a row of the tables, by its settings (not its name): the LSTM row any LSTM run;
 * an RNN row the factorised tanh RNN from an orthogonal start (or the row's start) with the row's margin and
 * no soft penalty (soft orthogonality, spectral prior), as the paper trained them.
 */
function rowRequires(row: MnistTableRow): Partial<RunSettings> {
  if (row.settings.parameterisation === 'lstm') return { parameterisation: 'lstm' };
  return { parameterisation: 'factorised', init: 'orthogonal', nonlinearity: 'tanh', softOrth: 0, prior: 0, ...row.settings };
}

/** The row of Tables 1 and 2 whose configuration `run` is, or null where the paper has no such row. */
export function paperRowOf(run: RunSettings): MnistTableRow | null {
  return (
    MNIST_TABLE_ROWS.find((row) => Object.entries(rowRequires(row)).every(([key, value]) => run[key as keyof RunSettings] === value)) ??
    null
  );
}
