import type { Observable } from 'rxjs';
import type { HttpClient, ProxyRole } from './http';
import type {
  ActionList,
  AdminChangeList,
  AdminChangeQuery,
  ApiToken,
  ApiTokenInput,
  CreatedApiToken,
  ActionQuery,
  AgentCommand,
  AgentTest,
  AgentTestRequest,
  Application,
  ApplicationDetail,
  ApplicationInput,
  Backend,
  Budget,
  BulkResult,
  CommandOptions,
  CommandResult,
  DryRun,
  FleetBackendList,
  Host,
  HostInput,
  Instance,
  InstanceInput,
  LookupKind,
  Me,
  MinAvailable,
  Operation,
  OperationList,
  OperationRequest,
  OperationState,
  QueryRequestBody,
  QueryResponse,
  RemovedList,
  Restored,
  ScopePreview,
  Server,
  ServerFilterParams,
  ServerList,
  StatusChange,
  Summary,
  SyncAccepted,
  SyncOutcome,
  UnresolvedKind,
  UnresolvedList,
} from './types';

const enc = encodeURIComponent;

/** Lists answer `{"<name>": [...]}`; accept a bare array too so a small contract drift does not break a page. */
function listOf<T>(data: unknown, key: string): T[] {
  if (Array.isArray(data)) {
    return data as T[];
  }
  const value = (data as Record<string, unknown> | undefined)?.[key];
  return Array.isArray(value) ? (value as T[]) : [];
}

/** A page of a list: `after` a page's `next` (keyset), or `offset` rows in. */
type ListPage = { limit?: number; offset?: number; after?: string };

/** The server filters as a route takes them: its text filter is called `Q`. */
type ServerFilterOf<Q extends string> = Omit<ServerFilterParams, 'q'> & { [K in Q]?: string };

const editor = { role: 'editor' } as const;
const admin = { role: 'admin' } as const;

/** Where a backend's or an application's disruption budget lives. */
const budgetPath = (scope: Budget['scope'], id: number) =>
  scope === 'backend' ? `/api/haproxy/backends/${enc(id)}/budget` : `/api/applications/${enc(id)}/budget`;

/**
 * The backend's REST API (backend/openapi.yaml) as typed methods over one proxy. The app uses it over the plugin
 * proxy, each method as the Grafana role its backend role needs (reads as viewer, commands, sync and mapping as
 * editor, registration as admin: src/plugin.json gives each its token); the data source over its own proxy,
 * whose routes (src/datasource/plugin.json) allow only `me`, `query` and `lookup`.
 */
