import type { FagentClient, FagentClientOptions } from '../../src/fagent/client';
import { startAction } from '../../src/store/actions';
import { setDesired } from '../../src/store/desired-state';
import { PoolDb } from '../../src/db/db';
import { createTestDatabase, TestDatabase } from '../support/db';
import { extendedServer, FakeFagent, FakeServer } from '../support/fake-fagent';
import { insertInstance, serverStates, testClient, testSync } from '../support/fixtures';

/**
 * The sync writes only what changed (sync/fingerprint.ts, docs/architecture.md): an unchanged answer writes the
 * samples and the result, a changed backend alone is read and written, and anything written outside a sync
 * (or left pending by one) makes the next sync read everything. Each case checks the rows a whole sync would
 * have written, on both protocol paths.
 */

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db?.drop());

const row = async (sql: string, params: unknown[] = []) => (await db.ds.query(sql, params))[0];

interface ServerRowVersion {
  id: number;
  backend: string;
  server: string;
  status: string;
  current_sessions: number;
  version: string;
}

/** The stored servers with their row versions: an unchanged xmin is a row no statement rewrote. */
const serverRows = (instanceId: number): Promise<ServerRowVersion[]> =>
  db.ds.query(
    `SELECT s.id, b.backend_name AS backend, s.server_name AS server, s.status, s.current_sessions, s.xmin::text AS version
       FROM haproxy_servers s JOIN haproxy_backends b ON b.id = s.backend_id
      WHERE b.instance_id = $1 ORDER BY b.backend_name, s.server_name`,
    [instanceId]
  );

/** Each sync's samples, by time, backend name -> [server ids, statuses, weights, sessions]. */
async function samplesBySync(instanceId: number) {
  const rows: Array<{ at: string; backend: string; ids: number[]; st: number[]; w: number[]; c: number[] }> =
    await db.ds.query(
      `SELECT m.sampled_at::text AS at, b.backend_name AS backend, m.server_ids AS ids, m.statuses AS st,
              m.weights AS w, m.sessions AS c
         FROM haproxy_metric_samples m JOIN haproxy_backends b ON b.id = m.backend_id
        WHERE m.instance_id = $1 ORDER BY m.sampled_at, b.backend_name`,
      [instanceId]
    );
  const syncs = new Map<string, Record<string, unknown[]>>();
  for (const r of rows) {
    syncs.set(r.at, { ...syncs.get(r.at), [r.backend]: [r.ids, r.st, r.w, r.c] });
  }
  return [...syncs.values()];
}

const outsideChanges = async (instanceId: number) =>
  Number((await row(`SELECT count(*) AS n FROM haproxy_instance_changes WHERE instance_id = $1`, [instanceId])).n);

const fingerprints = (instanceId: number) =>
  row(
    `SELECT i.sync_fingerprint AS instance,
            (SELECT count(*)::int FROM haproxy_backends b WHERE b.instance_id = i.id AND b.sync_fingerprint IS NOT NULL) AS backends
       FROM haproxy_instances i WHERE i.id = $1`,
    [instanceId]
  );

const paths: Array<[protocol: 'seed' | 'extended', decoding: Partial<FagentClientOptions>]> = [
  ['seed', {}],
  ['extended', {}],
  // The same /state answers decoded on a thread (fagent/decode-pool.ts): only fingerprints and changed lists
  // come back, and a whole sync reads the rest on demand.
  ['extended', { decodeThreads: 1, decodeThreadMinBytes: 0 }],
];

