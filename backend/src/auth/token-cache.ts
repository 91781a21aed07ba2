import { Client } from 'pg';
import type { Logger } from '../logger';
import type { CheckedToken } from '../store/tokens';

/** The channel the api_tokens triggers notify (migration TokenChangeNotify). */
const CHANNEL = 'haproxy_api_tokens';

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
 * again. A check that began before a change is not kept. Entries also age out after `ttlMs`, and only tokens
 * found active are kept, so unknown tokens cannot fill it.
 */
export class TokenCache {
  private client?: Client;
  private listening = false;
  /** Bumped by every change and every lost connection: a check begun before it is not kept. */
  private epoch = 0;
  private readonly entries = new Map<string, { token: CheckedToken; epoch: number; at: number }>();
  private retry?: NodeJS.Timeout;
  private stopped = false;

  constructor(
    private readonly url: string,
    private readonly log: Logger,
    private readonly o: { ttlMs: number; retryMs: number; maxEntries: number } = {
      ttlMs: 10_000,
      retryMs: 1000,
      maxEntries: 1000,
    }
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
      if (n.channel === CHANNEL) {
        this.forget();
      }
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}`);
    } catch (err) {
      lost((err as Error).message);
      return;
    }
    if (this.client === client && !this.stopped) {
      // Changes made while nobody listened were not heard: start from nothing.
      this.forget();
      this.listening = true;
    }
  }
}
