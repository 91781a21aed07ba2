import type { HealthReport } from '../../src/db/database-health';
import { checkedResponses, HTTP_METHODS, openapi } from '../support/openapi';
import { dataTables, lockTables, readsWaiting, until } from '../support/stuck-reads';
import type { TestService } from '../support/service';
import { createApplication, fleet, Fleet, removedRows, syncNow, trendQuery, useHarness } from './helpers';

/**
 * Walks openapi.yaml: for every documented route and status, a real response of the running service,
 * checked against the document. A documented status nobody can produce fails here.
 */
const MAX_BODY = 2048;
const h = useHarness({ maxBodyBytes: MAX_BODY, breakerThreshold: 1 });
let f: Fleet;
let appId: number;
let seq = 0;
const unique = (what: string) => `contract-${what}-${++seq}`;

beforeAll(async () => {
  f = await fleet(h, 'contract', {
    web: [
      { name: 's1', status: 'UP' },
      { name: 's2', status: 'UP' },
      { name: 'gone', status: 'UP' },
    ],
  });
  appId = await createApplication(h, 'contract-app');
});

type Res = Awaited<ReturnType<TestService['call']>>;
type Opts = Parameters<TestService['call']>[2];
const MISSING = '2147483647';
const fill = (template: string, id: string | number) => template.replace('{id}', String(id));

/** A valid body per operation, so that the status under test is the only thing wrong. */
const validBody = (method: string, template: string): unknown =>
  (
    ({
      'POST /api/haproxy/instances': { host_id: f.hostId, name: unique('instance') },
      'PATCH /api/haproxy/instances/{id}': { is_active: true },
      'POST /api/haproxy/servers/{id}/command': { command: 'ready' },
      'PUT /api/haproxy/servers/{id}/mapping': { application_id: null },
      'POST /api/haproxy/commands/bulk': { command: 'ready', server_ids: [f.servers['web/s1'].id] },
      'POST /api/haproxy/query': trendQuery(),
      'POST /api/hosts': { name: unique('host'), address: '10.2.0.1', fagent_url: h.agent.url },
      'PATCH /api/hosts/{id}': { is_active: true },
      'POST /api/applications': { name: unique('app') },
      'PATCH /api/applications/{id}': { host_id: null },
      'POST /api/hosts/test': { fagent_url: h.agent.url, instances: ['contract'] },
      'POST /api/haproxy/instances/{id}/scope-preview': { scope: ['web'] },
      'PATCH /api/haproxy/windows/{id}': { duration_s: 3600 },
      'PUT /api/haproxy/backends/{id}/budget': { min_available: 1 },
      'PUT /api/applications/{id}/budget': { min_available: 0 },
      'POST /api/haproxy/operations': { action: 'drain', server_ids: [f.servers['web/s1'].id], dry_run: true },
    }) as Record<string, unknown>
  )[`${method} ${template}`];

const call = (method: string, template: string, id: string | number, opts: Opts = {}) =>
  h.t.call(method, fill(template, id), { body: validBody(method, template), ...opts });

/** A server of its own instance (its own breaker) in a maintenance window of an hour. */
const inWindow = async () => {
  const w = await fleet(h, unique('window'), { web: [{ name: 'w1', status: 'UP' }] });
  const id = w.servers['web/w1'].id;
  const res = await h.t.call('POST', `/api/haproxy/servers/${id}/command`, {
    body: { command: 'maint', duration_s: 3600, reason: 'contract' },
  });
  expect(res.status).toBe(200);
  return { id, instance: w.instanceName };
};
/** The window being ended by another replica right now. */
const claimed = async (serverId: number) =>
  h.t.db.ds.query(
    `UPDATE haproxy_server_desired SET window_claimed_until = now() + interval '1 minute' WHERE server_id = $1`,
    [serverId]
  );

/** A job on a server of an instance of its own (the contract instance's breaker opens below). */
const operation = async (sessions: number, body: Record<string, unknown> = {}) => {
  const o = await fleet(h, unique('ops'), { web: [{ name: 'o1', status: 'UP', current_sessions: sessions }] });
  const res = await h.t.call('POST', '/api/haproxy/operations', {
    body: { action: 'drain', server_ids: [o.servers['web/o1'].id], ...body },
  });
  expect(res.status).toBe(202);
  return { res, serverId: o.servers['web/o1'].id as number };
};
/** A job's answer once the worker finished it. */
const finished = async (id: string) => {
  for (const end = Date.now() + 10_000; Date.now() < end; await new Promise((r) => setTimeout(r, 50))) {
    const res = await h.t.call('GET', `/api/haproxy/operations/${id}`);
    if (['succeeded', 'failed', 'cancelled'].includes(res.body.state)) {
      return res;
    }
  }
  throw new Error(`operation ${id} did not finish`);
};
const NO_OPERATION = '00000000-0000-4000-8000-000000000000';

