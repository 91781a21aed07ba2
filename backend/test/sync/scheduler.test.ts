import { openDatabase } from '../../src/db/data-source';
import { PoolDb } from '../../src/db/db';
import type { InstanceSync, SyncOptions } from '../../src/sync/instance-sync';
import { SyncScheduler } from '../../src/sync/scheduler';
import { createTestDatabase, TestDatabase } from '../support/db';
import { FakeFagent } from '../support/fake-fagent';
import { insertInstance, silentLog, snapshot, testClient, testSync } from '../support/fixtures';

let db: TestDatabase;
let agent: FakeFagent;

beforeAll(async () => {
  db = await createTestDatabase();
  agent = await new FakeFagent().start();
});
afterAll(async () => {
  await agent?.stop();
  await db?.drop();
});

const scheduler = (ds = db.ds, client = testClient()) =>
  new SyncScheduler(new PoolDb(ds), testSync(ds, client), silentLog, {
    pollingIntervalSec: 60,
    concurrency: 4,
    hostConcurrency: 2,
  });

test('two backend processes on one database sync each instance exactly once per cycle', async () => {
  const ids: number[] = [];
  for (let n = 0; n < 8; n++) {
    agent.setBackend(`p${n}`, 'web', [
      { name: 'a', status: 'UP' },
      { name: 'b', status: 'DOWN' },
    ]);
    ids.push((await insertInstance(db.ds, agent.url, `p${n}`)).instanceId);
  }
  // The second "process": its own connection pool, client, breakers and scheduler.
  const ds2 = await openDatabase({ url: db.url, poolSize: 10 });
  try {
    const [a, b] = await Promise.all([scheduler().runCycle(), scheduler(ds2).runCycle()]);
    for (const id of ids) {
      const statuses = [a, b].map((r) => r.outcomes.find((o) => o.instanceId === id)!.status).sort();
      expect(statuses).toEqual(['ok', 'skipped']);
    }
    const [{ n }] = await db.ds.query(`SELECT count(*)::int AS n FROM haproxy_server_status_history`);
    expect(n).toBe(ids.length * 2);
  } finally {
    await ds2.destroy();
  }
});

test('a cycle that is running is joined, not started twice', async () => {
  const s = scheduler();
  const first = s.runCycle();
  expect(s.runCycle()).toBe(first);
  await first;
});

test('inactive instances and instances of inactive hosts are not synced by the schedule', async () => {
  agent.setBackend('off1', 'web', [{ name: 'a', status: 'UP' }]);
  agent.setBackend('off2', 'web', [{ name: 'a', status: 'UP' }]);
  const off1 = await insertInstance(db.ds, agent.url, 'off1');
  const off2 = await insertInstance(db.ds, agent.url, 'off2');
  await db.ds.query(`UPDATE haproxy_instances SET is_active = false WHERE id = $1`, [off1.instanceId]);
  await db.ds.query(`UPDATE hosts SET is_active = false WHERE id = $1`, [off2.hostId]);
  const report = await scheduler().runCycle();
  const synced = report.outcomes.map((o) => o.instanceId);
  expect(synced).not.toContain(off1.instanceId);
  expect(synced).not.toContain(off2.instanceId);
});

