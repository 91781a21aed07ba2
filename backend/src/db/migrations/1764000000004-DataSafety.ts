import { MigrationInterface, QueryRunner } from 'typeorm';
import { allowValues } from './check-constraint';

const allow = (q: QueryRunner, column: 'command' | 'source', values: string[]) =>
  allowValues(q, 'haproxy_actions', column, values);

/**
 * Commands you can trust and removals held for confirmation:
 * - haproxy_actions: `result` (pending -> success | failure | unknown) beside `success`, written as `pending`
 *   before the agent is called; `completed_at` (the database's clock: a sync compares it with its own fetch
 *   start); `note` (what HAProxy said after a timeout, why a row was swept); a command `confirm_removals` and
 *   a source `sync` for the audit row of a held removal that was applied;
 * - haproxy_instances.held_removal: the removal an answer asked for and the sync held (sync/removal-guard.ts);
 * - haproxy_server_status_history.note: which path removed a server (a held removal confirmed by N syncs or by
 *   an admin).
 */
export class DataSafety1764000000004 implements MigrationInterface {
  name = 'DataSafety1764000000004';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE haproxy_actions
        ADD COLUMN result text NOT NULL DEFAULT 'success' CHECK (result IN ('pending','success','failure','unknown')),
        ADD COLUMN note text,
        ADD COLUMN completed_at timestamptz`);
    await q.query(`UPDATE haproxy_actions SET result = 'failure' WHERE NOT success`);
    await q.query(`UPDATE haproxy_actions SET completed_at = started_at + duration_ms * interval '1 millisecond'`);
    await q.query(`ALTER TABLE haproxy_actions ALTER COLUMN result DROP DEFAULT`);
    await allow(q, 'command', ['drain', 'ready', 'maint', 'confirm_removals']);
    await allow(q, 'source', ['ui', 'api', 'orchestrator', 'bulk', 'sync']);
    // A sync's fence: the commands of an instance still pending or completed since the sync began to fetch.
    await q.query(
      `CREATE INDEX haproxy_actions_fence_idx ON haproxy_actions (instance_id, (coalesce(completed_at, 'infinity')))`
    );
    await q.query(`CREATE INDEX haproxy_actions_pending_idx ON haproxy_actions (started_at) WHERE result = 'pending'`);

    await q.query(`ALTER TABLE haproxy_instances ADD COLUMN held_removal jsonb`);
    await q.query(`ALTER TABLE haproxy_server_status_history ADD COLUMN note text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE haproxy_server_status_history DROP COLUMN note`);
    await q.query(`ALTER TABLE haproxy_instances DROP COLUMN held_removal`);
    await q.query(`DELETE FROM haproxy_actions WHERE command = 'confirm_removals' OR source = 'sync'`);
    await q.query(`DROP INDEX haproxy_actions_pending_idx`);
    await q.query(`DROP INDEX haproxy_actions_fence_idx`);
    await allow(q, 'source', ['ui', 'api', 'orchestrator', 'bulk']);
    await allow(q, 'command', ['drain', 'ready', 'maint']);
    await q.query(`ALTER TABLE haproxy_actions DROP COLUMN completed_at, DROP COLUMN note, DROP COLUMN result`);
  }
}
