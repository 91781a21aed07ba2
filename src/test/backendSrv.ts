import { Observable } from 'rxjs';
import type { BackendSrv, BackendSrvRequest, FetchError, FetchResponse } from '@grafana/runtime';

const ORIGIN = 'http://localhost';

/**
 * How a fetch-based BackendSrv differs between where it runs: the unit tests here (MSW answers, no page) and the
 * browser tests' Grafana-like host (tests/browser/host/shim), which shares this implementation.
 */
export interface FetchBackendSrvOptions {
  /** Resolves relative URLs (`/api/...`): the page's origin in a browser; `http://localhost` under jest. */
  origin: string;
  /** Keep URLs of that origin relative (`/api/...?x=1`) as a page does; otherwise absolute. */
  relativeToOrigin?: boolean;
  /** Headers on every request (Grafana sends X-Grafana-Org-Id). */
  headers?: Record<string, string>;
  /** Leave out `''` params as well as null / undefined. */
  dropEmptyParams?: boolean;
  /** fetch's credentials (a page sends its session cookie: `same-origin`). */
  credentials?: RequestCredentials;
  /**
   * Abort the request when the Observable is unsubscribed (Grafana cancels it). Off under jest: jsdom's
   * AbortSignal is not the one undici's fetch accepts; the answer of a cancelled request is ignored either way.
   */
  abortOnUnsubscribe?: boolean;
  /**
   * Grafana's toasts: an error for a failed request unless `showErrorAlert: false`, a success for a mutation
   * whose answer has a `message` unless `showSuccessAlert: false`.
   */
  alert?: (severity: 'success' | 'error', message: string) => void;
}

/** Grafana's serializeParams: arrays repeat the key, null/undefined are dropped. */
function buildUrl(options: BackendSrvRequest, o: FetchBackendSrvOptions): string {
  const url = new URL(options.url, o.origin);
  for (const [key, value] of Object.entries(options.params ?? {})) {
    if (value === undefined || value === null || (o.dropEmptyParams && value === '')) {
      continue;
    }
    for (const item of Array.isArray(value) ? value : [value]) {
      url.searchParams.append(key, String(item));
    }
  }
  return o.relativeToOrigin && url.origin === new URL(o.origin).origin ? url.pathname + url.search : url.toString();
}

async function parseBody(response: Response, responseType?: string): Promise<unknown> {
  if (responseType === 'blob') {
    return response.blob();
  }
  const text = await response.text();
  if (!text) {
    return undefined;
  }
  if (responseType === 'text') {
    return text;
  }
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function messageOf(data: unknown): string | undefined {
  const message = (data as { message?: unknown } | undefined)?.message;
  return typeof message === 'string' ? message : undefined;
}

/**
 * Grafana's BackendSrv as a plugin sees it: `fetch()` returns a cold Observable of one FetchResponse for 2xx; a
 * non-2xx answer errors with FetchError's shape ({status, statusText, data, config}); no answer at all is
 * status 0. The promise methods (get, post, ...) resolve to the answer's data.
 */
export function createFetchBackendSrv(o: FetchBackendSrvOptions): BackendSrv {
  const doFetch = <T>(options: BackendSrvRequest): Observable<FetchResponse<T>> =>
    new Observable<FetchResponse<T>>((subscriber) => {
      const method = (options.method ?? 'GET').toUpperCase();
      const headers: Record<string, string> = {
        Accept: 'application/json, text/plain, */*',
        ...o.headers,
        ...(options.headers ?? {}),
      };
      let body: BodyInit | undefined;
      if (options.data !== undefined && method !== 'GET' && method !== 'HEAD') {
        if (
          typeof options.data === 'string' ||
          (typeof FormData !== 'undefined' && options.data instanceof FormData) ||
          (typeof Blob !== 'undefined' && options.data instanceof Blob)
        ) {
          body = options.data;
        } else {
          body = JSON.stringify(options.data);
          headers['Content-Type'] = headers['Content-Type'] ?? 'application/json';
        }
      }
      let cancelled = false;
      const controller = o.abortOnUnsubscribe ? new AbortController() : undefined;
      fetch(buildUrl(options, o), { method, headers, body, credentials: o.credentials, signal: controller?.signal })
        .then(async (response) => {
          const data = await parseBody(response, options.responseType);
          if (cancelled) {
            return;
          }
          const result = {
            data: data as T,
            status: response.status,
            statusText: response.statusText,
            ok: response.ok,
            headers: response.headers,
            redirected: response.redirected,
            type: response.type,
            url: response.url,
            config: options,
          } as FetchResponse<T>;
          if (response.ok) {
            const message = messageOf(data);
            if (o.alert && method !== 'GET' && options.showSuccessAlert !== false && message) {
              o.alert('success', message);
            }
            subscriber.next(result);
            subscriber.complete();
            return;
          }
          if (o.alert && options.showErrorAlert !== false) {
            o.alert('error', messageOf(data) ?? `${response.status} ${response.statusText}`);
          }
          const error: FetchError = { status: response.status, statusText: response.statusText, data, config: options };
          subscriber.error(error);
        })
        .catch((err: unknown) => {
          if (cancelled) {
            return;
          }
          const error: FetchError = {
            status: 0,
            statusText: err instanceof Error ? err.message : 'Network error',
            data: { message: 'Network error' },
            config: options,
          };
          subscriber.error(error);
        });
      return () => {
        cancelled = true;
        controller?.abort();
      };
    });

  const toPromise = <T>(options: BackendSrvRequest): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      doFetch<T>(options).subscribe({ next: (r) => resolve(r.data), error: reject });
    });

  const srv = {
    fetch: doFetch,
    datasourceRequest: <T>(options: BackendSrvRequest) =>
      new Promise((resolve, reject) => doFetch<T>(options).subscribe({ next: resolve, error: reject })),
    request: toPromise,
    get: <T>(url: string, params?: BackendSrvRequest['params']) => toPromise<T>({ url, params, method: 'GET' }),
    delete: <T>(url: string, data?: unknown) => toPromise<T>({ url, data, method: 'DELETE' }),
    post: <T>(url: string, data?: unknown) => toPromise<T>({ url, data, method: 'POST' }),
    patch: <T>(url: string, data?: unknown) => toPromise<T>({ url, data, method: 'PATCH' }),
    put: <T>(url: string, data?: unknown) => toPromise<T>({ url, data, method: 'PUT' }),
    resolveCancelerIfExists: () => {},
  };
  return srv as unknown as BackendSrv;
}

/**
 * A small stand-in for Grafana's BackendSrv in unit tests: real HTTP requests (answered by MSW) with
 * Grafana's shapes (see createFetchBackendSrv), no toasts.
 */
export function createTestBackendSrv(): BackendSrv {
  return createFetchBackendSrv({ origin: ORIGIN, dropEmptyParams: true, headers: { Accept: 'application/json' } });
}
