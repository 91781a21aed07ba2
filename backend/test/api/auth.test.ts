import { TokenStore } from '../../src/auth/tokens';
import { Role, ROLE_RANK, ROLES } from '../../src/domain/roles';
import { HTTP_METHODS, openapi } from '../support/openapi';
import {
  actions,
  command,
  createApplication,
  expectError,
  fleet,
  Fleet,
  removedRows,
  syncNow,
  trendQuery,
  useHarness,
} from './helpers';

const h = useHarness();
let f: Fleet;
let appId: number;
let seq = 0;
const unique = (what: string) => `${what}-${++seq}`;

beforeAll(async () => {
  f = await fleet(h, 'auth', {
    web: [
      { name: 's1', status: 'UP' },
      { name: 's2', status: 'UP' },
    ],
  });
  appId = await createApplication(h, 'auth-app');
});

interface RouteCase {
  route: string;
  min: Role;
  /** Builds the request; called once per role, so destructive cases make their own target. */
  request: () => Promise<{ path: string; body?: unknown }>;
}

const at = (path: string, body?: unknown) => async () => ({ path, body });
const newHost = async () =>
  (await h.t.call('POST', '/api/hosts', { body: { name: unique('h'), address: '10.9.0.1', fagent_url: h.agent.url } }))
    .body.id;
const newInstance = async () =>
  (await h.t.call('POST', '/api/haproxy/instances', { body: { host_id: f.hostId, name: unique('i') } })).body.id;
/** An instance whose only backend left in one answer: a removal held for an admin to confirm. */
const heldInstance = async () => {
  const name = unique('held');
  const held = await fleet(h, name, { web: [{ name: 'w1', status: 'UP' }] });
  h.agent.removeBackend(name, 'web');
  await syncNow(h, held.instanceId);
  return held.instanceId;
};

/** s2 in a maintenance window of an hour (again: ending it is one of the cases). */
const inWindow = async () => {
  const s2 = f.servers['web/s2'].id;
  const res = await h.t.call('POST', `/api/haproxy/servers/${s2}/command`, {
    body: { command: 'drain', duration_s: 3600 },
  });
  expect(res.status).toBe(200);
  return s2;
};

/** A drain job on a server of its own that keeps sessions, so it runs until cancelled. */
const runningJob = async () => {
  const name = unique('job');
  const o = await fleet(h, name, { web: [{ name: 'o1', status: 'UP', current_sessions: 5 }] });
  const res = await h.t.call('POST', '/api/haproxy/operations', {
    body: { action: 'drain', server_ids: [o.servers['web/o1'].id] },
  });
  expect(res.status).toBe(202);
  // Drained before the case runs: a later command would be an audit row the 403 cases count.
  for (let end = Date.now() + 10_000; Date.now() < end; await new Promise((r) => setTimeout(r, 50))) {
    const op = await h.t.call('GET', `/api/haproxy/operations/${res.body.id}`);
    if (op.body.servers[0].sessions === 5) {
      return res.body.id as string;
    }
  }
  throw new Error(`job ${res.body.id} did not start draining`);
};

