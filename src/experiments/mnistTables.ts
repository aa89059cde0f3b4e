/**
 * The paper's Tables 1 and 2 (sequential and permuted MNIST, n = 128) under the names the MNIST code has
 * used since before the registry of every table (paperTables.ts), which holds the rows, the numbers and the
 * settings: the run set in the tables' order and each row's test accuracy in both tables.
 */
import type { RunSettings } from '../engine/settings.ts';
import { PAPER_TABLES, type Rates, tableRowOf, tableRuns } from './paperTables.ts';

export {
  INTERACTIVE_RATES,
  mnistClassroomGroup,
  mnistPaperGroup,
  PAPER_RATES,
} from './paperTables.ts';

export interface MnistTableRow {
  /** the run's name, as the tables label the row */
  name: string;
  settings: Partial<RunSettings>;
  /** the paper's test accuracy in %: Table 1 (sequential MNIST), Table 2 (permuted MNIST) */
  paper: { table1: number; table2: number };
}

export const MNIST_TABLE_ROWS: readonly MnistTableRow[] = PAPER_TABLES.table1.rows.map((row, k) => ({
  name: row.name,
  settings: row.settings,
  paper: { table1: row.paper.accuracy, table2: PAPER_TABLES.table2.rows[k].paper.accuracy },
}));

/** The run set of Tables 1 and 2 (tanh RNNs and the LSTM) at the given learning rates. */
export function mnistTableRuns(rates: Rates): RunSettings[] {
  return tableRuns(PAPER_TABLES.table1, PAPER_TABLES.table1.paper, rates);
}

/** The MNIST table that a task's results go beside: Table 1 for sequential MNIST, Table 2 for permuted (paperTables.ts: paperTableOfGroup for every table). */
export function paperTableOf(task: string): 'table1' | 'table2' | null {
  return task === 'mnist' ? 'table1' : task === 'pmnist' ? 'table2' : null;
}

/** The row of Tables 1 and 2 whose configuration `run` is, or null where the paper has no such row. */
export function paperRowOf(run: RunSettings): MnistTableRow | null {
  const row = tableRowOf(PAPER_TABLES.table1, run);
  return row ? (MNIST_TABLE_ROWS.find((r) => r.name === row.name) ?? null) : null;
}
