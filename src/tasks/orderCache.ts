/**
 * The epoch orders a data-backed task has drawn, by key (seed, epoch, ...), the most recent `limit` kept. A
 * group over several data streams (src/engine/dataStreams.ts) switches the task between its streams' seeds
 * on every iteration; without this each switch drew the epoch's order again (a shuffle of the whole training
 * set, per stream per iteration). Orders are pure functions of their key, so a cached one is the same order.
 */
export class OrderCache<T> {
  private readonly entries = new Map<string, T>();

  constructor(private readonly limit = 16) {}

  get(key: string, make: () => T): T {
    const hit = this.entries.get(key);
    if (hit !== undefined) return hit;
    const made = make();
    this.entries.set(key, made);
    if (this.entries.size > this.limit) this.entries.delete(this.entries.keys().next().value as string);
    return made;
  }
}
