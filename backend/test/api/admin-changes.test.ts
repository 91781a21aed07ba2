import { createApplication, fleet, removedRows, useHarness } from './helpers';

/**
 * The admin change log (admin_changes, GET /api/admin/changes): one entry per registry or settings change, with
 * its actor and the changed fields before and after, in the change's transaction; never a secret; append-only.
 */
const h = useHarness();

type Change = {
  id: number;
  actor: string;
  entity_kind: string;
  entity_id: number;
  entity_name: string;
  action: string;
  summary: string;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
};

const sql = (text: string, params: unknown[] = []) => h.t.db.pool.query<Record<string, unknown>>(text, params);

/** The entries of an entity, oldest first. */
async function changesOf(kind: string, id: number): Promise<Change[]> {
  const res = await h.t.call('GET', `/api/admin/changes?entity_kind=${kind}&entity_id=${id}`);
  expect(res.status).toBe(200);
  return (res.body.changes as Change[]).slice().reverse();
}

/** What an entry says, without its id and summary. */
const said = ({ actor, action, entity_name, before, after }: Change) => ({ actor, action, entity_name, before, after });

const actorOf = async (token: string) => (await h.t.call('GET', '/api/me', { token })).body.actor as string;
let admin: string;
let operator: string;
beforeAll(async () => {
  admin = await actorOf(h.t.tokens.admin);
  operator = await actorOf(h.t.tokens.operator);
});

const AGENT_TOKEN = 'agent-secret-7f3a9c1e';
const AGENT_TOKEN_2 = 'agent-secret-second-55d2';

test('hosts: created, updated (agent token only as set/replaced/cleared), deleted, each with its actor', async () => {
  const created = await h.t.call('POST', '/api/hosts', {
    body: { name: 'ac-host', address: '10.9.0.1', fagent_url: 'http://127.0.0.1:1', fagent_token: AGENT_TOKEN },
  });
  expect(created.status).toBe(201);
  const id = created.body.id as number;
  expect(
    (await h.t.call('PATCH', `/api/hosts/${id}`, { body: { is_active: false, address: '10.9.0.2' } })).status
  ).toBe(200);
  expect((await h.t.call('PATCH', `/api/hosts/${id}`, { body: { fagent_token: AGENT_TOKEN_2 } })).status).toBe(200);
  expect((await h.t.call('PATCH', `/api/hosts/${id}`, { body: { fagent_token: null } })).status).toBe(200);
  // Nothing changes: no entry.
  expect((await h.t.call('PATCH', `/api/hosts/${id}`, { body: { is_active: false } })).status).toBe(200);
  expect((await h.t.call('DELETE', `/api/hosts/${id}`)).status).toBe(204);

  expect((await changesOf('host', id)).map(said)).toEqual([
    {
      actor: admin,
      action: 'created',
      entity_name: 'ac-host',
      before: null,
      after: {
        name: 'ac-host',
        address: '10.9.0.1',
        fagent_url: 'http://127.0.0.1:1',
        is_active: true,
        fagent_token: 'set',
      },
    },
    {
      actor: admin,
      action: 'updated',
      entity_name: 'ac-host',
      before: { address: '10.9.0.1', is_active: true },
      after: { address: '10.9.0.2', is_active: false },
    },
    {
      actor: admin,
      action: 'updated',
      entity_name: 'ac-host',
      before: { fagent_token: 'set' },
      after: { fagent_token: 'replaced' },
    },
    {
      actor: admin,
      action: 'updated',
      entity_name: 'ac-host',
      before: { fagent_token: 'set' },
      after: { fagent_token: 'cleared' },
    },
    {
      actor: admin,
      action: 'deleted',
      entity_name: 'ac-host',
      before: expect.objectContaining({ name: 'ac-host', is_active: false, fagent_token: 'none' }),
      after: null,
    },
  ]);
});

