import { FagentClient } from '../../src/fagent/client';
import { createTestDatabase, TestDatabase } from '../support/db';
import { FakeFagent, on } from '../support/fake-fagent';
import { backendStates, insertInstance, serverStates, snapshot, testClient, testSync } from '../support/fixtures';

let db: TestDatabase;
let agent: FakeFagent;
let client: FagentClient;

beforeAll(async () => {
  db = await createTestDatabase();
  agent = await new FakeFagent().start();
  client = testClient();
});
afterAll(async () => {
  client?.close();
  await agent?.stop();
  await db?.drop();
});
afterEach(() => agent.clearFaults());

let seq = 0;
/** Each test gets its own instance name on the shared fake agent. */
async function freshInstance(
  backends: Record<string, Array<{ name: string; status: string; address?: string }>>,
  scope?: string[]
) {
  const name = `inst${++seq}`;
  for (const [b, servers] of Object.entries(backends)) {
    agent.setBackend(name, b, servers);
  }
  const ids = await insertInstance(db.ds, agent.url, name, { backendScope: scope });
  return { name, ...ids, sync: testSync(db.ds, client) };
}

const instanceRow = async (id: number) => (await db.ds.query(`SELECT * FROM haproxy_instances WHERE id = $1`, [id]))[0];
const historyOf = (serverId: number) =>
  db.ds.query(
    `SELECT from_status, to_status, cause FROM haproxy_server_status_history WHERE server_id = $1 ORDER BY id`,
    [serverId]
  );

test('first sync stores every backend and server with normalised and raw status', async () => {
  const i = await freshInstance({
    web: [
      { name: 'w1', status: 'UP' },
      { name: 'w2', status: 'DOWN (agent)' },
      { name: 'w3', status: 'no check' },
    ],
    api: [{ name: 'a1', status: 'MAINT (via web/w1)' }],
  });
  const out = await i.sync.sync(i.instanceId);
  expect(out).toMatchObject({ status: 'ok', backends: 2, servers: 4, changedServers: 4 });
  expect((await serverStates(db.ds, i.instanceId)).map((s) => [s.backend, s.server, s.status, s.raw_status])).toEqual([
    ['api', 'a1', 'MAINT', 'MAINT (via web/w1)'],
    ['web', 'w1', 'UP', 'UP'],
    ['web', 'w2', 'DOWN', 'DOWN (agent)'],
    ['web', 'w3', 'UP', 'no check'],
  ]);
  const row = await instanceRow(i.instanceId);
  expect(row).toMatchObject({ last_sync_success: true, last_sync_error: null, consecutive_failures: 0 });
  expect(row.last_sync_duration_ms).toBeGreaterThanOrEqual(0);
});

test('an unchanged fleet writes no history, and one metric sample per backend per sync', async () => {
  const i = await freshInstance({
    web: [
      { name: 'w1', status: 'UP' },
      { name: 'w2', status: 'DOWN' },
    ],
  });
  await i.sync.sync(i.instanceId);
  const before = await snapshot(db.ds, i.instanceId);
  const out = await i.sync.sync(i.instanceId);
  expect(out).toMatchObject({ status: 'ok', changedServers: 0 });
  const after = await snapshot(db.ds, i.instanceId);
  expect(after.history).toEqual(before.history);
  expect(after.servers).toEqual(before.servers);
  const samples = await db.ds.query(
    `SELECT server_ids, statuses, weights, sessions FROM haproxy_metric_samples WHERE instance_id = $1 ORDER BY sampled_at`,
    [i.instanceId]
  );
  expect(samples).toHaveLength(2);
  const ids = (await serverStates(db.ds, i.instanceId)).map((s) => s.id);
  expect(samples[1].server_ids).toEqual(ids);
  expect(samples[1].statuses).toEqual([1, 2]); // UP, DOWN
});

test('a real status change writes exactly one history row', async () => {
  const i = await freshInstance({ web: [{ name: 'w1', status: 'UP' }] });
  await i.sync.sync(i.instanceId);
  agent.server(i.name, 'web', 'w1').status = 'UP 2/3'; // raw change, same status
  await i.sync.sync(i.instanceId);
  agent.server(i.name, 'web', 'w1').status = 'DOWN';
  await i.sync.sync(i.instanceId);
  await i.sync.sync(i.instanceId);
  const [s] = await serverStates(db.ds, i.instanceId);
  expect(await historyOf(s.id)).toEqual([
    { from_status: null, to_status: 'UP', cause: 'sync' },
    { from_status: 'UP', to_status: 'DOWN', cause: 'sync' },
  ]);
});

