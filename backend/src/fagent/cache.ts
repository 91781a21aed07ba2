import NodeCache from 'node-cache';

/** Validated FAgent answers per instance, so repeated reads within the TTL do not hit the agent. */
export class FagentCache {
  private readonly cache: NodeCache;
  /**
   * Per instance: a fresh number from `counter` at each invalidate, so an answer read before a command is not
   * cached after it. An instance without one is at `floor`, which forget moves on: forgetting drops the entry
   * (a probe's id is never used again) and still keeps a read that was in flight from caching its answer.
   */
  private readonly generations = new Map<number, number>();
  private floor = 0;
  private counter = 0;

  constructor(ttlSec: number) {
    // useClones: the cached arrays are handed out read-only; cloning 1,000 servers per read is waste.
    this.cache = new NodeCache({ stdTTL: ttlSec, checkperiod: Math.max(ttlSec, 10), useClones: false });
  }

  get enabled(): boolean {
    return this.cache.options.stdTTL !== 0;
  }

  /** How old a cached answer may be. */
  get ttlMs(): number {
    return (this.cache.options.stdTTL ?? 0) * 1000;
  }

  /** Take it before a request and give it to set: the answer is kept only if no invalidate came between. */
  generation(instanceId: number): number {
    return this.generations.get(instanceId) ?? this.floor;
  }

  get<T>(instanceId: number, key: string): T | undefined {
    return this.enabled ? this.cache.get<T>(`${instanceId}\u0000${key}`) : undefined;
  }

  set<T>(instanceId: number, key: string, value: T, generation = this.generation(instanceId)): void {
    if (this.enabled && generation === this.generation(instanceId)) {
      this.cache.set(`${instanceId}\u0000${key}`, value);
    }
  }

  /** Drops one entry: an answer newer than it that may not be kept must not leave it to answer for it. */
  delete(instanceId: number, key: string): void {
    this.cache.del(`${instanceId}\u0000${key}`);
  }

  /** Drops every entry of one instance (after a command changed its state). */
  invalidate(instanceId: number): void {
    this.generations.set(instanceId, ++this.counter);
    this.drop(instanceId);
  }

  /** Drops every entry of an instance and what is kept to invalidate it (a deleted instance, a probe's id). */
  forget(instanceId: number): void {
    this.generations.delete(instanceId);
    this.floor = ++this.counter;
    this.drop(instanceId);
  }

  private drop(instanceId: number): void {
    const prefix = `${instanceId}\u0000`;
    this.cache.del(this.cache.keys().filter((k) => k.startsWith(prefix)));
  }

  stats(): { hits: number; misses: number; keys: number } {
    const s = this.cache.getStats();
    return { hits: s.hits, misses: s.misses, keys: s.keys };
  }

  close(): void {
    this.cache.close();
  }
}