test('instances: created, polling scope and activation changed (retired backends named), deleted', async () => {
  const f = await fleet(h, 'ac-inst', { web: [{ name: 's1', status: 'UP' }], api: [{ name: 'a1', status: 'UP' }] });
  const res = await h.t.call('PATCH', `/api/haproxy/instances/${f.instanceId}`, {
    body: { backend_scope: ['web'], is_active: false },
  });
  expect(res.status).toBe(200);
  expect((await h.t.call('DELETE', `/api/haproxy/instances/${f.instanceId}`)).status).toBe(204);

  const [created, updated, deleted] = await changesOf('instance', f.instanceId);
  expect(said(created)).toEqual({
    actor: admin,
    action: 'created',
    entity_name: 'ac-inst',
    before: null,
    after: expect.objectContaining({ name: 'ac-inst', is_active: true, backend_scope: null }),
  });
  expect(said(updated)).toEqual({
    actor: admin,
    action: 'updated',
    entity_name: 'ac-inst',
    before: { is_active: true, backend_scope: null },
    after: { is_active: false, backend_scope: ['web'], retired_backends: ['api'] },
  });
  expect(updated.summary).toMatch(/1 backend\(s\) out of the new scope retired/);
  expect([deleted.action, deleted.before?.backend_scope, deleted.after]).toEqual(['deleted', ['web'], null]);
});

test('applications: created, renamed, deleted', async () => {
  const id = await createApplication(h, 'ac-app');
  expect((await h.t.call('PATCH', `/api/applications/${id}`, { body: { name: 'ac-app-2' } })).status).toBe(200);
  expect((await h.t.call('DELETE', `/api/applications/${id}`)).status).toBe(204);
  expect((await changesOf('application', id)).map(said)).toEqual([
    {
      actor: admin,
      action: 'created',
      entity_name: 'ac-app',
      before: null,
      after: { name: 'ac-app', host_id: null, host_name: null },
    },
    {
      actor: admin,
      action: 'updated',
      entity_name: 'ac-app-2',
      before: { name: 'ac-app' },
      after: { name: 'ac-app-2' },
    },
    {
      actor: admin,
      action: 'deleted',
      entity_name: 'ac-app-2',
      before: { name: 'ac-app-2', host_id: null, host_name: null },
      after: null,
    },
  ]);
});

test('budgets: a backend minimum set, lowered and cleared; an application minimum set', async () => {
  const f = await fleet(h, 'ac-budget', {
    web: [
      { name: 's1', status: 'UP' },
      { name: 's2', status: 'UP' },
    ],
  });
  const backend = f.backendIds.web;
  const put = (min: number | string) =>
    h.t.call('PUT', `/api/haproxy/backends/${backend}/budget`, { body: { min_available: min } });
  expect((await put(2)).status).toBe(200);
  expect((await put(1)).status).toBe(200);
  expect((await h.t.call('DELETE', `/api/haproxy/backends/${backend}/budget`)).status).toBe(200);
  expect((await changesOf('backend', backend)).map(said)).toEqual([
    {
      actor: admin,
      action: 'budget_set',
      entity_name: 'ac-budget/web',
      before: { min_available: 0, source: 'default' },
      after: { min_available: 2, source: 'backend' },
    },
    {
      actor: admin,
      action: 'budget_set',
      entity_name: 'ac-budget/web',
      before: { min_available: 2, source: 'backend' },
      after: { min_available: 1, source: 'backend' },
    },
    {
      actor: admin,
      action: 'budget_cleared',
      entity_name: 'ac-budget/web',
      before: { min_available: 1, source: 'backend' },
      after: { min_available: 0, source: 'default' },
    },
  ]);

  const app = await createApplication(h, 'ac-budget-app');
  expect((await h.t.call('PUT', `/api/applications/${app}/budget`, { body: { min_available: '50%' } })).status).toBe(
    200
  );
  expect(said((await changesOf('application', app)).pop()!)).toEqual({
    actor: admin,
    action: 'budget_set',
    entity_name: 'ac-budget-app',
    before: { min_available: null, source: 'default' },
    after: { min_available: '50%', source: 'application' },
  });
});

