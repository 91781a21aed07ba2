import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import type { Logger } from '../logger';
import type { CheckedToken } from '../store/tokens';

/** The channel the api_tokens triggers notify (migration TokenChangeNotify). */
export const TOKEN_CHANNEL = 'haproxy_api_tokens';

export interface CacheOptions {
  ttlMs: number;
  retryMs: number;
  maxEntries: number;
  /** How long a ping may take to come back. */
  pingMs: number;
  /** How often listening is proved again. */
  heartbeatMs: number;
}

const PING = 'ping:';

const DEFAULTS: CacheOptions = { ttlMs: 10_000, retryMs: 1000, maxEntries: 1000, pingMs: 2000, heartbeatMs: 5000 };

/** Every cache of this process: a change made through any TokenStore here reaches them at once. */
const live = new Set<TokenCache>();

/** Tells every cache of this process that tokens changed (before the NOTIFY of the same change comes back). */
export function tokensChangedHere(): void {
  for (const cache of live) {
    cache.forget();
  }
}

/**
 * Checked tokens in memory, so that a request's check does not wait for PostgreSQL behind the syncs' work.
 * Kept only while this process listens to the api_tokens triggers' NOTIFY: any change to a token, made here or
 * anywhere, drops them all; a lost listening connection drops them and turns the cache off until it listens
 * again. Listening is proved, not assumed: a ping sent through another connection (`ping`, the service's pool)
 * must come back before the cache turns on and again every `heartbeatMs`, so a connection that cannot hear
 * (a transaction-pooling proxy in front of PostgreSQL, a stalled socket) never leaves it on. A check that
 * began before a change is not kept. Entries also age out after `ttlMs`, and only tokens found active are kept,
 * so unknown tokens cannot fill it.
 */
export class TokenCache {
  private client?: Client;
  private listening = false;
  /** Bumped by every change and every lost connection: a check begun before it is not kept. */
  private epoch = 0;
  private readonly entries = new Map<string, { token: CheckedToken; epoch: number; at: number }>();
  private retry?: NodeJS.Timeout;
  private heartbeat?: NodeJS.Timeout;
  private stopped = false;
  /** Pings sent and not heard yet, by payload. */
  private readonly pings = new Map<string, () => void>();

  constructor(
    private readonly url: string,
    /** Sends a NOTIFY on the channel with this payload through another connection than the listener's. */
    private readonly ping: (payload: string) => Promise<unknown>,
    private readonly log: Logger,
    private readonly o: CacheOptions = DEFAULTS
  ) {}

  /** Starts listening; until it does (and whenever it stops), every check reads PostgreSQL. */
  async start(): Promise<void> {
    live.add(this);
    await this.listen();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    live.delete(this);
    clearTimeout(this.retry);
    clearTimeout(this.heartbeat);
    this.forget();
    this.listening = false;
    await this.client?.end().catch(() => undefined);
  }

  get active(): boolean {
    return this.listening;
  }

  /** Take before a check's read and give it to keep(): undefined while the cache is off. */
  begin(): number | undefined {
    return this.listening ? this.epoch : undefined;
  }

  get(hash: string): CheckedToken | undefined {
    const entry = this.entries.get(hash);
    if (!entry || !this.listening || entry.epoch !== this.epoch || Date.now() - entry.at > this.o.ttlMs) {
      return undefined;
    }
    return entry.token;
  }

  /** Keeps what a check found, unless anything changed since it began. */
  keep(hash: string, token: CheckedToken, begun: number | undefined): void {
    if (begun === undefined || begun !== this.epoch || !this.listening) {
      return;
    }
    if (this.entries.size >= this.o.maxEntries) {
      this.entries.clear();
    }
    this.entries.set(hash, { token, epoch: begun, at: Date.now() });
  }

  forget(): void {
    this.epoch++;
    this.entries.clear();
  }

  private async listen(): Promise<void> {
    const client = new Client({
      connectionString: this.url,
      application_name: 'haproxy-control-token-listener',
      keepAlive: true,
    });
    this.client = client;
    const lost = (why: string) => {
      if (this.client !== client) {
        return;
      }
      this.client = undefined;
      clearTimeout(this.heartbeat);
      if (this.listening) {
        this.log.warn({ err: why }, 'token change listener lost: every request reads its token until it is back');
      }
      this.listening = false;
      this.forget();
      client.end().catch(() => undefined);
      if (!this.stopped) {
        this.retry = setTimeout(() => void this.listen(), this.o.retryMs);
        this.retry.unref();
      }
    };
    client.on('error', (err) => lost(err.message));
    client.on('end', () => lost('connection ended'));
    client.on('notification', (n) => {
      if (n.channel !== TOKEN_CHANNEL) {
        return;
      }
      if (n.payload?.startsWith(PING)) {
        this.pings.get(n.payload)?.(); // a ping (this process's or another replica's) changes no token
      } else {
        this.forget();
      }
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${TOKEN_CHANNEL}`);
      await this.heard();
    } catch (err) {
      lost((err as Error).message);
      return;
    }
    if (this.client === client && !this.stopped) {
      // Changes made while nobody listened were not heard: start from nothing.
      this.forget();
      this.listening = true;
      const beat = () => {
        this.heartbeat = setTimeout(() => {
          this.heard().then(beat, (err: Error) => lost(err.message));
        }, this.o.heartbeatMs);
        this.heartbeat.unref();
      };
      beat();
    }
  }

  /** Resolves once a ping sent through the other connection comes back to the listener; rejects after pingMs. */
  private async heard(): Promise<void> {
    const payload = `${PING}${randomUUID()}`;
    let timer: NodeJS.Timeout | undefined;
    try {
      await new Promise<void>((resolve, reject) => {
        this.pings.set(payload, resolve);
        timer = setTimeout(
          () => reject(new Error(`a ping did not come back within ${this.o.pingMs} ms`)),
          this.o.pingMs
        );
        timer.unref(); // a stopping service does not wait for it
        this.ping(payload).catch(reject);
      });
    } finally {
      clearTimeout(timer);
      this.pings.delete(payload);
    }
  }
}
