import { http, HttpResponse, type JsonBodyType } from 'msw';
import { config } from '@grafana/runtime';
import pluginJson from '../plugin.json';
import type { ApiRole, Budget, Host, HostInput, Instance, InstanceInput, OperationRequest, Server } from '../api/types';
import { backendsOf, makeFleet, makeInstance, makeSyncOutcome, summaryOf, type Fleet } from './fixtures';
import { matchAppRoute, type ProxyRoute } from './grafanaProxy';
import { backendsPage, serversPage } from './fleetPages';
import {
  budgetOf,
  cancelOperation,
  dryRunOf,
  guard,
  type GuardDecision,
  makeOperation,
  minimumProblem,
  operationProblem,
  refusalMessage,
} from './guardFixtures';
import { applyCommand, type CommandBody, commandBodyProblem, fleetBackendsOf } from './stateFixtures';

export const ORIGIN = 'http://localhost';
/** What Grafana's plugin proxy serves for this app in tests. */
export const PROXY = `${ORIGIN}/api/plugin-proxy/appcontrol-haproxy-app`;
/** The backend behind the proxy (the app's jsonData.backendUrl in tests). */
export const BACKEND = 'http://backend:8080';
/** The app's secureJsonData in tests: one backend token per Grafana role, as plugin.json's routes send them. */
export const TOKENS: Record<string, string> = {
  viewerToken: 'viewer-token',
  operatorToken: 'operator-token',
  adminToken: 'admin-token',
};
const ROLE_OF_TOKEN: Record<string, ApiRole> = {
  'viewer-token': 'viewer',
  'operator-token': 'operator',
  'admin-token': 'admin',
};
const API_RANK: Record<ApiRole, number> = { viewer: 1, operator: 2, admin: 3 };
const ORG_RANK: Record<string, number> = { Viewer: 1, Editor: 2, Admin: 3 };

/** The backend's state in tests; handlers read and mutate it, tests inspect it. Reset before each test. */
export const db: {
  fleet: Fleet;
  /** What reached Grafana's proxy, with the proxy's path (the role prefix tells which token went). */
  requests: Array<{ method: string; path: string; body?: unknown }>;
} = {
  fleet: makeFleet(),
  requests: [],
};

export function resetDb() {
  db.fleet = makeFleet();
  db.requests = [];
}

