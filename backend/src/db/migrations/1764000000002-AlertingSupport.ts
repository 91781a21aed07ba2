import { MigrationInterface, QueryRunner } from 'typeorm';

// Literals on purpose: a migration is history and must not follow later changes of src/alerting/grafana-role.ts.
const GRAFANA_ROLE = 'haproxy_control_grafana';
const GRAFANA_READABLE_TABLES = ['hosts', 'applications', 'haproxy_instances', 'haproxy_backends', 'haproxy_servers'];

/**
 * Alerting from PostgreSQL: the breaker lives in the backend's memory, so its state is persisted for the
 * "breaker open" rule; and a read-only role for Grafana. Roles are cluster-wide while migrations run per
 * database, so the role is created only when missing (tolerating a concurrent creator), and skipped with a
 * notice when this user may not create roles (an administrator creates it; enableGrafanaRole grants at start).
 */
export class AlertingSupport1764000000002 implements MigrationInterface {
  name = 'AlertingSupport1764000000002';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE haproxy_instances
        ADD COLUMN breaker_state text NOT NULL DEFAULT 'closed' CHECK (breaker_state IN ('closed','open','half_open')),
        ADD COLUMN breaker_changed_at timestamptz`);
    await q.query(
      `CREATE INDEX haproxy_instances_breaker_idx ON haproxy_instances (breaker_state) WHERE breaker_state <> 'closed'`
    );

    await q.query(`
      DO $$
      BEGIN
        IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${GRAFANA_ROLE}') THEN
          BEGIN
            CREATE ROLE ${GRAFANA_ROLE} NOLOGIN;
          EXCEPTION
            WHEN duplicate_object OR unique_violation THEN NULL; -- created meanwhile by another database's migration
            WHEN insufficient_privilege THEN
              RAISE NOTICE 'cannot create role ${GRAFANA_ROLE} (no CREATEROLE): create it as an administrator';
          END;
        END IF;
        IF EXISTS (SELECT FROM pg_roles WHERE rolname = '${GRAFANA_ROLE}') THEN
          EXECUTE format('GRANT USAGE ON SCHEMA %I TO ${GRAFANA_ROLE}', current_schema());
          GRANT SELECT ON ${GRAFANA_READABLE_TABLES.join(', ')} TO ${GRAFANA_ROLE};
        END IF;
      END
      $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    // The role stays: other databases of the cluster may use it.
    await q.query(`
      DO $$
      BEGIN
        IF EXISTS (SELECT FROM pg_roles WHERE rolname = '${GRAFANA_ROLE}') THEN
          REVOKE ALL ON ${GRAFANA_READABLE_TABLES.join(', ')} FROM ${GRAFANA_ROLE};
        END IF;
      END
      $$`);
    await q.query(`DROP INDEX IF EXISTS haproxy_instances_breaker_idx`);
    await q.query(`ALTER TABLE haproxy_instances DROP COLUMN breaker_changed_at, DROP COLUMN breaker_state`);
  }
}
