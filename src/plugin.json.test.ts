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
    expect(pages.map((p: { name: string }) => p.name)).toEqual([
      'HAProxy',
      'Hosts',
      'Applications',
      'Recently removed',
      'Operations',
      'Actions',
      'Change log',
      'API tokens',
      'Configuration',
    ]);
    const defaultPages = pages.filter((p: { defaultNav?: boolean }) => p.defaultNav);
    expect(defaultPages).toHaveLength(1);
    expect(pages.find((p: { name: string }) => p.name === 'Configuration').role).toBe('Admin');
    expect(pages.find((p: { name: string }) => p.name === 'API tokens').role).toBe('Admin');
    expect(pages.find((p: { name: string }) => p.name === 'Change log').role).toBe('Admin');
  });

  it('states the oldest Grafana it supports', () => {
    expect(manifest.dependencies.grafanaDependency).toBe('>=11.0.0');
  });

  const TOKEN_OF_ROLE: Record<string, string> = { Viewer: 'viewerToken', Editor: 'operatorToken', Admin: 'adminToken' };

  it("sends each Grafana role's routes to the configured backend with that role's token", () => {
    expect(routes.length).toBeGreaterThan(0);
    for (const route of routes) {
      expect(route.url.startsWith('{{ .JsonData.backendUrl }}/api')).toBe(true);
      expect(route.headers).toEqual([
        { name: 'Authorization', content: `Bearer {{ .SecureJsonData.${TOKEN_OF_ROLE[route.reqRole!]} }}` },
      ]);
      expect(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']).toContain(route.method);
      // Grafana's app proxy: a `*` only at the end (what it matched is appended to the url), static otherwise.
      expect(route.path).toMatch(/^[a-z/]+(\/\*)?$/);
    }
    expect(routes.filter((r) => r.reqRole === 'Viewer').map((r) => r.method)).toEqual(['GET']);
  });

  it.each([
    ['GET', 'api/me', 'Viewer', '/api/me'],
    ['GET', 'api/haproxy/summary', 'Viewer', '/api/haproxy/summary'],
    ['GET', 'api/haproxy/servers', 'Viewer', '/api/haproxy/servers'],
    ['GET', 'api/haproxy/instances/3/backends', 'Viewer', '/api/haproxy/instances/3/backends'],
    ['GET', 'api/haproxy/actions', 'Viewer', '/api/haproxy/actions'],
    ['GET', 'api/haproxy/removed', 'Viewer', '/api/haproxy/removed'],
    ['GET', 'api/haproxy/mappings/unresolved', 'Viewer', '/api/haproxy/mappings/unresolved'],
    ['GET', 'api/hosts/1', 'Viewer', '/api/hosts/1'],
    ['GET', 'api/applications', 'Viewer', '/api/applications'],
    ['GET', 'editor/api/me', 'Editor', '/api/me'],
    ['POST', 'editor/api/haproxy/servers/7/command', 'Editor', '/api/haproxy/servers/7/command'],
    ['POST', 'editor/api/haproxy/commands/bulk', 'Editor', '/api/haproxy/commands/bulk'],
    ['PUT', 'editor/api/haproxy/servers/7/mapping', 'Editor', '/api/haproxy/servers/7/mapping'],
    ['POST', 'editor/api/haproxy/instances/3/sync', 'Editor', '/api/haproxy/instances/3/sync'],
    ['GET', 'admin/api/me', 'Admin', '/api/me'],
    ['POST', 'admin/api/haproxy/instances', 'Admin', '/api/haproxy/instances'],
    ['PATCH', 'admin/api/haproxy/instances/3', 'Admin', '/api/haproxy/instances/3'],
    ['DELETE', 'admin/api/haproxy/instances/3', 'Admin', '/api/haproxy/instances/3'],
    ['POST', 'admin/api/haproxy/instances/3/removals/confirm', 'Admin', '/api/haproxy/instances/3/removals/confirm'],
    ['POST', 'admin/api/haproxy/instances/3/scope-preview', 'Admin', '/api/haproxy/instances/3/scope-preview'],
    ['POST', 'admin/api/hosts', 'Admin', '/api/hosts'],
    ['POST', 'admin/api/hosts/test', 'Admin', '/api/hosts/test'],
    ['PATCH', 'admin/api/hosts/1', 'Admin', '/api/hosts/1'],
    ['DELETE', 'admin/api/applications/2', 'Admin', '/api/applications/2'],
    ['POST', 'admin/api/haproxy/backends/4/restore', 'Admin', '/api/haproxy/backends/4/restore'],
    // Guarded operations: viewers read budgets and jobs, Editors start and cancel jobs, Admins set budgets.
    ['GET', 'api/haproxy/operations', 'Viewer', '/api/haproxy/operations'],
    ['GET', 'api/haproxy/backends/4/budget', 'Viewer', '/api/haproxy/backends/4/budget'],
    ['GET', 'api/applications/2/servers', 'Viewer', '/api/applications/2/servers'],
    ['GET', 'api/haproxy/servers/7/timeline', 'Viewer', '/api/haproxy/servers/7/timeline'],
    ['POST', 'editor/api/haproxy/operations', 'Editor', '/api/haproxy/operations'],
    ['POST', 'editor/api/haproxy/operations/abc/cancel', 'Editor', '/api/haproxy/operations/abc/cancel'],
    ['PUT', 'admin/api/haproxy/backends/4/budget', 'Admin', '/api/haproxy/backends/4/budget'],
    ['DELETE', 'admin/api/haproxy/backends/4/budget', 'Admin', '/api/haproxy/backends/4/budget'],
    ['PUT', 'admin/api/applications/2/budget', 'Admin', '/api/applications/2/budget'],
    // API tokens: Admins only, their list too (a viewer's token must not list them).
    ['GET', 'admin/api/tokens', 'Admin', '/api/tokens'],
    ['POST', 'admin/api/tokens', 'Admin', '/api/tokens'],
    ['POST', 'admin/api/tokens/5/revoke', 'Admin', '/api/tokens/5/revoke'],
    // The admin change log: Admins only (it lists API tokens).
    ['GET', 'admin/api/admin/changes', 'Admin', '/api/admin/changes'],
  ])('%s %s is routed with role %s to %s', (method, requestPath, role, target) => {
    const route = matchRoute(method, requestPath);
    expect(route?.reqRole).toBe(role);
    expect(route?.target).toBe(`{{ .JsonData.backendUrl }}${target}`);
  });

  it.each([
    ['POST', 'api/me'],
    ['POST', 'api/haproxy/instances'],
    ['DELETE', 'api/haproxy/servers/7'],
    ['POST', 'api/haproxy/summary'],
    ['POST', 'editor/api/hosts'],
    ['DELETE', 'editor/api/haproxy/instances/3'],
    ['GET', 'editor/api/haproxy/summary'],
    ['GET', 'metrics'],
    ['GET', 'healthz'],
    ['GET', 'api'],
    ['POST', 'api/haproxy/operations'],
    ['PUT', 'editor/api/applications/2/budget'],
    ['GET', 'admin/api/tokens/5'],
    ['GET', 'editor/api/admin/changes'],
    ['POST', 'editor/api/tokens'],
  ])('%s %s has no route (the proxy refuses it)', (method, requestPath) => {
    expect(matchRoute(method, requestPath)).toBeUndefined();
  });

  it('keeps no secret in jsonData or anywhere in clear', () => {
    expect(manifest.jsonData).toBeUndefined();
    expect(manifest.secureJsonData).toBeUndefined();
    const text = JSON.stringify(manifest);
    // tokens only appear as template references
    expect(text.match(/Token \}\}/g)?.length).toBe(routes.length);
    expect(text).not.toContain('apiToken');
    expect(text).not.toMatch(/Bearer [A-Za-z0-9]{8,}/);
  });
});
