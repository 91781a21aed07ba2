import { performance } from 'node:perf_hooks';
import type { Limiter } from '../concurrency/limiter';

export interface ReaderPriorityOptions {
  /** How late the event loop may run a timer while the API is being read, before fewer syncs run at once. */
  lagMs: number;
  /** The fewest instance syncs a cycle keeps running, so that it still finishes. */
  min: number;
  /** How often the loop's lateness is looked at during a cycle. */
  checkMs?: number;
  /** How long after its last request the API counts as being read. */
  readingMs?: number;
}

/** On-time checks in a row before one more sync may run at once: the limit climbs back slowly, drops at once. */
export const RAISE_AFTER = 10;

/**
 * A cycle's next limit of syncs at once, given how late the loop ran and how many checks in a row before
 * this one were on time: `min` at once while the API is read and the loop ran late, one more after
 * RAISE_AFTER on-time checks, and all of them (`max`) when nobody reads.
 */
export function nextSyncLimit(
  limit: number,
  max: number,
  o: Pick<ReaderPriorityOptions, 'lagMs' | 'min'>,
  check: { lateMs: number; reading: boolean; onTimeBefore: number }
): number {
  if (!check.reading) {
    return max;
  }
  if (check.lateMs > o.lagMs) {
    return Math.min(o.min, max);
  }
  return check.onTimeBefore + 1 >= RAISE_AFTER ? Math.min(max, limit + 1) : limit;
}

/**
 * Syncs give way to the API's readers when one process does both. A request waits for the event loop, and
 * each instance sync in flight adds its answers, plans and statements to the loop's every turn. On 2 cores,
 * 20 readers of the summary waited 33-78 ms (p99) under a cycle of 16 syncs at once, and 16-18 ms under 2.
 * So while requests come in and the loop runs late, a cycle runs fewer syncs at once; when nobody reads (a
 * replica serves Grafana, or a quiet night), it runs them all.
 */
export class ReaderPriority {
  private lastRequestAt = -Infinity;

  constructor(private readonly o: ReaderPriorityOptions) {}

  /** Called for each API request. */
  noteRequest(): void {
    this.lastRequestAt = performance.now();
  }

  /**
   * Paces `limiter` (a cycle's syncs at once; its limit now is the most) until the returned function is
   * called, which puts the limit back and answers the lowest it was set to.
   */
  pace(limiter: Limiter): () => number {
    const max = limiter.limit;
    const checkMs = this.o.checkMs ?? 20;
    const readingMs = this.o.readingMs ?? 1000;
    let expected = performance.now() + checkMs;
    let lowest = max;
    let onTimeBefore = 0;
    const timer = setInterval(() => {
      const now = performance.now();
      const lateMs = now - expected;
      expected = now + checkMs;
      const reading = now - this.lastRequestAt < readingMs;
      const limit = nextSyncLimit(limiter.limit, max, this.o, { lateMs, reading, onTimeBefore });
      onTimeBefore = lateMs > this.o.lagMs || limit !== limiter.limit ? 0 : onTimeBefore + 1;
      limiter.limit = limit;
      lowest = Math.min(lowest, limit);
    }, checkMs);
    timer.unref();
    return () => {
      clearInterval(timer);
      limiter.limit = max;
      return lowest;
    };
  }
}
