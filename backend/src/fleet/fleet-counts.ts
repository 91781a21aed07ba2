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
 * Counting a large fleet's servers costs tens of milliseconds (hundreds while syncs write), and many Grafana
 * panels poll the summary: what it reads is read at most once per `ttlMs`, by one read that concurrent requests
 * share. Once the value is older than that, it still answers while one read renews it, so pollers never queue
 * behind a busy database; but only while it was read within `staleMs`: pollers keep it younger than that, and a
 * request after a quiet spell (the first since a command on another replica, which could not drop this value)
 * waits for a fresh read rather than get counts of minutes ago. A command or a manual sync drops it
 * (`invalidate`): the next request waits for a fresh read, so its effect shows at once. The end of a sync cycle only ages it (`expire`): the next request
 * starts the renewal and still gets the old value, so 20 pollers do not all wait for one recount per cycle.
 */
export class FleetCounts {
  /** `at`: when it counts from for the TTL (-Infinity once expired); `readAt`: when it was read. */
  private last?: { at: number; readAt: number; value: FleetCountsValue };
  private reading?: Promise<FleetCountsValue>;
  /** Bumped by invalidate(): a read begun before it must not be kept as fresh. */
  private generation = 0;

  constructor(
    private readonly db: Db,
    private readonly ttlMs = 1000,
    private readonly staleMs = 2 * ttlMs
  ) {}

  get(): Promise<FleetCountsValue> {
    const last = this.last;
    if (last && Date.now() - last.at <= this.ttlMs) {
      return Promise.resolve(last.value);
    }
    const reading = this.reading ?? this.renew();
    return last && Date.now() - last.readAt <= this.staleMs ? Promise.resolve(last.value) : reading;
  }

  /** Past its time now: renewed by the next request, which the value it replaces still answers. */
  expire(): void {
    this.generation++;
    this.reading = undefined;
    if (this.last) {
      this.last = { ...this.last, at: -Infinity };
    }
  }

  invalidate(): void {
    this.generation++;
    this.last = undefined;
    this.reading = undefined;
  }

  private renew(): Promise<FleetCountsValue> {
    const generation = this.generation;
    const reading = this.read().then(
      (value) => {
        if (generation === this.generation) {
          const at = Date.now();
          this.last = { at, readAt: at, value };
        }
        return value;
      },
      (err: unknown) => {
        // No old value is served once the database fails: the next request sees the error (503).
        if (generation === this.generation) {
          this.last = undefined;
        }
        throw err;
      }
    );
    this.reading = reading;
    const done = () => {
      if (this.reading === reading) {
        this.reading = undefined;
      }
    };
    // Handled here: a renewal that answers nobody (an old value was served) must not be an unhandled rejection.
    reading.then(done, done);
    return reading;
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
