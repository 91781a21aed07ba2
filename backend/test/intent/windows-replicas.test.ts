import { extendedServer } from '../support/fake-fagent';
import { startReplica, useSharedDatabase } from '../support/replica';
import { registerInstance, startTestService } from '../support/service';

/**
 * Windows that ended while no backend ran are ended when the backends start, exactly once across replicas:
 * two backend processes (one in this process, one in a child process) on one database, both checking every
 * 100 ms, race for the same due windows.
 */
const SERVERS = 6;
const shared = useSharedDatabase({ protocol: 'extended' });

test('each window ended by exactly one of two replicas, also one that ended while none ran', async () => {
  const { db, agent } = shared;
  agent.setBackend(
    'rep',
    'web',
    Array.from({ length: SERVERS }, (_, i) => extendedServer(`w${i + 1}`))
  );

  // The first backend opens the windows, then stops before they end.
  const first = await startTestService({ windowCheckIntervalMs: 0 }, db);
  const { instanceId } = await registerInstance(first, agent.url, 'rep');
  expect((await first.call('POST', `/api/haproxy/instances/${instanceId}/sync?wait=true`)).status).toBe(200);
  const ids = (await first.call('GET', `/api/haproxy/servers?instance_id=${instanceId}`)).body.servers.map(
    (s: { id: number }) => s.id
  );
  const until = new Date(Date.now() + 1500).toISOString();
  const bulk = await first.call('POST', '/api/haproxy/commands/bulk', {
    token: first.tokens.operator,
    body: { command: 'maint', server_ids: ids, until, reason: 'replicas' },
  });
  expect(bulk.body).toMatchObject({ succeeded: SERVERS });
  await first.stop();
  await new Promise((r) => setTimeout(r, Math.max(0, Date.parse(until) - Date.now()) + 200));
  expect(Object.values(agent.instances.get('rep')!.get('web')!).every((s) => s.admin_state === 'maint')).toBe(true);

  // Two replicas start on the same database and race for the due windows.
  agent.requests.length = 0;
  await Promise.all([
    startReplica(db.url, { windowCheckIntervalMs: 100 }).then(shared.stopAtEnd),
    startTestService({ windowCheckIntervalMs: 100 }, db).then(shared.stopAtEnd),
  ]);
  const deadline = Date.now() + 15_000;
  while (
    agent.instances
      .get('rep')!
      .get('web')!
      .some((s) => s.admin_state !== 'ready')
  ) {
    if (Date.now() > deadline) {
      throw new Error('the windows did not end within 15 s');
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  // Room for a second end to happen, if anything would send one.
  await new Promise((r) => setTimeout(r, 1000));

  const readies = agent.requests.filter((r) => r.route === 'command' && r.segments[7] === 'ready');
  expect(readies.map((r) => r.segments[6]).sort()).toEqual(ids.map((_: number, i: number) => `w${i + 1}`).sort());
  const audit = await db.ds.query(
    `SELECT server_id, count(*)::int AS n FROM haproxy_actions WHERE source = 'schedule' GROUP BY server_id ORDER BY server_id`
  );
  expect(audit).toEqual(ids.map((id: number) => ({ server_id: id, n: 1 })));
  const desired = await db.ds.query(`SELECT admin_state, until, source FROM haproxy_server_desired ORDER BY server_id`);
  expect(desired).toEqual(ids.map(() => ({ admin_state: 'ready', until: null, source: 'schedule' })));
});