export function createHaproxyApi(http: HttpClient) {
  const { request } = http;
  const api = {
    /** Who the token of a role's route is (the configuration page tests each). */
    me: (role: ProxyRole = 'viewer') => request<Me>('GET', '/api/me', { role }),
    tokens: async () => listOf<ApiToken>(await request('GET', '/api/tokens', admin), 'tokens'),
    createToken: (input: ApiTokenInput) => request<CreatedApiToken>('POST', '/api/tokens', { ...admin, data: input }),
    revokeToken: (id: number) => request<ApiToken>('POST', `/api/tokens/${enc(id)}/revoke`, admin),
    /** The admin change log, newest first, a keyset page at a time (admin: it lists API tokens). */
    adminChanges: (query: AdminChangeQuery) =>
      request<AdminChangeList>('GET', '/api/admin/changes', { ...admin, params: { ...query } }),
    summary: () => request<Summary>('GET', '/api/haproxy/summary'),

    /** `server_id` is the host's id (the API's original name for the host filter). */
    instances: async (params: { server_id?: number } = {}) =>
      listOf<Instance>(await request('GET', '/api/haproxy/instances', { params }), 'instances'),
    instanceBackends: async (instanceId: number) =>
      listOf<Backend>(await request('GET', `/api/haproxy/instances/${enc(instanceId)}/backends`), 'backends'),
    /**
     * The fleet's backends with their counts, zero-server ones included, in natural name order, a keyset page at a
     * time (`after`: a page's `next`); with server filters, those with a server they select (`shown` of each).
     */
    backends: (params: { instance_id?: number; q?: string } & ListPage & ServerFilterOf<'server_q'> = {}) =>
      request<FleetBackendList>('GET', '/api/haproxy/backends', { params }),
    /** The outcome when the sync ends within `waitMs`, else the 202 of a sync still running. */
    syncInstance: (instanceId: number, waitMs: number) =>
      request<SyncOutcome | SyncAccepted>('POST', `/api/haproxy/instances/${enc(instanceId)}/sync`, {
        ...editor,
        params: { wait_ms: waitMs },
      }),
    createInstance: (input: InstanceInput) =>
      request<Instance>('POST', '/api/haproxy/instances', { ...admin, data: input }),
    updateInstance: (id: number, changes: Partial<Omit<InstanceInput, 'host_id'>>) =>
      request<Instance>('PATCH', `/api/haproxy/instances/${enc(id)}`, { ...admin, data: changes }),
    deleteInstance: (id: number) => request<void>('DELETE', `/api/haproxy/instances/${enc(id)}`, admin),
    /** Which backends a polling scope takes in (reads the agent, so admin). */
    previewScope: (id: number, scope: string[] | null) =>
      request<ScopePreview>('POST', `/api/haproxy/instances/${enc(id)}/scope-preview`, { ...admin, data: { scope } }),
    /** Applies a held removal now (the instance's suspicious_answer). */
    confirmRemovals: (id: number) =>
      request<unknown>('POST', `/api/haproxy/instances/${enc(id)}/removals/confirm`, admin),

    servers: (
      params: { instance_id?: number; backend_id?: number; application_id?: number } & ListPage &
        ServerFilterOf<'q'> = {}
    ) => request<ServerList>('GET', '/api/haproxy/servers', { params }),
    server: (id: number) => request<Server>('GET', `/api/haproxy/servers/${enc(id)}`),
    /** A server's state changes in a time range, newest first. */
    serverHistory: async (id: number, params: { since?: string; until?: string; limit?: number } = {}) =>
      listOf<StatusChange>(await request('GET', `/api/haproxy/servers/${enc(id)}/history`, { params }), 'history'),
    /** One command; without `ramp` (a ready with a ramp is a one-server job: `returnWithRamp`). */
    serverCommand: (serverId: number, command: AgentCommand, options: Omit<CommandOptions, 'ramp'> = {}) =>
      request<CommandResult>('POST', `/api/haproxy/servers/${enc(serverId)}/command`, {
        ...editor,
        data: { command, ...options },
      }),
    /** ready with a ramp: the backend answers 202 with the one-server job that raises the weight step by step. */
    returnWithRamp: (serverId: number, options: CommandOptions & Required<Pick<CommandOptions, 'ramp'>>) =>
      request<{ operation: Operation }>('POST', `/api/haproxy/servers/${enc(serverId)}/command`, {
        ...editor,
        data: { command: 'ready', ...options },
      }),
    bulkCommand: (serverIds: number[], command: AgentCommand, options: CommandOptions = {}) =>
      request<BulkResult>('POST', '/api/haproxy/commands/bulk', {
        ...editor,
        data: { command, server_ids: serverIds, ...options },
      }),
    /** What a command on these servers would do (taken out, refused by a budget, skipped); nothing is done. */
    dryRunCommand: (serverIds: number[], command: AgentCommand, options: CommandOptions = {}) =>
      request<DryRun>('POST', '/api/haproxy/commands/bulk', {
        ...editor,
        data: { command, server_ids: serverIds, ...options, dry_run: true },
      }),

    budget: (scope: Budget['scope'], id: number) => request<Budget>('GET', budgetPath(scope, id)),
    setBudget: (scope: Budget['scope'], id: number, minAvailable: MinAvailable) =>
      request<Budget>('PUT', budgetPath(scope, id), { ...admin, data: { min_available: minAvailable } }),
    /** A backend back to the default minimum; an application back to none. */
    resetBudget: (scope: Budget['scope'], id: number) => request<Budget>('DELETE', budgetPath(scope, id), admin),

    operations: (params: { state?: OperationState; limit?: number; offset?: number } = {}) =>
      request<OperationList>('GET', '/api/haproxy/operations', { params }),
    operation: (id: string) => request<Operation>('GET', `/api/haproxy/operations/${enc(id)}`),
    startOperation: (body: OperationRequest) =>
      request<Operation>('POST', '/api/haproxy/operations', { ...editor, data: body }),
    dryRunOperation: (body: OperationRequest) =>
      request<DryRun>('POST', '/api/haproxy/operations', { ...editor, data: { ...body, dry_run: true } }),
    /** What is already out stays out; the job says so. */
    cancelOperation: (id: string) => request<Operation>('POST', `/api/haproxy/operations/${enc(id)}/cancel`, editor),
    setMapping: (serverId: number, applicationId: number | null) =>
      request<Server>('PUT', `/api/haproxy/servers/${enc(serverId)}/mapping`, {
        ...editor,
        data: { application_id: applicationId },
      }),
    unresolvedMappings: (params: { kind?: UnresolvedKind; limit?: number; offset?: number } = {}) =>
      request<UnresolvedList>('GET', '/api/haproxy/mappings/unresolved', { params }),

    removed: (params: { days: number; instance_id?: number }) =>
      request<RemovedList>('GET', '/api/haproxy/removed', { params }),
    restoreBackend: (id: number) => request<Restored>('POST', `/api/haproxy/backends/${enc(id)}/restore`, admin),
    restoreServer: (id: number) => request<Restored>('POST', `/api/haproxy/servers/${enc(id)}/restore`, admin),
    forgetBackend: (id: number) => request<void>('POST', `/api/haproxy/backends/${enc(id)}/forget`, admin),
    forgetServer: (id: number) => request<void>('POST', `/api/haproxy/servers/${enc(id)}/forget`, admin),

    actions: (query: ActionQuery) => request<ActionList>('GET', '/api/haproxy/actions', { params: { ...query } }),

    hosts: async () => listOf<Host>(await request('GET', '/api/hosts'), 'hosts'),
    host: (id: number) => request<Host>('GET', `/api/hosts/${enc(id)}`),
    createHost: (input: HostInput) => request<Host>('POST', '/api/hosts', { ...admin, data: input }),
    updateHost: (id: number, changes: Partial<HostInput>) =>
      request<Host>('PATCH', `/api/hosts/${enc(id)}`, { ...admin, data: changes }),
    deleteHost: (id: number) => request<void>('DELETE', `/api/hosts/${enc(id)}`, admin),
    /** "Test agent" before saving (or with a changed URL or token). */
    testAgent: (req: AgentTestRequest) => request<AgentTest>('POST', '/api/hosts/test', { ...admin, data: req }),
    /** "Test agent" of a saved host, with its token and instances. */
    testHost: (id: number) => request<AgentTest>('POST', `/api/hosts/${enc(id)}/test`, admin),

    applications: async () => listOf<Application>(await request('GET', '/api/applications'), 'applications'),
    application: (id: number) => request<ApplicationDetail>('GET', `/api/applications/${enc(id)}`),
    createApplication: (input: ApplicationInput) =>
      request<Application>('POST', '/api/applications', { ...admin, data: input }),
    updateApplication: (id: number, changes: Partial<ApplicationInput>) =>
      request<Application>('PATCH', `/api/applications/${enc(id)}`, { ...admin, data: changes }),
    deleteApplication: (id: number) => request<void>('DELETE', `/api/applications/${enc(id)}`, admin),

    /** Trend queries; an Observable so Grafana can cancel a panel's superseded request (its requestId). */
    query: <Frame>(body: QueryRequestBody, requestId?: string): Observable<QueryResponse<Frame>> =>
      http.observe<QueryResponse<Frame>>('POST', '/api/haproxy/query', { data: body, requestId }),
    /** Names of one kind for a template variable; the answer's shape is checked by the caller. */
    lookup: (kind: LookupKind, params: Record<string, string>) =>
      request<unknown>('GET', `/api/haproxy/lookup/${enc(kind)}`, { params }),
  };
  return api;
}

export type HaproxyApi = ReturnType<typeof createHaproxyApi>;
