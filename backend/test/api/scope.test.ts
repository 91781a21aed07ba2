import { expectError, fleet, readFleet, syncNow, useHarness } from './helpers';

const h = useHarness();

const preview = (instanceId: number, scope?: unknown, token?: string) =>
  h.t.call(
    'GET',
    `/api/haproxy/instances/${instanceId}/scope-preview${
      scope === undefined ? '' : `?scope=${encodeURIComponent(JSON.stringify(scope))}`
    }`,
    { token }
  );
const byName = (body: { backends: Array<{ name: string }> }) =>
  Object.fromEntries(body.backends.map(({ name, ...rest }) => [name, rest]));

const up = (name: string) => ({ name, status: 'UP' });

describe('scope preview', () => {
  test("each of the agent's and the stored backends, in scope or not, matched as the sync matches", async () => {
    const f = await fleet(h, 'preview', { web_1: [up('a')], web_2: [up('b')], api: [up('c')] });
    // One more on the agent than stored, and one stored that the agent no longer lists.
    h.agent.setBackend('preview', 'web_10', [up('d')]);
    h.agent.removeBackend('preview', 'api');

    const res = await preview(f.instanceId, ['web_?', 'api']);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ instance_id: f.instanceId, scope: ['web_?', 'api'], agent_error: null });
    expect(byName(res.body)).toEqual({
      api: { in_scope: true, on_agent: false, stored: true },
      web_1: { in_scope: true, on_agent: true, stored: true },
      web_10: { in_scope: false, on_agent: true, stored: false },
      web_2: { in_scope: true, on_agent: true, stored: true },
    });
    expect([res.body.in_scope, res.body.out_of_scope]).toEqual([3, 1]);

    // Without ?scope: the current one (null, everything); POST takes a body.
    expect((await preview(f.instanceId)).body).toMatchObject({ scope: null, in_scope: 4, out_of_scope: 0 });
    const posted = await h.t.call('POST', `/api/haproxy/instances/${f.instanceId}/scope-preview`, {
      body: { scope: ['{api,web_1}'] },
    });
    expect(
      posted.body.backends.filter((b: { in_scope: boolean }) => b.in_scope).map((b: { name: string }) => b.name)
    ).toEqual(['api', 'web_1']);
  });

  test('a failing agent still previews the stored backends, and says why', async () => {
    const f = await fleet(h, 'preview-down', { web: [up('a')] });
    h.agent.inject((r) => r.segments[2] === 'preview-down', { kind: 'status', status: 503 });
    try {
      const res = await preview(f.instanceId, ['other']);
      expect(res.status).toBe(200);
      expect(res.body.agent_error).toMatch(/503/);
      expect(byName(res.body)).toEqual({ web: { in_scope: false, on_agent: false, stored: true } });
    } finally {
      h.agent.clearFaults();
    }
  });

  test.each([
    ['not JSON', 'web_*', /scope: must be JSON/],
    ['an empty list', [], /at least one backend name or pattern/],
    ['a glob PostgreSQL cannot match', ['{..}'], /empty range or class/],
    ['a name with a control character', ['web\u0001'], /control characters/],
  ])('%s is a 400 with the message the instance form gets too', async (_what, scope, message) => {
    const f = await fleet(h, `bad-${Math.random().toString(36).slice(2, 8)}`, { web: [up('a')] });
    const raw = typeof scope === 'string' ? scope : JSON.stringify(scope);
    const res = await h.t.call(
      'GET',
      `/api/haproxy/instances/${f.instanceId}/scope-preview?scope=${encodeURIComponent(raw)}`
    );
    expectError(res, 400, 'bad_request');
    expect(res.body.error.message).toMatch(message);
    if (typeof scope !== 'string') {
      const saved = await h.t.call('PATCH', `/api/haproxy/instances/${f.instanceId}`, {
        body: { backend_scope: scope },
      });
      expect(saved.body.error.message).toMatch(message);
    }
  });

  test('admins only (it reads the agent); an unknown instance is a 404', async () => {
    const f = await fleet(h, 'preview-roles', { web: [up('a')] });
    for (const token of [h.t.tokens.viewer, h.t.tokens.operator]) {
      expectError(await preview(f.instanceId, null, token), 403, 'forbidden');
    }
    expectError(await preview(999999, null), 404, 'not_found');
  });
});

