import { createApplication, expectError, fleet, syncNow, useHarness } from './helpers';

const h = useHarness({ operationPollMs: 50 });
const up = (name: string) => ({ name, status: 'UP' });
const sent = () => h.agent.requests.filter((r) => r.route === 'command');

async function settled(jobId: string) {
  for (let end = Date.now() + 10_000; Date.now() < end; await new Promise((r) => setTimeout(r, 50))) {
    const op = (await h.t.call('GET', `/api/haproxy/operations/${jobId}`)).body;
    if (['succeeded', 'failed', 'cancelled'].includes(op.state)) {
      return op;
    }
  }
  throw new Error(`job ${jobId} did not end`);
}

describe('a deactivated instance or host takes no sync and no command (409), until it is activated again', () => {
  test.each(['instance', 'host'])('its %s deactivated', async (kind) => {
    const f = await fleet(h, `off-${kind}`, { web: [up('a'), up('b'), up('c')] });
    const path = kind === 'instance' ? `/api/haproxy/instances/${f.instanceId}` : `/api/hosts/${f.hostId}`;
    expect((await h.t.call('PATCH', path, { body: { is_active: false } })).status).toBe(200);
    h.agent.requests.length = 0;

    const sync = await h.t.call('POST', `/api/haproxy/instances/${f.instanceId}/sync?wait=true`, {
      token: h.t.tokens.operator,
    });
    expectError(sync, 409, 'conflict');
    expect(sync.body.error.message).toMatch(/is deactivated: activate it to sync it/);
    const single = await h.t.call('POST', `/api/haproxy/servers/${f.servers['web/a'].id}/command`, {
      body: { command: 'drain' },
    });
    expectError(single, 409, 'conflict');
    expect(single.body.error.message).toMatch(/is deactivated: activate it to send it drain/);
    const bulk = await h.t.call('POST', '/api/haproxy/commands/bulk', {
      body: { command: 'maint', backend_id: f.backendIds.web },
    });
    expect(bulk.body).toMatchObject({ total: 3, succeeded: 0, failed: 3 });
    const job = await h.t.call('POST', '/api/haproxy/operations', {
      body: { action: 'ready', server_ids: [f.servers['web/c'].id] },
    });
    expect(job.status).toBe(202);
    expect((await settled(job.body.id)).servers[0]).toMatchObject({
      state: 'failed',
      error: expect.stringMatching(/is deactivated/),
    });
    expect(sent()).toEqual([]);
    const listed = (await h.t.call('GET', `/api/haproxy/servers?instance_id=${f.instanceId}`)).body.servers;
    expect(listed.map((s: { status: string }) => s.status)).toEqual(['UP', 'UP', 'UP']);

    expect((await h.t.call('PATCH', path, { body: { is_active: true } })).status).toBe(200);
    await syncNow(h, f.instanceId);
    expect(
      (await h.t.call('POST', `/api/haproxy/servers/${f.servers['web/a'].id}/command`, { body: { command: 'drain' } }))
        .status
    ).toBe(200);
  });
});

test('a server no longer in HAProxy cannot be mapped (409), as it takes no command', async () => {
  const f = await fleet(h, 'map-removed', { web: [up('a'), up('b')] });
  const app = await createApplication(h, 'map-removed-app', f.hostId);
  h.agent.setBackend('map-removed', 'web', [up('a')]);
  await syncNow(h, f.instanceId);
  const res = await h.t.call('PUT', `/api/haproxy/servers/${f.servers['web/b'].id}/mapping`, {
    body: { application_id: app, kind: 'manual' },
  });
  expectError(res, 409, 'conflict');
  expect(res.body.error.message).toMatch(/no longer in HAProxy's configuration: restore it to map it/);
  const changes = await h.t.call('GET', `/api/admin/changes?entity_kind=server&entity_id=${f.servers['web/b'].id}`);
  expect(changes.body.total).toBe(0);
});

test('a scope that would retire a server in a maintenance window is refused, nothing retired; once the window ended it narrows', async () => {
  const f = await fleet(h, 'scoped', { web: [up('a'), up('b')], api: [up('x'), up('y')] });
  const drain = await h.t.call('POST', `/api/haproxy/servers/${f.servers['api/x'].id}/command`, {
    body: { command: 'drain', duration_s: 60, reason: 'CHG-1' },
  });
  expect(drain.status).toBe(200);
  const narrow = await h.t.call('PATCH', `/api/haproxy/instances/${f.instanceId}`, {
    body: { backend_scope: ['web'] },
  });
  expectError(narrow, 409, 'conflict');
  expect(narrow.body.error.message).toMatch(/leaves out servers in a maintenance window \(api\/x\)/);
  expect((await h.t.call('GET', `/api/haproxy/instances/${f.instanceId}`)).body).toMatchObject({
    backend_scope: null,
    backend_count: 2,
    server_count: 4,
  });
  const logged = await h.t.call('GET', `/api/admin/changes?entity_kind=instance&entity_id=${f.instanceId}`);
  expect(logged.body.changes.map((c: { action: string }) => c.action)).toEqual(['created']);

  // Its window's end returns it to ready, as promised; the scope may narrow then.
  const tick = await h.t.service.windows.tick(new Date(Date.now() + 120_000));
  expect(tick).toMatchObject({ ended: 1, closed: 0 });
  expect(h.agent.server('scoped', 'api', 'x').status).toBe('UP');
  const narrowed = await h.t.call('PATCH', `/api/haproxy/instances/${f.instanceId}`, {
    body: { backend_scope: ['web'] },
  });
  expect(narrowed.status).toBe(200);
});