const newInstance = async () =>
  (await h.t.call('POST', '/api/haproxy/instances', { body: { host_id: f.hostId, name: unique('i') } })).body.id;
const newHost = async () => (await h.t.call('POST', '/api/hosts', { body: validBody('POST', '/api/hosts') })).body.id;

/** Statuses whose cause is the same on every route. */
const generic: Record<number, (method: string, template: string) => Promise<Res>> = {
  400: (m, t) =>
    t.includes('{id}')
      ? call(m, t, 'abc')
      : m === 'GET'
        ? h.t.call(m, `${t}?server_id=abc&instance_id=abc`)
        : h.t.call(m, t, { body: { unknown_field: true } }),
  401: (m, t) => call(m, t, f.servers['web/s1'].id, { token: null }),
  403: (m, t) => call(m, t, MISSING, { token: h.t.tokens.viewer }),
  404: (m, t) => call(m, t, MISSING),
  413: (m, t) => call(m, t, MISSING, { body: JSON.stringify({ pad: 'x'.repeat(MAX_BODY) }) }),
  415: (m, t) =>
    call(m, t, MISSING, { body: '<command>drain</command>', headers: { 'content-type': 'application/xml' } }),
  // A read cut short by PostgreSQL (57014, as API_STATEMENT_TIMEOUT would): it waits on a lock and is cancelled.
  503: async (m, t) => {
    const release = await lockTables(h.t.db.pool, await dataTables(h.t.db.pool));
    // The summary answers from its one-second cache when it can: dropped, it reads.
    h.t.service.fleetCounts.invalidate();
    try {
      const res = call(m, t.replace('{kind}', 'servers'), MISSING);
      const [pid] = await until(() => readsWaiting(h.t.db.pool).then((pids) => pids.length > 0 && pids));
      await h.t.db.pool.query('SELECT pg_cancel_backend($1)', [pid]);
      return await res;
    } finally {
      await release();
    }
  },
};

let removed: Promise<Awaited<ReturnType<typeof removedRows>>> | undefined;
/** Rows a sync removed (made once, on first use): a backend and a server of a current backend. */
const removedOnce = () => (removed ??= removedRows(h, 'contract-removed'));

/** The same read again with the ETag of its answer: nothing changed in between, so 304. */
const notModified = async (path: string) => {
  const first = await h.t.call('GET', path);
  expect(first.headers.get('etag')).toBeTruthy();
  return h.t.call('GET', path, { headers: { 'if-none-match': first.headers.get('etag')! } });
};

/** A health probe's answer while the database probe reports `report` (the probe is the service's own). */
async function probedAs(path: string, report: Omit<HealthReport, 'since'>): Promise<Res> {
  const spy = jest.spyOn(h.t.service.health, 'check').mockResolvedValueOnce({ ...report, since: new Date() });
  try {
    return await h.t.call('GET', path, { token: null });
  } finally {
    spy.mockRestore();
  }
}

