/** Which validation score is best (src/engine/bestWeights.ts isBetter): by accuracy, ties by loss; or by loss. */
import { describe, expect, it } from 'vitest';
import { type BestRecord, isBetter } from '../../src/engine/bestWeights.ts';

const best: BestRecord = { iteration: 10, validationLoss: 1.0, validationAccuracy: 0.5 };

describe('best-validation criterion', () => {
  it('by accuracy: higher wins, a tie goes to the lower loss, the loss alone never outranks the accuracy', () => {
    expect(isBetter('accuracy', { loss: 2.0, accuracy: 0.6 }, best)).toBe(true);
    expect(isBetter('accuracy', { loss: 0.5, accuracy: 0.4 }, best)).toBe(false);
    expect(isBetter('accuracy', { loss: 0.9, accuracy: 0.5 }, best)).toBe(true);
    expect(isBetter('accuracy', { loss: 1.0, accuracy: 0.5 }, best)).toBe(false);
  });

  it('by loss: strictly lower wins; a non-finite loss never does; anything finite beats no best', () => {
    expect(isBetter('loss', { loss: 0.99, accuracy: 0.1 }, best)).toBe(true);
    expect(isBetter('loss', { loss: 1.0, accuracy: 0.9 }, best)).toBe(false);
    expect(isBetter('loss', { loss: Number.NaN, accuracy: Number.NaN }, null)).toBe(false);
    expect(isBetter('accuracy', { loss: Number.POSITIVE_INFINITY, accuracy: 1 }, best)).toBe(false);
    expect(isBetter('loss', { loss: 5, accuracy: Number.NaN }, null)).toBe(true);
    // a task without accuracy under the accuracy criterion falls back to the loss
    expect(isBetter('accuracy', { loss: 0.5, accuracy: Number.NaN }, { ...best, validationAccuracy: null })).toBe(true);
  });
});