test('agent down: the breaker opens after the threshold, data is untouched, and it recovers after the timeout', async () => {
  const down = await new FakeFagent().start();
  down.setBackend('edge', 'web', [{ name: 'a', status: 'UP' }]);
  const { instanceId } = await insertInstance(db.ds, down.url, 'edge');
  const client = testClient({ breakerThreshold: 2, breakerResetTimeoutMs: 400 });
  const sync = testSync(db.ds, client);
  expect((await sync.sync(instanceId)).status).toBe('ok');
  const before = await snapshot(db.ds, instanceId);
  const port = down.port;
  await down.stop();
  try {
    for (let n = 0; n < 2; n++) {
      expect((await sync.sync(instanceId)).error).toMatch(/unreachable/);
    }
    expect(client.breakers.state(instanceId)).toBe('open');
    const fast = await sync.sync(instanceId);
    expect(fast.error).toMatch(/circuit breaker open/);
    expect(fast.durationMs).toBeLessThan(1000); // no request made: far below even one request timeout plus retries
    expect(await snapshot(db.ds, instanceId)).toEqual(before);
    const [row] = await db.ds.query(
      `SELECT last_sync_success, last_sync_error, consecutive_failures FROM haproxy_instances WHERE id = $1`,
      [instanceId]
    );
    expect(row).toMatchObject({ last_sync_success: false, consecutive_failures: 3 });
    expect(row.last_sync_error).toMatch(/circuit breaker open/);

    await down.start(port);
    down.server('edge', 'web', 'a').status = 'DRAIN';
    await new Promise((r) => setTimeout(r, 450));
    expect(client.breakers.state(instanceId)).toBe('half_open');
    expect((await sync.sync(instanceId)).status).toBe('ok');
    expect(client.breakers.state(instanceId)).toBe('closed');
    const [after] = await db.ds.query(`SELECT consecutive_failures FROM haproxy_instances WHERE id = $1`, [instanceId]);
    expect(after.consecutive_failures).toBe(0);
  } finally {
    client.close();
    await down.stop();
  }
});

test('each sync is told whether a cycle ran it, and the cycle is told once when every sync of it is done', async () => {
  agent.setBackend('told1', 'web', [{ name: 'a', status: 'UP' }]);
  const { instanceId } = await insertInstance(db.ds, agent.url, 'told1');
  const told: string[] = [];
  const s = new SyncScheduler(new PoolDb(db.ds), testSync(db.ds, testClient()), silentLog, {
    pollingIntervalSec: 60,
    concurrency: 4,
    hostConcurrency: 2,
    replicaSkipMs: 0,
    onSynced: (o, { scheduled }) => told.push(`${o.instanceId === instanceId ? 'told1' : 'other'}:${scheduled}`),
    onCycle: (report) => told.push(`cycle:${report.outcomes.length}`),
  });
  const report = await s.runCycle();
  const scheduled = told.slice(0, -1);
  expect(scheduled).toHaveLength(report.outcomes.length);
  expect(scheduled).toContain('told1:true');
  expect(new Set(scheduled.map((t) => t.split(':')[1]))).toEqual(new Set(['true']));
  expect(told[told.length - 1]).toBe(`cycle:${report.outcomes.length}`);
  told.length = 0;
  await s.syncInstance(instanceId);
  expect(told).toEqual(['told1:false']);
});

test('an instance deactivated while its scheduled sync waits for a slot is not synced', async () => {
  agent.setBackend('first1', 'web', [{ name: 'a', status: 'UP' }]);
  agent.setBackend('later1', 'web', [{ name: 'a', status: 'UP' }]);
  const first = await insertInstance(db.ds, agent.url, 'first1');
  const later = await insertInstance(db.ds, agent.url, 'later1');
  const real = testSync(db.ds, testClient());
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let started!: () => void;
  const firstStarted = new Promise<void>((r) => (started = r));
  // The cycle runs one sync at a time; the first instance's holds the slot until the test lets it go.
  const gated = {
    sync: async (id: number, o: SyncOptions) => {
      if (id === first.instanceId) {
        started();
        await gate;
      }
      return real.sync(id, o);
    },
  } as unknown as InstanceSync;
  const s = new SyncScheduler(new PoolDb(db.ds), gated, silentLog, {
    pollingIntervalSec: 60,
    concurrency: 1,
    hostConcurrency: 1,
    replicaSkipMs: 0,
  });
  const cycle = s.runCycle();
  await firstStarted;
  await db.ds.query(`UPDATE haproxy_instances SET is_active = false WHERE id = $1`, [later.instanceId]);
  release();
  const report = await cycle;
  expect(report.outcomes.find((o) => o.instanceId === later.instanceId)).toMatchObject({
    status: 'skipped',
    error: 'instance or host deactivated',
  });
  const [row] = await db.ds.query(`SELECT last_sync_at FROM haproxy_instances WHERE id = $1`, [later.instanceId]);
  expect(row.last_sync_at).toBeNull();
  expect(agent.requests.some((r) => r.segments.includes('later1'))).toBe(false);
});