/** Everything else, by `METHOD template status`. */
const specific: Record<string, () => Promise<Res>> = {
  'GET /healthz 200': () => h.t.call('GET', '/healthz', { token: null }),
  // The embedded database dead (test/resilience/database-down.test.ts kills a real one).
  'GET /healthz 503': () =>
    probedAs('/healthz', { status: 'unavailable', database: 'restarting', message: 'embedded PostgreSQL exited' }),
  'GET /readyz 200': () => h.t.call('GET', '/readyz', { token: null }),
  'GET /readyz 503': () => probedAs('/readyz', { status: 'degraded', database: 'down', message: 'connection refused' }),
  'GET /openapi.json 200': async () => {
    const res = await h.t.call('GET', '/openapi.json', { token: null });
    expect(res.body).toEqual(openapi);
    return res;
  },
  'GET /metrics 200': async () => {
    const res = await h.t.call('GET', '/metrics', { token: h.t.tokens.viewer });
    expect(res.body).toMatch(/^# HELP /m);
    return res;
  },
  'GET /api/me 200': () => h.t.call('GET', '/api/me'),
  // Routes without parameters of their own: only a NUL (PostgreSQL cannot store it) is a bad query.
  'GET /api/me 400': () => h.t.call('GET', '/api/me?q=%00'),
  'GET /api/haproxy/summary 400': () => h.t.call('GET', '/api/haproxy/summary?q=%00'),
  'GET /api/hosts 400': () => h.t.call('GET', '/api/hosts?q=%00'),
  'GET /api/applications 400': () => h.t.call('GET', '/api/applications?q=%00'),
  // No parameters of its own, but text PostgreSQL cannot store is refused on every route (bad-input.test.ts).
  'GET /api/haproxy/windows 400': () => h.t.call('GET', '/api/haproxy/windows?q=%00'),
  'GET /api/haproxy/summary 200': () => h.t.call('GET', '/api/haproxy/summary'),
  'GET /api/haproxy/instances 200': () => h.t.call('GET', '/api/haproxy/instances'),
  'POST /api/haproxy/instances 201': () => call('POST', '/api/haproxy/instances', ''),
  'POST /api/haproxy/instances 409': () =>
    h.t.call('POST', '/api/haproxy/instances', { body: { host_id: f.hostId, name: 'contract' } }),
  'GET /api/haproxy/instances/{id} 200': () => call('GET', '/api/haproxy/instances/{id}', f.instanceId),
  'PATCH /api/haproxy/instances/{id} 200': () => call('PATCH', '/api/haproxy/instances/{id}', f.instanceId),
  'PATCH /api/haproxy/instances/{id} 409': async () =>
    h.t.call('PATCH', `/api/haproxy/instances/${await newInstance()}`, { body: { name: 'contract' } }),
  'DELETE /api/haproxy/instances/{id} 204': async () =>
    call('DELETE', '/api/haproxy/instances/{id}', await newInstance()),
  'GET /api/haproxy/instances/{id}/backends 200': () =>
    call('GET', '/api/haproxy/instances/{id}/backends', f.instanceId),
  'POST /api/haproxy/instances/{id}/sync 200': () =>
    h.t.call('POST', `/api/haproxy/instances/${f.instanceId}/sync?wait=true`),
  'POST /api/haproxy/instances/{id}/sync 202': async () => {
    const res = await h.t.call('POST', `/api/haproxy/instances/${f.instanceId}/sync`);
    await syncNow(h, f.instanceId); // joins the background sync, so it ends inside this test
    return res;
  },
  'POST /api/haproxy/instances/{id}/sync 409': async () => {
    const off = await newInstance();
    await h.t.call('PATCH', `/api/haproxy/instances/${off}`, { body: { is_active: false } });
    return h.t.call('POST', `/api/haproxy/instances/${off}/sync`);
  },
  'POST /api/haproxy/instances/{id}/removals/confirm 200': async () => {
    const held = await fleet(h, 'contract-held', { web: [{ name: 'w1', status: 'UP' }] });
    h.agent.removeBackend('contract-held', 'web');
    await syncNow(h, held.instanceId);
    return h.t.call('POST', `/api/haproxy/instances/${held.instanceId}/removals/confirm`);
  },
  'POST /api/haproxy/instances/{id}/removals/confirm 409': () =>
    h.t.call('POST', `/api/haproxy/instances/${f.instanceId}/removals/confirm`),
  'GET /api/haproxy/backends 200': () => h.t.call('GET', '/api/haproxy/backends?q=contract&limit=50'),
  'GET /api/haproxy/backends 304': () => notModified('/api/haproxy/backends?server_q=s1&limit=1'),
  'GET /api/haproxy/summary 304': () => notModified('/api/haproxy/summary'),
  'GET /api/haproxy/instances 304': () => notModified('/api/haproxy/instances'),
  'GET /api/haproxy/servers 304': () => notModified(`/api/haproxy/servers?backend_id=${f.backendIds.web}`),
  'GET /api/haproxy/windows 200': async () => {
    await inWindow();
    const res = await h.t.call('GET', '/api/haproxy/windows');
    expect(res.body.windows.length).toBeGreaterThan(0);
    return res;
  },
  'PATCH /api/haproxy/windows/{id} 200': async () => call('PATCH', '/api/haproxy/windows/{id}', (await inWindow()).id),
  'PATCH /api/haproxy/windows/{id} 409': async () => {
    const { id } = await inWindow();
    await claimed(id);
    return call('PATCH', '/api/haproxy/windows/{id}', id);
  },
  'DELETE /api/haproxy/windows/{id} 200': async () =>
    call('DELETE', '/api/haproxy/windows/{id}', (await inWindow()).id),
  'DELETE /api/haproxy/windows/{id} 409': async () => {
    const { id } = await inWindow();
    await claimed(id);
    return call('DELETE', '/api/haproxy/windows/{id}', id);
  },
  'DELETE /api/haproxy/windows/{id} 502': async () => {
    const { id, instance } = await inWindow();
    const refused = { kind: 'body' as const, body: { success: false, error: 'socket gone' } };
    h.agent.inject((r) => r.method === 'POST' && r.segments[2] === instance, refused, 1);
    return call('DELETE', '/api/haproxy/windows/{id}', id);
  },
  'GET /api/haproxy/backends/{id}/budget 200': () => call('GET', '/api/haproxy/backends/{id}/budget', f.backendIds.web),
  'PUT /api/haproxy/backends/{id}/budget 200': () => call('PUT', '/api/haproxy/backends/{id}/budget', f.backendIds.web),
  'GET /api/haproxy/backends/{id}/budget 409': async () =>
    call('GET', '/api/haproxy/backends/{id}/budget', (await removedOnce()).backendId),
  'PUT /api/haproxy/backends/{id}/budget 409': async () =>
    call('PUT', '/api/haproxy/backends/{id}/budget', (await removedOnce()).backendId),
  'DELETE /api/haproxy/backends/{id}/budget 200': () =>
    call('DELETE', '/api/haproxy/backends/{id}/budget', f.backendIds.web),
  'GET /api/applications/{id}/budget 200': () => call('GET', '/api/applications/{id}/budget', appId),
  'PUT /api/applications/{id}/budget 200': () => call('PUT', '/api/applications/{id}/budget', appId),
  'DELETE /api/applications/{id}/budget 200': () => call('DELETE', '/api/applications/{id}/budget', appId),
  'GET /api/applications/{id}/servers 200': () => call('GET', '/api/applications/{id}/servers', appId),
  'GET /api/haproxy/operations 200': async () => {
    await finished((await operation(0)).res.body.id);
    const res = await h.t.call('GET', '/api/haproxy/operations?limit=5');
    expect(res.body.operations.length).toBeGreaterThan(0);
    return res;
  },
  'GET /api/haproxy/operations 400': () => h.t.call('GET', '/api/haproxy/operations?state=bogus'),
  'POST /api/haproxy/operations 200': () => call('POST', '/api/haproxy/operations', ''),
  'POST /api/haproxy/operations 202': async () => {
    const { res } = await operation(0);
    await finished(res.body.id); // no job left running: the 503 cases lock every table
    return res;
  },
  'POST /api/haproxy/operations 404': () =>
    h.t.call('POST', '/api/haproxy/operations', { body: { action: 'drain', backend_id: Number(MISSING) } }),
  'POST /api/haproxy/operations 409': async () => {
    const { res: first, serverId } = await operation(5);
    const res = await h.t.call('POST', '/api/haproxy/operations', {
      body: { action: 'drain', server_ids: [serverId] },
    });
    await h.t.call('POST', `/api/haproxy/operations/${first.body.id}/cancel`);
    return res;
  },
  'GET /api/haproxy/operations/{id} 200': async () => finished((await operation(0)).res.body.id),
  'GET /api/haproxy/operations/{id} 404': () => h.t.call('GET', `/api/haproxy/operations/${NO_OPERATION}`),
  'POST /api/haproxy/operations/{id}/cancel 200': async () =>
    h.t.call('POST', `/api/haproxy/operations/${(await operation(5)).res.body.id}/cancel`),
  'POST /api/haproxy/operations/{id}/cancel 404': () =>
    h.t.call('POST', `/api/haproxy/operations/${NO_OPERATION}/cancel`),
  'POST /api/haproxy/operations/{id}/cancel 409': async () => {
    const { res } = await operation(0);
    await finished(res.body.id);
    return h.t.call('POST', `/api/haproxy/operations/${res.body.id}/cancel`);
  },
  'GET /api/haproxy/servers/{id}/timeline 200': () =>
    call('GET', '/api/haproxy/servers/{id}/timeline', f.servers['web/s1'].id),
  'POST /api/haproxy/servers/{id}/command 202': async () => {
    const o = await fleet(h, unique('ramp'), { web: [{ name: 'r1', status: 'MAINT' }] });
    const res = await h.t.call('POST', `/api/haproxy/servers/${o.servers['web/r1'].id}/command`, {
      body: { command: 'ready', ramp: { steps: [50, 100], interval_s: 1 } },
    });
    await h.t.call('POST', `/api/haproxy/operations/${res.body.operation.id}/cancel`);
    return res;
  },
  'GET /api/haproxy/backends/{id}/servers 200': () =>
    call('GET', '/api/haproxy/backends/{id}/servers', f.backendIds.web),
  'GET /api/haproxy/servers 200': () => h.t.call('GET', '/api/haproxy/servers?status=UP,DRAIN&limit=5'),
  'GET /api/haproxy/servers/{id} 200': () => call('GET', '/api/haproxy/servers/{id}', f.servers['web/s1'].id),
  'GET /api/haproxy/servers/{id}/history 200': () =>
    call('GET', '/api/haproxy/servers/{id}/history', f.servers['web/s1'].id),
  'POST /api/haproxy/servers/{id}/command 200': () =>
    call('POST', '/api/haproxy/servers/{id}/command', f.servers['web/s1'].id),
  'POST /api/haproxy/servers/{id}/command 409': async () => {
    h.agent.setBackend('contract', 'web', [
      { name: 's1', status: 'UP' },
      { name: 's2', status: 'UP' },
    ]);
    await syncNow(h, f.instanceId);
    return call('POST', '/api/haproxy/servers/{id}/command', f.servers['web/gone'].id);
  },
  'POST /api/haproxy/servers/{id}/command 500': async () => {
    // The agent acts, then the audit row cannot be completed.
    const ds = h.t.db.ds;
    await ds.query(
      `CREATE FUNCTION hpx_fail() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'injected'; END $$`
    );
    await ds.query(`CREATE TRIGGER hpx_fail BEFORE UPDATE ON haproxy_actions FOR EACH ROW EXECUTE FUNCTION hpx_fail()`);
    try {
      return await call('POST', '/api/haproxy/servers/{id}/command', f.servers['web/s1'].id);
    } finally {
      await ds.query(`DROP TRIGGER hpx_fail ON haproxy_actions; DROP FUNCTION hpx_fail()`);
    }
  },
  'POST /api/haproxy/servers/{id}/command 502': () => {
    const refused = { kind: 'body' as const, body: { success: false, error: 'socket gone' } };
    h.agent.inject((r) => r.method === 'POST' && r.segments[6] === 's2', refused, 1);
    return call('POST', '/api/haproxy/servers/{id}/command', f.servers['web/s2'].id);
  },
  // Runs after the 502 above (document order): threshold 1, so that failure opened the breaker.
  'POST /api/haproxy/servers/{id}/command 503': () =>
    call('POST', '/api/haproxy/servers/{id}/command', f.servers['web/s2'].id),
  'PUT /api/haproxy/servers/{id}/mapping 200': () =>
    h.t.call('PUT', `/api/haproxy/servers/${f.servers['web/s1'].id}/mapping`, { body: { application_id: appId } }),
  'PUT /api/haproxy/servers/{id}/mapping 409': async () =>
    h.t.call('PUT', `/api/haproxy/servers/${(await removedOnce()).serverId}/mapping`, {
      body: { application_id: null },
    }),
  'POST /api/haproxy/commands/bulk 200': () => call('POST', '/api/haproxy/commands/bulk', ''),
  'POST /api/haproxy/commands/bulk 404': () =>
    h.t.call('POST', '/api/haproxy/commands/bulk', { body: { command: 'drain', server_ids: [Number(MISSING)] } }),
  'GET /api/haproxy/actions 200': () => h.t.call('GET', '/api/haproxy/actions?limit=10'),
  'GET /api/haproxy/actions.csv 200': () => h.t.call('GET', '/api/haproxy/actions.csv?command=drain'),
  'GET /api/admin/changes 200': async () => {
    const res = await h.t.call('GET', '/api/admin/changes?limit=1');
    expect([res.body.changes.length, typeof res.body.next]).toEqual([1, 'string']);
    return h.t.call('GET', `/api/admin/changes?limit=1&after=${res.body.next}`);
  },
  'GET /api/admin/changes 400': () => h.t.call('GET', '/api/admin/changes?entity_kind=bogus'),
  'POST /api/haproxy/query 200': () => call('POST', '/api/haproxy/query', ''),
  'GET /api/haproxy/lookup/{kind} 200': () => h.t.call('GET', '/api/haproxy/lookup/servers?instance=contract'),
  'GET /api/haproxy/lookup/{kind} 400': () => h.t.call('GET', '/api/haproxy/lookup/hosts'),
  'GET /api/hosts 200': () => h.t.call('GET', '/api/hosts'),
  'GET /api/tokens 200': () => h.t.call('GET', '/api/tokens'),
  // It reads no parameter, but text PostgreSQL cannot store is refused on every route.
  'GET /api/tokens 400': () => h.t.call('GET', '/api/tokens?q=a%00b'),
  'POST /api/tokens 201': () => h.t.call('POST', '/api/tokens', { body: { name: unique('token'), role: 'operator' } }),
  'POST /api/tokens 409': async () => {
    const body = { name: unique('token'), role: 'viewer' };
    await h.t.call('POST', '/api/tokens', { body });
    return h.t.call('POST', '/api/tokens', { body });
  },
  'POST /api/tokens/{id}/revoke 200': async () => {
    const created = await h.t.call('POST', '/api/tokens', { body: { name: unique('token'), role: 'viewer' } });
    return h.t.call('POST', `/api/tokens/${created.body.record.id}/revoke`);
  },
  // The admin token of these calls revoking itself.
  'POST /api/tokens/{id}/revoke 409': async () => {
    const me = (await h.t.call('GET', '/api/me')).body.token_name;
    const own = (await h.t.call('GET', '/api/tokens')).body.tokens.find((t: { name: string }) => t.name === me);
    return h.t.call('POST', `/api/tokens/${own.id}/revoke`);
  },
  'POST /api/hosts 201': () => call('POST', '/api/hosts', ''),
  'POST /api/hosts 409': () =>
    h.t.call('POST', '/api/hosts', { body: { name: 'host-contract', address: 'a', fagent_url: 'http://a' } }),
  'GET /api/hosts/{id} 200': () => call('GET', '/api/hosts/{id}', f.hostId),
  'PATCH /api/hosts/{id} 200': () => call('PATCH', '/api/hosts/{id}', f.hostId),
  'PATCH /api/hosts/{id} 409': async () =>
    h.t.call('PATCH', `/api/hosts/${await newHost()}`, { body: { name: 'host-contract' } }),
  'DELETE /api/hosts/{id} 204': async () => call('DELETE', '/api/hosts/{id}', await newHost()),
  'DELETE /api/hosts/{id} 409': async () => {
    const hostId = await newHost();
    await createApplication(h, 'contract-twin', hostId);
    await createApplication(h, 'contract-twin', null);
    return call('DELETE', '/api/hosts/{id}', hostId);
  },
  'GET /api/applications 200': () => h.t.call('GET', '/api/applications'),
  'POST /api/applications 201': () => call('POST', '/api/applications', ''),
  'POST /api/applications 409': () => h.t.call('POST', '/api/applications', { body: { name: 'contract-app' } }),
  'GET /api/applications/{id} 200': () => call('GET', '/api/applications/{id}', appId),
  'PATCH /api/applications/{id} 200': () => call('PATCH', '/api/applications/{id}', appId),
  'PATCH /api/applications/{id} 409': async () =>
    h.t.call('PATCH', `/api/applications/${await createApplication(h, unique('app'))}`, {
      body: { name: 'contract-app' },
    }),
  'DELETE /api/applications/{id} 204': async () =>
    call('DELETE', '/api/applications/{id}', await createApplication(h, unique('app'))),
  'DELETE /api/applications/{id} 409': async () => {
    const { res: job, serverId } = await operation(5);
    const app = await createApplication(h, unique('app'));
    await h.t.call('PUT', `/api/haproxy/servers/${serverId}/mapping`, { body: { application_id: app } });
    const res = await call('DELETE', '/api/applications/{id}', app);
    await h.t.call('POST', `/api/haproxy/operations/${job.body.id}/cancel`);
    return res;
  },
  'POST /api/hosts/test 200': () => call('POST', '/api/hosts/test', ''),
  'POST /api/hosts/test 404': () =>
    h.t.call('POST', '/api/hosts/test', { body: { fagent_url: h.agent.url, host_id: Number(MISSING) } }),
  'POST /api/hosts/{id}/test 200': () => call('POST', '/api/hosts/{id}/test', f.hostId),
  'GET /api/haproxy/instances/{id}/scope-preview 200': () =>
    h.t.call('GET', `/api/haproxy/instances/${f.instanceId}/scope-preview?scope=${encodeURIComponent('["w*"]')}`),
  'POST /api/haproxy/instances/{id}/scope-preview 200': () =>
    call('POST', '/api/haproxy/instances/{id}/scope-preview', f.instanceId),
  'GET /api/haproxy/removed 200': async () => {
    await removedOnce();
    const res = await h.t.call('GET', '/api/haproxy/removed?days=1');
    expect([res.body.backends.length > 0, res.body.servers.length > 0]).toEqual([true, true]);
    return res;
  },
  'GET /api/haproxy/mappings/unresolved 200': () => h.t.call('GET', '/api/haproxy/mappings/unresolved'),
  // Document order: each restore runs before the forget of the same kind, so forget takes a new removal.
  'POST /api/haproxy/backends/{id}/restore 200': async () =>
    call('POST', '/api/haproxy/backends/{id}/restore', (await removedOnce()).backendId),
  'POST /api/haproxy/backends/{id}/restore 409': () =>
    call('POST', '/api/haproxy/backends/{id}/restore', f.backendIds.web),
  'POST /api/haproxy/servers/{id}/restore 200': async () =>
    call('POST', '/api/haproxy/servers/{id}/restore', (await removedOnce()).serverId),
  'POST /api/haproxy/servers/{id}/restore 409': () =>
    call('POST', '/api/haproxy/servers/{id}/restore', f.servers['web/s1'].id),
  'POST /api/haproxy/backends/{id}/forget 204': async () =>
    call('POST', '/api/haproxy/backends/{id}/forget', (await removedRows(h, unique('forget'))).backendId),
  'POST /api/haproxy/backends/{id}/forget 409': () =>
    call('POST', '/api/haproxy/backends/{id}/forget', f.backendIds.web),
  'POST /api/haproxy/servers/{id}/forget 204': async () =>
    call('POST', '/api/haproxy/servers/{id}/forget', (await removedRows(h, unique('forget'))).serverId),
  'POST /api/haproxy/servers/{id}/forget 409': () =>
    call('POST', '/api/haproxy/servers/{id}/forget', f.servers['web/s1'].id),
};

const documented = Object.entries(openapi.paths).flatMap(([template, item]) =>
  HTTP_METHODS.filter((m) => item[m]).flatMap((m) =>
    Object.keys((item[m] as { responses: object }).responses).map((status) => ({
      method: m.toUpperCase(),
      template,
      status: Number(status),
    }))
  )
);

test.each(documented)(
  '$method $template $status: a real response matches the document',
  async ({ method, template, status }) => {
    const key = `${method} ${template} ${status}`;
    const produce = specific[key] ?? (generic[status] && (() => generic[status](method, template)));
    if (!produce) {
      throw new Error(`no way to produce ${key}: add one to contract.test.ts or drop it from openapi.yaml`);
    }
    const res = await produce();
    expect([key, res.status]).toEqual([key, status]);
    expect(checkedResponses).toContain(key);
  }
);

test('every producer is for a documented response', () => {
  const keys = new Set(documented.map((d) => `${d.method} ${d.template} ${d.status}`));
  expect(Object.keys(specific).filter((k) => !keys.has(k))).toEqual([]);
});

test('no part of the document is null: a comma in a one-line mapping starts a key of its own', () => {
  // `{ type: string, description: a, b }` reads as a key "b" with no value, which the schema then allows.
  const nulls: string[] = [];
  const walk = (node: unknown, at: string) => {
    if (node === null) {
      nulls.push(at);
    } else if (typeof node === 'object') {
      for (const [k, v] of Object.entries(node)) {
        walk(v, `${at}/${k}`);
      }
    }
  };
  walk(openapi, '');
  expect(nulls).toEqual([]);
});
