import { mapLimited } from '../concurrency/limiter';
import { RECONCILE_ACTOR } from '../domain/actions';
import type { Db } from '../db/db';
import type { Logger } from '../logger';
import type { ServerCommands } from '../commands/server-command';
import { databaseNow } from '../store/clock';
import { desiredOf, recordReapplyFailure, restoreDrift } from '../store/desired-state';
import { serverTargets } from '../store/servers';

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
   * out again past its window, forced past the budget as a re-apply, until the worker's next look. The
   * database's clock tells, as it does the window worker's (this replica's may be off).
   */
  private async windowEnded(until: Date | null): Promise<boolean> {
    return until !== null && until.getTime() <= (this.opts.clock?.() ?? (await databaseNow(this.db))).getTime();
  }

  private async reapplyOne(serverId: number): Promise<'reapplied' | 'failed' | 'skipped'> {
    const d = await desiredOf(this.db, serverId);
    if (!d?.drift_since || (await this.windowEnded(d.until))) {
      return 'skipped';
    }
    const stillDrifting = async () => {
      const now = await desiredOf(this.db, serverId);
      return now?.admin_state === d.admin_state && now.drift_since !== null && !(await this.windowEnded(now.until));
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
        // Taken, but HAProxy shows another admin state (its configuration's maint outranks a drain): not repaired.
        const [t] = await serverTargets(this.db, [serverId]);
        if (!t?.admin_state || t.admin_state === d.admin_state) {
          return 'reapplied';
        }
        const held = result.action.note ?? `HAProxy shows "${t.status}"`;
        await restoreDrift(this.db, d, held, this.opts.clock?.());
        this.log.warn(
          { server_id: serverId, note: held },
          'drift not repaired: HAProxy took the command but shows another state'
        );
        return 'failed';
      }
      error = result.error?.message ?? 'the command failed';
    } catch (err) {
      error = (err as Error).message;
    }
    this.log.warn({ server_id: serverId, err: error }, 'drift not repaired');
    await recordReapplyFailure(this.db, serverId, error, this.opts.clock?.()).catch((err: Error) =>
      this.log.warn({ server_id: serverId, err: err.message }, 'drift attempt not recorded')
    );
    return 'failed';
  }
}
