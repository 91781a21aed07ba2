import { lastValueFrom } from 'rxjs';
import { getBackendSrv, type FetchError } from '@grafana/runtime';
import pluginJson from '../plugin.json';
import type {
  ActionFilters,
  ActionList,
  ApiErrorBody,
  Application,
  Backend,
  BulkResult,
  CommandResult,
  Host,
  Instance,
  Me,
  Server,
  ServerCommand,
  ServerList,
  Summary,
  SyncAccepted,
} from './types';

export const PLUGIN_ID = pluginJson.id;
/** Every backend call goes through Grafana's plugin proxy, which adds the token and checks the Grafana role. */
export const PROXY_BASE = `/api/plugin-proxy/${PLUGIN_ID}`;

/**
 * What went wrong, in the terms a user can act on:
 * - unreachable: Grafana could not reach the backend (proxy 502/503/504 without the backend's error body, or no answer)
 * - unauthorized: the backend refused the token (401)
 * - forbidden: the backend's role for the token is too low (403 with the backend's body)
 * - grafana_forbidden: Grafana's proxy refused the user's Grafana role (403 without the backend's body)
 * - not_configured: the proxy route does not exist or has no URL (plugin not enabled/configured)
 * - the backend's own codes otherwise (conflict, fagent_error, breaker_open, ...)
 */
export type ApiErrorKind =
  | 'unreachable'
  | 'unauthorized'
  | 'forbidden'
  | 'grafana_forbidden'
  | 'not_configured'
  | 'bad_request'
  | 'not_found'
  | 'conflict'
  | 'fagent_error'
  | 'breaker_open'
  | 'internal';

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly kind: ApiErrorKind,
    readonly code?: string
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** True when the whole backend is out of reach: pages show one banner instead of per-widget errors. */
  get isConnectionProblem(): boolean {
    return ['unreachable', 'unauthorized', 'not_configured'].includes(this.kind);
  }
}

function isBackendErrorBody(data: unknown): data is ApiErrorBody {
  return (
    typeof data === 'object' &&
    data !== null &&
    typeof (data as ApiErrorBody).error === 'object' &&
    typeof (data as ApiErrorBody).error?.message === 'string'
  );
}

const CODE_TO_KIND: Record<string, ApiErrorKind> = {
  bad_request: 'bad_request',
  unauthorized: 'unauthorized',
  forbidden: 'forbidden',
  not_found: 'not_found',
  conflict: 'conflict',
  fagent_error: 'fagent_error',
  breaker_open: 'breaker_open',
};

export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) {
    return err;
  }
  const fetchError = err as Partial<FetchError>;
  const status = typeof fetchError?.status === 'number' ? fetchError.status : 0;
  const data = fetchError?.data;
  if (isBackendErrorBody(data)) {
    const { code, message } = data.error;
    return new ApiError(message, status, CODE_TO_KIND[code] ?? 'internal', code);
  }
  const grafanaMessage =
    typeof data === 'object' && data !== null && typeof (data as { message?: unknown }).message === 'string'
      ? (data as { message: string }).message
      : undefined;
  if (status === 0 || status === 502 || status === 503 || status === 504) {
    return new ApiError(
      'The HAProxy Control backend cannot be reached through Grafana. Check the backend URL on the plugin configuration page and that the service is running.',
      status,
      'unreachable'
    );
  }
  if (status === 401) {
    return new ApiError('The backend rejected the API token.', status, 'unauthorized');
  }
  if (status === 403) {
    return new ApiError(grafanaMessage ?? 'Your Grafana role does not allow this action.', status, 'grafana_forbidden');
  }
  if (status === 404) {
    return new ApiError(
      'The plugin proxy route was not found: the app is not enabled or not configured.',
      status,
      'not_configured'
    );
  }
  return new ApiError(grafanaMessage ?? `Request failed with status ${status}`, status, 'internal');
}

type Params = Record<string, string | number | boolean | undefined | null>;

function cleanParams(params?: Params): Record<string, string | number | boolean> | undefined {
  if (!params) {
    return undefined;
  }
  const out: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') {
      out[key] = value;
    }
  }
  return out;
}

async function request<T>(method: string, path: string, options: { params?: Params; data?: unknown } = {}): Promise<T> {
  try {
    const response = await lastValueFrom(
      getBackendSrv().fetch<T>({
        url: `${PROXY_BASE}${path}`,
        method,
        params: cleanParams(options.params),
        data: options.data,
        // The plugin shows its own banners and toasts.
        showErrorAlert: false,
        showSuccessAlert: false,
      })
    );
    return response.data;
  } catch (err) {
    throw toApiError(err);
  }
}

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

export const api = {
  me: () => request<Me>('GET', '/api/me'),
  summary: () => request<Summary>('GET', '/api/haproxy/summary'),

  instances: async (params: { server_id?: number } = {}) =>
    listOf<Instance>(await request('GET', '/api/haproxy/instances', { params }), 'instances'),
  instanceBackends: async (instanceId: number) =>
    listOf<Backend>(await request('GET', `/api/haproxy/instances/${enc(instanceId)}/backends`), 'backends'),
  syncInstance: (instanceId: number) => request<SyncAccepted>('POST', `/api/haproxy/instances/${enc(instanceId)}/sync`),

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
  serverCommand: (serverId: number, command: ServerCommand) =>
    request<CommandResult>('POST', `/api/haproxy/servers/${enc(serverId)}/command`, { data: { command } }),
  bulkCommand: (serverIds: number[], command: ServerCommand) =>
    request<BulkResult>('POST', '/api/haproxy/commands/bulk', { data: { command, server_ids: serverIds } }),
  setMapping: (serverId: number, applicationId: number | null) =>
    request<Server>('PUT', `/api/haproxy/servers/${enc(serverId)}/mapping`, {
      data: { application_id: applicationId },
    }),

  actions: (filters: ActionFilters) => request<ActionList>('GET', '/api/haproxy/actions', { params: { ...filters } }),

  hosts: async () => listOf<Host>(await request('GET', '/api/hosts'), 'hosts'),
  host: (id: number) => request<Host>('GET', `/api/hosts/${enc(id)}`),
  applications: async () => listOf<Application>(await request('GET', '/api/applications'), 'applications'),
};

export type Api = typeof api;
