import { within } from '../concurrency/within';
import type { Logger } from '../logger';
import type { Db } from './db';
import type { EmbeddedDatabase } from './embedded';
import { databaseErrorMessage } from './unavailable';

export type DatabaseState = 'up' | 'down' | 'restarting';

export interface DatabaseHealthOptions {
  /** How often the database is probed when nobody asks (transitions are logged once). */
  checkIntervalMs: number;
  /** Set when the service runs its own PostgreSQL: it is restarted when it dies. */
  embedded?: EmbeddedDatabase;
  /** Restarts tried (with a doubling pause from 1 s) before giving up on the embedded database. */
  restartAttempts?: number;
  /** Called when the embedded database cannot be restarted: the service exits for its supervisor. */
  onFatal?: (reason: string) => void;
}

export interface HealthReport {
  /** ok; degraded: the external database is unreachable (the service keeps trying); unavailable: ours is dead. */
  status: 'ok' | 'degraded' | 'unavailable';
  database: DatabaseState;
  since: Date;
  message: string | null;
}

const PROBE_TIMEOUT_MS = 2000;

/**
 * Whether PostgreSQL answers, for /healthz and /readyz and the logs. With the embedded database, the
 * service owns the process: when it dies it is started again, and after `restartAttempts` failures the
 * service gives up (onFatal) so that a supervisor restarts it whole. An external database (DATABASE_URL)
 * is only probed and reported: the pool connects again by itself once it answers.
 */
export class DatabaseHealth {
  private state: DatabaseState = 'up';
  private since = new Date();
  private message: string | null = null;
  private timer?: NodeJS.Timeout;
  private restarting?: Promise<void>;
  private stopped = false;

  constructor(
    private readonly db: Db,
    private readonly log: Logger,
    private readonly opts: DatabaseHealthOptions
  ) {}

  start(): void {
    this.opts.embedded?.onExit((reason) => this.restartEmbedded(reason));
    this.timer = setInterval(() => void this.check(), this.opts.checkIntervalMs);
    this.timer.unref();
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
  }

  /** Probes the database now (at most PROBE_TIMEOUT_MS) and reports. */
  async check(): Promise<HealthReport> {
    const failure = await this.probe();
    const problem = failure?.said ?? null;
    if (this.state !== 'restarting') {
      if (problem === null && this.state !== 'up') {
        this.log.info({ down_since: this.since }, 'database reachable again');
        this.set('up', null);
      } else if (failure && this.state === 'up') {
        this.log.error({ err: failure.detail }, 'database unreachable');
        this.set('down', problem);
      }
      if (problem !== null && this.opts.embedded && !this.opts.embedded.running) {
        this.restartEmbedded('embedded PostgreSQL is not running');
      }
    }
    return this.report();
  }

  report(): HealthReport {
    const status = this.state === 'up' ? 'ok' : this.opts.embedded ? 'unavailable' : 'degraded';
    return { status, database: this.state, since: this.since, message: this.message };
  }

  private set(state: DatabaseState, message: string | null) {
    if (state !== this.state) {
      this.since = new Date();
    }
    this.state = state;
    this.message = message;
  }

  /**
   * Null when PostgreSQL answers; else what /healthz may say without a token (`said`: the kind of failure, never
   * an address or a user name) and the error itself for the log.
   */
  private async probe(): Promise<{ said: string; detail: string } | null> {
    const answer = this.db.query('SELECT 1').then(
      () => null,
      (err: unknown) => ({ said: publicProblem(err), detail: databaseErrorMessage(err) })
    );
    const failure = await within(answer, PROBE_TIMEOUT_MS);
    const late = `no answer within ${PROBE_TIMEOUT_MS} ms`;
    return failure === undefined ? { said: late, detail: late } : failure;
  }

  private restartEmbedded(reason: string): void {
    const embedded = this.opts.embedded;
    if (!embedded || this.restarting || this.stopped) {
      return;
    }
    this.set('restarting', reason);
    this.restarting = (async () => {
      const attempts = this.opts.restartAttempts ?? 5;
      for (let n = 1; n <= attempts && !this.stopped; n++) {
        try {
          await embedded.restart();
          this.set((await this.probe()) === null ? 'up' : 'down', null);
          return;
        } catch (err) {
          this.log.error({ attempt: n, err: (err as Error).message }, 'embedded PostgreSQL restart failed');
          // The dead server's processes may hold its shared memory a moment longer.
          await new Promise((r) => setTimeout(r, 1000 * 2 ** (n - 1)));
        }
      }
      if (!this.stopped) {
        this.set('down', `${reason}; ${attempts} restarts failed`);
        this.opts.onFatal?.(`embedded PostgreSQL could not be restarted after ${attempts} attempts`);
      }
    })().finally(() => {
      this.restarting = undefined;
    });
  }
}

/** A database failure in words that reveal nothing of where it is or who connects (the log has the error). */
function publicProblem(err: unknown): string {
  const code = (err as { code?: unknown })?.code;
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'host name does not resolve';
    case 'ETIMEDOUT':
      return 'connection timed out';
    case '28P01':
    case '28000':
      return 'authentication failed';
    case '3D000':
      return 'database does not exist';
    case '57P01':
    case '57P02':
    case '57P03':
      return 'PostgreSQL is shutting down or starting';
    default:
      return `query failed${typeof code === 'string' ? ` (${code})` : ''}; the service's log says why`;
  }
}
