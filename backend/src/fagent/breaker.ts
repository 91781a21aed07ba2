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

/** An operation's error that says nothing about the agent's health, handed through opossum as a value. */
const NEUTRAL = Symbol('neutral');
interface Neutral {
  [NEUTRAL]: unknown;
}
const isNeutral = (v: unknown): v is Neutral => typeof v === 'object' && v !== null && NEUTRAL in v;

/**
 * A 4xx (unknown server, refused name), our address policy or the caller's abort says nothing about the
 * agent's health: such a call neither counts as a failure nor as a success (it does not reset the count of
 * consecutive failures, and a half-open trial that ends so does not close the breaker).
 */
const saysNothing = (err: unknown): boolean => err instanceof FagentError && !err.blamesAgent;

/**
 * One opossum breaker per HAProxy instance, so one broken HAProxy does not cut off the other instances
 * behind the same agent. opossum counts error percentages in a rolling window; the seed wants "opens after
 * N errors", so we count consecutive failures ourselves and open the breaker explicitly.
 */
export class BreakerRegistry {
  private readonly breakers = new Map<number, { breaker: CircuitBreaker<[Operation], unknown>; failures: number }>();
  private changes = 0;

  constructor(private readonly opts: BreakerOptions) {}

  /** `op` through the instance's breaker; `instanceName` names it in the refusal when the breaker is open. */
  async run<T>(instanceId: number, op: () => Promise<T>, instanceName?: string): Promise<T> {
    const entry = this.entry(instanceId);
    try {
      const result = await entry.breaker.fire(op);
      if (isNeutral(result)) {
        throw result[NEUTRAL];
      }
      return result as T;
    } catch (err) {
      if ((err as { code?: string }).code === 'EOPENBREAKER') {
        throw new BreakerOpenError(instanceId, instanceName);
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
    const was = this.state(instanceId);
    this.drop(instanceId);
    // The next breaker starts closed and reports no change: the persisted state (the "breaker open" alert
    // rule's) would stay open for good.
    if (was !== 'closed') {
      this.opts.onStateChange?.(instanceId, 'closed');
    }
  }

  /** Stopping: nothing is reported (the next process resets the persisted states). */
  shutdown(): void {
    for (const id of [...this.breakers.keys()]) {
      this.drop(id);
    }
  }

  private drop(instanceId: number): void {
    const entry = this.breakers.get(instanceId);
    if (entry) {
      entry.breaker.shutdown();
      this.breakers.delete(instanceId);
      this.changes++;
    }
  }

  private entry(instanceId: number) {
    let entry = this.breakers.get(instanceId);
    if (entry) {
      return entry;
    }
    // Not opossum's errorFilter: it reports a filtered error as a success (resetting the count, closing a
    // half-open breaker). A neutral error comes back as a value instead, and the listeners below keep the
    // breaker as it was.
    const breaker = new CircuitBreaker<[Operation], unknown>(
      async (op: Operation) => {
        try {
          return await op();
        } catch (err) {
          if (saysNothing(err)) {
            return { [NEUTRAL]: err } satisfies Neutral;
          }
          throw err;
        }
      },
      {
        timeout: false, // each HTTP request has its own timeout
        resetTimeout: this.opts.resetTimeoutMs,
        errorThresholdPercentage: 100, // never opens by percentage: see the class comment
        volumeThreshold: Number.MAX_SAFE_INTEGER,
      }
    );
    const created = { breaker, failures: 0, neutralTrial: false };
    // Before opossum's own listener, which closes a half-open breaker on any success: a neutral trial proved
    // nothing, so the breaker opens again (a new trial after the reset time) and that close is not reported.
    breaker.prependListener('success', (result: unknown) => {
      created.neutralTrial = isNeutral(result) && breaker.halfOpen;
    });
    breaker.on('success', (result: unknown) => {
      if (created.neutralTrial) {
        created.neutralTrial = false;
        breaker.open();
        return;
      }
      if (!isNeutral(result)) {
        created.failures = 0;
      }
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
    breaker.on('close', () => {
      if (!created.neutralTrial) {
        changed('closed');
      }
    });
    this.breakers.set(instanceId, created);
    return created;
  }
}
