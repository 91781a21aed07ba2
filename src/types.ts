/** The app's jsonData (visible to every user of the org). */
export interface AppSettings {
  backendUrl?: string;
}

/**
 * The app's secureJsonData keys: one backend token per Grafana role, each sent only by that role's proxy routes
 * (src/plugin.json). Write-only: Grafana tells the page which are set (secureJsonFields), never their values.
 */
export const TOKEN_KEYS = ['viewerToken', 'operatorToken', 'adminToken'] as const;
export type TokenKey = (typeof TOKEN_KEYS)[number];