const cases = (): RouteCase[] => {
  const s1 = f.servers['web/s1'].id;
  return [
    { route: 'GET /api/me', min: 'viewer', request: at('/api/me') },
    { route: 'GET /api/haproxy/summary', min: 'viewer', request: at('/api/haproxy/summary') },
    { route: 'GET /api/haproxy/instances', min: 'viewer', request: at('/api/haproxy/instances') },
    { route: 'GET /api/haproxy/instances/{id}', min: 'viewer', request: at(`/api/haproxy/instances/${f.instanceId}`) },
    {
      route: 'GET /api/haproxy/instances/{id}/backends',
      min: 'viewer',
      request: at(`/api/haproxy/instances/${f.instanceId}/backends`),
    },
    {
      route: 'GET /api/haproxy/backends/{id}/servers',
      min: 'viewer',
      request: at(`/api/haproxy/backends/${f.backendIds.web}/servers`),
    },
    { route: 'GET /api/haproxy/servers', min: 'viewer', request: at('/api/haproxy/servers') },
    { route: 'GET /api/haproxy/servers/{id}', min: 'viewer', request: at(`/api/haproxy/servers/${s1}`) },
    {
      route: 'GET /api/haproxy/servers/{id}/history',
      min: 'viewer',
      request: at(`/api/haproxy/servers/${s1}/history`),
    },
    { route: 'GET /api/haproxy/actions', min: 'viewer', request: at('/api/haproxy/actions') },
    { route: 'GET /api/haproxy/actions.csv', min: 'viewer', request: at('/api/haproxy/actions.csv') },
    { route: 'GET /api/hosts', min: 'viewer', request: at('/api/hosts') },
    { route: 'GET /api/hosts/{id}', min: 'viewer', request: at(`/api/hosts/${f.hostId}`) },
    { route: 'GET /api/applications', min: 'viewer', request: at('/api/applications') },
    { route: 'GET /api/applications/{id}', min: 'viewer', request: at(`/api/applications/${appId}`) },
    { route: 'POST /api/haproxy/query', min: 'viewer', request: at('/api/haproxy/query', trendQuery()) },
    { route: 'GET /api/haproxy/lookup/{kind}', min: 'viewer', request: at('/api/haproxy/lookup/servers') },
    { route: 'GET /api/haproxy/backends', min: 'viewer', request: at('/api/haproxy/backends') },
    { route: 'GET /api/haproxy/windows', min: 'viewer', request: at('/api/haproxy/windows') },
    {
      route: 'PATCH /api/haproxy/windows/{id}',
      min: 'operator',
      request: async () => ({ path: `/api/haproxy/windows/${await inWindow()}`, body: { duration_s: 600 } }),
    },
    {
      route: 'DELETE /api/haproxy/windows/{id}',
      min: 'operator',
      request: async () => ({ path: `/api/haproxy/windows/${await inWindow()}` }),
    },
    {
      route: 'POST /api/haproxy/instances/{id}/sync',
      min: 'operator',
      request: at(`/api/haproxy/instances/${f.instanceId}/sync?wait=true`),
    },
    {
      route: 'POST /api/haproxy/servers/{id}/command',
      min: 'operator',
      request: at(`/api/haproxy/servers/${s1}/command`, { command: 'ready' }),
    },
    {
      route: 'POST /api/haproxy/commands/bulk',
      min: 'operator',
      request: at('/api/haproxy/commands/bulk', { command: 'ready', server_ids: [s1] }),
    },
    {
      route: 'PUT /api/haproxy/servers/{id}/mapping',
      min: 'operator',
      request: at(`/api/haproxy/servers/${s1}/mapping`, { application_id: appId }),
    },
    {
      route: 'POST /api/hosts',
      min: 'admin',
      request: async () => ({
        path: '/api/hosts',
        body: { name: unique('h'), address: 'a', fagent_url: 'http://a:1' },
      }),
    },
    {
      route: 'PATCH /api/hosts/{id}',
      min: 'admin',
      request: async () => ({ path: `/api/hosts/${await newHost()}`, body: { is_active: false } }),
    },
    { route: 'DELETE /api/hosts/{id}', min: 'admin', request: async () => ({ path: `/api/hosts/${await newHost()}` }) },
    { route: 'GET /api/tokens', min: 'admin', request: at('/api/tokens') },
    { route: 'GET /api/admin/changes', min: 'admin', request: at('/api/admin/changes') },
    {
      route: 'POST /api/tokens',
      min: 'admin',
      request: async () => ({ path: '/api/tokens', body: { name: unique('t'), role: 'viewer' } }),
    },
    {
      route: 'POST /api/tokens/{id}/revoke',
      min: 'admin',
      request: async () => {
        const { record } = await new TokenStore(h.t.service.db).create(unique('t'), 'viewer');
        return { path: `/api/tokens/${record.id}/revoke` };
      },
    },
    {
      route: 'POST /api/applications',
      min: 'admin',
      request: async () => ({ path: '/api/applications', body: { name: unique('a') } }),
    },
    {
      route: 'PATCH /api/applications/{id}',
      min: 'admin',
      request: at(`/api/applications/${appId}`, { host_id: null }),
    },
    {
      route: 'DELETE /api/applications/{id}',
      min: 'admin',
      request: async () => ({ path: `/api/applications/${await createApplication(h, unique('a'))}` }),
    },
    {
      route: 'POST /api/haproxy/instances',
      min: 'admin',
      request: async () => ({ path: '/api/haproxy/instances', body: { host_id: f.hostId, name: unique('i') } }),
    },
    {
      route: 'PATCH /api/haproxy/instances/{id}',
      min: 'admin',
      request: async () => ({ path: `/api/haproxy/instances/${await newInstance()}`, body: { is_active: false } }),
    },
    {
      route: 'DELETE /api/haproxy/instances/{id}',
      min: 'admin',
      request: async () => ({ path: `/api/haproxy/instances/${await newInstance()}` }),
    },
    {
      route: 'POST /api/haproxy/instances/{id}/removals/confirm',
      min: 'admin',
      request: async () => ({ path: `/api/haproxy/instances/${await heldInstance()}/removals/confirm` }),
    },
    { route: 'GET /api/haproxy/removed', min: 'viewer', request: at('/api/haproxy/removed') },
    { route: 'GET /api/haproxy/mappings/unresolved', min: 'viewer', request: at('/api/haproxy/mappings/unresolved') },
    {
      route: 'POST /api/hosts/test',
      min: 'admin',
      request: at('/api/hosts/test', { fagent_url: h.agent.url, instances: ['auth'] }),
    },
    { route: 'POST /api/hosts/{id}/test', min: 'admin', request: at(`/api/hosts/${f.hostId}/test`) },
    {
      route: 'GET /api/haproxy/instances/{id}/scope-preview',
      min: 'admin',
      request: at(`/api/haproxy/instances/${f.instanceId}/scope-preview`),
    },
    {
      route: 'POST /api/haproxy/instances/{id}/scope-preview',
      min: 'admin',
      request: at(`/api/haproxy/instances/${f.instanceId}/scope-preview`, { scope: ['web'] }),
    },
    ...(['backend', 'application'] as const).flatMap((scope) => {
      const path = scope === 'backend' ? `/api/haproxy/backends/${f.backendIds.web}` : `/api/applications/${appId}`;
      return [
        {
          route: `GET ${path.replace(/\/\d+$/, '/{id}')}/budget`,
          min: 'viewer' as const,
          request: at(`${path}/budget`),
        },
        {
          route: `PUT ${path.replace(/\/\d+$/, '/{id}')}/budget`,
          min: 'admin' as const,
          request: at(`${path}/budget`, { min_available: 0 }),
        },
        {
          route: `DELETE ${path.replace(/\/\d+$/, '/{id}')}/budget`,
          min: 'admin' as const,
          request: at(`${path}/budget`),
        },
      ];
    }),
    { route: 'GET /api/applications/{id}/servers', min: 'viewer', request: at(`/api/applications/${appId}/servers`) },
    {
      route: 'GET /api/haproxy/servers/{id}/timeline',
      min: 'viewer',
      request: at(`/api/haproxy/servers/${s1}/timeline`),
    },
    { route: 'GET /api/haproxy/operations', min: 'viewer', request: at('/api/haproxy/operations') },
    {
      route: 'POST /api/haproxy/operations',
      min: 'operator',
      request: at('/api/haproxy/operations', { action: 'drain', server_ids: [s1], dry_run: true }),
    },
    {
      route: 'GET /api/haproxy/operations/{id}',
      min: 'viewer',
      request: async () => ({ path: `/api/haproxy/operations/${await runningJob()}` }),
    },
    {
      route: 'POST /api/haproxy/operations/{id}/cancel',
      min: 'operator',
      request: async () => ({ path: `/api/haproxy/operations/${await runningJob()}/cancel` }),
    },
    ...(['backends', 'servers'] as const).flatMap((kind) =>
      (['restore', 'forget'] as const).map((action) => ({
        route: `POST /api/haproxy/${kind}/{id}/${action}`,
        min: 'admin' as const,
        request: async () => {
          const rows = await removedRows(h, unique('removed'));
          return { path: `/api/haproxy/${kind}/${kind === 'backends' ? rows.backendId : rows.serverId}/${action}` };
        },
      }))
    ),
  ];
};

