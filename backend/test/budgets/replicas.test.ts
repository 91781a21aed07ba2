import { startReplica, useSharedDatabase } from '../support/replica';
import { registerInstance, startTestService } from '../support/service';

/**
 * The budget holds across replicas: two backend processes (this one and a child) on one database, 20
 * concurrent drains on a 10-server backend with a minimum of 5. The lock is PostgreSQL's, so the child's
 * requests and ours see each other's servers going out.
 */
const SERVERS = 10;
const shared = useSharedDatabase();

test('20 concurrent drains over two processes, minimum 5 of 10: 5 servers go out, every other answer is budget_exceeded', async () => {
  const { db, agent } = shared;
  agent.setBackend(
    'race',
    'web',
    Array.from({ length: SERVERS }, (_, i) => ({ name: `r${i + 1}`, status: 'UP' }))
  );
  const inProcess = shared.stopAtEnd(await startTestService({}, db));
  const replica = shared.stopAtEnd(await startReplica(db.url, { windowCheckIntervalMs: 0 }));
  const { instanceId } = await registerInstance(inProcess, agent.url, 'race');
  expect((await inProcess.call('POST', `/api/haproxy/instances/${instanceId}/sync?wait=true`)).status).toBe(200);
  const servers = (await inProcess.call('GET', `/api/haproxy/servers?instance_id=${instanceId}`)).body
    .servers as Array<{
    id: number;
    backend_id: number;
  }>;
  const put = await inProcess.call('PUT', `/api/haproxy/backends/${servers[0].backend_id}/budget`, {
    body: { min_available: 5 },
  });
  expect(put.body).toMatchObject({ effective_min: 5, available: SERVERS });

  // Every server asked twice, once by each process, in opposite orders so the twins land at different times.
  const drain = async (base: string, serverId: number) => {
    const res = await fetch(`${base}/api/haproxy/servers/${serverId}/command`, {
      method: 'POST',
      headers: { authorization: `Bearer ${inProcess.tokens.operator}`, 'content-type': 'application/json' },
      body: JSON.stringify({ command: 'drain' }),
    });
    return { serverId, status: res.status, body: (await res.json()) as Record<string, any> };
  };
  const answers = await Promise.all([
    ...servers.map((s) => drain(inProcess.url, s.id)),
    ...[...servers].reverse().map((s) => drain(replica.url, s.id)),
  ]);

  const out = agent.instances
    .get('race')!
    .get('web')!
    .filter((s) => s.status === 'DRAIN');
  expect(out).toHaveLength(5);
  const tookOut = await db.ds.query(
    `SELECT server_id FROM haproxy_actions WHERE success AND status_before = 'UP' ORDER BY server_id`
  );
  expect(tookOut).toHaveLength(5);
  const outIds = new Set(tookOut.map((r: { server_id: number }) => r.server_id));

  const ok = answers.filter((a) => a.status === 200);
  const refused = answers.filter((a) => a.status !== 200);
  // A 200 is a server taken out, or its twin arriving after it was out (a drain of a drained server takes
  // nothing out: nothing to refuse). Everything else is the budget's refusal, never another error.
  expect(ok.every((a) => outIds.has(a.serverId))).toBe(true);
  const noOps = ok.length - 5;
  expect(refused).toHaveLength(15 - noOps);
  for (const r of refused) {
    expect(r.status).toBe(409);
    expect(r.body.error).toMatchObject({
      code: 'budget_exceeded',
      details: { available: 5, min_available: 5, refused_server_ids: [r.serverId] },
    });
  }
  // No mark is left behind: every outcome ended its own.
  expect(await db.ds.query(`SELECT count(*)::int AS n FROM haproxy_taking_out`)).toEqual([{ n: 0 }]);
});
