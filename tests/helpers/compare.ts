/**
 * One comparison for every kernel and gradient check (llm.c style): |actual - expected| <= atol + rtol*|expected|
 * elementwise, reporting the worst element so a failure says where and by how much.
 */
import { expect } from 'vitest';

export interface Tolerance {
  atol: number;
  rtol: number;
}

export interface Mismatch {
  index: number;
  actual: number;
  expected: number;
  excess: number;
  maxAbsError: number;
}

export function worstMismatch(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: Tolerance): Mismatch {
  if (actual.length !== expected.length) throw new Error(`length ${actual.length} != expected ${expected.length}`);
  let worst: Mismatch = { index: -1, actual: 0, expected: 0, excess: -Infinity, maxAbsError: 0 };
  for (let i = 0; i < actual.length; i++) {
    const err = Math.abs(actual[i] - expected[i]);
    const excess = Number.isFinite(actual[i]) ? err - (tol.atol + tol.rtol * Math.abs(expected[i])) : Infinity;
    if (err > worst.maxAbsError || !Number.isFinite(err)) worst.maxAbsError = Number.isFinite(err) ? err : Infinity;
    if (excess > worst.excess) worst = { index: i, actual: actual[i], expected: expected[i], excess, maxAbsError: worst.maxAbsError };
  }
  return worst;
}

/** Asserts closeness; the message names the check, the worst element and the tolerance. */
export function expectClose(name: string, actual: ArrayLike<number>, expected: ArrayLike<number>, tol: Tolerance): void {
  const w = worstMismatch(actual, expected, tol);
  const msg =
    `${name}: worst element [${w.index}] got ${w.actual} expected ${w.expected} ` +
    `(max abs error ${w.maxAbsError.toExponential(3)}, tolerance atol=${tol.atol} rtol=${tol.rtol})`;
  expect(w.excess <= 0, msg).toBe(true);
}
