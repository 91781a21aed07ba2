import { actions, fleet, useHarness } from './helpers';

/** Single commands of the extended protocol (weight, shutdown-sessions) through the API. */
const h = useHarness({}, { protocol: 'extended' });
const command = (serverId: number, body: Record<string, unknown>) =>
  h.t.call('POST', `/api/haproxy/servers/${serverId}/command`, { token: h.t.tokens.operator, body });

test('shutdown-sessions: the answer and the stored server show the sessions HAProxy reports after it', async () => {
  const f = await fleet(h, 'ext-shut', {
    web: [
      { name: 's1', status: 'UP', current_sessions: 7 },
      { name: 's2', status: 'UP', current_sessions: 0 },
    ],
  });
  const busy = f.servers['web/s1'].id;
  const res = await command(busy, { command: 'shutdown-sessions', reason: 'stuck clients' });
  expect(res.status).toBe(200);
  expect(h.agent.server('ext-shut', 'web', 's1').current_sessions).toBe(0);
  expect(res.body.server).toMatchObject({ id: busy, status: 'UP', current_sessions: 0 });
  expect((await h.t.call('GET', `/api/haproxy/servers/${busy}`)).body.current_sessions).toBe(0);

  // None to shut down: a success all the same, audited.
  const idle = f.servers['web/s2'].id;
  const again = await command(idle, { command: 'shutdown-sessions' });
  expect(again.status).toBe(200);
  expect(again.body.server).toMatchObject({ current_sessions: 0, status: 'UP' });
  expect((await actions(h, `instance_id=${f.instanceId}&command=shutdown-sessions`)).actions).toEqual([
    expect.objectContaining({ server_id: idle, result: 'success', status_before: 'UP', status_after: 'UP' }),
    expect.objectContaining({ server_id: busy, result: 'success', reason: 'stuck clients' }),
  ]);
});
