import { Observable } from 'rxjs';
import type { BackendSrv, BackendSrvRequest, FetchError, FetchResponse } from '@grafana/runtime';

const ORIGIN = 'http://localhost';

function buildUrl(options: BackendSrvRequest): string {
  const url = new URL(options.url, ORIGIN);
  for (const [key, value] of Object.entries(options.params ?? {})) {
    if (value === undefined || value === null || value === '') {
      continue;
    }
    for (const item of Array.isArray(value) ? value : [value]) {
      url.searchParams.append(key, String(item));
    }
  }
  return url.toString();
}

async function parseBody(response: Response): Promise<unknown> {
  const text = await response.text();
  if (!text) {
    return undefined;
  }
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * A small stand-in for Grafana's BackendSrv: `fetch()` makes a real HTTP request (answered by MSW in tests)
 * and behaves like Grafana's: an Observable of one FetchResponse for 2xx, an error carrying FetchError's
 * shape (status, data, statusText) otherwise, and status 0 when the request never got an answer.
 */
export function createTestBackendSrv(): BackendSrv {
  const doFetch = <T>(options: BackendSrvRequest): Observable<FetchResponse<T>> =>
    new Observable<FetchResponse<T>>((subscriber) => {
      const method = (options.method ?? 'GET').toUpperCase();
      const headers: Record<string, string> = { Accept: 'application/json', ...(options.headers ?? {}) };
      let body: string | undefined;
      if (options.data !== undefined && method !== 'GET') {
        body = typeof options.data === 'string' ? options.data : JSON.stringify(options.data);
        headers['Content-Type'] = headers['Content-Type'] ?? 'application/json';
      }
      let cancelled = false;
      fetch(buildUrl(options), { method, headers, body })
        .then(async (response) => {
          const data = await parseBody(response);
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
            subscriber.next(result);
            subscriber.complete();
          } else {
            const error: FetchError = {
              status: response.status,
              statusText: response.statusText,
              data,
              config: options,
            };
            subscriber.error(error);
          }
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
      };
    });

  const toPromise = async <T>(options: BackendSrvRequest): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      doFetch<T>(options).subscribe({ next: (r) => resolve(r.data), error: reject });
    });

  const srv = {
    fetch: doFetch,
    datasourceRequest: <T>(options: BackendSrvRequest) =>
      new Promise((resolve, reject) => doFetch<T>(options).subscribe({ next: resolve, error: reject })),
    request: toPromise,
    get: <T>(url: string, params?: any) => toPromise<T>({ url, params, method: 'GET' }),
    delete: <T>(url: string, data?: any) => toPromise<T>({ url, data, method: 'DELETE' }),
    post: <T>(url: string, data?: any) => toPromise<T>({ url, data, method: 'POST' }),
    patch: <T>(url: string, data?: any) => toPromise<T>({ url, data, method: 'PATCH' }),
    put: <T>(url: string, data?: any) => toPromise<T>({ url, data, method: 'PUT' }),
    resolveCancelerIfExists: () => {},
  };
  return srv as unknown as BackendSrv;
}
