import type { FetchError } from '@grafana/runtime';
import type { ApiErrorBody } from './types';

/**
 * What went wrong, in the terms a user can act on:
 * - unreachable: Grafana could not reach the backend (proxy 502/503/504 without the backend's error body, or no answer)
 * - unauthorized: the backend refused the token (401)
 * - not_configured: the proxy route does not exist (404 without the backend's body: plugin missing or not enabled)
 * - grafana_forbidden: Grafana's proxy refused the user's Grafana role (403 without the backend's body)
 * - the backend's own codes otherwise (forbidden, conflict, fagent_error, breaker_open, ...)
 */
export type ApiErrorKind =
  | 'unreachable'
  | 'unauthorized'
  | 'not_configured'
  | 'grafana_forbidden'
  | 'forbidden'
  | 'bad_request'
  | 'not_found'
  | 'conflict'
  | 'fagent_error'
  | 'breaker_open'
  | 'internal';

/** The kinds fixed in the settings of whoever calls (the app's configuration page, the data source's settings). */
export type ConnectionProblem = 'unreachable' | 'unauthorized' | 'not_configured';

/**
 * How one caller words its connection problems: the app's pages point at the plugin configuration page, a panel
 * of the data source at the data source's settings. Everything else reads the same everywhere.
 */
export type ConnectionWording = Record<ConnectionProblem, string>;

const CONNECTION_PROBLEMS: readonly ApiErrorKind[] = ['unreachable', 'unauthorized', 'not_configured'];

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly kind: ApiErrorKind,
    readonly code?: string,
    /** The backend's `details` beside its message (a budget refusal's numbers), unchecked: read by its code. */
    readonly details?: unknown
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** True when the whole backend is out of reach: pages show one banner instead of per-widget errors. */
  get isConnectionProblem(): boolean {
    return CONNECTION_PROBLEMS.includes(this.kind);
  }
}

const CODE_TO_KIND: Record<string, ApiErrorKind> = {
  bad_request: 'bad_request',
  unauthorized: 'unauthorized',
  forbidden: 'forbidden',
  not_found: 'not_found',
  conflict: 'conflict',
  // Conflicts of their own kind: the code says which (ApiError.code), the details what with.
  budget_exceeded: 'conflict',
  operation_conflict: 'conflict',
  // HAProxy refused the command (its reason in the message): about HAProxy's state, as a conflict is.
  haproxy_refused: 'conflict',
  fagent_error: 'fagent_error',
  breaker_open: 'breaker_open',
};

const STATUS_TO_KIND: Record<number, ApiErrorKind> = { 400: 'bad_request', 401: 'unauthorized', 403: 'forbidden' };

function backendErrorOf(data: unknown): ApiErrorBody['error'] | undefined {
  const error = (data as Partial<ApiErrorBody> | undefined)?.error;
  return typeof error === 'object' && error !== null && typeof error.message === 'string' ? error : undefined;
}

function grafanaMessageOf(data: unknown): string | undefined {
  const message = (data as { message?: unknown } | undefined)?.message;
  return typeof message === 'string' ? message : undefined;
}

function kindOf(status: number, backendCode: string | undefined): ApiErrorKind {
  if (backendCode !== undefined) {
    return CODE_TO_KIND[backendCode] ?? STATUS_TO_KIND[status] ?? 'internal';
  }
  // No backend body: the answer is Grafana's (its proxy) or there was no answer at all.
  if (status === 0 || status === 502 || status === 503 || status === 504) {
    return 'unreachable';
  }
  if (status === 401) {
    return 'unauthorized';
  }
  if (status === 403) {
    return 'grafana_forbidden';
  }
  return status === 404 ? 'not_configured' : 'internal';
}

/**
 * Turns what Grafana's BackendSrv throws (a FetchError: status, data) into an ApiError. A connection problem gets
 * the caller's wording even when the backend explained it ("invalid or revoked token"): what the user needs to know
 * is which settings to fix. Other errors carry the backend's message, else Grafana's.
 */
export function toApiError(err: unknown, wording: ConnectionWording): ApiError {
  if (err instanceof ApiError) {
    return err;
  }
  const fetchError = err as Partial<FetchError> | undefined;
  const status = typeof fetchError?.status === 'number' ? fetchError.status : 0;
  const backend = backendErrorOf(fetchError?.data);
  const kind = kindOf(status, backend?.code);
  if (kind === 'unreachable' || kind === 'unauthorized' || kind === 'not_configured') {
    return new ApiError(wording[kind], status, kind, backend?.code);
  }
  if (backend) {
    return new ApiError(backend.message, status, kind, backend.code, backend.details);
  }
  const grafanaMessage = grafanaMessageOf(fetchError?.data);
  if (kind === 'grafana_forbidden') {
    return new ApiError(grafanaMessage ?? 'Grafana refused the request for your role.', status, kind);
  }
  return new ApiError(grafanaMessage ?? `Request failed with status ${status}`, status, kind);
}

/** An ApiError as it is; anything else is a bug in the caller, not an answer, and reads as an internal error. */
export function asApiError(err: unknown): ApiError {
  return err instanceof ApiError ? err : new ApiError(err instanceof Error ? err.message : String(err), 0, 'internal');
}