describe('a failed or malformed answer changes nothing', () => {
  const faults: Array<[string, Parameters<FakeFagent['inject']>[1]]> = [
    ['HTTP 500', { kind: 'status', status: 500 }],
    ['HTTP 404', { kind: 'status', status: 404, body: '{"success":false,"error":"no such instance"}' }],
    ['invalid JSON', { kind: 'invalid-json' }],
    ['success:false', { kind: 'body', body: { success: false, error: 'haproxy socket unreachable' } }],
    ['wrong types', { kind: 'body', body: { success: true, backends: [1, 2] } }],
    ['missing field', { kind: 'body', body: { success: true } }],
    ['connection reset', { kind: 'reset' }],
    ['a hang (timeout)', { kind: 'hang' }],
  ];
  test.each(faults)('%s on the backend list', async (_label, fault) => {
    const i = await freshInstance({ web: [{ name: 'w1', status: 'UP' }], api: [{ name: 'a1', status: 'UP' }] });
    await i.sync.sync(i.instanceId);
    const before = await snapshot(db.ds, i.instanceId);
    agent.removeBackend(i.name, 'api'); // would be soft-deleted if the answer were believed
    agent.inject(on.backends(i.name), fault);
    const out = await i.sync.sync(i.instanceId);
    expect(out.status).toBe('failed');
    expect(await snapshot(db.ds, i.instanceId)).toEqual(before);
    const row = await instanceRow(i.instanceId);
    expect(row.last_sync_success).toBe(false);
    expect(row.last_sync_error).toEqual(out.error);
    expect(row.consecutive_failures).toBe(1);
  });

  test.each([
    ['negative sessions', { name: 'w1', status: 'UP', weight: 1, current_sessions: -1, max_sessions: 1 }],
    ['string weight', { name: 'w1', status: 'UP', weight: '1', current_sessions: 0, max_sessions: 1 }],
    ['no name', { status: 'UP', weight: 1, current_sessions: 0, max_sessions: 1 }],
    ['int overflow', { name: 'w1', status: 'UP', weight: 1, current_sessions: 2 ** 40, max_sessions: 1 }],
  ])("%s in one backend's server list: that backend keeps its servers, the others sync", async (_label, bad) => {
    const i = await freshInstance({ web: [{ name: 'w1', status: 'UP' }], api: [{ name: 'a1', status: 'UP' }] });
    await i.sync.sync(i.instanceId);
    agent.server(i.name, 'web', 'w1').status = 'DOWN';
    agent.server(i.name, 'api', 'a1').status = 'DRAIN';
    agent.inject(on.servers('web'), { kind: 'body', body: { success: true, servers: [bad] } });
    const out = await i.sync.sync(i.instanceId);
    expect(out.status).toBe('partial');
    expect(out.error).toMatch(/1 backend\(s\) could not be read: web: /);
    expect((await serverStates(db.ds, i.instanceId)).map((s) => [s.server, s.status, s.removed])).toEqual([
      ['a1', 'DRAIN', false],
      ['w1', 'UP', false],
    ]);
    expect((await instanceRow(i.instanceId)).last_sync_success).toBe(false);
  });
});

test('a backend gone from a complete answer is soft-deleted with its servers, and restored with the same ids', async () => {
  const i = await freshInstance({ web: [{ name: 'w1', status: 'UP' }], api: [{ name: 'a1', status: 'UP' }] });
  await i.sync.sync(i.instanceId);
  const before = await serverStates(db.ds, i.instanceId);
  const apiBackendId = (await backendStates(db.ds, i.instanceId)).find((b) => b.name === 'api')!.id;
  agent.removeBackend(i.name, 'api');
  expect(await i.sync.sync(i.instanceId)).toMatchObject({ status: 'ok', removedBackends: 1 });
  expect(await backendStates(db.ds, i.instanceId)).toEqual([
    { id: apiBackendId, name: 'api', removed: true },
    expect.objectContaining({ name: 'web', removed: false }),
  ]);
  expect((await serverStates(db.ds, i.instanceId)).find((s) => s.server === 'a1')!.removed).toBe(true);

  agent.setBackend(i.name, 'api', [{ name: 'a1', status: 'MAINT' }]);
  await i.sync.sync(i.instanceId);
  const after = await serverStates(db.ds, i.instanceId);
  expect(after.map((s) => [s.id, s.removed])).toEqual(before.map((s) => [s.id, false]));
  expect(await historyOf(after[0].id)).toEqual([
    { from_status: null, to_status: 'UP', cause: 'sync' },
    { from_status: 'UP', to_status: 'UP', cause: 'removed' },
    { from_status: 'UP', to_status: 'MAINT', cause: 'restored' },
  ]);
});

