import { http, HttpResponse, type JsonBodyType } from 'msw';
import { backendsOf, makeFleet, summaryOf, type Fleet } from './fixtures';
import { applyCommand, type CommandBody, commandBodyProblem, fleetBackendsOf } from './stateFixtures';

export const ORIGIN = 'http://localhost';
/** What Grafana's plugin proxy serves for this app in tests. */
export const PROXY = `${ORIGIN}/api/plugin-proxy/appcontrol-haproxy-app`;

/** The backend's state in tests; handlers read and mutate it, tests inspect it. Reset before each test. */
export const db: { fleet: Fleet; requests: Array<{ method: string; path: string; body?: unknown }> } = {
  fleet: makeFleet(),
  requests: [],
};

export function resetDb() {
  db.fleet = makeFleet();
  db.requests = [];
}

function apiError(status: number, code: string, message: string) {
  return HttpResponse.json({ error: { code, message } }, { status });
}

async function record(request: Request) {
  const url = new URL(request.url);
  let body: unknown;
  if (request.method !== 'GET') {
    const text = await request.clone().text();
    body = text ? JSON.parse(text) : undefined;
  }
  db.requests.push({ method: request.method, path: url.pathname + url.search, body });
}

/** The backend REST API (backend/openapi.yaml) as seen through the plugin proxy. */
export const handlers = [
  http.all(`${PROXY}/*`, async ({ request }) => {
    await record(request);
    // fall through to the specific handlers
    return undefined;
  }),
  http.get(`${PROXY}/api/me`, () => HttpResponse.json({ token_name: 'grafana', role: 'operator' })),
  http.get(`${PROXY}/api/haproxy/summary`, () => HttpResponse.json(summaryOf(db.fleet) as unknown as JsonBodyType)),
  http.get(`${PROXY}/api/haproxy/instances`, ({ request }) => {
    const hostId = new URL(request.url).searchParams.get('server_id');
    const instances = db.fleet.instances.filter((i) => hostId === null || i.host_id === Number(hostId));
    return HttpResponse.json({ instances } as unknown as JsonBodyType);
  }),
  http.get(`${PROXY}/api/haproxy/instances/:id/backends`, ({ params }) =>
    HttpResponse.json({ backends: backendsOf(db.fleet, Number(params.id)) } as unknown as JsonBodyType)
  ),
  http.get(`${PROXY}/api/haproxy/backends`, () => {
    const backends = fleetBackendsOf(db.fleet.servers, db.fleet.emptyBackends);
    return HttpResponse.json({ backends, total: backends.length } as unknown as JsonBodyType);
  }),
  http.post(`${PROXY}/api/haproxy/instances/:id/sync`, ({ params }) =>
    HttpResponse.json({ accepted: true, instance_id: Number(params.id) }, { status: 202 })
  ),
  http.get(`${PROXY}/api/haproxy/servers`, ({ request }) => {
    const sp = new URL(request.url).searchParams;
    const limit = Number(sp.get('limit') ?? 100);
    const offset = Number(sp.get('offset') ?? 0);
    const servers = db.fleet.servers.slice(offset, offset + limit);
    return HttpResponse.json({ servers, total: db.fleet.servers.length } as unknown as JsonBodyType);
  }),
  http.post(`${PROXY}/api/haproxy/servers/:id/command`, async ({ params, request }) => {
    const server = db.fleet.servers.find((s) => s.id === Number(params.id));
    if (!server) {
      return apiError(404, 'not_found', 'server not found');
    }
    const body = (await request.json()) as CommandBody;
    const { command } = body;
    const problem = commandBodyProblem(body);
    if (problem) {
      return apiError(400, 'bad_request', problem);
    }
    const before = server.status;
    const audited = applyCommand(server, body, 'editor', 'ui');
    const action = {
      id: db.fleet.actions.length + 1,
      server_id: server.id,
      instance_id: server.instance_id,
      instance_name: server.instance_name,
      backend_name: server.backend_name,
      server_name: server.server_name,
      command,
      actor: 'editor',
      source: 'ui',
      operation_id: null,
      success: true,
      error: null,
      status_before: before,
      status_after: server.status,
      started_at: new Date().toISOString(),
      duration_ms: 12,
      ...audited,
    };
    db.fleet.actions.push(action);
    return HttpResponse.json({ action, server } as unknown as JsonBodyType);
  }),
  http.post(`${PROXY}/api/haproxy/commands/bulk`, async ({ request }) => {
    const body = (await request.json()) as CommandBody & { server_ids: number[] };
    const { command, server_ids } = body;
    const problem = commandBodyProblem(body);
    if (problem) {
      return apiError(400, 'bad_request', problem);
    }
    const results = server_ids.map((id) => {
      const target = db.fleet.servers.find((s) => s.id === id);
      if (!target) {
        return { server_id: id, ok: false, action_id: 0, error: 'server not found' };
      }
      applyCommand(target, body, 'editor', 'bulk');
      return { server_id: id, ok: true, action_id: db.fleet.actions.length + 1 };
    });
    const succeeded = results.filter((r) => r.ok).length;
    return HttpResponse.json({
      operation_id: '00000000-0000-4000-8000-000000000001',
      command,
      total: results.length,
      succeeded,
      failed: results.length - succeeded,
      results,
    } as unknown as JsonBodyType);
  }),
  http.put(`${PROXY}/api/haproxy/servers/:id/mapping`, async ({ params, request }) => {
    const server = db.fleet.servers.find((s) => s.id === Number(params.id));
    if (!server) {
      return apiError(404, 'not_found', 'server not found');
    }
    const { application_id } = (await request.json()) as { application_id: number | null };
    const app = db.fleet.applications.find((a) => a.id === application_id);
    server.application_id = app?.id ?? null;
    server.application_name = app?.name ?? null;
    server.mapping_kind = app ? 'manual' : null;
    return HttpResponse.json(server as unknown as JsonBodyType);
  }),
  http.get(`${PROXY}/api/haproxy/actions`, ({ request }) => {
    const sp = new URL(request.url).searchParams;
    let actions = [...db.fleet.actions].reverse();
    if (sp.get('actor')) {
      actions = actions.filter((a) => a.actor === sp.get('actor'));
    }
    if (sp.get('command')) {
      actions = actions.filter((a) => a.command === sp.get('command'));
    }
    if (sp.get('source')) {
      actions = actions.filter((a) => a.source === sp.get('source'));
    }
    if (sp.get('success')) {
      actions = actions.filter((a) => String(a.success) === sp.get('success'));
    }
    const limit = Number(sp.get('limit') ?? 50);
    const offset = Number(sp.get('offset') ?? 0);
    return HttpResponse.json({
      actions: actions.slice(offset, offset + limit),
      total: actions.length,
    } as unknown as JsonBodyType);
  }),
  http.get(`${PROXY}/api/hosts`, () => HttpResponse.json({ hosts: db.fleet.hosts } as unknown as JsonBodyType)),
  http.get(`${PROXY}/api/hosts/:id`, ({ params }) => {
    const host = db.fleet.hosts.find((h) => h.id === Number(params.id));
    return host ? HttpResponse.json(host as unknown as JsonBodyType) : apiError(404, 'not_found', 'host not found');
  }),
  http.get(`${PROXY}/api/applications`, () =>
    HttpResponse.json({ applications: db.fleet.applications } as unknown as JsonBodyType)
  ),
  http.post(`${ORIGIN}/api/plugins/:id/settings`, async ({ request }) => {
    await record(request);
    return HttpResponse.json({ message: 'Plugin settings updated' });
  }),
];

/** Grafana's proxy when the backend is down: 502 with Grafana's own body, not the backend's error JSON. */
export const unreachableHandler = http.all(`${PROXY}/*`, () =>
  HttpResponse.json({ message: 'Bad Gateway' }, { status: 502 })
);
