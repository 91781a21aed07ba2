import { catchError, defer, lastValueFrom, map, type Observable, of, throwError } from 'rxjs';
import { getBackendSrv } from '@grafana/runtime';
import { type ConnectionWording, toApiError } from './errors';

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
export type Params = Record<string, string | number | boolean | undefined | null>;

/**
 * The Grafana role a request is sent as: the proxy route of that role carries that role's backend token
 * (src/plugin.json: Viewer reads with the viewer token, Editor acts with the operator token, Admin registers
 * with the admin token). Reads go as viewer.
 */
export type ProxyRole = 'viewer' | 'editor' | 'admin';

export interface RequestOptions {
  params?: Params;
  data?: unknown;
  /** Grafana cancels a running request when a newer one with the same id starts (a panel's refresh). */
  requestId?: string;
  role?: ProxyRole;
}

/** Where each role's routes start under the client's base URL ('' for the viewer's). */
export type RolePrefixes = Partial<Record<ProxyRole, string>>;

/** HTTP through Grafana's BackendSrv to one proxy route; every failure is an ApiError. */
export interface HttpClient {
  /** The answer's body as a cold Observable: unsubscribing cancels the request. */
  observe<T>(method: Method, path: string, options?: RequestOptions): Observable<T>;
  request<T>(method: Method, path: string, options?: RequestOptions): Promise<T>;
}

/** Query parameters without the empty ones, so an unset filter is not sent as `?actor=`. */
export function cleanParams(params?: Params): Record<string, string | number | boolean> | undefined {
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

/** How many answers a client keeps for conditional GETs: one per URL and parameters (filters, pages). */
export const REMEMBERED_ANSWERS = 100;

/**
 * The one HTTP client of the plugin: the app (plugin proxy `/api/plugin-proxy/<id>`) and the data source (data
 * source proxy `/api/datasources/proxy/uid/<uid>`) each make one over their own route, which adds the token. The
 * browser never holds a token and never calls the backend directly. `roles`: the path prefix of each role's
 * routes (the app's editor/ and admin/; the data source only reads).
 *
 * GETs are conditional: the client keeps the last answer of each with its ETag and asks again with
 * If-None-Match, and a 304 (nothing changed) gives that answer back, the same object. Grafana's proxy marks its
 * answers `no-store`, so the browser's cache cannot do this; an auto-refresh of unchanged data then moves only
 * headers.
 */
export function createHttpClient(baseUrl: string, wording: ConnectionWording, roles: RolePrefixes = {}): HttpClient {
  const answers = new Map<string, { etag: string; data: unknown }>();
  const remember = (key: string, etag: string, data: unknown) => {
    answers.delete(key);
    answers.set(key, { etag, data });
    if (answers.size > REMEMBERED_ANSWERS) {
      answers.delete(answers.keys().next().value!);
    }
  };

  const observe = <T>(method: Method, path: string, options: RequestOptions = {}): Observable<T> =>
    defer(() => {
      const url = `${baseUrl}${roles[options.role ?? 'viewer'] ?? ''}${path}`;
      const params = cleanParams(options.params);
      const key = method === 'GET' ? JSON.stringify([url, params]) : undefined;
      const held = key === undefined ? undefined : answers.get(key);
      return getBackendSrv()
        .fetch<T>({
          url,
          method,
          params,
          data: options.data,
          requestId: options.requestId,
          headers: held ? { 'If-None-Match': held.etag } : undefined,
          // The plugin shows its own banners and toasts.
          showErrorAlert: false,
          showSuccessAlert: false,
        })
        .pipe(
          map((response) => {
            const etag = response.headers?.get('etag');
            if (key !== undefined && etag) {
              remember(key, etag, response.data);
            }
            return response.data;
          }),
          catchError((err: unknown) => {
            if (key !== undefined && held && (err as { status?: unknown } | undefined)?.status === 304) {
              remember(key, held.etag, held.data);
              return of(held.data as T);
            }
            return throwError(() => toApiError(err, wording));
          })
        );
    });
  return {
    observe,
    request: (method, path, options) => lastValueFrom(observe(method, path, options)),
  };
}