test('a server gone from its backend is soft-deleted, then restored with the same id', async () => {
  const i = await freshInstance({
    web: [
      { name: 'w1', status: 'UP' },
      { name: 'w2', status: 'UP' },
    ],
  });
  await i.sync.sync(i.instanceId);
  const w2 = (await serverStates(db.ds, i.instanceId))[1];
  agent.setBackend(i.name, 'web', [{ name: 'w1', status: 'UP' }]);
  expect(await i.sync.sync(i.instanceId)).toMatchObject({ removedServers: 1 });
  expect((await serverStates(db.ds, i.instanceId))[1]).toMatchObject({ id: w2.id, removed: true });
  agent.setBackend(i.name, 'web', [
    { name: 'w1', status: 'UP' },
    { name: 'w2', status: 'UP' },
  ]);
  await i.sync.sync(i.instanceId);
  expect((await serverStates(db.ds, i.instanceId))[1]).toMatchObject({ id: w2.id, removed: false });
});

test('selective polling: out-of-scope backends are neither fetched nor soft-deleted', async () => {
  const i = await freshInstance({
    web_1: [{ name: 'w1', status: 'UP' }],
    web_2: [{ name: 'w2', status: 'UP' }],
    stats: [{ name: 's', status: 'UP' }],
  });
  await i.sync.sync(i.instanceId);
  await db.ds.query(`UPDATE haproxy_instances SET backend_scope = '["web_*"]' WHERE id = $1`, [i.instanceId]);
  agent.requests.length = 0;
  await i.sync.sync(i.instanceId);
  const fetchedBackends = agent.requests
    .filter((r) => r.segments[2] === i.name && r.segments.length === 6)
    .map((r) => r.segments[4]);
  expect(fetchedBackends.sort()).toEqual(['web_1', 'web_2']);
  agent.removeBackend(i.name, 'stats');
  await i.sync.sync(i.instanceId);
  expect((await backendStates(db.ds, i.instanceId)).find((b) => b.name === 'stats')!.removed).toBe(false);
});

test('a hostile scope pattern against a long backend name: the sync finishes and the scope holds', async () => {
  // V8 would backtrack for minutes on this pattern against the long name (the longest an agent may send);
  // PostgreSQL matches it at once.
  const long = 'a'.repeat(255);
  const i = await freshInstance({ [long]: [{ name: 'l1', status: 'UP' }], aab: [{ name: 'b1', status: 'UP' }] }, [
    `${'*a'.repeat(40)}*b`,
    'a*b',
  ]);
  expect(await i.sync.sync(i.instanceId)).toMatchObject({ status: 'ok', backends: 1, servers: 1 });
  expect((await backendStates(db.ds, i.instanceId)).map((b) => b.name)).toEqual(['aab']);
}, 30_000);

test('a database error in the middle of a sync leaves the instance exactly as before', async () => {
  const i = await freshInstance({ web: [{ name: 'w1', status: 'UP' }], api: [{ name: 'a1', status: 'UP' }] });
  await i.sync.sync(i.instanceId);
  const before = await snapshot(db.ds, i.instanceId);
  agent.server(i.name, 'web', 'w1').status = 'DOWN';
  agent.removeBackend(i.name, 'api');
  agent.setBackend(i.name, 'new', [{ name: 'n1', status: 'UP' }]);
  // Fails after backends, servers and history were written in the transaction.
  await db.ds.query(
    `CREATE FUNCTION hpx_fail() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'disk full (injected)'; END $$`
  );
  await db.ds.query(
    `CREATE TRIGGER hpx_fail BEFORE INSERT ON haproxy_metric_samples_default FOR EACH ROW EXECUTE FUNCTION hpx_fail()`
  );
  try {
    const out = await i.sync.sync(i.instanceId);
    expect(out.status).toBe('failed');
    expect(out.error).toMatch(/database error: .*disk full \(injected\)/);
    expect(await snapshot(db.ds, i.instanceId)).toEqual(before);
    expect((await instanceRow(i.instanceId)).last_sync_error).toMatch(/disk full/);
  } finally {
    await db.ds.query(`DROP TRIGGER hpx_fail ON haproxy_metric_samples_default; DROP FUNCTION hpx_fail()`);
  }
  expect((await i.sync.sync(i.instanceId)).status).toBe('ok');
  expect((await serverStates(db.ds, i.instanceId)).map((s) => [s.backend, s.server, s.status, s.removed])).toEqual([
    ['api', 'a1', 'UP', true],
    ['new', 'n1', 'UP', false],
    ['web', 'w1', 'DOWN', false],
  ]);
});