export function apiError(status: number, code: string, message: string) {
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

const fill = (template: string) =>
  template
    .replace('{{ .JsonData.backendUrl }}', BACKEND)
    .replace(/\{\{ \.SecureJsonData\.(\w+) \}\}/g, (_m, key: string) => TOKENS[key] ?? '');

/**
 * Grafana's plugin proxy for this app, as src/plugin.json declares it: the route (grafanaProxy.ts), its reqRole
 * against the signed-in user's org role, the token it injects, and the backend request it makes.
 */
const grafanaProxy = http.all(`${PROXY}/*`, async ({ request }) => {
  await record(request);
  const url = new URL(request.url);
  const match = matchAppRoute(
    pluginJson.routes as ProxyRoute[],
    request.method,
    url.pathname.slice(new URL(PROXY).pathname.length)
  );
  if (!match) {
    return HttpResponse.json({ message: 'plugin route match not found' }, { status: 404 });
  }
  const orgRole = config.bootData?.user?.orgRole ?? 'Viewer';
  if ((ORG_RANK[orgRole] ?? 0) < ORG_RANK[match.route.reqRole ?? 'Viewer']) {
    return HttpResponse.json({ message: 'plugin proxy route access denied' }, { status: 403 });
  }
  const headers = new Headers({ 'content-type': request.headers.get('content-type') ?? 'application/json' });
  // Grafana's director passes the client's other headers on (cookies and auth excepted): a conditional GET too.
  const ifNoneMatch = request.headers.get('if-none-match');
  if (ifNoneMatch) {
    headers.set('if-none-match', ifNoneMatch);
  }
  for (const h of match.route.headers ?? []) {
    headers.set(h.name, fill(h.content));
  }
  const target = `${fill(match.route.url!)}${match.rest ? `/${match.rest}` : ''}${url.search}`;
  return fetch(target, {
    method: request.method,
    headers,
    body: request.method === 'GET' ? undefined : await request.text(),
  });
});

/** The backend's own role check: 403 with its message when the request's token is below `role`. */
function refused(request: Request, role: ApiRole) {
  const token = request.headers.get('authorization')?.replace(/^Bearer /, '') ?? '';
  const has = ROLE_OF_TOKEN[token];
  if (!has) {
    return apiError(401, 'unauthorized', 'invalid or revoked token');
  }
  return API_RANK[has] < API_RANK[role]
    ? apiError(403, 'forbidden', `this needs the ${role} role; token "grafana-${has}" has ${has}`)
    : undefined;
}

type Resolver = (info: {
  request: Request;
  params: Record<string, string | readonly string[] | undefined>;
}) => Response | Promise<Response>;

/** A backend route that needs `role`: refused before it does anything, as the backend's requireRole does. */
const as =
  (role: ApiRole, resolver: Resolver): Resolver =>
  (info) =>
    refused(info.request, role) ?? resolver(info);

const B = `${BACKEND}/api`;
const now = () => new Date().toISOString();
const byId = <T extends { id: number }>(list: T[], id: unknown) => list.find((x) => x.id === Number(id));

const nextId = (list: Array<{ id: number }>) => Math.max(0, ...list.map((x) => x.id)) + 1;
const json = (body: unknown, status = 200) => HttpResponse.json(body as JsonBodyType, { status });

/** The backend's conditional GET (api/conditional-get.ts): an ETag of the answer's bytes, 304 when it is held. */
const conditional =
  (answer: (request: Request) => unknown): Resolver =>
  ({ request }) => {
    const text = JSON.stringify(answer(request));
    let hash = 5381;
    for (let i = 0; i < text.length; i++) {
      hash = (hash * 33 + text.charCodeAt(i)) | 0;
    }
    const etag = `"${(hash >>> 0).toString(36)}-${text.length}"`;
    const headers = { etag, 'content-type': 'application/json', 'cache-control': 'private, no-cache' };
    return request.headers.get('if-none-match') === etag
      ? new HttpResponse(null, { status: 304, headers })
      : new HttpResponse(text, { status: 200, headers });
  };
const searchOf = (request: Request) => new URL(request.url).searchParams;
const noContent = () => new HttpResponse(null, { status: 204 });

/** Takes a removed row off the "Recently removed" list (restored or forgotten). */
const unlist = (kind: 'backends' | 'servers', id: unknown) => {
  const removed = db.fleet.removed;
  if (kind === 'backends') {
    removed.backends = removed.backends.filter((r) => r.id !== Number(id));
  } else {
    removed.servers = removed.servers.filter((r) => r.id !== Number(id));
  }
};

const backendServers = (id: number) => db.fleet.servers.filter((s) => s.backend_id === id);
const applicationServers = (id: number) => db.fleet.servers.filter((s) => s.application_id === id);

/** A backend's or an application's budget now, or undefined when there is no such thing. */
function currentBudget(scope: Budget['scope'], id: number): Budget | undefined {
  if (scope === 'backend') {
    const servers = backendServers(id);
    const known = servers.length > 0 || db.fleet.emptyBackends?.some((b) => b.id === id);
    return known ? budgetOf('backend', id, servers, db.fleet.minimums) : undefined;
  }
  return (
    byId(db.fleet.applications, id) &&
    budgetOf('application', id, applicationServers(id), db.fleet.minimums, db.fleet.servers)
  );
}

/** GET, PUT (admin) and DELETE (admin, back to the default) of one scope's budget. */
function budgetRoutes(scope: Budget['scope'], path: string) {
  const minimums = () => (scope === 'backend' ? db.fleet.minimums.backends : db.fleet.minimums.applications);
  const found = (id: unknown) => currentBudget(scope, Number(id));
  const notFound = (id: unknown) => apiError(404, 'not_found', `${scope} ${id} not found`);
  return [
    http.get(path, ({ params }) => {
      const budget = found(params.id);
      return budget ? json(budget) : notFound(params.id);
    }),
    http.put(
      path,
      as('admin', async ({ params, request }) => {
        const budget = found(params.id);
        if (!budget) {
          return notFound(params.id);
        }
        const { min_available } = (await request.json()) as { min_available: unknown };
        const name =
          scope === 'backend' ? `backend ${backendServers(Number(params.id))[0]?.backend_name}` : 'the application';
        const problem = minimumProblem(min_available, budget.servers_counted, name);
        if (problem) {
          return apiError(400, 'bad_request', problem);
        }
        minimums()[Number(params.id)] = min_available as number | string;
        return json(found(params.id));
      })
    ),
    http.delete(
      path,
      as('admin', ({ params }) => {
        if (!found(params.id)) {
          return notFound(params.id);
        }
        delete minimums()[Number(params.id)];
        return json(found(params.id));
      })
    ),
  ];
}

/** The 409 of a refused command, in the contract's words. */
function budgetRefused(decision: GuardDecision) {
  const refusal = decision.refusal!;
  return HttpResponse.json(
    {
      error: {
        code: 'budget_exceeded',
        message: refusalMessage(refusal, [decision.server.server_name]),
        details: refusal,
      },
    },
    { status: 409 }
  );
}

let operationCount = 0;
const nextOperationId = () => `00000000-0000-4000-8000-${String(++operationCount).padStart(12, '0')}`;

/** The servers a job selects, or undefined when the selection names something unknown (404). */
function selected(body: OperationRequest): Server[] | undefined {
  if ('server_ids' in body) {
    const servers = body.server_ids.map((id) => byId(db.fleet.servers, id));
    return servers.every(Boolean) ? (servers as Server[]) : undefined;
  }
  if ('backend_id' in body) {
    return currentBudget('backend', body.backend_id) && backendServers(body.backend_id);
  }
  return byId(db.fleet.applications, body.application_id) && applicationServers(body.application_id);
}

/** A forced request goes past the budget: its refusals become take-outs. */
const forced = (decisions: GuardDecision[], force?: boolean) =>
  force
    ? decisions.map((d): GuardDecision => (d.would === 'refuse' ? { server: d.server, would: 'take_out' } : d))
    : decisions;

/** The backend REST API (backend/openapi.yaml) behind the proxy, over `db`, with its role checks. */
const backend = [
  http.get(`${B}/me`, ({ request }) => {
    const token = request.headers.get('authorization')?.replace(/^Bearer /, '') ?? '';
    const role = ROLE_OF_TOKEN[token];
    return role
      ? json({ token_name: `grafana-${role}`, role })
      : apiError(401, 'unauthorized', 'invalid or revoked token');
  }),
  http.get(
    `${B}/haproxy/summary`,
    conditional(() => summaryOf(db.fleet))
  ),
  http.get(
    `${B}/haproxy/instances`,
    conditional((request) => {
      const hostId = searchOf(request).get('server_id');
      return { instances: db.fleet.instances.filter((i) => hostId === null || i.host_id === Number(hostId)) };
    })
  ),
  http.post(
    `${B}/haproxy/instances`,
    as('admin', async ({ request }) => {
      const body = (await request.json()) as InstanceInput;
      const instance = makeInstance({
        ...body,
        id: nextId(db.fleet.instances),
        host_name: byId(db.fleet.hosts, body.host_id)?.name ?? '',
        last_sync_at: null,
        last_sync_success: null,
      });
      db.fleet.instances.push(instance);
      return json(instance, 201);
    })
  ),
  http.get(
    `${B}/haproxy/backends`,
    conditional((request) => backendsPage(db.fleet, searchOf(request)))
  ),
  ...budgetRoutes('backend', `${B}/haproxy/backends/:id/budget`),
  ...budgetRoutes('application', `${B}/applications/:id/budget`),
  http.patch(
    `${B}/haproxy/instances/:id`,
    as('admin', async ({ request, params }) => {
      const instance = byId(db.fleet.instances, params.id);
      if (!instance) {
        return apiError(404, 'not_found', `instance ${params.id} not found`);
      }
      Object.assign(instance, (await request.json()) as Partial<Instance>);
      return json(instance);
    })
  ),
  http.delete(
    `${B}/haproxy/instances/:id`,
    as('admin', ({ params }) => {
      db.fleet.instances = db.fleet.instances.filter((i) => i.id !== Number(params.id));
      return noContent();
    })
  ),
  http.get(`${B}/haproxy/instances/:id/backends`, ({ params }) =>
    json({ backends: backendsOf(db.fleet, Number(params.id)) })
  ),
  http.post(
    `${B}/haproxy/instances/:id/sync`,
    as('operator', ({ params, request }) => {
      const id = Number(params.id);
      const q = searchOf(request);
      if (q.get('wait') !== 'true' && !q.has('wait_ms')) {
        return json({ accepted: true, instance_id: id }, 202);
      }
      const servers = db.fleet.servers.filter((s) => s.instance_id === id);
      const backends = new Set(servers.map((s) => s.backend_id)).size;
      return json(makeSyncOutcome({ instance_id: id, backends, servers: servers.length }));
    })
  ),
  http.post(
    `${B}/haproxy/instances/:id/scope-preview`,
    as('admin', async ({ request, params }) => {
      const { scope } = (await request.json()) as { scope: string[] | null };
      const names = [...new Set(backendsOf(db.fleet, Number(params.id)).map((b) => b.backend_name))].sort();
      // Plain names only here: the glob dialect is the backend's (PostgreSQL matches it), tested there.
      const backends = names.map((name) => ({
        name,
        in_scope: !scope || scope.includes(name),
        on_agent: true,
        stored: true,
      }));
      const inScope = backends.filter((b) => b.in_scope).length;
      return json({
        instance_id: Number(params.id),
        scope,
        agent_error: null,
        backends,
        in_scope: inScope,
        out_of_scope: backends.length - inScope,
      });
    })
  ),
  http.post(
    `${B}/haproxy/instances/:id/removals/confirm`,
    as('admin', ({ params }) => {
      const instance = byId(db.fleet.instances, params.id);
      if (!instance) {
        return apiError(404, 'not_found', `instance ${params.id} not found`);
      }
      instance.suspicious_answer = null;
      return json(instance);
    })
  ),
  http.get(
    `${B}/haproxy/servers`,
    conditional((request) => serversPage(db.fleet, searchOf(request)))
  ),
  http.post(
    `${B}/haproxy/servers/:id/command`,
    as('operator', async ({ params, request }) => {
      const server = byId(db.fleet.servers, params.id);
      if (!server) {
        return apiError(404, 'not_found', 'server not found');
      }
      const body = (await request.json()) as CommandBody;
      const problem = commandBodyProblem(body);
      if (problem) {
        return apiError(400, 'bad_request', problem);
      }
      if (body.ramp) {
        const ramp = { action: 'ready' as const, server_ids: [server.id], ramp: body.ramp, reason: body.reason };
        const rampProblem = operationProblem(ramp);
        if (rampProblem) {
          return apiError(400, 'bad_request', rampProblem);
        }
        const operation = makeOperation(
          nextOperationId(),
          ramp,
          guard(db.fleet.servers, [server], 'ready', db.fleet.minimums),
          'editor'
        );
        db.fleet.operations.push(operation);
        return json({ operation }, 202);
      }
      const [decision] = guard(db.fleet.servers, [server], body.command, db.fleet.minimums, body.weight);
      if (decision.would === 'refuse' && !body.force) {
        return budgetRefused(decision);
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
        command: body.command,
        actor: 'editor',
        source: 'ui',
        operation_id: null,
        success: true,
        result: 'success' as const,
        error: null,
        status_before: before,
        status_after: server.status,
        started_at: now(),
        duration_ms: 12,
        forced: Boolean(body.force && decision.would === 'refuse'),
        ...audited,
      };
      db.fleet.actions.push(action);
      return json({ action, server });
    })
  ),
  http.post(
    `${B}/haproxy/commands/bulk`,
    as('operator', async ({ request }) => {
      const body = (await request.json()) as CommandBody & { server_ids: number[] };
      const problem = commandBodyProblem(body);
      if (problem) {
        return apiError(400, 'bad_request', problem);
      }
      const targets = body.server_ids.map((id) => byId(db.fleet.servers, id)).filter((s): s is Server => !!s);
      const decisions = guard(db.fleet.servers, targets, body.command, db.fleet.minimums, body.weight);
      if (body.dry_run) {
        return json(dryRunOf(db.fleet.servers, decisions, db.fleet.minimums));
      }
      const decided = new Map(forced(decisions, body.force).map((d) => [d.server.id, d]));
      const results = body.server_ids.map((id) => {
        const decision = decided.get(id);
        if (!decision) {
          return { server_id: id, ok: false, action_id: null, error: 'server not found' };
        }
        if (decision.refusal) {
          const { refusal, server } = decision;
          return {
            server_id: id,
            ok: false,
            action_id: db.fleet.actions.length + 1,
            error: refusalMessage(refusal, [server.server_name]),
            error_code: 'budget_exceeded',
            details: refusal,
          };
        }
        const { note } = applyCommand(decision.server, body, 'editor', 'bulk');
        return { server_id: id, ok: true, action_id: db.fleet.actions.length + 1, ...(note && { note }) };
      });
      const succeeded = results.filter((r) => r.ok).length;
      return json({
        operation_id: '00000000-0000-4000-8000-000000000001',
        command: body.command,
        total: results.length,
        succeeded,
        failed: results.length - succeeded,
        results,
      });
    })
  ),
  http.get(`${B}/haproxy/servers/:id`, ({ params }) => {
    const server = byId(db.fleet.servers, params.id);
    return server ? json(server) : apiError(404, 'not_found', 'server not found');
  }),
  http.get(`${B}/haproxy/servers/:id/history`, ({ params, request }) => {
    const sp = new URL(request.url).searchParams;
    const since = Date.parse(sp.get('since') ?? '1970-01-01T00:00:00Z');
    const until = Date.parse(sp.get('until') ?? '2999-01-01T00:00:00Z');
    const history = db.fleet.history
      .filter((h) => h.server_id === Number(params.id))
      .filter((h) => Date.parse(h.changed_at) >= since && Date.parse(h.changed_at) <= until)
      .sort((a, b) => Date.parse(b.changed_at) - Date.parse(a.changed_at));
    return json({ history });
  }),
  http.get(`${B}/haproxy/operations`, ({ request }) => {
    const sp = new URL(request.url).searchParams;
    const state = sp.get('state');
    const limit = Number(sp.get('limit') ?? 50);
    const offset = Number(sp.get('offset') ?? 0);
    const operations = [...db.fleet.operations].reverse().filter((o) => state === null || o.state === state);
    return json({ operations: operations.slice(offset, offset + limit), total: operations.length });
  }),
  http.get(`${B}/haproxy/operations/:id`, ({ params }) => {
    const operation = db.fleet.operations.find((o) => o.id === params.id);
    return operation ? json(operation) : apiError(404, 'not_found', 'operation not found');
  }),
  http.post(
    `${B}/haproxy/operations`,
    as('operator', async ({ request }) => {
      const body = (await request.json()) as OperationRequest & Record<string, unknown>;
      const problem = operationProblem(body);
      if (problem) {
        return apiError(400, 'bad_request', problem);
      }
      const targets = selected(body);
      if (!targets) {
        return apiError(404, 'not_found', 'the selection names no known server, backend or application');
      }
      if (targets.length === 0) {
        return apiError(400, 'bad_request', 'no server selected');
      }
      const decisions = guard(db.fleet.servers, targets, body.action, db.fleet.minimums);
      if (body.dry_run) {
        return json(dryRunOf(db.fleet.servers, decisions, db.fleet.minimums));
      }
      const same = db.fleet.operations.find((o) => body.idempotency_key && o.reason === body.idempotency_key);
      if (same) {
        return json(same);
      }
      const ids = targets.map((t) => t.id);
      const busy = db.fleet.operations.find(
        (o) => (o.state === 'running' || o.state === 'queued') && o.servers.some((s) => ids.includes(s.server_id))
      );
      if (busy) {
        const server = busy.servers.find((s) => ids.includes(s.server_id))!;
        return HttpResponse.json(
          {
            error: {
              code: 'operation_conflict',
              message: `server ${server.server_name} is in operation ${busy.id} (${busy.state})`,
              details: { operation_id: busy.id, server_ids: [server.server_id] },
            },
          },
          { status: 409 }
        );
      }
      const operation = makeOperation(nextOperationId(), body, forced(decisions, body.force), 'editor');
      db.fleet.operations.push(operation);
      return json(operation, 202);
    })
  ),
  http.post(
    `${B}/haproxy/operations/:id/cancel`,
    as('operator', ({ params }) => {
      const operation = db.fleet.operations.find((o) => o.id === params.id);
      if (!operation) {
        return apiError(404, 'not_found', 'operation not found');
      }
      return json(cancelOperation(operation));
    })
  ),
  http.put(
    `${B}/haproxy/servers/:id/mapping`,
    as('operator', async ({ params, request }) => {
      const server = byId(db.fleet.servers, params.id);
      if (!server) {
        return apiError(404, 'not_found', 'server not found');
      }
      const { application_id } = (await request.json()) as { application_id: number | null };
      const app = byId(db.fleet.applications, application_id);
      server.application_id = app?.id ?? null;
      server.application_name = app?.name ?? null;
      server.mapping_kind = 'manual';
      db.fleet.unresolved = db.fleet.unresolved.filter((u) => u.server.id !== server.id);
      return json(server);
    })
  ),
  http.get(`${B}/haproxy/mappings/unresolved`, ({ request }) => {
    const kind = new URL(request.url).searchParams.get('kind') ?? 'any';
    const servers = db.fleet.unresolved.filter(
      (u) => kind === 'any' || (kind === 'ambiguous') === u.reason.startsWith('ambiguous')
    );
    return json({ servers, total: servers.length });
  }),
  http.get(`${B}/haproxy/removed`, () => json(db.fleet.removed)),
  ...(['backends', 'servers'] as const).flatMap((kind) => [
    http.post(
      `${B}/haproxy/${kind}/:id/restore`,
      as('admin', ({ params }) => {
        unlist(kind, params.id);
        return json({ backends: kind === 'backends' ? 1 : 0, servers: 1 });
      })
    ),
    http.post(
      `${B}/haproxy/${kind}/:id/forget`,
      as('admin', ({ params }) => {
        unlist(kind, params.id);
        return noContent();
      })
    ),
  ]),
  http.get(`${B}/haproxy/actions`, ({ request }) => {
    const sp = new URL(request.url).searchParams;
    let actions = [...db.fleet.actions].reverse();
    for (const key of ['actor', 'command', 'source', 'success', 'result', 'server_id'] as const) {
      const value = sp.get(key);
      if (value) {
        actions = actions.filter((a) => String(a[key]) === value);
      }
    }
    const since = sp.get('since');
    const until = sp.get('until');
    actions = actions.filter(
      (a) =>
        (!since || Date.parse(a.started_at) >= Date.parse(since)) &&
        (!until || Date.parse(a.started_at) < Date.parse(until))
    );
    const limit = Number(sp.get('limit') ?? 50);
    const offset = Number(sp.get('offset') ?? 0);
    return json({ actions: actions.slice(offset, offset + limit), total: actions.length });
  }),
  http.get(
    `${B}/admin/changes`,
    as('admin', ({ request }) => {
      const sp = searchOf(request);
      let changes = [...db.fleet.adminChanges].sort((a, b) => b.id - a.id);
      for (const key of ['entity_kind', 'entity_id', 'actor', 'action'] as const) {
        const value = sp.get(key);
        if (value) {
          changes = changes.filter((c) => String(c[key]) === value);
        }
      }
      const since = sp.get('since');
      const until = sp.get('until');
      changes = changes.filter((c) => (!since || c.changed_at >= since) && (!until || c.changed_at < until));
      const total = changes.length;
      const after = sp.get('after');
      if (after) {
        let afterId: unknown;
        try {
          [afterId] = JSON.parse(atob(after)) as unknown[];
        } catch {
          afterId = undefined;
        }
        if (typeof afterId !== 'number') {
          return apiError(400, 'bad_request', 'after: not a key of this list');
        }
        changes = changes.filter((c) => c.id < afterId);
      }
      const limit = Number(sp.get('limit') ?? 100);
      const page = changes.slice(0, limit);
      const next = changes.length > limit ? btoa(JSON.stringify([page[page.length - 1].id])) : null;
      return json({ changes: page, total, next });
    })
  ),
  http.get(`${B}/hosts`, () => json({ hosts: db.fleet.hosts })),
  http.get(`${B}/hosts/:id`, ({ params }) => {
    const host = byId(db.fleet.hosts, params.id);
    return host ? json(host) : apiError(404, 'not_found', 'host not found');
  }),
  http.post(
    `${B}/hosts/test`,
    as('admin', async ({ request }) => {
      const { instances = ['haproxy-1'] } = (await request.json()) as { instances?: string[] };
      return json({
        ok: true,
        latency_ms: 7,
        instances: instances.map((name) => ({ name, reachable: true, backends: 2, latency_ms: 5 })),
      });
    })
  ),
  http.post(
    `${B}/hosts/:id/test`,
    as('admin', ({ params }) => {
      const names = db.fleet.instances.filter((i) => i.host_id === Number(params.id)).map((i) => i.name);
      return json({
        ok: true,
        latency_ms: 9,
        version: '2.6.12',
        instances: names.map((name) => ({ name, reachable: true, backends: 2, latency_ms: 4, version: '2.6.12' })),
      });
    })
  ),
  http.post(
    `${B}/hosts`,
    as('admin', async ({ request }) => {
      const body = (await request.json()) as HostInput;
      const host: Host = {
        id: nextId(db.fleet.hosts),
        name: body.name,
        address: body.address,
        fagent_url: body.fagent_url,
        is_active: body.is_active ?? true,
        has_fagent_token: Boolean(body.fagent_token),
        instance_count: 0,
        created_at: now(),
        updated_at: now(),
      };
      db.fleet.hosts.push(host);
      return json(host, 201);
    })
  ),
  http.patch(
    `${B}/hosts/:id`,
    as('admin', async ({ request, params }) => {
      const host = byId(db.fleet.hosts, params.id);
      if (!host) {
        return apiError(404, 'not_found', 'host not found');
      }
      const { fagent_token, ...changes } = (await request.json()) as Partial<HostInput>;
      Object.assign(host, changes, fagent_token === undefined ? {} : { has_fagent_token: fagent_token !== null });
      return json(host);
    })
  ),
  http.delete(
    `${B}/hosts/:id`,
    as('admin', ({ params }) => {
      db.fleet.hosts = db.fleet.hosts.filter((h) => h.id !== Number(params.id));
      return noContent();
    })
  ),
  http.get(
    `${B}/tokens`,
    as('admin', () => json({ tokens: db.fleet.tokens }))
  ),
  http.post(
    `${B}/tokens`,
    as('admin', async ({ request }) => {
      const body = (await request.json()) as { name: string; role: ApiRole; grafana: boolean; expires_at?: string };
      if (db.fleet.tokens.some((t) => t.name === body.name)) {
        return apiError(409, 'conflict', `already exists: Key (name)=(${body.name}) already exists.`);
      }
      const record = {
        ...body,
        expires_at: body.expires_at ?? null,
        id: nextId(db.fleet.tokens),
        created_at: now(),
        created_by: 'grafana:admin',
        last_used_at: null,
        revoked_at: null,
        revoked_by: null,
      };
      db.fleet.tokens.push(record);
      return json({ token: `hpx_secret-of-${body.name}`, record }, 201);
    })
  ),
  http.post(
    `${B}/tokens/:id/revoke`,
    as('admin', ({ params }) => {
      const token = byId(db.fleet.tokens, params.id);
      if (!token) {
        return apiError(404, 'not_found', `token ${String(params.id)} not found`);
      }
      if (token.name === 'grafana-admin') {
        return apiError(409, 'conflict', 'token "grafana-admin" is the one this request uses');
      }
      if (!token.revoked_at) {
        Object.assign(token, { revoked_at: now(), revoked_by: 'grafana:admin' });
      }
      return json(token);
    })
  ),
  http.get(`${B}/applications`, () => json({ applications: db.fleet.applications })),
  http.get(`${B}/applications/:id`, ({ params }) => {
    const app = byId(db.fleet.applications, params.id);
    if (!app) {
      return apiError(404, 'not_found', 'application not found');
    }
    const servers = applicationServers(app.id);
    const backendIds = new Set(servers.map((s) => s.backend_id));
    return json({
      ...app,
      server_count: servers.length,
      budget: budgetOf('application', app.id, servers, db.fleet.minimums, db.fleet.servers),
      backends: fleetBackendsOf(db.fleet.servers, [], db.fleet.minimums).filter((b) => backendIds.has(b.id)),
    });
  }),
  http.post(
    `${B}/applications`,
    as('admin', async ({ request }) => {
      const body = (await request.json()) as { name: string; host_id: number | null };
      const app = {
        id: nextId(db.fleet.applications),
        name: body.name,
        host_id: body.host_id,
        host_name: byId(db.fleet.hosts, body.host_id)?.name ?? null,
        server_count: 0,
        created_at: now(),
      };
      db.fleet.applications.push(app);
      return json(app, 201);
    })
  ),
  http.patch(
    `${B}/applications/:id`,
    as('admin', async ({ request, params }) => {
      const app = byId(db.fleet.applications, params.id);
      if (!app) {
        return apiError(404, 'not_found', 'application not found');
      }
      Object.assign(app, await request.json());
      return json(app);
    })
  ),
  http.delete(
    `${B}/applications/:id`,
    as('admin', ({ params }) => {
      db.fleet.applications = db.fleet.applications.filter((a) => a.id !== Number(params.id));
      return noContent();
    })
  ),
];

export const handlers = [
  grafanaProxy,
  ...backend,
  http.post(`${ORIGIN}/api/plugins/:id/settings`, async ({ request }) => {
    await record(request);
    return HttpResponse.json({ message: 'Plugin settings updated' });
  }),
];

/** The backend's URL of an API path, for a test's own answer behind the proxy (`/hosts` -> http://backend:8080/api/hosts). */
export const backendUrl = (path: string) => `${B}${path}`;

/** Grafana's proxy when the backend is down: 502 with Grafana's own body, not the backend's error JSON. */
export const unreachableHandler = http.all(`${PROXY}/*`, () =>
  HttpResponse.json({ message: 'Bad Gateway' }, { status: 502 })
);
