import { mapLimited } from '../concurrency/limiter';
import { RECONCILE_ACTOR } from '../domain/actions';
import type { Db } from '../db/db';
import type { Logger } from '../logger';
import type { ServerCommands } from '../commands/server-command';
import { desiredOf, recordReapplyFailure } from '../store/desired-state';

const CAUSE_WORDS = {
  reload: 'a reload or restart of HAProxy lost it',
  unknown: 'HAProxy no longer shows it',
} as const;

/**
 * Re-sends the desired state of drifting servers through the command pipeline (source `reconcile`, audited),
 * after a sync found the drift under the `reapply` policy. Each is sent only if, once its server is claimed,
 * it still drifts toward the same state (a command or another re-apply may have come first); a failure is
 * counted on the drift (attempts, last error), which stays visible until a re-apply or a new command ends it.
 */
export class Reconciler {
  constructor(
    private readonly db: Db,
    private readonly commands: ServerCommands,
    private readonly log: Logger,
    private readonly opts: { concurrency: number; clock?: () => Date }
  ) {}

  async reapply(serverIds: readonly number[]): Promise<{ reapplied: number; failed: number }> {
    const results = await mapLimited([...serverIds], this.opts.concurrency, (id) => this.reapplyOne(id));
    return {
      reapplied: results.filter((r) => r === 'reapplied').length,
      failed: results.filter((r) => r === 'failed').length,
    };
  }

  /**
   * A drain or maint asked only until a time that has passed is no intent any more: HAProxy showing the server
   * ready is what the window's end wants (the window worker records it). Re-applied, it would take the server
   * out again past its window, forced past the budget as a re-apply, until the worker's next look.
   */
  private windowEnded(until: Date | null): boolean {
    return until !== null && until.getTime() <= (this.opts.clock?.() ?? new Date()).getTime();
  }

  private async reapplyOne(serverId: number): Promise<'reapplied' | 'failed' | 'skipped'> {
    const d = await desiredOf(this.db, serverId);
    if (!d?.drift_since || this.windowEnded(d.until)) {
      return 'skipped';
    }
    const stillDrifting = async () => {
      const now = await desiredOf(this.db, serverId);
      return now?.admin_state === d.admin_state && now.drift_since !== null && !this.windowEnded(now.until);
    };
    let error: string;
    try {
      const result = await this.commands.executeIfWanted(
        serverId,
        d.admin_state,
        {
          actor: RECONCILE_ACTOR,
          source: 'reconcile',
          reason: `re-applies ${d.admin_state} asked by ${d.actor}: ${CAUSE_WORDS[d.drift_cause ?? 'unknown']}`,
        },
        stillDrifting
      );
      if (!result) {
        return 'skipped';
      }
      if (result.ok) {
        return 'reapplied';
      }
      error = result.error?.message ?? 'the command failed';
    } catch (err) {
      error = (err as Error).message;
    }
    this.log.warn({ server_id: serverId, err: error }, 'drift not repaired');
    await recordReapplyFailure(this.db, serverId, error, this.opts.clock?.() ?? new Date()).catch((err: Error) =>
      this.log.warn({ server_id: serverId, err: err.message }, 'drift attempt not recorded')
    );
    return 'failed';
  }
}