const method = (route: string) => route.split(' ')[0];

test('the role table names every /api operation of the document', () => {
  const documented = Object.entries(openapi.paths).flatMap(([path, item]) =>
    path.startsWith('/api/') ? HTTP_METHODS.filter((m) => item[m]).map((m) => `${m.toUpperCase()} ${path}`) : []
  );
  expect(
    cases()
      .map((c) => c.route)
      .sort()
  ).toEqual(documented.sort());
});

describe.each(ROLES.flatMap((role) => [[role, 'an API'] as const, [role, 'a Grafana'] as const]))(
  'role %s, %s token',
  (role, kind) => {
    test('reads everything, and gets 403 (with nothing done) above its role', async () => {
      const token = kind === 'a Grafana' ? h.t.grafanaTokens[role] : h.t.tokens[role];
      for (const c of cases()) {
        const { path, body } = await c.request();
        const before = (await actions(h, 'limit=1')).total; // after the setup, which may audit (a confirmation)
        const res = await h.t.call(method(c.route), path, { token, body, headers: { 'X-Grafana-User': 'carol' } });
        if (ROLE_RANK[role] >= ROLE_RANK[c.min]) {
          expect([c.route, res.status >= 200 && res.status < 300 ? 'success' : res.body]).toEqual([c.route, 'success']);
        } else {
          expectError(res, 403, 'forbidden');
          expect(res.body.error.message).toContain(c.min);
          expect((await actions(h, 'limit=1')).total).toBe(before);
        }
      }
    });
  }
);

