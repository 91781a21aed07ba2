import fs from 'fs';
import path from 'path';
import { loadManifest } from '../test/manifest';

/**
 * The nested data source's manifest: dist/datasource/plugin.json when built (what ships), else the source.
 * Its routes are the only way its requests reach the backend (/api/datasources/proxy/uid/<uid>/<path>).
 */
const ROOT = path.resolve(__dirname, '..', '..');
const { manifest, routes, matchRoute, shownPath } = loadManifest('datasource/plugin.json');
const manifestPath = path.join(ROOT, shownPath);
const app = JSON.parse(fs.readFileSync(path.join(ROOT, 'src', 'plugin.json'), 'utf8'));

describe(`data source manifest (${shownPath})`, () => {
  it('is a frontend data source with metrics and annotations', () => {
    expect(manifest.type).toBe('datasource');
    expect(manifest.id).toBe('appcontrol-haproxy-datasource');
    expect(manifest.metrics).toBe(true);
    expect(manifest.annotations).toBe(true);
    expect(manifest.backend).toBeFalsy();
    expect(manifest.dependencies.grafanaDependency).toBe(app.dependencies.grafanaDependency);
  });

  it('has its own logo next to it', () => {
    expect(manifest.info.logos).toEqual({ small: 'img/logo.svg', large: 'img/logo.svg' });
    expect(fs.existsSync(path.join(path.dirname(manifestPath), 'img', 'logo.svg'))).toBe(true);
  });

  it('is listed in the app includes', () => {
    expect(app.includes).toContainEqual({
      type: 'datasource',
      name: 'HAProxy Control',
      path: 'datasource/plugin.json',
    });
    expect(app.id).toBe('appcontrol-haproxy-app');
  });

  it('sends every route to the configured backend with its own token', () => {
    expect(routes.length).toBe(3);
    for (const route of routes) {
      expect(route.url).toBe(`{{ .JsonData.backendUrl }}/${route.path}`);
      expect(route.headers).toEqual([{ name: 'Authorization', content: 'Bearer {{ .SecureJsonData.apiToken }}' }]);
      expect(route.reqRole).toBe('Viewer');
    }
  });

  it.each([
    ['POST', 'api/haproxy/query'],
    ['GET', 'api/haproxy/lookup/instances'],
    ['GET', 'api/haproxy/lookup/backends'],
    ['GET', 'api/me'],
  ])('%s %s is routed for viewers', (method, requestPath) => {
    expect(matchRoute(method, requestPath)?.reqRole).toBe('Viewer');
  });

  it.each([
    ['POST', 'api/haproxy/servers/7/command'],
    ['GET', 'api/haproxy/servers'],
    ['POST', 'api/haproxy/lookup/instances'],
    ['GET', 'api/haproxy/query'],
    ['DELETE', 'api/haproxy/query'],
    ['GET', 'metrics'],
  ])('%s %s has no route: the data source can only read history', (method, requestPath) => {
    expect(matchRoute(method, requestPath)).toBeUndefined();
  });

  it('keeps no secret in clear', () => {
    const text = JSON.stringify(manifest);
    expect(text.match(/apiToken/g)?.length).toBe(routes.length);
    expect(text).not.toMatch(/Bearer [A-Za-z0-9]{8,}/);
  });
});
