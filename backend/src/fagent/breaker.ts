import CircuitBreaker from 'opossum';
import { BreakerOpenError, FagentError } from './errors';

export type BreakerState = 'closed' | 'open' | 'half_open';

export interface BreakerOptions {
  /** Consecutive failed operations that open the breaker. */
  threshold: number;
  /** How long it stays open before one trial call (half-open). */
  resetTimeoutMs: number;
  onStateChange?: (instanceId: number, state: BreakerState) => void;
}

type Operation = () => Promise<unknown>;

/**
 * One opossum breaker per HAProxy instance, so one broken HAProxy does not cut off the other instances
 * behind the same agent. opossum counts error percentages in a rolling window; the seed wants "opens after
 * N errors", so we count consecutive failures ourselves and open the breaker explicitly.
 */
export class BreakerRegistry {
  private readonly breakers = new Map<number, { breaker: CircuitBreaker<[Operation], unknown>; failures: number }>();
  private changes = 0;

  constructor(private readonly opts: BreakerOptions) {}

  async run<T>(instanceId: number, op: () => Promise<T>): Promise<T> {
    const entry = this.entry(instanceId);
    try {
      return (await entry.breaker.fire(op)) as T;
    } catch (err) {
      if ((err as { code?: string }).code === 'EOPENBREAKER') {
        throw new BreakerOpenError(instanceId);
      }
      throw err;
    }
  }

  state(instanceId: number): BreakerState {
    const entry = this.breakers.get(instanceId);
    if (!entry) {
      return 'closed';
    }
    if (entry.breaker.halfOpen) {
      return 'half_open';
    }
    return entry.breaker.opened ? 'open' : 'closed';
  }

  /** Changes whenever a breaker changes state or is forgotten: what is built from states() can be kept until then. */
  get version(): number {
    return this.changes;
  }

  states(): Map<number, BreakerState> {
    return new Map([...this.breakers.keys()].map((id) => [id, this.state(id)]));
  }

  forget(instanceId: number): void {
    this.breakers.get(instanceId)?.breaker.shutdown();
    this.breakers.delete(instanceId);
    this.changes++;
  }

  shutdown(): void {
    for (const id of [...this.breakers.keys()]) {
      this.forget(id);
    }
  }

  private entry(instanceId: number) {
    let entry = this.breakers.get(instanceId);
    if (entry) {
      return entry;
    }
    const breaker = new CircuitBreaker<[Operation], unknown>((op: Operation) => op(), {
      timeout: false, // each HTTP request has its own timeout
      resetTimeout: this.opts.resetTimeoutMs,
      errorThresholdPercentage: 100, // never opens by percentage: see the class comment
      volumeThreshold: Number.MAX_SAFE_INTEGER,
      // A 4xx (unknown server, refused name), our address policy or the caller's abort says nothing about the
      // agent's health.
      errorFilter: (err: unknown) => err instanceof FagentError && !err.blamesAgent,
    });
    const created = { breaker, failures: 0 };
    breaker.on('success', () => {
      created.failures = 0;
    });
    breaker.on('failure', () => {
      created.failures += 1;
      if (created.failures >= this.opts.threshold && !breaker.opened) {
        breaker.open();
      }
    });
    const changed = (state: BreakerState) => {
      this.changes++;
      this.opts.onStateChange?.(instanceId, state);
    };
    breaker.on('open', () => changed('open'));
    breaker.on('halfOpen', () => changed('half_open'));
    breaker.on('close', () => changed('closed'));
    this.breakers.set(instanceId, created);
    return created;
  }
}
