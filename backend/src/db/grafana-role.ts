import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import { escapeIdentifier, escapeLiteral } from 'pg';
import type { Logger } from '../logger';
import type { Db } from './db';

/** The role Grafana's PostgreSQL data source (uid haproxy-control-pg) logs in as; created by migration 1764000000002. */
export const GRAFANA_ROLE = 'haproxy_control_grafana';

/**
 * What the alert rules in provisioning/alerting/ read, and nothing else: whole tables that hold no secret, and
 * of `hosts` the columns the rules use (never the agent's URL or token). No tokens, no audit.
 */
export const GRAFANA_READABLE_TABLES = [
  'applications',
  'haproxy_instances',
  'haproxy_backends',
  'haproxy_servers',
  'haproxy_server_desired',
  'haproxy_budgets',
  'haproxy_operation_servers',
];
export const GRAFANA_READABLE_HOST_COLUMNS = ['id', 'name', 'address', 'is_active', 'created_at', 'updated_at'];
/** A job without what a caller chose to keep to itself: its idempotency key, its request's hash, its callback. */
export const GRAFANA_READABLE_OPERATION_COLUMNS = [
  'id',
  'action',
  'state',
  'actor',
  'source',
  'reason',
  'selection',
  'max_parallel',
  'deadline_s',
  'on_deadline',
  'then_state',
  'ramp',
  'force',
  'error',
  'created_at',
  'started_at',
  'finished_at',
  'updated_at',
];

const SCRAM_ITERATIONS = 4096;

/**
 * A SCRAM-SHA-256 verifier (RFC 5802/7677, PostgreSQL's stored form), so the clear password never reaches
 * the server's statement log or pg_stat_statements.
 */
export function scramVerifier(password: string, salt = randomBytes(16)): string {
  const salted = pbkdf2Sync(password.normalize('NFKC'), salt, SCRAM_ITERATIONS, 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const serverKey = createHmac('sha256', salted).update('Server Key').digest();
  return `SCRAM-SHA-256$${SCRAM_ITERATIONS}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}

/**
 * Lets Grafana's PostgreSQL data source log in as the read-only role the migration created, with the
 * password from GRAFANA_DB_PASSWORD (set again at every start, so changing the variable rotates it), and
 * grants SELECT again (the role may have been created by an administrator after the migrations ran), in one
 * transaction so the role is never seen with a table-wide grant on hosts.
 * Never fatal: without the role or the right to alter it the service still runs, and the log says why.
 */
export async function enableGrafanaRole(db: Db, password: string, log: Logger): Promise<boolean> {
  try {
    await db.transaction((tx) => grantGrafanaRole(tx, password));
    log.info({ role: GRAFANA_ROLE }, 'read-only role for Grafana alerting can log in');
    return true;
  } catch (err) {
    log.warn(
      { role: GRAFANA_ROLE, err: (err as Error).message },
      `could not enable the read-only role for Grafana: as a database administrator run CREATE ROLE ${GRAFANA_ROLE} LOGIN PASSWORD '...' and restart the backend (it grants SELECT)`
    );
    return false;
  }
}

async function grantGrafanaRole(tx: Db, password: string): Promise<void> {
  await tx.execute(`ALTER ROLE ${GRAFANA_ROLE} WITH LOGIN PASSWORD ${escapeLiteral(scramVerifier(password))}`);
  const [{ schema }] = await tx.query<{ schema: string }>(`SELECT current_schema() AS schema`);
  await tx.execute(`GRANT USAGE ON SCHEMA ${escapeIdentifier(schema)} TO ${GRAFANA_ROLE}`);
  await tx.execute(`GRANT SELECT ON ${GRAFANA_READABLE_TABLES.join(', ')} TO ${GRAFANA_ROLE}`);
  // REVOKE ALL first: a table-wide grant (versions before 1764000000003 gave one) reaches every column.
  await tx.execute(`REVOKE ALL ON hosts FROM ${GRAFANA_ROLE}`);
  await tx.execute(`GRANT SELECT (${GRAFANA_READABLE_HOST_COLUMNS.join(', ')}) ON hosts TO ${GRAFANA_ROLE}`);
  await tx.execute(`REVOKE ALL ON haproxy_operations FROM ${GRAFANA_ROLE}`);
  await tx.execute(
    `GRANT SELECT (${GRAFANA_READABLE_OPERATION_COLUMNS.join(', ')}) ON haproxy_operations TO ${GRAFANA_ROLE}`
  );
}
