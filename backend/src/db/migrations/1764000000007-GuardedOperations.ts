import { MigrationInterface, QueryRunner } from 'typeorm';

// Literals on purpose: a migration is history and must not follow later changes of the code's constants.
const GRAFANA_ROLE = 'haproxy_control_grafana';
const OPERATION_STATES = `('queued','running','succeeded','failed','cancelled')`;
const SERVER_STATES = `('pending','waiting','draining','maint','ramping','done','failed','refused','cancelled')`;
/** A job's server in one of these holds the server: a second job on it is refused (operation_conflict). */
const ACTIVE_SERVER_STATES = `('pending','waiting','draining','maint','ramping')`;

/**
 * Guarded operations (README "Operating safely"):
 * - haproxy_budgets: disruption budgets (min_available as a count or a percentage) per backend and per
 *   application, and one `default` row that mirrors HAPROXY_MIN_AVAILABLE for Grafana's alert rules;
 * - haproxy_taking_out: servers a command is taking out right now (a lease), which budget counts see as out;
 * - haproxy_actions.forced: a command that went past a budget;
 * - haproxy_operations and haproxy_operation_servers: drain and ready jobs, their servers' progress, the lease
 *   of the replica running each, one active job per server (a partial unique index).
 */
export class GuardedOperations1764000000007 implements MigrationInterface {
  name = 'GuardedOperations1764000000007';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE haproxy_budgets (
        id serial PRIMARY KEY,
        scope text NOT NULL CHECK (scope IN ('default','backend','application')),
        backend_id int REFERENCES haproxy_backends(id) ON DELETE CASCADE,
        application_id int REFERENCES applications(id) ON DELETE CASCADE,
        min_count int CHECK (min_count >= 0),
        min_percent int CHECK (min_percent BETWEEN 0 AND 100),
        set_by text NOT NULL,
        set_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT haproxy_budgets_min_check CHECK ((min_count IS NULL) <> (min_percent IS NULL)),
        CONSTRAINT haproxy_budgets_target_check CHECK (
          (scope = 'default' AND backend_id IS NULL AND application_id IS NULL) OR
          (scope = 'backend' AND backend_id IS NOT NULL AND application_id IS NULL) OR
          (scope = 'application' AND application_id IS NOT NULL AND backend_id IS NULL))
      )`);
    await q.query(`CREATE UNIQUE INDEX haproxy_budgets_default_key ON haproxy_budgets (scope) WHERE scope = 'default'`);
    await q.query(`CREATE UNIQUE INDEX haproxy_budgets_backend_key ON haproxy_budgets (backend_id)`);
    await q.query(`CREATE UNIQUE INDEX haproxy_budgets_application_key ON haproxy_budgets (application_id)`);

    await q.query(`
      CREATE TABLE haproxy_taking_out (
        server_id int PRIMARY KEY REFERENCES haproxy_servers(id) ON DELETE CASCADE,
        command text NOT NULL,
        since timestamptz NOT NULL DEFAULT now(),
        until timestamptz NOT NULL
      )`);

    await q.query(`ALTER TABLE haproxy_actions ADD COLUMN forced boolean NOT NULL DEFAULT false`);

    await q.query(`
      CREATE TABLE haproxy_operations (
        id uuid PRIMARY KEY,
        action text NOT NULL CHECK (action IN ('drain','ready')),
        state text NOT NULL CHECK (state IN ${OPERATION_STATES}),
        actor text NOT NULL,
        source text NOT NULL,
        reason text CHECK (char_length(reason) <= 500),
        selection jsonb NOT NULL,
        max_parallel int NOT NULL CHECK (max_parallel BETWEEN 1 AND 1000),
        deadline_s int CHECK (deadline_s BETWEEN 1 AND 86400),
        on_deadline text NOT NULL CHECK (on_deadline IN ('fail','maint','shutdown_sessions')),
        then_state text CHECK (then_state IN ('maint')),
        ramp jsonb,
        force boolean NOT NULL DEFAULT false,
        idempotency_key text CHECK (char_length(idempotency_key) <= 200),
        request_hash text NOT NULL,
        callback_url text,
        callback_state text CHECK (callback_state IN ('pending','sent','failed')),
        callback_error text,
        error text,
        created_at timestamptz NOT NULL DEFAULT now(),
        started_at timestamptz,
        finished_at timestamptz,
        updated_at timestamptz NOT NULL DEFAULT now(),
        lease_owner text,
        lease_until timestamptz
      )`);
    await q.query(
      `CREATE UNIQUE INDEX haproxy_operations_idempotency_key ON haproxy_operations (idempotency_key) WHERE idempotency_key IS NOT NULL`
    );
    await q.query(`CREATE INDEX haproxy_operations_created_idx ON haproxy_operations (created_at DESC, id)`);
    await q.query(
      `CREATE INDEX haproxy_operations_open_idx ON haproxy_operations (created_at)
        WHERE state IN ('queued','running') OR callback_state = 'pending'`
    );

    await q.query(`
      CREATE TABLE haproxy_operation_servers (
        operation_id uuid NOT NULL REFERENCES haproxy_operations(id) ON DELETE CASCADE,
        position int NOT NULL,
        server_id int REFERENCES haproxy_servers(id) ON DELETE SET NULL,
        server_name text NOT NULL,
        backend_name text NOT NULL,
        instance_name text NOT NULL,
        state text NOT NULL CHECK (state IN ${SERVER_STATES}),
        sessions int,
        weight int,
        step int,
        since timestamptz NOT NULL,
        error text,
        note text,
        waiting_since timestamptz,
        deadline_at timestamptz,
        next_step_at timestamptz,
        PRIMARY KEY (operation_id, position)
      )`);
    await q.query(
      `CREATE UNIQUE INDEX haproxy_operation_servers_active ON haproxy_operation_servers (server_id)
        WHERE state IN ${ACTIVE_SERVER_STATES}`
    );
    await q.query(
      `CREATE INDEX haproxy_operation_servers_deadline_idx ON haproxy_operation_servers (deadline_at)
        WHERE state = 'draining'`
    );

    // The alert rules read budgets and jobs; of a job not what its caller kept to itself (the idempotency key,
    // the request's hash, the callback URL).
    await q.query(`
      DO $$
      BEGIN
        IF EXISTS (SELECT FROM pg_roles WHERE rolname = '${GRAFANA_ROLE}') THEN
          GRANT SELECT ON haproxy_budgets, haproxy_operation_servers TO ${GRAFANA_ROLE};
          GRANT SELECT (id, action, state, actor, source, reason, selection, max_parallel, deadline_s, on_deadline,
                        then_state, ramp, force, error, created_at, started_at, finished_at, updated_at)
             ON haproxy_operations TO ${GRAFANA_ROLE};
        END IF;
      END
      $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE haproxy_operation_servers`);
    await q.query(`DROP TABLE haproxy_operations`);
    await q.query(`ALTER TABLE haproxy_actions DROP COLUMN forced`);
    await q.query(`DROP TABLE haproxy_taking_out`);
    await q.query(`DROP TABLE haproxy_budgets`);
  }
}