describe('without a valid token', () => {
  let revoked: string;
  beforeAll(async () => {
    const store = new TokenStore(h.t.service.db);
    revoked = (await store.create('soon-revoked', 'admin')).token;
    expect((await h.t.call('GET', '/api/me', { token: revoked })).status).toBe(200);
    expect(await store.revoke('soon-revoked')).toBe(true);
  });

  test.each([
    ['no token', null, undefined],
    ['an unknown token', 'not-a-real-token', undefined],
    ['a revoked token', 'REVOKED', undefined],
    ['a non-bearer scheme', null, { authorization: 'Basic YWRtaW46YWRtaW4=' }],
    ['an empty bearer', null, { authorization: 'Bearer ' }],
  ])('%s gets 401 on every /api route', async (_what, token, headers) => {
    for (const c of cases()) {
      const { path, body } = await c.request();
      const res = await h.t.call(method(c.route), path, {
        token: token === 'REVOKED' ? revoked : token,
        body,
        headers,
      });
      expectError(res, 401, 'unauthorized');
    }
  });

  test('the probes and the document need no token', async () => {
    expect((await h.t.call('GET', '/healthz', { token: null })).body).toEqual({ status: 'ok', database: 'up' });
    expect((await h.t.call('GET', '/readyz', { token: null })).body).toEqual({ status: 'ready' });
    expect((await h.t.call('GET', '/openapi.json', { token: null })).status).toBe(200);
  });
});

describe('who the caller is', () => {
  test('/api/me names the token, its role, whether it is a Grafana token, and the actor', async () => {
    for (const role of ROLES) {
      const me = await h.t.call('GET', '/api/me', { token: h.t.tokens[role] });
      expect(me.body).toEqual({
        token_name: role === 'admin' ? 'bootstrap-admin' : `test-${role}`,
        role,
        grafana: false,
        actor: role === 'admin' ? 'token:bootstrap-admin' : `token:test-${role}`,
        expires_at: null,
      });
      const viaGrafana = await h.t.call('GET', '/api/me', { token: h.t.grafanaTokens[role] });
      expect(viaGrafana.body).toEqual({
        token_name: `grafana-${role}`,
        role,
        grafana: true,
        actor: `token:grafana-${role}`,
        expires_at: null,
      });
    }
  });

  test("a Grafana token's X-Grafana-User becomes the actor grafana:<login>; the token's role still decides", async () => {
    const me = await h.t.call('GET', '/api/me', {
      token: h.t.grafanaTokens.viewer,
      headers: { 'X-Grafana-User': ' alice\t ' },
    });
    expect(me.body).toMatchObject({ role: 'viewer', actor: 'grafana:alice' });
    const denied = await h.t.call('POST', `/api/haproxy/servers/${f.servers['web/s2'].id}/command`, {
      token: h.t.grafanaTokens.viewer,
      headers: { 'X-Grafana-User': 'alice' },
      body: { command: 'drain' },
    });
    expectError(denied, 403, 'forbidden');
  });

  test('a login beyond ASCII, as Grafana sends it (its UTF-8 bytes), is the actor as written, and the audit finds it', async () => {
    // fetch sends a header's characters as bytes (latin1): these are the bytes Grafana's proxy sends for the login.
    const asGrafanaSends = (login: string) => Buffer.from(login, 'utf8').toString('latin1');
    const s1 = f.servers['web/s1'].id;
    for (const login of ['José Иванов', `Ω${'я'.repeat(300)}`]) {
      const res = await command(h, s1, 'ready', {
        token: h.t.grafanaTokens.operator,
        headers: { 'X-Grafana-User': asGrafanaSends(login) },
      });
      const actor = res.body.action.actor as string;
      // Whole characters, at most the 200 an audit filter takes.
      expect(actor).toBe(`grafana:${login}`.slice(0, 200));
      const found = await actions(h, `actor=${encodeURIComponent(actor)}`);
      expect(found.actions.map((a) => a.id)).toContain(res.body.action.id);
    }
  });

  test('any other token sending X-Grafana-User is still recorded as token:<name>, from its own source', async () => {
    const s2 = f.servers['web/s2'].id;
    const forged = await command(h, s2, 'drain', {
      token: h.t.tokens.operator,
      headers: { 'X-Grafana-User': 'mallory' },
    });
    expect(forged.body.action).toMatchObject({ actor: 'token:test-operator', source: 'api' });
    const real = await command(h, s2, 'ready', {
      token: h.t.grafanaTokens.operator,
      headers: { 'X-Grafana-User': 'alice' },
    });
    expect(real.body.action).toMatchObject({ actor: 'grafana:alice', source: 'ui' });
    expect((await actions(h, 'actor=grafana:mallory')).total).toBe(0);
    expect(
      (await h.t.call('GET', '/api/me', { token: h.t.tokens.admin, headers: { 'X-Grafana-User': 'mallory' } })).body
        .actor
    ).toBe('token:bootstrap-admin');
  });
});
