import type { AppConfig } from '../../src/config';
import { FakeFagent, FakeFagentOptions, FakeServer } from '../support/fake-fagent';
import { checked, CheckedService } from '../support/openapi';
import { registerInstance, startTestService } from '../support/service';

/** One service (every response checked against openapi.yaml) and one fake agent per test file. */
export interface Harness {
  t: CheckedService;
  agent: FakeFagent;
}

export function useHarness(overrides: Partial<AppConfig> = {}, agent: FakeFagentOptions = {}): Harness {
  const h = {} as Harness;
  beforeAll(async () => {
    h.agent = await new FakeFagent(agent).start();
    h.t = checked(await startTestService(overrides));
  });
  afterAll(async () => {
    await h.t?.stop();
    await h.agent?.stop();
  });
  return h;
}

export interface ApiServer {
  id: number;
  backend_id: number;
  backend_name: string;
  server_name: string;
  status: string;
  application_id: number | null;
  mapping_kind: 'manual' | 'auto' | null;
  [k: string]: unknown;
}

export interface Fleet {
  hostId: number;
  instanceId: number;
  instanceName: string;
  /** Current servers by `backend/server`. */
  servers: Record<string, ApiServer>;
  backendIds: Record<string, number>;
}

/** Puts the backends on the fake agent, registers the instance (own host) and syncs it. */
export async function fleet(
  h: Harness,
  instance: string,
  backends: Record<string, FakeServer[]>,
  opts: { hostName?: string; address?: string } = {}
): Promise<Fleet> {
  for (const [backend, servers] of Object.entries(backends)) {
    h.agent.setBackend(instance, backend, servers);
  }
  const ids = await registerInstance(h.t, h.agent.url, instance, opts);
  await syncNow(h, ids.instanceId);
  return { ...ids, instanceName: instance, ...(await readFleet(h, ids.instanceId)) };
}

export async function readFleet(h: Harness, instanceId: number): Promise<Pick<Fleet, 'servers' | 'backendIds'>> {
  const res = await h.t.call('GET', `/api/haproxy/servers?instance_id=${instanceId}`);
  expect(res.status).toBe(200);
  const servers: Record<string, ApiServer> = {};
  const backendIds: Record<string, number> = {};
  for (const s of res.body.servers as ApiServer[]) {
    servers[`${s.backend_name}/${s.server_name}`] = s;
    backendIds[s.backend_name] = s.backend_id;
  }
  return { servers, backendIds };
}

/** A manual sync that waits for its outcome; `expected` is the outcome's status. */
export async function syncNow(h: Harness, instanceId: number, expected = 'ok') {
  const res = await h.t.call('POST', `/api/haproxy/instances/${instanceId}/sync?wait=true`, {
    token: h.t.tokens.operator,
  });
  expect(res.status).toBe(200);
  expect(res.body.status).toBe(expected);
  return res.body;
}

/** A 4xx/5xx in the one error shape, with no stack trace or source path leaking out. */
export function expectError(res: { status: number; body: unknown }, status: number, code?: string) {
  expect({ status: res.status, body: res.body }).toEqual({
    status,
    body: { error: { code: code ?? expect.any(String), message: expect.any(String) } },
  });
  expect(JSON.stringify(res.body)).not.toMatch(/\bat .+:\d+:\d+|node_modules|\.ts:\d+|Error:/);
}

export async function createApplication(h: Harness, name: string, hostId: number | null = null): Promise<number> {
  const res = await h.t.call('POST', '/api/applications', { body: { name, host_id: hostId } });
  expect(res.status).toBe(201);
  return res.body.id;
}

/** Actions of the audit log matching a query string, e.g. `server_id=3&success=false`. */
export async function actions(h: Harness, query: string) {
  const res = await h.t.call('GET', `/api/haproxy/actions?${query}`, { token: h.t.tokens.viewer });
  expect(res.status).toBe(200);
  return res.body as { actions: Array<Record<string, unknown>>; total: number };
}

export const command = (
  h: Harness,
  serverId: number,
  cmd: string,
  opts: { token?: string; headers?: Record<string, string>; source?: string } = {}
) =>
  h.t.call('POST', `/api/haproxy/servers/${serverId}/command`, {
    token: opts.token ?? h.t.tokens.operator,
    headers: opts.headers,
    body: { command: cmd, ...(opts.source ? { source: opts.source } : {}) },
  });

/** A small valid trend query (POST /api/haproxy/query) over the last hour. */
export const trendQuery = () => ({
  range: { from: new Date(Date.now() - 3_600_000).toISOString(), to: new Date().toISOString() },
  maxDataPoints: 100,
  queries: [{ refId: 'A', type: 'servers_table' }],
});

/**
 * An instance of its own where a sync removed a backend (`backendId`, with its server) and, from a current
 * backend, one server (`serverId`): rows to restore or forget.
 */
export async function removedRows(h: Harness, instance: string) {
  const f = await fleet(h, instance, {
    keep: [
      { name: 'stays', status: 'UP' },
      { name: 'goes', status: 'UP' },
    ],
    gone: [{ name: 'with-backend', status: 'UP' }],
  });
  h.agent.setBackend(instance, 'keep', [{ name: 'stays', status: 'UP' }]);
  h.agent.removeBackend(instance, 'gone');
  const outcome = await syncNow(h, f.instanceId);
  if (outcome.removals_held) {
    // Half of the backends at once is more than one answer may remove: confirmed as an admin would.
    const confirmed = await h.t.call('POST', `/api/haproxy/instances/${f.instanceId}/removals/confirm`, {
      token: h.t.tokens.admin,
    });
    expect(confirmed.status).toBe(200);
  }
  return { ...f, backendId: f.backendIds.gone, serverId: f.servers['keep/goes'].id };
}
