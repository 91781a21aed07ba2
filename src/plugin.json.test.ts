import { loadManifest } from './test/manifest';

/**
 * Checks the plugin manifest Grafana reads: dist/plugin.json when the plugin was built (what ships), otherwise
 * src/plugin.json (what the build copies).
 */
const { manifest, routes, matchRoute, shownPath } = loadManifest('plugin.json');

describe(`plugin manifest (${shownPath})`, () => {
  it('is an app with an id of the form <org>-<name>-app', () => {
    expect(manifest.type).toBe('app');
    expect(manifest.id).toMatch(/^[a-z0-9]+-[a-z0-9]+-app$/);
    expect(manifest.id).toBe('appcontrol-haproxy-app');
  });

  it('declares the pages and the configuration page', () => {
    const pages = manifest.includes.filter((i: { type: string }) => i.type === 'page');
    expect(pages.map((p: { name: string }) => p.name)).toEqual(['HAProxy', 'Hosts', 'Actions', 'Configuration']);
    const defaultPages = pages.filter((p: { defaultNav?: boolean }) => p.defaultNav);
    expect(defaultPages).toHaveLength(1);
    expect(pages.find((p: { name: string }) => p.name === 'Configuration').role).toBe('Admin');
  });

  it('states the oldest Grafana it supports', () => {
    expect(manifest.dependencies.grafanaDependency).toBe('>=11.0.0');
  });

  it('sends every route to the configured backend with the token from secureJsonData', () => {
    expect(routes.length).toBeGreaterThan(0);
    for (const route of routes) {
      expect(route.url).toBe(`{{ .JsonData.backendUrl }}/${route.path}`);
      expect(route.headers).toEqual([{ name: 'Authorization', content: 'Bearer {{ .SecureJsonData.apiToken }}' }]);
      expect(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']).toContain(route.method);
      expect(route.reqRole).toBe(route.method === 'GET' ? 'Viewer' : 'Editor');
    }
  });

  it.each([
    ['GET', 'api/me', 'Viewer'],
    ['GET', 'api/haproxy/summary', 'Viewer'],
    ['GET', 'api/haproxy/servers', 'Viewer'],
    ['GET', 'api/haproxy/instances/3/backends', 'Viewer'],
    ['GET', 'api/haproxy/actions', 'Viewer'],
    ['GET', 'api/hosts/1', 'Viewer'],
    ['GET', 'api/applications', 'Viewer'],
    ['POST', 'api/haproxy/servers/7/command', 'Editor'],
    ['POST', 'api/haproxy/commands/bulk', 'Editor'],
    ['PUT', 'api/haproxy/servers/7/mapping', 'Editor'],
    ['POST', 'api/haproxy/instances/3/sync', 'Editor'],
    ['POST', 'api/haproxy/instances', 'Editor'],
    ['PATCH', 'api/haproxy/instances/3', 'Editor'],
    ['DELETE', 'api/haproxy/instances/3', 'Editor'],
    ['POST', 'api/hosts', 'Editor'],
    ['DELETE', 'api/applications/2', 'Editor'],
  ])('%s %s is routed with role %s', (method, requestPath, role) => {
    expect(matchRoute(method, requestPath)?.reqRole).toBe(role);
  });

  it.each([
    ['POST', 'api/me'],
    ['DELETE', 'api/haproxy/servers/7'],
    ['POST', 'api/haproxy/summary'],
    ['GET', 'metrics'],
    ['GET', 'healthz'],
  ])('%s %s has no route (the proxy refuses it)', (method, requestPath) => {
    expect(matchRoute(method, requestPath)).toBeUndefined();
  });

  it('keeps no secret in jsonData or anywhere in clear', () => {
    expect(manifest.jsonData).toBeUndefined();
    expect(manifest.secureJsonData).toBeUndefined();
    const text = JSON.stringify(manifest);
    // the token only appears as a template reference
    expect(text.match(/apiToken/g)?.length).toBe(routes.length);
    expect(text).not.toMatch(/Bearer [A-Za-z0-9]{8,}/);
  });
});
