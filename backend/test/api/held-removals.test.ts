import { actions, expectError, fleet, syncNow, useHarness } from './helpers';

/** A held removal through the API: shown on the instance, confirmed by an admin, audited, in history. */

const h = useHarness();

test('an answer that would wipe an instance is held, shown, and applied when an admin confirms it', async () => {
  const f = await fleet(h, 'wiped', {
    web: [
      { name: 'w1', status: 'UP' },
      { name: 'w2', status: 'UP' },
    ],
    api: [{ name: 'a1', status: 'UP' }],
  });
  h.agent.removeBackend('wiped', 'web').removeBackend('wiped', 'api'); // an agent restarted with no configuration
  expect((await syncNow(h, f.instanceId)).removals_held).toBe(true);

  const instance = (await h.t.call('GET', `/api/haproxy/instances/${f.instanceId}`, { token: h.t.tokens.viewer })).body;
  expect(instance).toMatchObject({ backend_count: 2, server_count: 3, last_sync_success: true });
  expect(instance.suspicious_answer).toEqual({
    since: expect.any(String),
    consecutive: 1,
    required: 3,
    backends_removed: 2,
    backends_total: 2,
    servers_removed: 3,
    servers_total: 3,
    share: 1,
    message: expect.stringMatching(/^every backend \(2\) would be removed: nothing was removed/),
  });
  const listed = (await h.t.call('GET', '/api/haproxy/instances')).body.instances;
  expect(listed.find((i: { id: number }) => i.id === f.instanceId).suspicious_answer).toEqual(
    instance.suspicious_answer
  );

  const confirm = (token: string) =>
    h.t.call('POST', `/api/haproxy/instances/${f.instanceId}/removals/confirm`, { token });
  expectError(await confirm(h.t.tokens.viewer), 403, 'forbidden');
  expectError(await confirm(h.t.tokens.operator), 403, 'forbidden');

  const res = await confirm(h.t.tokens.admin);
  expect(res.status).toBe(200);
  const note = `held removal of 2 backend(s) and 3 server(s), held since ${instance.suspicious_answer.since}, confirmed by an admin (token:bootstrap-admin)`;
  expect(res.body).toEqual({
    instance_id: f.instanceId,
    confirmed: instance.suspicious_answer,
    removed_backends: 2,
    removed_servers: 3,
    action: expect.objectContaining({
      command: 'confirm_removals',
      actor: 'token:bootstrap-admin',
      source: 'api',
      result: 'success',
      success: true,
      server_id: null,
      instance_id: f.instanceId,
      note,
    }),
  });

  const after = (await h.t.call('GET', `/api/haproxy/instances/${f.instanceId}`)).body;
  expect(after).toMatchObject({ suspicious_answer: null, backend_count: 0, server_count: 0 });
  const w1 = f.servers['web/w1'].id;
  expect((await h.t.call('GET', `/api/haproxy/servers/${w1}/history`)).body.history[0]).toMatchObject({
    cause: 'removed',
    from_status: 'UP',
    to_status: 'UP',
    note,
  });
  expect((await actions(h, `instance_id=${f.instanceId}&command=confirm_removals`)).actions.map((a) => a.id)).toEqual([
    res.body.action.id,
  ]);

  expectError(await confirm(h.t.tokens.admin), 409, 'conflict');
  // The next sync sees the same empty answer: nothing left to remove, nothing held.
  expect((await syncNow(h, f.instanceId)).removals_held).toBe(false);
  // And the servers come back in place when the agent lists them again.
  h.agent.setBackend('wiped', 'web', [{ name: 'w1', status: 'UP' }]);
  await syncNow(h, f.instanceId);
  expect((await h.t.call('GET', `/api/haproxy/servers/${w1}`)).body.removed_at).toBeNull();
});

test('confirming on an unknown instance is a 404, on a bad id a 400', async () => {
  expectError(await h.t.call('POST', '/api/haproxy/instances/2147483647/removals/confirm'), 404, 'not_found');
  expectError(await h.t.call('POST', '/api/haproxy/instances/abc/removals/confirm'), 400, 'bad_request');
});
