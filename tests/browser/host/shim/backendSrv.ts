import { Observable } from 'rxjs';
import { AppEvents, type EventBus } from '@grafana/data';
import type { BackendSrv, BackendSrvRequest, FetchError, FetchResponse } from '@grafana/runtime';

/** Grafana's serializeParams: arrays repeat the key, null/undefined are dropped. */
function buildUrl(options: BackendSrvRequest): string {
  const url = new URL(options.url, window.location.origin);
  for (const [key, value] of Object.entries(options.params ?? {})) {
    if (value === undefined || value === null) {
      continue;
    }
    for (const item of Array.isArray(value) ? value : [value]) {
      url.searchParams.append(key, String(item));
    }
  }
  return url.origin === window.location.origin ? url.pathname + url.search : url.toString();
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

/**
 * Grafana's BackendSrv as a plugin sees it: `fetch()` returns a cold Observable of one FetchResponse; a non-2xx
 * answer errors with FetchError's shape ({status, statusText, data, config}); no answer at all is status 0.
 * Like Grafana, a failed request shows an error toast unless `showErrorAlert: false`, and a successful
 * mutation whose answer has a `message` shows a success toast unless `showSuccessAlert: false`.
 */
export function createBackendSrv(events: EventBus, orgId: number): BackendSrv {
  const doFetch = <T>(options: BackendSrvRequest): Observable<FetchResponse<T>> =>
    new Observable<FetchResponse<T>>((subscriber) => {
      const method = (options.method ?? 'GET').toUpperCase();
      const headers: Record<string, string> = {
        Accept: 'application/json, text/plain, */*',
        'X-Grafana-Org-Id': String(orgId),
        ...(options.headers ?? {}),
      };
      let body: BodyInit | undefined;
      if (options.data !== undefined && method !== 'GET' && method !== 'HEAD') {
        if (typeof options.data === 'string' || options.data instanceof FormData || options.data instanceof Blob) {
          body = options.data;
        } else {
          body = JSON.stringify(options.data);
          headers['Content-Type'] = headers['Content-Type'] ?? 'application/json';
        }
      }
      const controller = new AbortController();
      fetch(buildUrl(options), { method, headers, body, credentials: 'same-origin', signal: controller.signal })
        .then(async (response) => {
          const data = await parseBody(response, options.responseType);
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
            const message = (data as { message?: unknown } | undefined)?.message;
            if (method !== 'GET' && options.showSuccessAlert !== false && typeof message === 'string') {
              events.publish({ type: AppEvents.alertSuccess.name, payload: [message] });
            }
            subscriber.next(result);
            subscriber.complete();
            return;
          }
          const error: FetchError = { status: response.status, statusText: response.statusText, data, config: options };
          if (options.showErrorAlert !== false) {
            const message = (data as { message?: unknown } | undefined)?.message;
            events.publish({
              type: AppEvents.alertError.name,
              payload: [typeof message === 'string' ? message : `${response.status} ${response.statusText}`],
            });
          }
          subscriber.error(error);
        })
        .catch((err: unknown) => {
          if (controller.signal.aborted) {
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
      return () => controller.abort();
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
