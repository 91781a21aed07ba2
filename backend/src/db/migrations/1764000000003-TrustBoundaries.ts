import { MigrationInterface, QueryRunner } from 'typeorm';

// Literals on purpose: a migration is history and must not follow later changes of src/db/grafana-role.ts.
const GRAFANA_ROLE = 'haproxy_control_grafana';
const GRAFANA_HOST_COLUMNS = ['id', 'name', 'address', 'is_active', 'created_at', 'updated_at'];

/**
 * Trust boundaries (issue 10): tokens made for Grafana, the only ones whose X-Grafana-User is believed; and
 * Grafana's read-only role loses the agent's URL and token: it may read only the host columns the alert rules
 * use (REVOKE ALL drops the table grant of 1764000000002 and any column grants, so this is idempotent).
 */
export class TrustBoundaries1764000000003 implements MigrationInterface {
  name = 'TrustBoundaries1764000000003';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE api_tokens ADD COLUMN grafana boolean NOT NULL DEFAULT false`);
    await q.query(`
      DO $$
      BEGIN
        IF EXISTS (SELECT FROM pg_roles WHERE rolname = '${GRAFANA_ROLE}') THEN
          REVOKE ALL ON hosts FROM ${GRAFANA_ROLE};
          GRANT SELECT (${GRAFANA_HOST_COLUMNS.join(', ')}) ON hosts TO ${GRAFANA_ROLE};
        END IF;
      END
      $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DO $$
      BEGIN
        IF EXISTS (SELECT FROM pg_roles WHERE rolname = '${GRAFANA_ROLE}') THEN
          REVOKE ALL ON hosts FROM ${GRAFANA_ROLE};
          GRANT SELECT ON hosts TO ${GRAFANA_ROLE};
        END IF;
      END
      $$`);
    await q.query(`ALTER TABLE api_tokens DROP COLUMN grafana`);
  }
}
