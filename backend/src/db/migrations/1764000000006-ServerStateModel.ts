import { MigrationInterface, QueryRunner } from 'typeorm';
import { allowValues } from './check-constraint';

// Literals on purpose: a migration is history and must not follow later changes of the code's constants.
const GRAFANA_ROLE = 'haproxy_control_grafana';
const ADMIN = `('ready','drain','maint')`;
const SOURCES = ['ui', 'api', 'orchestrator', 'bulk', 'sync'];
const NEW_SOURCES = [...SOURCES, 'reconcile', 'schedule'];
const COMMANDS = ['drain', 'ready', 'maint', 'confirm_removals'];
const CAUSES = ['sync', 'command', 'removed', 'restored'];

/**
 * The server state model (README "Server state model"):
 * - haproxy_servers: the admin state (with its maint source) apart from the operational state, the initial
 *   weight, and a per-server command claim (one command per server at a time across replicas);
 * - haproxy_server_desired: what we were asked to keep (command, actor, reason, source, optional window end),
 *   the claim of whoever is ending the window, and the drift bookkeeping while HAProxy disagrees;
 * - haproxy_instances: the reconcile policy and the HAProxy process last seen (a new pid or start time is a
 *   reload or restart);
 * - history rows with the admin and operational changes, and the causes reload, reconcile, schedule, external;
 * - audit rows with a reason and a window end, the sources reconcile and schedule, the commands weight and
 *   shutdown-sessions.
 * Existing servers get what their status says (the next sync sets what the agent says).
 */
export class ServerStateModel1764000000006 implements MigrationInterface {
  name = 'ServerStateModel1764000000006';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE haproxy_servers
        ADD COLUMN admin_state text CHECK (admin_state IN ${ADMIN}),
        ADD COLUMN maint_source text CHECK (maint_source IN ('config','forced','inherited','resolution')),
        ADD COLUMN operational_state text CHECK (operational_state IN ('up','down','starting','stopping')),
        ADD COLUMN initial_weight int,
        ADD COLUMN command_claim uuid,
        ADD COLUMN command_claim_until timestamptz`);
    await q.query(`
      UPDATE haproxy_servers SET
        admin_state = CASE status WHEN 'UP' THEN 'ready' WHEN 'DRAIN' THEN 'drain' WHEN 'MAINT' THEN 'maint' END,
        maint_source = CASE WHEN raw_status ILIKE 'MAINT (via %' THEN 'inherited'
                            WHEN raw_status ILIKE 'MAINT (resolution%' THEN 'resolution' END,
        operational_state = CASE status WHEN 'UP' THEN 'up' WHEN 'DRAIN' THEN 'up' WHEN 'DOWN' THEN 'down'
                                        WHEN 'NOLB' THEN 'stopping' END`);

    await q.query(`
      CREATE TABLE haproxy_server_desired (
        server_id int PRIMARY KEY REFERENCES haproxy_servers(id) ON DELETE CASCADE,
        admin_state text NOT NULL CHECK (admin_state IN ${ADMIN}),
        actor text NOT NULL,
        reason text CHECK (char_length(reason) <= 500),
        source text NOT NULL CHECK (source IN (${[...NEW_SOURCES, 'external'].map((s) => `'${s}'`).join(',')})),
        set_at timestamptz NOT NULL,
        until timestamptz,
        window_claimed_until timestamptz,
        drift_since timestamptz,
        drift_cause text CHECK (drift_cause IN ('reload','unknown')),
        drift_attempts int NOT NULL DEFAULT 0,
        drift_last_error text,
        drift_last_attempt_at timestamptz,
        CONSTRAINT haproxy_server_desired_window_check CHECK (until IS NULL OR admin_state <> 'ready')
      )`);
    await q.query(
      `CREATE INDEX haproxy_server_desired_until_idx ON haproxy_server_desired (until) WHERE until IS NOT NULL`
    );
    await q.query(
      `CREATE INDEX haproxy_server_desired_drift_idx ON haproxy_server_desired (drift_since) WHERE drift_since IS NOT NULL`
    );

    await q.query(`
      ALTER TABLE haproxy_instances
        ADD COLUMN reconcile_policy text NOT NULL DEFAULT 'reapply' CHECK (reconcile_policy IN ('reapply','alert')),
        ADD COLUMN haproxy_version text,
        ADD COLUMN haproxy_pid int,
        ADD COLUMN haproxy_started_at timestamptz,
        ADD COLUMN haproxy_seen_at timestamptz`);

    await q.query(`
      ALTER TABLE haproxy_server_status_history
        ADD COLUMN admin_from text, ADD COLUMN admin_to text,
        ADD COLUMN operational_from text, ADD COLUMN operational_to text`);
    await allowValues(q, 'haproxy_server_status_history', 'cause', [
      ...CAUSES,
      'reload',
      'reconcile',
      'schedule',
      'external',
    ]);

    await q.query(`
      ALTER TABLE haproxy_actions
        ADD COLUMN reason text CHECK (char_length(reason) <= 500),
        ADD COLUMN until timestamptz`);
    await allowValues(q, 'haproxy_actions', 'command', [...COMMANDS, 'weight', 'shutdown-sessions']);
    await allowValues(q, 'haproxy_actions', 'source', NEW_SOURCES);

    // The drift alert rule reads the desired state (no secrets in it: who, why, until when).
    await q.query(`
      DO $$
      BEGIN
        IF EXISTS (SELECT FROM pg_roles WHERE rolname = '${GRAFANA_ROLE}') THEN
          GRANT SELECT ON haproxy_server_desired TO ${GRAFANA_ROLE};
        END IF;
      END
      $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      `DELETE FROM haproxy_actions WHERE command IN ('weight','shutdown-sessions') OR source IN ('reconcile','schedule')`
    );
    await allowValues(q, 'haproxy_actions', 'source', SOURCES);
    await allowValues(q, 'haproxy_actions', 'command', COMMANDS);
    await q.query(`ALTER TABLE haproxy_actions DROP COLUMN until, DROP COLUMN reason`);
    await q.query(
      `DELETE FROM haproxy_server_status_history WHERE cause IN ('reload','reconcile','schedule','external')`
    );
    await allowValues(q, 'haproxy_server_status_history', 'cause', CAUSES);
    await q.query(`
      ALTER TABLE haproxy_server_status_history
        DROP COLUMN admin_from, DROP COLUMN admin_to, DROP COLUMN operational_from, DROP COLUMN operational_to`);
    await q.query(`
      ALTER TABLE haproxy_instances
        DROP COLUMN reconcile_policy, DROP COLUMN haproxy_version, DROP COLUMN haproxy_pid,
        DROP COLUMN haproxy_started_at, DROP COLUMN haproxy_seen_at`);
    await q.query(`DROP TABLE haproxy_server_desired`);
    await q.query(`
      ALTER TABLE haproxy_servers
        DROP COLUMN admin_state, DROP COLUMN maint_source, DROP COLUMN operational_state, DROP COLUMN initial_weight,
        DROP COLUMN command_claim, DROP COLUMN command_claim_until`);
  }
}
