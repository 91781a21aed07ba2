import type { Db } from '../db/db';
import { fleetCounts } from '../store/backends';
import type { ServerCounts } from '../store/server-classes';

export interface FleetCountsValue {
  backends: number;
  servers: ServerCounts;
}

/**
 * Counting a large fleet's servers costs tens of milliseconds, and many Grafana panels poll the summary:
 * the counts are computed at most once per `ttlMs` (concurrent requests share one computation), and a
 * command or a sync drops them at once so its effect shows.
 */
export class FleetCounts {
  private cached?: { at: number; value: Promise<FleetCountsValue> };

  constructor(
    private readonly db: Db,
    private readonly ttlMs = 1000
  ) {}

  get(): Promise<FleetCountsValue> {
    if (!this.cached || Date.now() - this.cached.at > this.ttlMs) {
      const value = fleetCounts(this.db);
      this.cached = { at: Date.now(), value };
      value.catch(() => (this.cached = undefined));
    }
    return this.cached.value;
  }

  invalidate(): void {
    this.cached = undefined;
  }
}