describe.each(paths)('%s protocol %j', (protocol, decoding) => {
  let agent: FakeFagent;
  let client: FagentClient;
  beforeAll(async () => {
    agent = await new FakeFagent({ protocol }).start();
    client = testClient(decoding);
  });
  afterAll(async () => {
    client?.close();
    await agent?.stop();
  });

  let seq = 0;
  const server = (name: string, over: Partial<FakeServer> = {}): FakeServer =>
    protocol === 'extended' ? extendedServer(name, 'ready', true, over) : { name, status: 'UP', ...over };

  async function fleet() {
    const name = `${protocol}${decoding.decodeThreads ? '-threads' : ''}-${++seq}`;
    agent.setBackend(name, 'web', [server('w1'), server('w2')]);
    agent.setBackend(name, 'api', [server('a1')]);
    agent.setBackend(name, 'db', [server('d1', { current_sessions: 5 })]);
    const ids = await insertInstance(db.ds, agent.url, name);
    return { name, ...ids, sync: testSync(db.ds, client) };
  }

  test('an unchanged answer rewrites no row: the samples again (as a whole sync writes them) and the result', async () => {
    const i = await fleet();
    expect(await i.sync.sync(i.instanceId)).toMatchObject({ status: 'ok', path: 'whole', changedServers: 4 });
    expect(await fingerprints(i.instanceId)).toEqual({ instance: expect.any(String), backends: 3 });
    const before = await serverRows(i.instanceId);
    const backendsBefore = await db.ds.query(`SELECT xmin::text FROM haproxy_backends WHERE instance_id = $1`, [
      i.instanceId,
    ]);
    const history = await row(`SELECT count(*)::int AS n FROM haproxy_server_status_history`);
    const { last_sync_at } = await row(`SELECT last_sync_at FROM haproxy_instances WHERE id = $1`, [i.instanceId]);

    expect(await i.sync.sync(i.instanceId)).toMatchObject({
      status: 'ok',
      path: 'unchanged',
      backends: 3,
      servers: 4,
      changedServers: 0,
      removedServers: 0,
    });
    expect(await serverRows(i.instanceId)).toEqual(before);
    expect(await db.ds.query(`SELECT xmin::text FROM haproxy_backends WHERE instance_id = $1`, [i.instanceId])).toEqual(
      backendsBefore
    );
    expect(await row(`SELECT count(*)::int AS n FROM haproxy_server_status_history`)).toEqual(history);
    const after = await row(`SELECT last_sync_at, last_sync_success FROM haproxy_instances WHERE id = $1`, [
      i.instanceId,
    ]);
    expect(after.last_sync_success).toBe(true);
    expect(after.last_sync_at.getTime()).toBeGreaterThan(last_sync_at.getTime());

    // A whole sync of the same answer (the fingerprint forgotten) samples exactly the same.
    await db.ds.query(`UPDATE haproxy_instances SET sync_fingerprint = NULL WHERE id = $1`, [i.instanceId]);
    expect(await i.sync.sync(i.instanceId)).toMatchObject({ path: 'whole', changedServers: 0 });
    const [first, again, whole] = await samplesBySync(i.instanceId);
    expect(Object.keys(first)).toEqual(['api', 'db', 'web']);
    expect(again).toEqual(first);
    expect(whole).toEqual(first);
  });

  test('a changed backend alone is written; the others sample what they sampled', async () => {
    const i = await fleet();
    await i.sync.sync(i.instanceId);
    const before = await serverRows(i.instanceId);
    agent.server(i.name, 'web', 'w2').status = 'DOWN';
    if (protocol === 'extended') {
      agent.server(i.name, 'web', 'w2').operational_state = 'down';
    }
    agent.server(i.name, 'db', 'd1').current_sessions = 6;

    expect(await i.sync.sync(i.instanceId)).toMatchObject({
      status: 'ok',
      path: 'changed_backends',
      backends: 3,
      servers: 4,
      changedServers: 2,
    });
    const after = await serverRows(i.instanceId);
    const changed = (s: ServerRowVersion) => ['web/w2', 'db/d1'].includes(`${s.backend}/${s.server}`);
    expect(after.filter((s) => !changed(s))).toEqual(before.filter((s) => !changed(s)));
    expect(after.find((s) => s.server === 'w2')).toMatchObject({ status: 'DOWN' });
    expect(after.find((s) => s.server === 'd1')).toMatchObject({ current_sessions: 6 });
    const w2 = before.find((s) => s.server === 'w2')!.id;
    expect(
      await db.ds.query(
        `SELECT from_status, to_status, cause FROM haproxy_server_status_history WHERE server_id = $1 ORDER BY id`,
        [w2]
      )
    ).toEqual([
      { from_status: null, to_status: 'UP', cause: 'sync' },
      { from_status: 'UP', to_status: 'DOWN', cause: 'sync' },
    ]);

    const [first, second] = await samplesBySync(i.instanceId);
    expect(second.api).toEqual(first.api);
    expect(second.web).toEqual([first.web[0], [1, 2], first.web[2], first.web[3]]);
    expect(second.db).toEqual([first.db[0], first.db[1], first.db[2], [6]]);
  });

  test('a write outside the sync makes the next one read everything, as a whole sync would', async () => {
    const i = await fleet();
    await i.sync.sync(i.instanceId);
    expect(await outsideChanges(i.instanceId)).toBe(0);
    // A status written while the agent kept saying UP (as a command's completion or a person in psql would).
    const [w1] = (await serverRows(i.instanceId)).filter((s) => s.server === 'w1');
    await db.ds.query(`UPDATE haproxy_servers SET status = 'MAINT' WHERE id = $1`, [w1.id]);
    expect(await outsideChanges(i.instanceId)).toBe(1);

    expect(await i.sync.sync(i.instanceId)).toMatchObject({ status: 'ok', path: 'whole', changedServers: 1 });
    expect((await serverRows(i.instanceId)).find((s) => s.id === w1.id)).toMatchObject({ status: 'UP' });
    expect(await outsideChanges(i.instanceId)).toBe(0);
  });

  test("a command's claim or a window's lease is no change; a desired state or a mapping is", async () => {
    const i = await fleet();
    await i.sync.sync(i.instanceId);
    const [w1] = await serverRows(i.instanceId);
    await db.ds.query(
      `UPDATE haproxy_servers SET command_claim = gen_random_uuid(), command_claim_until = now() WHERE id = $1`,
      [w1.id]
    );
    expect(await outsideChanges(i.instanceId)).toBe(0);
    await setDesired(
      new PoolDb(db.ds),
      w1.id,
      { adminState: 'ready', actor: 'test', reason: null, source: 'ui', until: null },
      new Date()
    );
    await db.ds.query(`UPDATE haproxy_server_desired SET window_claimed_until = now() WHERE server_id = $1`, [w1.id]);
    await db.ds.query(`UPDATE haproxy_servers SET mapping_kind = 'manual' WHERE id = $1`, [w1.id]);
    expect(await outsideChanges(i.instanceId)).toBe(2);
    expect(await i.sync.sync(i.instanceId)).toMatchObject({ path: 'whole' });
    expect(await outsideChanges(i.instanceId)).toBe(0);
    expect(await i.sync.sync(i.instanceId)).toMatchObject({ path: 'unchanged' });
  });

  test('replicas take turns: each sync starts from what the other wrote, not from what it saw last', async () => {
    const i = await fleet();
    const other = testSync(db.ds, testClient());
    await i.sync.sync(i.instanceId);
    agent.server(i.name, 'api', 'a1').status = 'DOWN';
    await other.sync(i.instanceId);
    agent.server(i.name, 'api', 'a1').status = 'UP';
    expect(await i.sync.sync(i.instanceId)).toMatchObject({ path: 'changed_backends', changedServers: 1 });
    expect(await i.sync.sync(i.instanceId)).toMatchObject({ path: 'unchanged', changedServers: 0 });
    const a1 = (await serverRows(i.instanceId)).find((s) => s.server === 'a1')!;
    expect(a1).toMatchObject({ status: 'UP' });
    expect(
      await db.ds.query(`SELECT to_status FROM haproxy_server_status_history WHERE server_id = $1 ORDER BY id`, [a1.id])
    ).toEqual([{ to_status: 'UP' }, { to_status: 'DOWN' }, { to_status: 'UP' }]);
  });

  test('samples gone (retention) are written again from the answer, not copied from nothing', async () => {
    const i = await fleet();
    await i.sync.sync(i.instanceId);
    await db.ds.query(`DELETE FROM haproxy_metric_samples WHERE instance_id = $1`, [i.instanceId]);
    expect(await i.sync.sync(i.instanceId)).toMatchObject({ status: 'ok', path: 'whole', backends: 3, servers: 4 });
    const [only] = await samplesBySync(i.instanceId);
    expect(Object.keys(only)).toEqual(['api', 'db', 'web']);
    expect(only.db[3]).toEqual([5]);
  });

  test('a partial answer settles nothing: the next sync reads everything again', async () => {
    const i = await fleet();
    await i.sync.sync(i.instanceId);
    agent.inject((r) => r.route === (protocol === 'extended' ? 'state' : 'servers') && r.segments[2] === i.name, {
      kind: 'rewrite',
      rewrite: (answer) =>
        protocol === 'extended'
          ? {
              ...(answer as object),
              backends: (answer as { backends: Array<{ name: string }> }).backends.map((b) =>
                b.name === 'api' ? { name: 'api', servers: 'broken' } : b
              ),
            }
          : answer,
    });
    if (protocol === 'seed') {
      agent.clearFaults();
      agent.inject((r) => r.route === 'servers' && r.segments[4] === 'api', { kind: 'status', status: 503 }, 1);
    }
    // On /state too, the odd backend fails alone: the others are written.
    expect((await i.sync.sync(i.instanceId)).status).toBe('partial');
    agent.clearFaults();
    expect((await fingerprints(i.instanceId)).instance).toBeNull();
    agent.server(i.name, 'api', 'a1').weight = 7;
    expect(await i.sync.sync(i.instanceId)).toMatchObject({ status: 'ok', path: 'whole', changedServers: 1 });
    expect((await fingerprints(i.instanceId)).instance).not.toBeNull();
  });
});

