import type { Db } from '../db/db';
import { fleetCounts } from '../store/backends';
import { FailingInstanceRow, failingInstances, instanceSyncStates } from '../store/instances';
import type { ServerCounts } from '../store/server-classes';

export interface FleetCountsValue {
  backends: number;
  servers: ServerCounts;
  /** Every instance's sync state (the summary's instance counts and last sync). */
  instances: Awaited<ReturnType<typeof instanceSyncStates>>;
  /** The failing instances the summary lists. */
  failing: FailingInstanceRow[];
}

/** How many failing instances the summary lists. */
const FAILING_LISTED = 100;

/**
 * Counting a large fleet's servers costs tens of milliseconds, and many Grafana panels poll the summary:
 * what it reads is read at most once per `ttlMs` (concurrent requests share one read, so 20 pollers cost one
 * read pool connection, not 60), and a command, a manual sync or the end of a sync cycle drops it at once so
 * its effect shows.
 */
export class FleetCounts {
  private cached?: { at: number; value: Promise<FleetCountsValue> };

  constructor(
    private readonly db: Db,
    private readonly ttlMs = 1000
  ) {}

  get(): Promise<FleetCountsValue> {
    if (!this.cached || Date.now() - this.cached.at > this.ttlMs) {
      const value = this.read();
      this.cached = { at: Date.now(), value };
      value.catch(() => (this.cached = undefined));
    }
    return this.cached.value;
  }

  invalidate(): void {
    this.cached = undefined;
  }

  private async read(): Promise<FleetCountsValue> {
    const [counts, instances, failing] = await Promise.all([
      fleetCounts(this.db),
      instanceSyncStates(this.db),
      failingInstances(this.db, FAILING_LISTED),
    ]);
    return { ...counts, instances, failing };
  }
}
