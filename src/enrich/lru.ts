/**
 * A small least-recently-used cache on a Map (insertion order = recency). node-maxmind keeps
 * 10,000 entries by default; so do we. Evictions are counted, as every cap in Konseki is.
 */
export class LruCache<K, V> {
  private readonly map = new Map<K, V>();
  /** Number of entries dropped because the cache was full. */
  evictions = 0;
  hits = 0;
  misses = 0;

  constructor(readonly max: number) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`LruCache: max must be a positive integer, got ${max}`);
  }

  get(key: K): V | undefined {
    const v = this.map.get(key);
    if (v === undefined) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    this.map.delete(key);
    this.map.set(key, v);
    return v;
  }

  set(key: K, value: V): void {
    if (this.map.has(key)) this.map.delete(key);
    else if (this.map.size >= this.max) {
      const oldest = this.map.keys().next().value as K;
      this.map.delete(oldest);
      this.evictions++;
    }
    this.map.set(key, value);
  }

  get size(): number {
    return this.map.size;
  }
}
