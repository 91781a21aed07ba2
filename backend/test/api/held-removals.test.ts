import { actions, expectError, fleet, readFleet, syncNow, useHarness } from './helpers';

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

test('servers renamed en masse stay held until the same removal came on 3 syncs, though the new names are stored', async () => {
  const f = await fleet(h, 'renamed', {
    web: [
      { name: 'w1', status: 'UP' },
      { name: 'w2', status: 'UP' },
      { name: 'w3', status: 'UP' },
    ],
  });
  // A regenerated configuration: the same backend, every server under a new name.
  h.agent.setBackend('renamed', 'web', [
    { name: 'n1', status: 'UP' },
    { name: 'n2', status: 'UP' },
    { name: 'n3', status: 'UP' },
  ]);
  const first = await syncNow(h, f.instanceId);
  expect(first).toMatchObject({ removals_held: true, removed_servers: 0 });
  // The new names are stored at once; the old ones now are half of the backend, which must not end the hold.
  const second = await syncNow(h, f.instanceId);
  expect(second).toMatchObject({ removals_held: true, removed_servers: 0 });
  const held = (await h.t.call('GET', `/api/haproxy/instances/${f.instanceId}`)).body.suspicious_answer;
  expect(held).toMatchObject({ consecutive: 2, required: 3, servers_removed: 3 });
  expect(held.message).toMatch(/every server of backend "web" would be removed: nothing was removed.*\(2 so far\)/);

  const third = await syncNow(h, f.instanceId);
  expect(third).toMatchObject({ removals_held: false, removed_servers: 3 });
  const audit = await actions(h, `instance_id=${f.instanceId}&command=confirm_removals`);
  expect(audit.actions).toEqual([
    expect.objectContaining({ actor: 'system:sync', note: expect.stringMatching(/confirmed by 3 identical answers/) }),
  ]);
  expect(Object.keys((await readFleet(h, f.instanceId)).servers).sort()).toEqual(['web/n1', 'web/n2', 'web/n3']);
});

test('an agent pointed at another HAProxy (every name new) wipes nothing before the removal is confirmed', async () => {
  const f = await fleet(h, 'elsewhere', {
    web: [{ name: 'w1', status: 'UP' }],
    api: [{ name: 'a1', status: 'UP' }],
  });
  h.agent.removeBackend('elsewhere', 'web').removeBackend('elsewhere', 'api');
  h.agent.setBackend('elsewhere', 'other1', [{ name: 'o1', status: 'UP' }]);
  h.agent.setBackend('elsewhere', 'other2', [{ name: 'o2', status: 'UP' }]);
  for (const n of [1, 2]) {
    expect(await syncNow(h, f.instanceId)).toMatchObject({ removals_held: true, removed_backends: 0 });
    expect((await h.t.call('GET', `/api/haproxy/instances/${f.instanceId}`)).body.suspicious_answer).toMatchObject({
      consecutive: n,
      backends_removed: 2,
    });
  }
  expect((await readFleet(h, f.instanceId)).servers['web/w1'].removed_at).toBeNull();
  // The agent is pointed back: the wrong process's backends go (half of four), the stored ones stay.
  h.agent.removeBackend('elsewhere', 'other1').removeBackend('elsewhere', 'other2');
  h.agent.setBackend('elsewhere', 'web', [{ name: 'w1', status: 'UP' }]);
  h.agent.setBackend('elsewhere', 'api', [{ name: 'a1', status: 'UP' }]);
  expect(await syncNow(h, f.instanceId)).toMatchObject({ removals_held: false });
  expect(Object.keys((await readFleet(h, f.instanceId)).servers).sort()).toEqual(['api/a1', 'web/w1']);
  expect((await actions(h, `instance_id=${f.instanceId}&command=confirm_removals`)).total).toBe(0);
});
