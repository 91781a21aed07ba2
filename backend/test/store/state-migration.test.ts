import { migrations } from '../../src/db/data-source';
import { createTestDatabase, TestDatabase } from '../support/db';

/** Migration 1764000000006 on a database with servers: existing rows get what their status says; down undoes it. */
let db: TestDatabase;
const at = migrations.findIndex((m) => m.name === 'ServerStateModel1764000000006');
// Migrations after it may depend on its columns: they are undone first and redone after, as TypeORM would.
const later = migrations.slice(at + 1);

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db?.drop());

async function run(direction: 'up' | 'down') {
  const runner = db.ds.createQueryRunner();
  try {
    const chain = [migrations[at], ...later];
    for (const m of direction === 'up' ? chain : chain.reverse()) {
      await new m()[direction](runner);
    }
  } finally {
    await runner.release();
  }
}

test('up derives the state of existing servers from their status; down and up again work', async () => {
  await run('down');
  const [host] = await db.ds.query(
    `INSERT INTO hosts (name, address, fagent_url) VALUES ('lb', '192.0.2.1', 'http://192.0.2.1:9102') RETURNING id`
  );
  const [instance] = await db.ds.query(
    `INSERT INTO haproxy_instances (host_id, name) VALUES ($1, 'main') RETURNING id`,
    [host.id]
  );
  const [backend] = await db.ds.query(
    `INSERT INTO haproxy_backends (instance_id, backend_name) VALUES ($1, 'web') RETURNING id`,
    [instance.id]
  );
  const rows: Array<[string, string, string]> = [
    ['up', 'UP', 'UP 1/3'],
    ['drain', 'DRAIN', 'DRAIN'],
    ['maint', 'MAINT', 'MAINT'],
    ['tracked', 'MAINT', 'MAINT (via web/maint)'],
    ['dns', 'MAINT', 'MAINT (resolution)'],
    ['down', 'DOWN', 'DOWN (agent)'],
    ['nolb', 'NOLB', 'NOLB'],
    ['odd', 'UNKNOWN', 'what'],
  ];
  for (const [name, status, raw] of rows) {
    await db.ds.query(
      `INSERT INTO haproxy_servers (backend_id, server_name, status, raw_status) VALUES ($1, $2, $3, $4)`,
      [backend.id, name, status, raw]
    );
  }

  await run('up');
  const derived = await db.ds.query(
    `SELECT server_name, admin_state, maint_source, operational_state FROM haproxy_servers ORDER BY id`
  );
  expect(derived.map((r: Record<string, string | null>) => Object.values(r))).toEqual([
    ['up', 'ready', null, 'up'],
    ['drain', 'drain', null, 'up'],
    ['maint', 'maint', null, null],
    ['tracked', 'maint', 'inherited', null],
    ['dns', 'maint', 'resolution', null],
    ['down', null, null, 'down'],
    ['nolb', null, null, 'stopping'],
    ['odd', null, null, null],
  ]);
  const [instanceRow] = await db.ds.query(`SELECT reconcile_policy FROM haproxy_instances`);
  expect(instanceRow.reconcile_policy).toBe('reapply');
  await expect(db.ds.query(`UPDATE haproxy_instances SET reconcile_policy = 'fight'`)).rejects.toMatchObject({
    code: '23514',
  }); // check_violation
  // A window on ready is refused by the schema itself.
  const [up] = await db.ds.query(`SELECT id FROM haproxy_servers WHERE server_name = 'up'`);
  await expect(
    db.ds.query(
      `INSERT INTO haproxy_server_desired (server_id, admin_state, actor, source, set_at, until)
       VALUES ($1, 'ready', 'x', 'api', now(), now() + interval '1 hour')`,
      [up.id]
    )
  ).rejects.toMatchObject({ code: '23514' });

  await run('down');
  await expect(db.ds.query(`SELECT admin_state FROM haproxy_servers`)).rejects.toMatchObject({ code: '42703' });
  await run('up');
  expect((await db.ds.query(`SELECT count(*)::int AS n FROM haproxy_server_desired`))[0].n).toBe(0);
});