test('names with spaces, slashes, %, quotes and non-ASCII are stored intact and sent correctly encoded', async () => {
  const backend = `we b/%2F "q" 'x' ünï`;
  const serverName = `s 1/%25 "é" ;drop`;
  const i = await freshInstance({ [backend]: [{ name: serverName, status: 'UP' }] });
  agent.requests.length = 0;
  expect((await i.sync.sync(i.instanceId)).status).toBe('ok');
  expect((await serverStates(db.ds, i.instanceId)).map((s) => [s.backend, s.server])).toEqual([[backend, serverName]]);
  const serversReq = agent.requests.find((r) => r.segments.length === 6)!;
  expect(serversReq.rawPath).toBe(`/api/haproxy/${i.name}/backends/${encodeURIComponent(backend)}/servers`);
  expect(serversReq.segments[4]).toBe(backend);
});

test('auto-mapping maps by host, reports ambiguity, and never overwrites a manual mapping', async () => {
  const i = await freshInstance({
    shop: [
      { name: 's1', status: 'UP', address: 'mapweb1.prod:8080' },
      { name: 's2', status: 'UP', address: 'mapdb:5432' },
      { name: 's3', status: 'UP', address: 'mapweb1.prod:8081' },
    ],
  });
  const [h1] = await db.ds.query(
    `INSERT INTO hosts (name, address, fagent_url) VALUES ('mapweb1.example', '198.51.100.1', 'http://x') RETURNING id`
  );
  const [h2] = await db.ds.query(
    `INSERT INTO hosts (name, address, fagent_url) VALUES ('mapdb.a', '198.51.100.2', 'http://x') RETURNING id`
  );
  const [h3] = await db.ds.query(
    `INSERT INTO hosts (name, address, fagent_url) VALUES ('mapdb.b', '198.51.100.3', 'http://x') RETURNING id`
  );
  const [app] = await db.ds.query(`INSERT INTO applications (name, host_id) VALUES ('shop', $1) RETURNING id`, [h1.id]);
  await db.ds.query(`INSERT INTO applications (name, host_id) VALUES ('db', $1), ('db', $2)`, [h2.id, h3.id]);
  const [other] = await db.ds.query(`INSERT INTO applications (name, host_id) VALUES ('other', NULL) RETURNING id`);
  await i.sync.sync(i.instanceId);
  const mapping = () =>
    db.ds.query(
      `SELECT s.server_name, s.application_id, s.mapping_kind, s.mapping_note FROM haproxy_servers s JOIN haproxy_backends b ON b.id = s.backend_id
        WHERE b.instance_id = $1 ORDER BY s.server_name`,
      [i.instanceId]
    );
  expect(await mapping()).toEqual([
    { server_name: 's1', application_id: app.id, mapping_kind: 'auto', mapping_note: null },
    {
      server_name: 's2',
      application_id: null,
      mapping_kind: null,
      mapping_note: expect.stringMatching(/ambiguous.*mapdb\.a, mapdb\.b/),
    },
    { server_name: 's3', application_id: app.id, mapping_kind: 'auto', mapping_note: null },
  ]);
  await db.ds.query(
    `UPDATE haproxy_servers SET application_id = $1, mapping_kind = 'manual' WHERE server_name = 's3'`,
    [other.id]
  );
  await db.ds.query(
    `UPDATE haproxy_servers SET application_id = NULL, mapping_kind = 'manual' WHERE server_name = 's1'`
  );
  await i.sync.sync(i.instanceId);
  const after = await mapping();
  expect(after[0]).toMatchObject({ application_id: null, mapping_kind: 'manual' });
  expect(after[2]).toMatchObject({ application_id: other.id, mapping_kind: 'manual' });
});

test('two concurrent syncs of one instance: one runs, the other is skipped', async () => {
  const i = await freshInstance({ web: [{ name: 'w1', status: 'UP' }] });
  agent.inject(on.backends(i.name), { kind: 'delay', ms: 300 }, 1);
  const outcomes = await Promise.all([i.sync.sync(i.instanceId), i.sync.sync(i.instanceId)]);
  expect(outcomes.map((o) => o.status).sort()).toEqual(['ok', 'skipped']);
  const [s] = await serverStates(db.ds, i.instanceId);
  expect(await historyOf(s.id)).toHaveLength(1);
});