test('a server mapping set by an operator, and handed back to auto-mapping', async () => {
  const f = await fleet(h, 'ac-map', { web: [{ name: 's1', status: 'UP' }] });
  const app = await createApplication(h, 'ac-map-app');
  const serverId = f.servers['web/s1'].id;
  const map = (body: object) =>
    h.t.call('PUT', `/api/haproxy/servers/${serverId}/mapping`, { token: h.t.tokens.operator, body });
  expect((await map({ application_id: app })).status).toBe(200);
  expect((await map({ application_id: null, kind: 'auto' })).status).toBe(200);
  expect((await changesOf('server', serverId)).map(said)).toEqual([
    {
      actor: operator,
      action: 'mapping_set',
      entity_name: 'ac-map/web/s1',
      before: { application_id: null, application_name: null, mapping_kind: null },
      after: { application_id: app, application_name: 'ac-map-app', mapping_kind: 'manual' },
    },
    {
      actor: operator,
      action: 'mapping_set',
      entity_name: 'ac-map/web/s1',
      before: { application_id: app, application_name: 'ac-map-app', mapping_kind: 'manual' },
      after: { application_id: null, application_name: null, mapping_kind: null },
    },
  ]);
});

test('a maintenance window moved: its end before and after', async () => {
  const f = await fleet(h, 'ac-window', { web: [{ name: 's1', status: 'UP' }] });
  const serverId = f.servers['web/s1'].id;
  const set = await h.t.call('POST', `/api/haproxy/servers/${serverId}/command`, {
    token: h.t.tokens.operator,
    body: { command: 'maint', duration_s: 3600 },
  });
  expect(set.status).toBe(200);
  const moved = await h.t.call('PATCH', `/api/haproxy/windows/${serverId}`, {
    token: h.t.tokens.operator,
    body: { duration_s: 7200 },
  });
  expect(moved.status).toBe(200);
  const [change] = await changesOf('server', serverId);
  expect(said(change)).toEqual({
    actor: operator,
    action: 'window_moved',
    entity_name: 'ac-window/web/s1',
    before: { until: set.body.action.until },
    after: { until: moved.body.until },
  });
});

test('moves of one window at once, more than the pool has connections: each answers, none waits for ever', async () => {
  const f = await fleet(h, 'ac-window-many', { web: [{ name: 's1', status: 'UP' }] });
  const serverId = f.servers['web/s1'].id;
  const set = await h.t.call('POST', `/api/haproxy/servers/${serverId}/command`, {
    token: h.t.tokens.operator,
    body: { command: 'maint', duration_s: 3600 },
  });
  expect(set.status).toBe(200);
  // The service's pool has 21 connections: each move holds one in its transaction while the first holds the row.
  const moves = Array.from({ length: 30 }, (_, i) =>
    h.t.call('PATCH', `/api/haproxy/windows/${serverId}`, {
      token: h.t.tokens.operator,
      body: { duration_s: 7200 + i },
    })
  );
  let timer!: NodeJS.Timeout;
  const timeout = new Promise<string>((r) => (timer = setTimeout(() => r('hung'), 10_000)));
  const statuses = await Promise.race([Promise.all(moves).then((all) => all.map((m) => m.status)), timeout]);
  clearTimeout(timer);
  expect(statuses).toEqual(Array(30).fill(200));
  expect((await changesOf('server', serverId)).filter((c) => c.action === 'window_moved')).toHaveLength(30);
}, 30_000);

test('API tokens: created and revoked, the token and its hash nowhere in the log', async () => {
  const created = await h.t.call('POST', '/api/tokens', { body: { name: 'ac-token', role: 'operator' } });
  expect(created.status).toBe(201);
  const id = created.body.record.id as number;
  expect((await h.t.call('POST', `/api/tokens/${id}/revoke`)).status).toBe(200);
  // Revoked again: nothing changes.
  expect((await h.t.call('POST', `/api/tokens/${id}/revoke`)).status).toBe(200);
  expect((await changesOf('api_token', id)).map(said)).toEqual([
    {
      actor: admin,
      action: 'created',
      entity_name: 'ac-token',
      before: null,
      after: { name: 'ac-token', role: 'operator', grafana: false, expires_at: null },
    },
    { actor: admin, action: 'revoked', entity_name: 'ac-token', before: { revoked: false }, after: { revoked: true } },
  ]);

  const [{ hash }] = await sql(`SELECT token_hash AS hash FROM api_tokens WHERE id = $1`, [id]);
  const [{ text }] = await sql(`SELECT string_agg(t::text, E'\\n') AS text FROM admin_changes t`);
  for (const secret of [created.body.token, hash, AGENT_TOKEN, AGENT_TOKEN_2, h.t.tokens.admin, h.t.tokens.operator]) {
    expect(text).not.toContain(secret);
  }
});

