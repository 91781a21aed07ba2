import type { FagentClient } from '../../src/fagent/client';
import { createTestDatabase, TestDatabase } from '../support/db';
import { FakeFagent } from '../support/fake-fagent';
import { insertInstance, testClient, testSync } from '../support/fixtures';

/**
 * A status change rewrites a server's row in place (a heap-only tuple: no index entry written), and a sync's
 * fingerprint a backend's: no index may read a column they change, and their pages keep room for the new
 * version (migration InPlaceStatusUpdates). An index on status made every status change write all the row's
 * indexes.
 */

let db: TestDatabase;
let agent: FakeFagent;
let client: FagentClient;
beforeAll(async () => {
  db = await createTestDatabase();
  agent = await new FakeFagent({ protocol: 'seed' }).start();
  client = testClient();
});
afterAll(async () => {
  client?.close();
  await agent?.stop();
  await db?.drop();
});

/** What a sync writes to a stored server or backend whose answer changed, beyond the names and keys. */
const CHANGED_BY_SYNC: Record<string, string[]> = {
  haproxy_servers: [
    'status',
    'raw_status',
    'weight',
    'current_sessions',
    'max_sessions',
    'admin_state',
    'maint_source',
    'operational_state',
    'initial_weight',
    'status_changed_at',
    'updated_at',
  ],
  haproxy_backends: ['sync_fingerprint', 'updated_at'],
};

test.each(Object.keys(CHANGED_BY_SYNC))(
  'no index of %s reads a column a sync changes, and pages keep room',
  async (table) => {
    // Every column an index reads (key, expression or predicate) is a dependency of the index.
    const read: Array<{ index: string; column: string }> = await db.ds.query(
      `SELECT i.indexrelid::regclass::text AS index, a.attname AS column
       FROM pg_index i
       JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = i.indexrelid AND d.refobjid = i.indrelid
       JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
      WHERE i.indrelid = $1::regclass`,
      [table]
    );
    expect(read.map((r) => r.column)).toContain(table === 'haproxy_servers' ? 'server_name' : 'backend_name');
    expect(read.filter((r) => CHANGED_BY_SYNC[table].includes(r.column))).toEqual([]);
    const [{ options }] = await db.ds.query(`SELECT reloptions AS options FROM pg_class WHERE oid = $1::regclass`, [
      table,
    ]);
    expect(options).toContain('fillfactor=90');
  }
);

/** The table's updates and those of them in place, once the sync's connections have reported them. */
async function updates(table: string, atLeast: number): Promise<{ all: number; inPlace: number }> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const [r] = await db.ds.query(
      `SELECT n_tup_upd::int AS all, n_tup_hot_upd::int AS "inPlace" FROM pg_stat_user_tables WHERE relname = $1`,
      [table]
    );
    // A backend reports its counts when idle, at most once a second.
    if (r.all >= atLeast || Date.now() > deadline) {
      return r;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

test("a sync writes changed servers' statuses and its backends' fingerprints in place", async () => {
  const servers = (n: number) => Array.from({ length: n }, (_, k) => ({ name: `s${k}`, status: 'UP' }));
  agent.setBackend('lb', 'web', servers(20));
  agent.setBackend('lb', 'api', servers(5));
  const { instanceId } = await insertInstance(db.ds, agent.url, 'lb');
  const sync = testSync(db.ds, client);
  expect(await sync.sync(instanceId)).toMatchObject({ status: 'ok', path: 'whole' });

  agent.server('lb', 'web', 's3').status = 'DOWN';
  agent.server('lb', 'web', 's11').status = 'DOWN';
  expect(await sync.sync(instanceId)).toMatchObject({ status: 'ok', path: 'changed_backends', changedServers: 2 });
  const rows = await updates('haproxy_servers', 2);
  expect(rows.all).toBeGreaterThanOrEqual(2);
  expect(rows.inPlace).toBe(rows.all);
  const backends = await updates('haproxy_backends', 1);
  expect(backends.all).toBeGreaterThanOrEqual(1);
  expect(backends.inPlace).toBe(backends.all);
});
