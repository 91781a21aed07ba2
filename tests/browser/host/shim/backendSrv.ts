import { AppEvents, type EventBus } from '@grafana/data';
import type { BackendSrv } from '@grafana/runtime';
// The plugin's unit tests use the same fetch-based BackendSrv (with MSW behind it): one implementation of
// Grafana's shapes for both.
import { createFetchBackendSrv } from '../../../../src/test/backendSrv';

/**
 * Grafana's BackendSrv in the page: relative URLs, the session cookie, X-Grafana-Org-Id, requests aborted when
 * unsubscribed, and Grafana's toasts (an error for a failed request unless `showErrorAlert: false`, a success
 * for a mutation whose answer has a `message` unless `showSuccessAlert: false`) published as app events.
 */
export function createBackendSrv(events: EventBus, orgId: number): BackendSrv {
  return createFetchBackendSrv({
    origin: window.location.origin,
    relativeToOrigin: true,
    headers: { 'X-Grafana-Org-Id': String(orgId) },
    credentials: 'same-origin',
    abortOnUnsubscribe: true,
    alert: (severity, message) =>
      events.publish({
        type: (severity === 'success' ? AppEvents.alertSuccess : AppEvents.alertError).name,
        payload: [message],
      }),
  });
}