test('removed rows restored and forgotten', async () => {
  const r = await removedRows(h, 'ac-removed');
  expect((await h.t.call('POST', `/api/haproxy/backends/${r.backendId}/restore`)).status).toBe(200);
  expect((await h.t.call('POST', `/api/haproxy/servers/${r.serverId}/forget`)).status).toBe(204);
  expect((await changesOf('backend', r.backendId)).map(said)).toEqual([
    {
      actor: admin,
      action: 'restored',
      entity_name: 'ac-removed/gone',
      before: { removed: true, listed: true },
      after: { removed: false, servers_restored: 1 },
    },
  ]);
  expect((await changesOf('server', r.serverId)).map(said)).toEqual([
    {
      actor: admin,
      action: 'forgotten',
      entity_name: 'ac-removed/keep/goes',
      before: { removed: true, listed: true },
      after: { removed: true, listed: false },
    },
  ]);
});

test('a removed row forgotten twice: one entry, the second forget changed nothing', async () => {
  const r = await removedRows(h, 'ac-forget-twice');
  for (let i = 0; i < 2; i++) {
    expect((await h.t.call('POST', `/api/haproxy/servers/${r.serverId}/forget`)).status).toBe(204);
    expect((await h.t.call('POST', `/api/haproxy/backends/${r.backendId}/forget`)).status).toBe(204);
  }
  for (const [kind, id] of [
    ['server', r.serverId],
    ['backend', r.backendId],
  ] as const) {
    expect((await changesOf(kind, id)).map((c) => [c.action, c.before, c.after])).toEqual([
      ['forgotten', { removed: true, listed: true }, { removed: true, listed: false }],
    ]);
  }
});

test('a refused or failed change writes no entry, and an entry that cannot be written undoes its change', async () => {
  const count = async () => Number((await sql(`SELECT count(*)::int AS n FROM admin_changes`))[0].n);
  const f = await fleet(h, 'ac-refused', { web: [{ name: 's1', status: 'UP' }] });
  const before = await count();
  // Refused: a taken name (409), a minimum above the servers (400), a viewer (403), a missing row (404).
  expect((await h.t.call('PATCH', `/api/hosts/${f.hostId}`, { body: { name: 'host-ac-inst' } })).status).toBe(409);
  expect(
    (await h.t.call('PUT', `/api/haproxy/backends/${f.backendIds.web}/budget`, { body: { min_available: 5 } })).status
  ).toBe(400);
  expect(
    (await h.t.call('PATCH', `/api/hosts/${f.hostId}`, { token: h.t.tokens.viewer, body: { is_active: false } })).status
  ).toBe(403);
  expect((await h.t.call('DELETE', `/api/applications/2147483647`)).status).toBe(404);
  expect(
    (await h.t.call('PATCH', `/api/hosts/${f.hostId}`, { body: { fagent_url: 'http://127.0.0.1:2' } })).status
  ).toBe(400);
  expect(await count()).toBe(before);

  // The log refuses the entry: the change goes with it (a 500, undocumented: rawCall).
  await sql(
    `CREATE FUNCTION ac_fail() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'injected'; END $$`
  );
  await sql(`CREATE TRIGGER ac_fail BEFORE INSERT ON admin_changes FOR EACH ROW EXECUTE FUNCTION ac_fail()`);
  try {
    expect((await h.t.rawCall('PATCH', `/api/hosts/${f.hostId}`, { body: { is_active: false } })).status).toBe(500);
    expect((await h.t.rawCall('POST', '/api/applications', { body: { name: 'ac-never' } })).status).toBe(500);
    expect((await h.t.rawCall('POST', '/api/tokens', { body: { name: 'ac-never', role: 'viewer' } })).status).toBe(500);
  } finally {
    await sql(`DROP TRIGGER ac_fail ON admin_changes; DROP FUNCTION ac_fail()`);
  }
  expect((await h.t.call('GET', `/api/hosts/${f.hostId}`)).body.is_active).toBe(true);
  expect(await sql(`SELECT 1 FROM applications WHERE name = 'ac-never'`)).toEqual([]);
  expect(await sql(`SELECT 1 FROM api_tokens WHERE name = 'ac-never'`)).toEqual([]);
  expect(await count()).toBe(before);
});

