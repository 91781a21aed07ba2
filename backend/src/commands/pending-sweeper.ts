import type { Db } from '../db/db';
import type { Logger } from '../logger';
import { sweepPendingActions } from '../store/actions';

export const STALE_PENDING_NOTE =
  "the outcome was never recorded (the service stopped or lost its database while the command ran): HAProxy's " +
  'state after it is not known here; the next sync shows the server as it is';

/**
 * Audit rows left `pending` by a command whose outcome could not be written: once older than any command can
 * run (its deadline, twice) and no longer under their server's command claim (its lease is the commanding
 * replica's own deadline), they become `unknown` with a note. At start (a crash leaves them) and then every
 * interval, on every replica alike (the update is idempotent).
 */
export class PendingActionSweeper {
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly db: Db,
    private readonly log: Logger,
    private readonly opts: { staleAfterMs: number; intervalMs: number }
  ) {}

  /** By the database's clock (`now`: a test's), never this replica's, which may be off. */
  async sweep(now?: Date): Promise<number> {
    const n = await sweepPendingActions(this.db, this.opts.staleAfterMs, STALE_PENDING_NOTE, now);
    if (n > 0) {
      this.log.warn({ actions: n }, 'stale pending audit rows marked unknown');
    }
    return n;
  }

  start(): void {
    const run = () =>
      this.sweep().catch((err: Error) => this.log.warn({ err: err.message }, 'pending audit rows not swept'));
    void run();
    this.timer = setInterval(run, this.opts.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
