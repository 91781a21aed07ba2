import type { FakeServer } from '../support/fake-fagent';
import { expectError, fleet, Fleet, syncNow, useHarness } from './helpers';

/** Reads of the state model: fleet-wide backends (empty ones too), counts, filters, the instance's process. */
const h = useHarness({}, { protocol: 'extended' });
let f: Fleet;

const server = (
  name: string,
  status: string,
  admin: FakeServer['admin_state'],
  operational: FakeServer['operational_state'],
  maintSource: string | null = null
): FakeServer => ({ name, status, admin_state: admin, operational_state: operational, maint_source: maintSource });

beforeAll(async () => {
  f = await fleet(h, 'reads', {
    web: [
      server('ok', 'UP', 'ready', 'up'),
      server('failing', 'DOWN', 'ready', 'down'),
      server('drained-down', 'DOWN', 'drain', 'down'),
      server('inherited', 'MAINT (via web/ok)', 'maint', 'down', 'inherited'),
      server('starting', 'UP', 'ready', 'starting'),
    ],
    empty: [],
  });
});

const get = async (path: string) => {
  const res = await h.t.call('GET', path, { token: h.t.tokens.viewer });
  expect(res.status).toBe(200);
  return res.body;
};
const names = (body: { servers: Array<{ server_name: string }> }) => body.servers.map((s) => s.server_name).sort();

test('fleet-wide backends: every current backend, the one without servers too, counted by the model', async () => {
  const body = await get(`/api/haproxy/backends?instance_id=${f.instanceId}`);
  expect(body.total).toBe(2);
  expect(body.backends).toEqual([
    {
      id: expect.any(Number),
      instance_id: f.instanceId,
      instance_name: 'reads',
      host_name: 'host-reads',
      name: 'empty',
      servers_total: 0,
      shown: 0,
      by_status: { UP: 0, DOWN: 0, DRAIN: 0, MAINT: 0, NOLB: 0, UNKNOWN: 0 },
      available: 0,
      out_on_purpose: 0,
      failing: 0,
      drifting: 0,
      in_window: 0,
      on_backup: false,
      // The test service's default minimum is 0 (HAPROXY_MIN_AVAILABLE).
      budget: expect.objectContaining({
        scope: 'backend',
        source: 'default',
        servers_counted: 0,
        available: 0,
        ok: true,
      }),
    },
    {
      id: f.backendIds.web,
      instance_id: f.instanceId,
      instance_name: 'reads',
      host_name: 'host-reads',
      name: 'web',
      servers_total: 5,
      shown: 5,
      by_status: { UP: 2, DOWN: 2, DRAIN: 0, MAINT: 1, NOLB: 0, UNKNOWN: 0 },
      available: 1,
      out_on_purpose: 2,
      failing: 1,
      drifting: 0,
      in_window: 0,
      on_backup: false,
      budget: expect.objectContaining({ scope: 'backend', id: f.backendIds.web, servers_counted: 5, available: 1 }),
    },
  ]);
  expect((await get('/api/haproxy/backends?q=EMP')).backends.map((b: { name: string }) => b.name)).toEqual(['empty']);
  expect((await get('/api/haproxy/backends?q=reads&limit=1&offset=1')).backends[0].name).toBe('web');
});

test("an instance's backends carry the same counts", async () => {
  const { backends } = await get(`/api/haproxy/instances/${f.instanceId}/backends`);
  expect(
    backends.map((b: Record<string, unknown>) => [b.backend_name, b.server_count, b.available, b.failing])
  ).toEqual([
    ['empty', 0, 0, 0],
    ['web', 5, 1, 1],
  ]);
});

test('the summary counts servers by the model', async () => {
  const { servers } = await get('/api/haproxy/summary');
  expect(servers).toEqual({
    total: 5,
    by_status: { UP: 2, DOWN: 2, DRAIN: 0, MAINT: 1, NOLB: 0, UNKNOWN: 0 },
    available: 1,
    out_on_purpose: 2,
    failing: 1,
    drifting: 0,
    in_window: 0,
  });
});

test('servers filtered by admin and operational state', async () => {
  const base = `/api/haproxy/servers?instance_id=${f.instanceId}`;
  expect(names(await get(`${base}&admin_state=drain,maint`))).toEqual(['drained-down', 'inherited']);
  expect(names(await get(`${base}&admin_state=READY&operational_state=down`))).toEqual(['failing']);
  expect(names(await get(`${base}&operational_state=starting,up`))).toEqual(['ok', 'starting']);
  expect(names(await get(`${base}&status=DOWN&admin_state=drain`))).toEqual(['drained-down']);
  for (const bad of ['admin_state=paused', 'operational_state=', 'drift=yes', 'in_window=1']) {
    expectError(await h.t.call('GET', `${base}&${bad}`), 400, 'bad_request');
  }
});

test("a server's state fields, and the instance's HAProxy process as the agent said", async () => {
  const s = (await get(`/api/haproxy/servers?instance_id=${f.instanceId}&q=inherited`)).servers[0];
  expect(s).toMatchObject({
    status: 'MAINT',
    raw_status: 'MAINT (via web/ok)',
    admin_state: 'maint',
    maint_source: 'inherited',
    operational_state: 'down',
    desired: null,
    drift: null,
  });
  const instance = await get(`/api/haproxy/instances/${f.instanceId}`);
  expect(instance).toMatchObject({
    reconcile_policy: 'reapply',
    haproxy: { version: '2.6.12-fake', pid: expect.any(Number), started_at: expect.any(String) },
  });
});

test('removal and restore are history rows of their own, the admin state coming back with the server', async () => {
  const id = (await get(`/api/haproxy/servers?instance_id=${f.instanceId}&q=starting`)).servers[0].id;
  const all = h.agent.instances.get('reads')!.get('web')!;
  h.agent.setBackend(
    'reads',
    'web',
    all.filter((s) => s.name !== 'starting')
  );
  await syncNow(h, f.instanceId);
  h.agent.setBackend('reads', 'web', [
    ...all.filter((s) => s.name !== 'starting'),
    server('starting', 'DRAIN', 'drain', 'up'),
  ]);
  await syncNow(h, f.instanceId);
  const history = (await get(`/api/haproxy/servers/${id}/history`)).history;
  expect(
    history
      .slice(0, 2)
      .map((r: Record<string, unknown>) => [r.cause, r.from_status, r.to_status, r.admin_from, r.admin_to])
  ).toEqual([
    ['restored', 'UP', 'DRAIN', 'ready', 'drain'],
    ['removed', 'UP', 'UP', null, null],
  ]);
});

test('a server at weight 0 takes no traffic: out on purpose, neither available (the budget agrees) nor failing', async () => {
  const w = await fleet(h, 'weights', {
    web: [
      { ...server('serving', 'UP', 'ready', 'up'), weight: 5 },
      { ...server('idle', 'UP', 'ready', 'up'), weight: 0 },
      { ...server('idle-down', 'DOWN', 'ready', 'down'), weight: 0 },
      { ...server('down', 'DOWN', 'ready', 'down'), weight: 3 },
    ],
  });
  const [web] = (await get(`/api/haproxy/backends?instance_id=${w.instanceId}`)).backends;
  expect(web).toMatchObject({
    servers_total: 4,
    available: 1,
    out_on_purpose: 2,
    failing: 1,
    budget: expect.objectContaining({ servers_counted: 4, available: 1 }),
  });
});
