import { describe, expect, it } from 'vitest';
import { OrderCache } from '../../src/tasks/orderCache.ts';

describe('OrderCache', () => {
  it('makes an order once per key and hands the same one back', () => {
    const cache = new OrderCache<number[]>();
    let made = 0;
    const make = (v: number) => () => {
      made++;
      return [v];
    };
    const a = cache.get('1:0', make(1));
    expect(cache.get('1:0', make(99))).toBe(a);
    expect(cache.get('2:0', make(2))).toEqual([2]);
    expect(made).toBe(2);
  });

  it('keeps the most recent `limit` keys and makes an evicted one again', () => {
    const cache = new OrderCache<string>(2);
    let made = 0;
    const get = (k: string) =>
      cache.get(k, () => {
        made++;
        return k;
      });
    get('a');
    get('b');
    get('c'); // evicts a
    expect(made).toBe(3);
    get('b');
    get('c');
    expect(made).toBe(3);
    get('a');
    expect(made).toBe(4);
  });
});
