import { expect } from 'vitest';
import { DatasetError } from '../../src/data/datasetError.ts';

/** The message of the DatasetError that f throws; fails the test when f returns or throws anything else. */
export function datasetRefusal(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(DatasetError);
    return (e as Error).message;
  }
  throw new Error('expected the input to be refused with a DatasetError');
}
