import type { Observable } from 'rxjs';
import type { HttpClient } from './http';
import type {
  ActionList,
  ActionQuery,
  Application,
  Backend,
  BulkResult,
  CommandOptions,
  CommandResult,
  FleetBackendList,
  Host,
  Instance,
  LookupKind,
  Me,
  QueryRequestBody,
  QueryResponse,
  Server,
  ServerCommand,
  ServerList,
  Summary,
  SyncAccepted,
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

/** Page size used when loading the whole fleet's servers. */
export const SERVER_PAGE_SIZE = 5000;

/**
 * The backend's REST API (backend/openapi.yaml) as typed methods over one proxy route. The app uses it over the
 * plugin proxy (every method has a route in src/plugin.json); the data source over its own proxy, whose routes
 * (src/datasource/plugin.json) allow only `me`, `query` and `lookup`.
 */
export function createHaproxyApi(http: HttpClient) {
  const { request } = http;
  const api = {
    me: () => request<Me>('GET', '/api/me'),
    summary: () => request<Summary>('GET', '/api/haproxy/summary'),

    /** `server_id` is the host's id (the API's original name for the host filter). */
    instances: async (params: { server_id?: number } = {}) =>
      listOf<Instance>(await request('GET', '/api/haproxy/instances', { params }), 'instances'),
    instanceBackends: async (instanceId: number) =>
      listOf<Backend>(await request('GET', `/api/haproxy/instances/${enc(instanceId)}/backends`), 'backends'),
    /** Every backend of the fleet with its counts, zero-server ones included. */
    backends: (params: { instance_id?: number; q?: string } = {}) =>
      request<FleetBackendList>('GET', '/api/haproxy/backends', { params }),
    syncInstance: (instanceId: number) =>
      request<SyncAccepted>('POST', `/api/haproxy/instances/${enc(instanceId)}/sync`),

    servers: (params: { instance_id?: number; limit?: number; offset?: number } = {}) =>
      request<ServerList>('GET', '/api/haproxy/servers', { params }),
    /** Every server of the fleet, page by page, so the page filters and groups without refetching. */
    allServers: async (): Promise<Server[]> => {
      const servers: Server[] = [];
      for (;;) {
        const page = await api.servers({ limit: SERVER_PAGE_SIZE, offset: servers.length });
        const batch = page.servers ?? [];
        servers.push(...batch);
        if (batch.length === 0 || servers.length >= (page.total ?? servers.length)) {
          return servers;
        }
      }
    },
    serverCommand: (serverId: number, command: ServerCommand, options: CommandOptions = {}) =>
      request<CommandResult>('POST', `/api/haproxy/servers/${enc(serverId)}/command`, {
        data: { command, ...options },
      }),
    bulkCommand: (serverIds: number[], command: ServerCommand, options: CommandOptions = {}) =>
      request<BulkResult>('POST', '/api/haproxy/commands/bulk', {
        data: { command, server_ids: serverIds, ...options },
      }),
    setMapping: (serverId: number, applicationId: number | null) =>
      request<Server>('PUT', `/api/haproxy/servers/${enc(serverId)}/mapping`, {
        data: { application_id: applicationId },
      }),

    actions: (query: ActionQuery) => request<ActionList>('GET', '/api/haproxy/actions', { params: { ...query } }),

    hosts: async () => listOf<Host>(await request('GET', '/api/hosts'), 'hosts'),
    host: (id: number) => request<Host>('GET', `/api/hosts/${enc(id)}`),
    applications: async () => listOf<Application>(await request('GET', '/api/applications'), 'applications'),

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
