import NodeCache from 'node-cache';

/** One read of one entry, from before its request to its answer (FagentCache.begin). */
export interface CacheRead {
  readonly instanceId: number;
  readonly entry: string;
  /** The instance's generation when the read started: an invalidate since makes its answer stale. */
  readonly generation: number;
  readonly order: number;
  readonly startedAt: number;
}

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
  /** Numbers generations and reads, in the order they were taken. */
  private counter = 0;
  /**
   * Per entry with reads in flight: how many, and the order of the latest-started one that answered. An
   * answer of a read that started before it is older: it must not replace it.
   */
  private readonly reads = new Map<string, { pending: number; newest: number }>();

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

  /** Moves on at every invalidate and forget of the instance: what was read before is of another state. */
  generation(instanceId: number): number {
    return this.generations.get(instanceId) ?? this.floor;
  }

  get<T>(instanceId: number, key: string): T | undefined {
    return this.enabled ? this.cache.get<T>(`${instanceId}\u0000${key}`) : undefined;
  }

  /**
   * Take it before a request, give it to `answered` once the answer is there, and to `end` whatever the
   * outcome (in `finally`).
   */
  begin(instanceId: number, key: string): CacheRead {
    const entry = `${instanceId}\u0000${key}`;
    const flight = this.reads.get(entry) ?? { pending: 0, newest: 0 };
    flight.pending++;
    this.reads.set(entry, flight);
    return {
      instanceId,
      entry,
      generation: this.generation(instanceId),
      order: ++this.counter,
      startedAt: performance.now(),
    };
  }

  /**
   * A read's answer: `value` to cache, or undefined when it may not be kept (it then drops what was cached
   * before it, which would answer the next read with an older state). Ignored when a read that started later
   * answered first (its answer is newer); not cached when an invalidate came after the read started; kept
   * until a TTL after the read started, so no cached answer is older than `ttlMs`.
   */
  answered<T>(read: CacheRead, value: T | undefined): void {
    const flight = this.reads.get(read.entry)!;
    if (read.order < flight.newest) {
      return;
    }
    flight.newest = read.order;
    const ttlLeftSec = this.cache.options.stdTTL! - (performance.now() - read.startedAt) / 1000;
    if (value === undefined || ttlLeftSec <= 0) {
      this.cache.del(read.entry);
    } else if (this.enabled && read.generation === this.generation(read.instanceId)) {
      this.cache.set(read.entry, value, ttlLeftSec);
    }
  }

  end(read: CacheRead): void {
    const flight = this.reads.get(read.entry)!;
    if (--flight.pending === 0) {
      this.reads.delete(read.entry);
    }
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
