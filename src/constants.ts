import pluginJson from './plugin.json';

export const PLUGIN_ID = pluginJson.id;
export const PLUGIN_BASE_URL = `/a/${PLUGIN_ID}`;
export const PLUGIN_CONFIG_URL = `/plugins/${PLUGIN_ID}`;

/** Paths of the app's pages, relative to PLUGIN_BASE_URL. */
export enum ROUTES {
  HAProxy = 'haproxy',
  Hosts = 'hosts',
  Applications = 'applications',
  Removed = 'removed',
  Actions = 'actions',
  Operations = 'operations',
  Tokens = 'tokens',
  /** The admin change log (Admins only). */
  Changes = 'changes',
  /** A server's own page: servers/:id (not in the nav). */
  Servers = 'servers',
}

export function prefixRoute(route: string): string {
  return `${PLUGIN_BASE_URL}/${route}`;
}

export const REFRESH_STORAGE_KEY = `${PLUGIN_ID}.haproxy.refresh`;
