import type { BreakerState } from '../fagent/breaker';
import type { Logger } from '../logger';
import type { Db } from '../db/db';
import { closeAllBreakerStates, recordBreakerState } from '../store/instances';

/**
 * Persists each instance's breaker state (haproxy_instances.breaker_state) so that a Grafana alert rule,
 * which only sees PostgreSQL, can tell when an instance's breaker is open. Writes for one instance are
 * chained, so open -> half_open -> closed in quick succession lands in that order.
 */
export class BreakerStateRecorder {
  private readonly pending = new Map<number, Promise<void>>();

  constructor(
    private readonly db: Db,
    private readonly log: Logger
  ) {}

  record(instanceId: number, state: BreakerState, at = new Date()): void {
    const previous = this.pending.get(instanceId) ?? Promise.resolve();
    const next = previous
      .then(() => recordBreakerState(this.db, instanceId, state, at))
      .then(
        () => undefined,
        (err: Error) =>
          this.log.warn({ instance_id: instanceId, breaker: state, err: err.message }, 'could not record breaker state')
      )
      .finally(() => {
        if (this.pending.get(instanceId) === next) {
          this.pending.delete(instanceId);
        }
      });
    this.pending.set(instanceId, next);
  }

  /**
   * A new process starts with every breaker closed; a state left "open" by a previous run would keep the
   * alert firing forever. With several replicas, one whose breaker is still open writes it again at its
   * next change (at the latest after HAPROXY_CIRCUIT_BREAKER_TIMEOUT).
   */
  async resetAll(): Promise<void> {
    await closeAllBreakerStates(this.db);
  }

  /** Waits for the writes issued so far (tests, shutdown). */
  async flush(): Promise<void> {
    await Promise.all([...this.pending.values()]);
  }
}
