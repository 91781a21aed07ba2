import { serviceIdleTimeoutMs } from '../../src/db/data-source';
import { useFakeAgent } from '../support/fake-fagent';
import { startTestService, TestService } from '../support/service';

/**
 * The service's connections outlive a pause between two syncs (a minute by default) and between two dashboard
 * refreshes. pg closes an unused connection after 10 s unless told otherwise: each cycle then opened its
 * connections again, and PostgreSQL planned every prepared statement and loaded its caches again (a steady cycle
 * after a pause took 1.5x one run right after another in `npm run bench`).
 */
const agent = useFakeAgent();
let t: TestService;

beforeAll(async () => {
  t = await startTestService();
});
afterAll(() => t?.stop());

/** The service's sessions on its database: pid and when each was opened. */
const sessions = async () =>
  new Map(
    (
      await t.db.ds.query<Array<{ pid: number; started: string }>>(
        `SELECT pid, backend_start::text AS started FROM pg_stat_activity
          WHERE datname = current_database() AND application_name LIKE 'haproxy-control%'`
      )
    ).map((r) => [r.pid, r.started])
  );

test('keeps its connections for longer than a sync interval and a dashboard refresh', () => {
  expect(serviceIdleTimeoutMs(60)).toBeGreaterThanOrEqual(5 * 60_000);
  expect(serviceIdleTimeoutMs(3600)).toBe(2 * 3600_000);
});

/** Registers one instance on the fake agent; the function syncs it and reads its backends, both expected to work. */
async function syncedInstance(name: string) {
  agent.setBackend(name, 'web', [{ name: 'w1', status: 'UP' }]);
  const host = await t.call('POST', '/api/hosts', {
    body: { name: `${name}-host`, address: '127.0.0.1', fagent_url: agent.url },
  });
  const inst = await t.call('POST', '/api/haproxy/instances', { body: { host_id: host.body.id, name } });
  return async () => {
    const sync = await t.call('POST', `/api/haproxy/instances/${inst.body.id}/sync?wait=true`);
    expect(sync.body.status).toBe('ok');
    expect((await t.call('GET', '/api/haproxy/backends', { token: t.tokens.viewer })).status).toBe(200);
  };
}

test('a sync and a read after a pause longer than pg default idle time run on the connections already open', async () => {
  const syncAndRead = await syncedInstance('pause');
  await syncAndRead();
  const before = await sessions();
  expect(before.size).toBeGreaterThan(0);

  await new Promise((resolve) => setTimeout(resolve, 11_000));
  await syncAndRead();
  const after = await sessions();
  // Not one was closed for being unused, and none had to be opened again.
  for (const [pid, started] of before) {
    expect(after.get(pid)).toBe(started);
  }
  expect([...after.keys()].filter((pid) => !before.has(pid))).toEqual([]);
}, 30_000);

test('connections PostgreSQL closed while they waited (a restart, an idle timeout, a DBA) are replaced, not used', async () => {
  const syncAndRead = await syncedInstance('killed');
  await syncAndRead();
  const before = await sessions();
  // The token listener is a connection of its own, which reconnects by itself: the pools' are the point.
  await t.db.ds.query(
    `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
      WHERE datname = current_database() AND application_name LIKE 'haproxy-control%' AND state = 'idle'
        AND application_name <> 'haproxy-control-token-listener'`
  );
  // The sessions' ends reach the pools as errors on idle connections, which they drop.
  await new Promise((resolve) => setTimeout(resolve, 200));
  await syncAndRead();
  const after = await sessions();
  expect([...after.keys()].some((pid) => !before.has(pid))).toBe(true);
});
