/**
 * The training data streams of a run group (issue 11, data replicates). Every run draws its batches from the
 * stream of data seed (group data seed + its data offset, RunSettings.dataOffset): runs with the same offset
 * share one stream, as every run of a group did before offsets existed. D = 1 (every run at one offset, the
 * usual case) is the group's one stream: one batch per iteration shared by every run (strides 0). D > 1:
 * each block holds one batch per run ([R_b][...] per buffer, groupBuffers.ts) and its kernels read their run's
 * (xproj, dW_in, the loss), each stream drawn once per iteration.
 *
 * A stream's state is its generator (synthetic tasks draw fresh sequences from it) and its training position
 * (a data-backed task's epoch and place in its order, which datasetTask derives from the stream's seed).
 */
import { Rng } from '../random/rng.ts';
import type { TrainingPosition } from '../tasks/task.ts';
import { dataStreamSeed, type GroupSettings, type RunSettings } from './settings.ts';

/** What a checkpoint saves of one stream of a group with several (InitialState.dataStreams). */
export interface DataStreamState {
  /** the data offset the stream serves (its seed: group data seed + offset) */
  offset: number;
  /** its generator's state (Rng.getState) */
  rngState: number[];
  /** where its training position stood (absent: the start) */
  position?: TrainingPosition;
}

/** The group's streams: their offsets in the order of the first run of each, and the stream of each run. */
export interface StreamLayout {
  /** distinct data offsets, in order of the first run that has each */
  offsets: number[];
  /** the seed of each stream */
  seeds: number[];
  /** per run: the index of its stream */
  of: number[];
}

export function streamLayout(group: Pick<GroupSettings, 'dataSeed'>, runs: readonly Pick<RunSettings, 'dataOffset'>[]): StreamLayout {
  const offsets: number[] = [];
  const of = runs.map((r) => {
    const o = r.dataOffset ?? 0;
    let i = offsets.indexOf(o);
    if (i < 0) i = offsets.push(o) - 1;
    return i;
  });
  return { offsets, seeds: offsets.map((o) => dataStreamSeed(group, { dataOffset: o })), of };
}

/** Whether the runs draw from more than one stream (then every block keeps one batch per run). */
export function perRunBatches(runs: readonly Pick<RunSettings, 'dataOffset'>[]): boolean {
  return new Set(runs.map((r) => r.dataOffset ?? 0)).size > 1;
}

/** Checks the streams read from a file; a message naming what is wrong, or null. */
export function dataStreamsProblem(v: unknown): string | null {
  if (!Array.isArray(v) || v.length < 2) return 'must be a list of at least 2 streams { offset, rngState, position }';
  const seen = new Set<number>();
  for (const [i, s] of v.entries()) {
    const st = s as Partial<DataStreamState> | null;
    if (typeof st !== 'object' || st === null) return `stream ${i + 1} must be { offset, rngState, position }`;
    if (!Number.isInteger(st.offset) || (st.offset as number) < 0 || (st.offset as number) > 2 ** 32 - 1)
      return `stream ${i + 1}: offset must be a whole number from 0 to ${2 ** 32 - 1}`;
    if (seen.has(st.offset as number)) return `stream ${i + 1}: offset ${st.offset} appears twice`;
    seen.add(st.offset as number);
    if (!Array.isArray(st.rngState) || st.rngState.length !== 5) return `stream ${i + 1}: rngState must be the 5-number generator state`;
  }
  return null;
}

/** What a group (RunGroup, Trainer) tells of its data streams now. */
export interface DataStreamSource {
  dataRngState(): number[];
  readonly dataPosition: TrainingPosition;
  dataStreams(): DataStreamState[] | undefined;
}

/**
 * The data state a group rebuilt from `old` starts from (InitialState's dataRngState, dataPosition and
 * dataStreams): with the same data seed every stream continues where it stood, a stream new to the group (a
 * member moved to another data offset: "also over data" switched on) starts at its seed, and a group of one
 * stream built from one of several (switched off) takes the stream of its offset; another data seed starts
 * every stream afresh.
 */
export function continuedData(
  old: DataStreamSource,
  sameSeed: boolean,
  dataSeed: number,
): { dataRngState: number[]; dataPosition?: TrainingPosition; dataStreams?: DataStreamState[] } {
  if (!sameSeed) return { dataRngState: new Rng(dataSeed).getState() };
  const streams = old.dataStreams();
  return { dataRngState: old.dataRngState(), dataPosition: old.dataPosition, ...(streams ? { dataStreams: streams } : {}) };
}