test("a drift keeps the instance's fingerprint unset, so every sync decides it again", async () => {
  const agent = await new FakeFagent().start();
  const client = testClient();
  try {
    agent.setBackend('drifting', 'web', [{ name: 'w1', status: 'UP' }]);
    const { instanceId } = await insertInstance(db.ds, agent.url, 'drifting');
    const sync = testSync(db.ds, client);
    await sync.sync(instanceId);
    const [w1] = await serverStates(db.ds, instanceId);
    await setDesired(
      new PoolDb(db.ds),
      w1.id,
      { adminState: 'drain', actor: 'test', reason: null, source: 'ui', until: null },
      new Date()
    );
    expect(await sync.sync(instanceId)).toMatchObject({ drifting: 1 });
    expect((await fingerprints(instanceId)).instance).toBeNull();
    expect(await sync.sync(instanceId)).toMatchObject({ path: 'whole', drifting: 1 });
    expect(await row(`SELECT drift_cause FROM haproxy_server_desired WHERE server_id = $1`, [w1.id])).toEqual({
      drift_cause: 'unknown',
    });
  } finally {
    client.close();
    await agent.stop();
  }
});

test('a backend whose server a command fenced is read again by the next sync; an unchanged one is not', async () => {
  const agent = await new FakeFagent().start();
  const client = testClient();
  try {
    agent.setBackend('fenced', 'web', [{ name: 'w1', status: 'UP' }]);
    agent.setBackend('fenced', 'api', [{ name: 'a1', status: 'UP' }]);
    const { instanceId } = await insertInstance(db.ds, agent.url, 'fenced');
    const sync = testSync(db.ds, client);
    await sync.sync(instanceId);
    const w1 = (await serverStates(db.ds, instanceId)).find((s) => s.server === 'w1')!;
    // A command in flight on w1 (its pending audit row), as ServerCommands writes it.
    await startAction(new PoolDb(db.ds), {
      serverId: w1.id,
      instanceId,
      instanceName: 'fenced',
      backendName: 'web',
      serverName: 'w1',
      command: 'drain',
      actor: 'test',
      source: 'api',
      startedAt: new Date(),
    });
    // HAProxy already drained it: the answer may or may not be older than the command, so w1 stays as stored.
    agent.server('fenced', 'web', 'w1').status = 'DRAIN';
    expect(await sync.sync(instanceId)).toMatchObject({
      status: 'ok',
      path: 'changed_backends',
      fencedServers: 1,
      changedServers: 0,
    });
    expect((await serverStates(db.ds, instanceId)).find((s) => s.server === 'w1')).toMatchObject({ status: 'UP' });
    expect(
      await db.ds.query(
        `SELECT backend_name, sync_fingerprint IS NOT NULL AS trusted FROM haproxy_backends WHERE instance_id = $1 ORDER BY 1`,
        [instanceId]
      )
    ).toEqual([
      { backend_name: 'api', trusted: true },
      { backend_name: 'web', trusted: false },
    ]);
    // The command ended without writing (it failed): the same answer is planned again and now applies.
    await db.ds.query(
      `UPDATE haproxy_actions SET result = 'failure', completed_at = now() - interval '1 hour' WHERE server_id = $1`,
      [w1.id]
    );
    expect(await sync.sync(instanceId)).toMatchObject({
      status: 'ok',
      path: 'changed_backends',
      fencedServers: 0,
      changedServers: 1,
    });
    expect((await serverStates(db.ds, instanceId)).find((s) => s.server === 'w1')).toMatchObject({ status: 'DRAIN' });
  } finally {
    client.close();
    await agent.stop();
  }
});
