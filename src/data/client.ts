import type { PluginMeta } from '@grafana/data';
import { config } from '@grafana/runtime';
import { createHaproxyApi } from '../api/haproxyApi';
import { cleanParams, createHttpClient, type Params } from '../api/http';
import { PLUGIN_ID } from '../constants';
import type { AppSettings } from '../types';

/** Every backend call of the app goes through Grafana's plugin proxy, which adds the token and checks the role. */
export const PROXY_BASE = `/api/plugin-proxy/${PLUGIN_ID}`;

/** The app's pages: the fix is on the plugin configuration page. */
const APP_WORDING = {
  unreachable:
    'The HAProxy Control backend cannot be reached through Grafana. Check the backend URL on the plugin configuration page and that the service is running.',
  unauthorized: 'The backend rejected the API token: set a valid one on the plugin configuration page.',
  not_configured: 'The plugin proxy route was not found: the app is not enabled or not configured.',
};

/**
 * Where each Grafana role's routes start under the plugin proxy (src/plugin.json): Grafana's app proxy forwards
 * only what a route's trailing `*` matches, so routes can be told apart by a fixed prefix, never by what follows
 * an id (`instances/{id}/sync` is an Editor's, `instances/{id}/removals/confirm` an Admin's).
 */
export const ROLE_PREFIXES = { editor: '/editor', admin: '/admin' } as const;

/**
 * A viewer's GET through the plugin proxy as a link, for what the browser itself fetches (a CSV download): under
 * Grafana's sub-path when it has one.
 */
export function proxyHref(path: string, params: Params = {}): string {
  const query = new URLSearchParams(Object.entries(cleanParams(params) ?? {}).map(([k, v]) => [k, String(v)]));
  const search = query.toString();
  return `${config.appSubUrl ?? ''}${PROXY_BASE}${path}${search ? `?${search}` : ''}`;
}

/** The app's client of the backend (the data source makes its own over its proxy route). */
export const api = createHaproxyApi(createHttpClient(PROXY_BASE, APP_WORDING, ROLE_PREFIXES));

/** Grafana's own HTTP API, for the configuration page. */
export const grafanaApi = (() => {
  const http = createHttpClient('', {
    unreachable: 'Grafana did not answer: try again.',
    unauthorized: 'Your Grafana session has ended: sign in again.',
    not_configured: 'Grafana does not know this plugin: is the app installed?',
  });
  return {
    savePluginSettings: (pluginId: string, data: Partial<PluginMeta<AppSettings>>) =>
      http.request<unknown>('POST', `/api/plugins/${encodeURIComponent(pluginId)}/settings`, { data }),
  };
})();
