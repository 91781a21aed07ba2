import type { Client } from 'pg';
import {
  GRAFANA_READABLE_HOST_COLUMNS,
  GRAFANA_READABLE_OPERATION_COLUMNS,
  GRAFANA_READABLE_TABLES,
  GRAFANA_ROLE,
  scramVerifier,
} from '../../src/db/grafana-role';
import { migrations } from '../../src/db/data-source';
import type { TestDatabase } from '../support/db';
import { connectAsGrafana, grafanaTestDatabase } from './grafana-client';

/** The role Grafana's PostgreSQL data source logs in as: SELECT on what the rules read, nothing more. */
let db: TestDatabase;
let grafana: Client;
let close: () => Promise<void>;

beforeAll(async () => {
  ({ db, grafana, close } = await grafanaTestDatabase());
  await db.ds.query(
    `INSERT INTO hosts (name, address, fagent_url) VALUES ('lb1', '192.0.2.1', 'http://192.0.2.1:9102')`
  );
});
afterAll(() => close?.());

const denied = (sql: string) => expect(grafana.query(sql)).rejects.toMatchObject({ code: '42501' }); // insufficient_privilege

test('the role has no power beyond its grants, and enableGrafanaRole let it log in', async () => {
  const [role] = await db.ds.query(
    `SELECT rolcanlogin, rolsuper, rolcreaterole, rolcreatedb FROM pg_roles WHERE rolname = $1`,
    [GRAFANA_ROLE]
  );
  expect(role).toEqual({ rolcanlogin: true, rolsuper: false, rolcreaterole: false, rolcreatedb: false });
  expect((await grafana.query(`SELECT current_user AS u`)).rows[0].u).toBe(GRAFANA_ROLE);
});

test('a wrong password is refused (the SCRAM verifier is real)', async () => {
  await expect(connectAsGrafana(db.url, 'not-the-password')).rejects.toThrow(/password authentication failed/);
  expect(scramVerifier('x', Buffer.alloc(16))).toMatch(
    /^SCRAM-SHA-256\$4096:A{22}==\$[A-Za-z0-9+/]{43}=:[A-Za-z0-9+/]{43}=$/
  );
});

test.each(GRAFANA_READABLE_TABLES)('it can SELECT from %s', async (table) => {
  await expect(grafana.query(`SELECT * FROM ${table} LIMIT 1`)).resolves.toBeDefined();
});

test('of hosts it reads what the rules use, never the agent token or URL', async () => {
  const { rows } = await grafana.query(`SELECT ${GRAFANA_READABLE_HOST_COLUMNS.join(', ')} FROM hosts`);
  expect(rows).toEqual([expect.objectContaining({ name: 'lb1', address: '192.0.2.1', is_active: true })]);
  await denied(`SELECT fagent_token FROM hosts`);
  await denied(`SELECT fagent_url FROM hosts`);
  await denied(`SELECT * FROM hosts`);
  await denied(`SELECT count(*) FROM hosts WHERE fagent_token IS NOT NULL`);
});

test('of jobs it reads what the rules use, never what a caller kept to itself (key, request hash, callback)', async () => {
  await expect(
    grafana.query(`SELECT ${GRAFANA_READABLE_OPERATION_COLUMNS.join(', ')} FROM haproxy_operations`)
  ).resolves.toBeDefined();
  await denied(`SELECT idempotency_key FROM haproxy_operations`);
  await denied(`SELECT request_hash FROM haproxy_operations`);
  await denied(`SELECT callback_url FROM haproxy_operations`);
  await denied(`SELECT * FROM haproxy_operations`);
});

test('no column it may read anywhere is named like a secret', async () => {
  const { rows } = await grafana.query<{ table_name: string; column_name: string }>(
    `SELECT c.table_name, c.column_name FROM information_schema.columns c
      WHERE c.table_schema = current_schema()
        AND has_column_privilege(quote_ident(c.table_name), c.column_name, 'SELECT')`
  );
  expect(rows.length).toBeGreaterThan(20);
  expect(rows.filter((r) => /token|secret|password|hash|fagent_url/.test(r.column_name))).toEqual([]);
});

test('it cannot INSERT, UPDATE, DELETE or TRUNCATE', async () => {
  await denied(`INSERT INTO hosts (name, address, fagent_url) VALUES ('x', 'x', 'http://x')`);
  await denied(`UPDATE hosts SET is_active = false`);
  await denied(`UPDATE haproxy_servers SET status = 'UP'`);
  await denied(`DELETE FROM haproxy_instances`);
  await denied(`TRUNCATE haproxy_backends`);
  expect((await db.ds.query(`SELECT is_active FROM hosts`))[0].is_active).toBe(true);
});

test('it cannot read tokens or the audit, nor create tables', async () => {
  await denied(`SELECT * FROM api_tokens`);
  await denied(`SELECT * FROM haproxy_actions`);
  await denied(`CREATE TABLE grafana_was_here (id int)`);
});

test('the migrations are idempotent: down and up again with the role already there', async () => {
  const names = ['AlertingSupport1764000000002', 'TrustBoundaries1764000000003'];
  const [alerting, trust] = names.map((n) => migrations.find((m) => m.name === n)!);
  const runner = db.ds.createQueryRunner();
  try {
    await new trust().down(runner);
    await expect(grafana.query(`SELECT fagent_token FROM hosts`)).resolves.toBeDefined(); // what it fixes
    await new alerting().down(runner);
    await denied(`SELECT name FROM hosts`);
    await new alerting().up(runner);
    await new trust().up(runner);
  } finally {
    await runner.release();
  }
  await expect(grafana.query(`SELECT breaker_state FROM haproxy_instances`)).resolves.toBeDefined();
  await expect(grafana.query(`SELECT name FROM hosts`)).resolves.toBeDefined();
  await denied(`SELECT fagent_token FROM hosts`);
});