describe('saving a narrower scope', () => {
  test('retires the stored backends it leaves out; a wider one brings them back at the next sync, same rows', async () => {
    const f = await fleet(h, 'narrow', { web_1: [up('a'), up('b')], web_2: [up('c')], api: [up('d')] });
    const before = await readFleet(h, f.instanceId);

    const saved = await h.t.call('PATCH', `/api/haproxy/instances/${f.instanceId}`, {
      body: { backend_scope: ['web_*'] },
    });
    expect(saved.status).toBe(200);
    expect(saved.body).toMatchObject({ backend_scope: ['web_*'], backend_count: 2, server_count: 3 });
    expect(Object.keys((await readFleet(h, f.instanceId)).backendIds).sort()).toEqual(['web_1', 'web_2']);

    const removed = await h.t.call('GET', `/api/haproxy/removed?instance_id=${f.instanceId}`, {
      token: h.t.tokens.viewer,
    });
    expect(removed.body.backends).toEqual([
      expect.objectContaining({ backend_name: 'api', reason: 'out_of_scope', restorable: false, servers_removed: 1 }),
    ]);
    expect(removed.body.servers).toEqual([
      expect.objectContaining({ server_name: 'd', reason: 'with_backend', with_backend: true, restorable: false }),
    ]);
    expectError(await h.t.call('POST', `/api/haproxy/backends/${before.backendIds.api}/restore`), 409, 'conflict');

    // The sync leaves it alone (out of scope), and a wider scope lets the sync bring it back in place.
    await syncNow(h, f.instanceId);
    expect(Object.keys((await readFleet(h, f.instanceId)).backendIds)).not.toContain('api');
    await h.t.call('PATCH', `/api/haproxy/instances/${f.instanceId}`, { body: { backend_scope: null } });
    await syncNow(h, f.instanceId);
    const after = await readFleet(h, f.instanceId);
    expect(after.backendIds.api).toBe(before.backendIds.api);
    expect(after.servers['api/d'].id).toBe(before.servers['api/d'].id);
  });

  test("its servers' history says when they left and came back, as a sync's removal does", async () => {
    const f = await fleet(h, 'narrow-history', { web: [up('a')], api: [up('d')] });
    const d = f.servers['api/d'].id;
    const history = async () =>
      ((await h.t.call('GET', `/api/haproxy/servers/${d}/history`)).body.history as Array<Record<string, unknown>>)
        .map((r) => r.cause)
        .reverse();
    await h.t.call('PATCH', `/api/haproxy/instances/${f.instanceId}`, { body: { backend_scope: ['web'] } });
    expect(await history()).toEqual(['sync', 'removed']);
    await h.t.call('PATCH', `/api/haproxy/instances/${f.instanceId}`, { body: { backend_scope: null } });
    await syncNow(h, f.instanceId);
    expect(await history()).toEqual(['sync', 'removed', 'restored']);
  });

  test('waits for a running sync, which read with the old scope and would otherwise write the backend back', async () => {
    const f = await fleet(h, 'racing', { web: [up('a')], api: [up('b')] });
    h.agent.inject((r) => r.segments[2] === 'racing' && r.route === 'servers', { kind: 'delay', ms: 400 });
    try {
      const sync = syncNow(h, f.instanceId);
      await new Promise((resolve) => setTimeout(resolve, 100));
      const started = Date.now();
      const saved = await h.t.call('PATCH', `/api/haproxy/instances/${f.instanceId}`, {
        body: { backend_scope: ['web'] },
      });
      expect(saved.status).toBe(200);
      expect(Date.now() - started).toBeGreaterThan(150);
      await sync;
    } finally {
      h.agent.clearFaults();
    }
    expect(Object.keys((await readFleet(h, f.instanceId)).backendIds)).toEqual(['web']);
  });

  test('a change that is not the scope retires nothing', async () => {
    const f = await fleet(h, 'rename-only', { web: [up('a')], api: [up('b')] });
    await h.t.call('PATCH', `/api/haproxy/instances/${f.instanceId}`, { body: { backend_scope: ['*'] } });
    const res = await h.t.call('PATCH', `/api/haproxy/instances/${f.instanceId}`, { body: { is_active: false } });
    expect(res.body).toMatchObject({ is_active: false, backend_count: 2 });
  });
});
