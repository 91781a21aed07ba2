import type { Client } from 'pg';
import { GRAFANA_READABLE_TABLES, GRAFANA_ROLE, scramVerifier } from '../../src/db/grafana-role';
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

test('the migration is idempotent: down and up again with the role already there', async () => {
  const migration = migrations.find((m) => m.name === 'AlertingSupport1764000000002')!;
  const runner = db.ds.createQueryRunner();
  try {
    await new migration().down(runner);
    await denied(`SELECT * FROM hosts`);
    await new migration().up(runner);
  } finally {
    await runner.release();
  }
  await expect(grafana.query(`SELECT breaker_state FROM haproxy_instances`)).resolves.toBeDefined();
});
