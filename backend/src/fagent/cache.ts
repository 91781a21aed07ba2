import NodeCache from 'node-cache';

/** Validated FAgent answers per instance, so repeated reads within the TTL do not hit the agent. */
export class FagentCache {
  private readonly cache: NodeCache;
  /** Per instance: bumped by invalidate, so an answer read before a command is not cached after it. */
  private readonly generations = new Map<number, number>();

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
    return this.generations.get(instanceId) ?? 0;
  }

  get<T>(instanceId: number, key: string): T | undefined {
    return this.enabled ? this.cache.get<T>(`${instanceId}\u0000${key}`) : undefined;
  }

  set<T>(instanceId: number, key: string, value: T, generation = this.generation(instanceId)): void {
    if (this.enabled && generation === this.generation(instanceId)) {
      this.cache.set(`${instanceId}\u0000${key}`, value);
    }
  }

  /** Drops every entry of one instance (after a command changed its state). */
  invalidate(instanceId: number): void {
    this.generations.set(instanceId, this.generation(instanceId) + 1);
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