test('the log is append-only: no entry is updated, deleted or truncated', async () => {
  await createApplication(h, 'ac-append');
  const [{ id }] = await sql(`SELECT max(id) AS id FROM admin_changes`);
  const refused = (text: string) =>
    sql(text, text.includes('$1') ? [id] : []).then(
      () => 'allowed',
      (err: Error) => err.message
    );
  expect(await refused(`UPDATE admin_changes SET actor = 'someone-else' WHERE id = $1`)).toMatch(
    /append-only: UPDATE refused/
  );
  expect(await refused(`DELETE FROM admin_changes WHERE id = $1`)).toMatch(/append-only: DELETE refused/);
  expect(await refused(`TRUNCATE admin_changes`)).toMatch(/append-only: TRUNCATE refused/);
});

test('reading: admins only; filters by actor, action and time; keyset pages without repeats', async () => {
  expect((await h.t.call('GET', '/api/admin/changes', { token: h.t.tokens.operator })).status).toBe(403);
  const all = await h.t.call('GET', '/api/admin/changes?limit=1000');
  expect(all.body.total).toBeGreaterThan(5);

  const byOperator = await h.t.call('GET', `/api/admin/changes?actor=${encodeURIComponent(operator)}`);
  expect(byOperator.body.changes.length).toBeGreaterThan(0);
  expect(byOperator.body.changes.every((c: Change) => c.actor === operator)).toBe(true);
  const revoked = await h.t.call('GET', '/api/admin/changes?action=revoked&entity_kind=api_token');
  expect(revoked.body.changes.map((c: Change) => c.entity_name)).toEqual(['ac-token']);
  const future = new Date(Date.now() + 3_600_000).toISOString();
  expect((await h.t.call('GET', `/api/admin/changes?since=${future}`)).body).toEqual({
    changes: [],
    total: 0,
    next: null,
  });
  expect((await h.t.call('GET', `/api/admin/changes?until=${future}`)).body.total).toBe(all.body.total);

  const ids: number[] = [];
  let after = '';
  for (;;) {
    const page = await h.t.call('GET', `/api/admin/changes?limit=4${after}`);
    expect(page.status).toBe(200);
    ids.push(...page.body.changes.map((c: Change) => c.id));
    if (!page.body.next) {
      break;
    }
    after = `&after=${page.body.next}`;
  }
  expect(ids).toEqual(all.body.changes.map((c: Change) => c.id));
  expect(ids).toEqual([...ids].sort((a, b) => b - a));
  expect((await h.t.call('GET', '/api/admin/changes?after=bogus')).status).toBe(400);
});

test('a time range whose since is after its until is a 400 naming it, not an empty log', async () => {
  const swapped = await h.t.call('GET', '/api/admin/changes?since=2026-02-01T00:00:00Z&until=2026-01-01T00:00:00Z');
  expect(swapped.status).toBe(400);
  expect(swapped.body.error.message).toBe('since: must not be after until');
  // The same instant as an offset: in order.
  const equal = await h.t.call(
    'GET',
    '/api/admin/changes?since=2026-01-01T00:00:00Z&until=2026-01-01T01:00:00%2B01:00'
  );
  expect(equal.status).toBe(200);
});
