import { describe, expect, it } from 'vitest';
import { describeInput, listProblems, quoteInput } from '../../src/engine/quoteInput.ts';

describe('quoting what a user wrote', () => {
  it('quotes short text whole and long text by a prefix and its length', () => {
    expect(quoteInput('abc')).toBe("'abc'");
    expect(quoteInput('')).toBe("''");
    expect(quoteInput('x'.repeat(60))).toBe(`'${'x'.repeat(60)}'`);
    expect(quoteInput('x'.repeat(61))).toBe(`'${'x'.repeat(60)}…' (61 characters)`);
    expect(quoteInput('a'.repeat(200_000))).toBe(`'${'a'.repeat(60)}…' (200000 characters)`);
    expect(quoteInput('abcdef', 3)).toBe("'abc…' (6 characters)");
  });

  it('keeps a message on one line and never cuts a surrogate pair in half', () => {
    expect(quoteInput('a\nb\tc\u0000d\u2028')).toBe("'a\\nb\\tc\\u0000d\\u2028'");
    const emoji = `${'x'.repeat(59)}😀😀`;
    expect(quoteInput(emoji)).toBe(`'${'x'.repeat(59)}…' (63 characters)`);
  });

  it('describes any value from a file by kind, never by its whole content', () => {
    expect(describeInput(-3)).toBe('-3');
    expect(describeInput(Number.NaN)).toBe('NaN');
    expect(describeInput(null)).toBe('null');
    expect(describeInput(undefined)).toBe('undefined');
    expect(describeInput(true)).toBe('true');
    expect(describeInput('b'.repeat(1000))).toBe(`'${'b'.repeat(60)}…' (1000 characters)`);
    expect(describeInput(new Array(100_000).fill(1))).toBe('a list of 100000 values');
    expect(describeInput([1])).toBe('a list of 1 value');
    expect(describeInput({ a: 'x'.repeat(1e5) })).toBe('an object');
  });

  it('lists problems up to a budget and counts the rest', () => {
    expect(listProblems(['a', 'b'])).toBe('a; b');
    expect(listProblems([])).toBe('');
    const many = Array.from({ length: 50 }, (_, i) => `problem ${i} ${'x'.repeat(80)}`);
    const text = listProblems(many);
    expect(text.length).toBeLessThan(400);
    expect(text).toMatch(/^problem 0 x+; problem 1 x+; problem 2 x+; and 47 more problems$/);
    // the first problem is always shown, however long
    expect(listProblems(['y'.repeat(350), 'z'])).toBe(`${'y'.repeat(350)}; and 1 more problem`);
  });
});
