import { useHarness } from './helpers';

/**
 * API tokens by an admin through the API (what the plugin's Tokens page uses): a created token works at once and
 * is shown only once; a revoked one is refused at once; a token cannot revoke itself.
 */
const h = useHarness();

const me = (token: string, headers: Record<string, string> = {}) => h.t.call('GET', '/api/me', { token, headers });

test('created, it works at once with its role; revoked, it is refused at once; the list never shows a token', async () => {
  const created = await h.t.call('POST', '/api/tokens', { body: { name: 'deploy-bot', role: 'operator' } });
  expect(created.status).toBe(201);
  const token = created.body.token as string;
  expect(token).toMatch(/^hpx_[A-Za-z0-9_-]{43}$/);
  expect(created.body.record).toMatchObject({ name: 'deploy-bot', role: 'operator', grafana: false, revoked_at: null });
  expect((await me(token)).body).toMatchObject({
    token_name: 'deploy-bot',
    role: 'operator',
    actor: 'token:deploy-bot',
  });

  const list = await h.t.call('GET', '/api/tokens');
  const listed = list.body.tokens.find((t: { name: string }) => t.name === 'deploy-bot');
  expect(Object.keys(listed).sort()).toEqual([
    'created_at',
    'created_by',
    'expires_at',
    'grafana',
    'id',
    'last_used_at',
    'name',
    'revoked_at',
    'revoked_by',
    'role',
  ]);
  expect(JSON.stringify(list.body)).not.toContain(token.slice(4));

  const revoked = await h.t.call('POST', `/api/tokens/${listed.id}/revoke`);
  expect(revoked.status).toBe(200);
  expect(revoked.body.revoked_at).not.toBeNull();
  expect((await me(token)).status).toBe(401);
  // Again: the same record, still revoked.
  expect((await h.t.call('POST', `/api/tokens/${listed.id}/revoke`)).body.revoked_at).toBe(revoked.body.revoked_at);
});

test('who created and who revoked a token is kept: the API caller, `config` for the configured ones', async () => {
  const viaGrafana = await h.t.call('POST', '/api/tokens', {
    token: h.t.grafanaTokens.admin,
    headers: { 'X-Grafana-User': 'alice' },
    body: { name: 'by-alice', role: 'viewer' },
  });
  expect(viaGrafana.body.record).toMatchObject({ created_by: 'grafana:alice', revoked_by: null });
  const revoked = await h.t.call('POST', `/api/tokens/${viaGrafana.body.record.id}/revoke`);
  expect(revoked.body).toMatchObject({ created_by: 'grafana:alice', revoked_by: 'token:bootstrap-admin' });
  const configured = (await h.t.call('GET', '/api/tokens')).body.tokens.find(
    (t: { name: string }) => t.name === 'bootstrap-admin'
  );
  expect(configured.created_by).toBe('config');
});

test('a token with an end is refused from then on, also while its check is remembered; an end must be ahead', async () => {
  const expiresAt = new Date(Date.now() + 1500);
  const created = await h.t.call('POST', '/api/tokens', {
    body: { name: 'quarter-bot', role: 'viewer', expires_at: expiresAt.toISOString() },
  });
  expect(created.status).toBe(201);
  expect(created.body.record.expires_at).toBe(expiresAt.toISOString());
  // Checked twice: the second answer comes from the service's memory of checked tokens.
  expect((await me(created.body.token)).body.expires_at).toBe(expiresAt.toISOString());
  expect((await me(created.body.token)).status).toBe(200);
  await new Promise((r) => setTimeout(r, Math.max(0, expiresAt.getTime() - Date.now()) + 50));
  expect((await me(created.body.token)).status).toBe(401);

  const late = await h.t.call('POST', '/api/tokens', {
    body: { name: 'late-bot', role: 'viewer', expires_at: new Date(Date.now() - 1000).toISOString() },
  });
  expect(late.status).toBe(400);
  expect(late.body.error.message).toMatch(/expires_at: must be in the future/);
});

test("a Grafana token names the Grafana user as the actor; any other token's header is ignored", async () => {
  const grafana = await h.t.call('POST', '/api/tokens', { body: { name: 'grafana-2', role: 'viewer', grafana: true } });
  expect((await me(grafana.body.token, { 'X-Grafana-User': 'alice' })).body.actor).toBe('grafana:alice');
  const plain = await h.t.call('POST', '/api/tokens', { body: { name: 'script', role: 'viewer' } });
  expect((await me(plain.body.token, { 'X-Grafana-User': 'alice' })).body.actor).toBe('token:script');
});

test('a token cannot revoke itself; names are unique; bad input is a 400 that says why; only admins', async () => {
  const admin = await h.t.call('POST', '/api/tokens', { body: { name: 'second-admin', role: 'admin' } });
  const itself = await h.t.call('POST', `/api/tokens/${admin.body.record.id}/revoke`, { token: admin.body.token });
  expect(itself.status).toBe(409);
  expect(itself.body.error.message).toMatch(/is the one this request uses/);
  expect((await me(admin.body.token)).status).toBe(200);

  const twice = await h.t.call('POST', '/api/tokens', { body: { name: 'second-admin', role: 'viewer' } });
  expect(twice.status).toBe(409);
  expect(twice.body.error.message).toMatch(/already exists/);
  for (const [body, field] of [
    [{ name: 'x', role: 'root' }, 'role'],
    [{ name: '  ', role: 'viewer' }, 'name'],
    [{ name: 'x', role: 'viewer', expires: 'never' }, 'expires'],
  ] as const) {
    const bad = await h.t.call('POST', '/api/tokens', { body });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain(field);
  }
  expect((await h.t.call('GET', '/api/tokens', { token: h.t.tokens.operator })).status).toBe(403);
  expect((await h.t.call('POST', '/api/tokens/2147483647/revoke')).status).toBe(404);
});
