/**
 * A minimal Grafana-like host for the built plugin (dist/), on 127.0.0.1:
 *  - /public/plugins/<id>/...                dist/ (module.js, its lazy chunks, plugin.json, img)
 *  - /public/build/img/icons/...             @grafana/ui's icons (Grafana serves them from its own build)
 *  - /public/host/grafana-shim.js            Grafana's shared packages + runtime glue (see shim/index.tsx)
 *  - /a/<id>[/...], /plugins/<id>            the HTML page Grafana serves for every frontend route
 *  - /api/plugin-proxy/<id>/<path>           Grafana's plugin proxy: dist/plugin.json routes (path patterns), reqRole, header
 *                                            templates from jsonData/secureJsonData, X-Grafana-User
 *  - /api/plugins/<id>/settings              GET (jsonData + secureJsonFields, never the secret) / POST (Admin)
 *  - /public/plugins/<ds-id>/...             the nested data source's folder (dist/datasource)
 *  - /connections/datasources/edit/<uid>     the data source's settings page (its ConfigEditor, Save & test)
 *  - /explore                                a query editor of the data source, Run query, the frames
 *  - /api/datasources/uid/<uid>              GET (Admin; secureJsonFields, never the secrets) / PUT (Admin)
 *  - /api/datasources/proxy/uid/<uid>/<path> Grafana's data source proxy: dist/datasource/plugin.json routes,
 *                                            the same matching, reqRole and templates as the plugin proxy
 * The signed-in user comes from the `grafana_session` cookie (a login of USERS; none means admin), the theme
 * from `?theme=` or the `grafana_theme` cookie (Grafana's default: dark).
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { matchAppRoute, matchDataSourceRoute, type ProxyRoute } from '../../../src/test/grafanaProxy';

export type OrgRole = 'Viewer' | 'Editor' | 'Admin';
export interface HostUserDef {
  login: string;
  name: string;
  orgRole: OrgRole;
  isGrafanaAdmin: boolean;
}

export const USERS: Record<string, HostUserDef> = {
  admin: { login: 'admin', name: 'Ada Admin', orgRole: 'Admin', isGrafanaAdmin: true },
  editor: { login: 'editor', name: 'Ed Editor', orgRole: 'Editor', isGrafanaAdmin: false },
  viewer: { login: 'viewer', name: 'Vi Viewer', orgRole: 'Viewer', isGrafanaAdmin: false },
};

const ROLE_RANK: Record<OrgRole, number> = { Viewer: 1, Editor: 2, Admin: 3 };

type PluginRoute = ProxyRoute & { reqRole?: OrgRole };

export interface PluginSettings {
  enabled: boolean;
  pinned: boolean;
  jsonData: Record<string, unknown>;
  secureJsonData: Record<string, string>;
}

/** What the host keeps of a data source instance (Grafana's data_source row). */
export interface DataSourceInstance {
  uid: string;
  name: string;
  jsonData: Record<string, unknown>;
  secureJsonData: Record<string, string>;
  version: number;
}

/** Where the host finds Grafana's icons and UI font in a checkout with node_modules. */
export const hostAssets = (root: string) => ({
  iconsDir: path.join(root, 'node_modules/@grafana/ui/dist/public/img/icons'),
  fontsDir: path.join(root, 'node_modules/@fontsource/inter/files'),
});

export interface HostOptions {
  distDir: string;
  shimFile: string;
  iconsDir: string;
  /** @fontsource/inter's files/ (Grafana's UI font). */
  fontsDir: string;
  settings: PluginSettings;
  /** The nested data source (dist/datasource) and its one instance. */
  datasource?: { distDir: string; instance: Omit<DataSourceInstance, 'version'> };
  /** Every proxied request, for specs that assert on what reached the backend. */
  onProxy?: (entry: { method: string; path: string; status: number; user: string }) => void;
}

export interface RunningHost {
  url: string;
  pluginId: string;
  settings: PluginSettings;
  datasource?: DataSourceInstance;
  stop(): Promise<void>;
}

const CONTENT_TYPES: Record<string, string> = {
  '.js': 'application/javascript; charset=utf-8',
  '.map': 'application/json',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.md': 'text/markdown; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
};

/** Grafana serves Inter from public/fonts; the same font from @fontsource/inter (latin subset). */
const INTER_FILES: Record<string, string> = {
  '/public/fonts/inter/Inter-Regular.woff2': 'inter-latin-400-normal.woff2',
  '/public/fonts/inter/Inter-Medium.woff2': 'inter-latin-500-normal.woff2',
  '/public/fonts/inter/Inter-Italic.woff2': 'inter-latin-400-italic.woff2',
};

const SPINNER_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"><path d="M12 2a10 10 0 1 0 10 10h-2a8 8 0 1 1-8-8z"/></svg>';

function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0) {
      out[part.slice(0, i).trim()] = decodeURIComponent(part.slice(i + 1).trim());
    }
  }
  return out;
}

/** Grafana's util.JoinURLFragments. */
function joinUrlFragments(a: string, b: string): string {
  if (b.length === 0) {
    return a;
  }
  const aslash = a.endsWith('/');
  const bslash = b.startsWith('/');
  if (aslash && bslash) {
    return a + b.slice(1);
  }
  if (!aslash && !bslash) {
    return `${a}/${b}`;
  }
  return a + b;
}

/** Grafana's plugin route templates: {{ .JsonData.x }} and {{ .SecureJsonData.x }}. */
function interpolate(template: string, settings: Pick<PluginSettings, 'jsonData' | 'secureJsonData'>): string {
  return template.replace(/\{\{\s*\.(JsonData|SecureJsonData)\.(\w+)\s*\}\}/g, (_m, scope: string, key: string) => {
    const source = scope === 'JsonData' ? settings.jsonData : settings.secureJsonData;
    const value = source[key];
    return value === undefined || value === null ? '' : String(value);
  });
}

function sendJson(res: http.ServerResponse, status: number, body: unknown) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function readBody(req: http.IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function serveFile(res: http.ServerResponse, root: string, relative: string, cacheControl = 'no-cache') {
  const file = path.resolve(root, `.${path.posix.normalize(`/${relative}`)}`);
  if (!file.startsWith(path.resolve(root) + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
    sendJson(res, 404, { message: 'Not found' });
    return;
  }
  res.writeHead(200, {
    'content-type': CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream',
    'cache-control': cacheControl,
  });
  fs.createReadStream(file).pipe(res);
}

export async function startHost(opts: HostOptions): Promise<RunningHost> {
  const pluginJson = JSON.parse(fs.readFileSync(path.join(opts.distDir, 'plugin.json'), 'utf8'));
  const pluginId: string = pluginJson.id;
  const routes: PluginRoute[] = pluginJson.routes ?? [];
  const settings = opts.settings;
  const publicBase = `public/plugins/${pluginId}`;

  /** Grafana's PluginSettingDto: what /api/plugins/<id>/settings answers, and what the page gets as meta. */
  const meta = () => ({
    name: pluginJson.name,
    type: pluginJson.type,
    id: pluginId,
    enabled: settings.enabled,
    pinned: settings.pinned,
    autoEnabled: false,
    module: `${publicBase}/module.js`,
    baseUrl: publicBase,
    info: {
      ...pluginJson.info,
      logos: {
        small: `${publicBase}/${pluginJson.info.logos.small}`,
        large: `${publicBase}/${pluginJson.info.logos.large}`,
      },
    },
    includes: (pluginJson.includes ?? []).map((i: { path?: string }) => ({
      ...i,
      path: i.path?.replace('%PLUGIN_ID%', pluginId),
    })),
    dependencies: pluginJson.dependencies,
    jsonData: settings.jsonData,
    secureJsonFields: Object.fromEntries(Object.keys(settings.secureJsonData).map((k) => [k, true])),
    defaultNavUrl: `/a/${pluginId}/haproxy`,
    latestVersion: '',
    hasUpdate: false,
    state: '',
    signature: 'unsigned',
    signatureType: '',
    signatureOrg: '',
  });

  // The nested data source: its plugin.json (routes), its folder, and the one instance the host keeps.
  const dsJson = opts.datasource
    ? JSON.parse(fs.readFileSync(path.join(opts.datasource.distDir, 'plugin.json'), 'utf8'))
    : undefined;
  const dsId: string | undefined = dsJson?.id;
  const dsRoutes: PluginRoute[] = dsJson?.routes ?? [];
  const dsBase = dsId ? `public/plugins/${dsId}` : '';
  const ds: DataSourceInstance | undefined = opts.datasource
    ? {
        ...opts.datasource.instance,
        jsonData: { ...opts.datasource.instance.jsonData },
        secureJsonData: { ...opts.datasource.instance.secureJsonData },
        version: 1,
      }
    : undefined;

  /** Grafana's DataSourcePluginMeta (what /api/frontend/settings lists for the plugin). */
  const dsMeta = () =>
    dsJson && {
      id: dsId,
      type: 'datasource',
      name: dsJson.name,
      info: {
        ...dsJson.info,
        logos: { small: `${dsBase}/${dsJson.info.logos.small}`, large: `${dsBase}/${dsJson.info.logos.large}` },
      },
      module: `${dsBase}/module.js`,
      baseUrl: dsBase,
      metrics: Boolean(dsJson.metrics),
      annotations: Boolean(dsJson.annotations),
      backend: Boolean(dsJson.backend),
      logs: false,
      alerting: false,
      routes: dsJson.routes,
      dependencies: dsJson.dependencies,
    };

  /** Grafana's DataSource DTO (GET /api/datasources/uid/<uid>): secureJsonFields, never the secrets. */
  const dsDto = () =>
    ds && {
      id: 1,
      uid: ds.uid,
      orgId: 1,
      name: ds.name,
      type: dsId,
      typeName: dsJson.name,
      typeLogoUrl: `${dsBase}/${dsJson.info.logos.small}`,
      access: 'proxy',
      url: '',
      user: '',
      database: '',
      basicAuth: false,
      basicAuthUser: '',
      withCredentials: false,
      isDefault: true,
      jsonData: ds.jsonData,
      secureJsonFields: Object.fromEntries(Object.keys(ds.secureJsonData).map((k) => [k, true])),
      version: ds.version,
      readOnly: false,
    };

  /** Grafana's DataSourceInstanceSettings (boot data's datasources): what `new DataSourceClass()` gets. */
  const dsInstanceSettings = () =>
    ds && {
      id: 1,
      uid: ds.uid,
      type: dsId,
      name: ds.name,
      meta: dsMeta(),
      url: `/api/datasources/proxy/uid/${ds.uid}`,
      access: 'proxy',
      jsonData: ds.jsonData,
      readOnly: false,
      isDefault: true,
    };

  const userOf = (req: http.IncomingMessage): HostUserDef => {
    const login = parseCookies(req.headers.cookie).grafana_session;
    return USERS[login ?? 'admin'] ?? USERS.admin;
  };

  const page = (
    req: http.IncomingMessage,
    res: http.ServerResponse,
    url: URL,
    kind: 'app' | 'config' | 'datasource-config' | 'explore'
  ) => {
    const user = userOf(req);
    const cookies = parseCookies(req.headers.cookie);
    const themeParam = url.searchParams.get('theme');
    const theme =
      themeParam === 'light' || themeParam === 'dark'
        ? themeParam
        : cookies.grafana_theme === 'light'
          ? 'light'
          : 'dark';
    const bootData = {
      user: {
        ...user,
        id: 1,
        email: `${user.login}@example.com`,
        orgId: 1,
        orgName: 'Main Org.',
        theme,
        isSignedIn: true,
        timezone: 'browser',
      },
      settings: {
        appSubUrl: '',
        appUrl: `http://${req.headers.host}/`,
        buildInfo: { version: '13.1.0', edition: 'Open Source', env: 'production', commit: 'host' },
        featureToggles: {},
        theme2: undefined,
      },
      navTree: [],
      assets: { dark: '', light: '' },
    };
    const hostBoot = {
      page: kind,
      meta: meta(),
      user,
      // Every signed-in user gets the instance settings (Grafana's boot data lists the org's data sources);
      // the settings page gets the full DTO from GET /api/datasources/uid/<uid>, as Grafana's does.
      datasource: ds ? { instanceSettings: dsInstanceSettings() } : undefined,
    };
    const json = (v: unknown) => JSON.stringify(v).replace(/</g, '\\u003c');
    const background = theme === 'light' ? '#ffffff' : '#181b1f';
    const html = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8" />
  <base href="/" />
  <title>${pluginJson.name} - Grafana</title>
  <style>html, body { margin: 0; background: ${background}; }</style>
  <script>
    window.process = { env: { NODE_ENV: 'production' } };
    window.__grafana_public_path__ = '/public/';
    window.grafanaBootData = ${json(bootData)};
    window.__HOST__ = ${json(hostBoot)};
  </script>
</head>
<body class="theme-${theme}">
  <div id="reactRoot"></div>
  <script src="/public/host/grafana-shim.js"></script>
</body>
</html>`;
    if (themeParam === 'light' || themeParam === 'dark') {
      res.setHeader('set-cookie', `grafana_theme=${theme}; Path=/; SameSite=Lax`);
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(html);
  };

  /**
   * Grafana's plugin proxy (pkg/api/pluginproxy) and data source proxy (ds_proxy.go) for routes declared in a
   * plugin.json: the route each picks (src/test/grafanaProxy.ts: a path pattern for the app, a path prefix for the
   * data source), reqRole, templates from the instance's settings, forward.
   */
  const proxy = async (
    req: http.IncomingMessage,
    res: http.ServerResponse,
    proxyPath: string,
    search: string,
    target: {
      kind: 'plugin' | 'datasource';
      routes: PluginRoute[];
      settings: Pick<PluginSettings, 'jsonData' | 'secureJsonData'>;
      enabled: boolean;
    }
  ) => {
    const { routes, settings } = target;
    const user = userOf(req);
    const method = (req.method ?? 'GET').toUpperCase();
    const clean = path.posix.normalize(`/${proxyPath}`).slice(1);
    const match = (target.kind === 'plugin' ? matchAppRoute : matchDataSourceRoute)(routes, method, clean);
    const route = match?.route;
    const record = (status: number) =>
      opts.onProxy?.({
        method,
        path: `${target.kind === 'datasource' ? 'ds:' : ''}${clean}${search}`,
        status,
        user: user.login,
      });
    if (!route) {
      record(404);
      sendJson(res, 404, {
        message: target.kind === 'plugin' ? 'Plugin route match not found' : 'Data source proxy route match not found',
      });
      return;
    }
    if (route.reqRole && ROLE_RANK[user.orgRole] < ROLE_RANK[route.reqRole]) {
      record(403);
      sendJson(res, 403, { message: 'plugin proxy route access denied' });
      return;
    }
    if (!target.enabled || !route.url) {
      record(404);
      sendJson(res, 404, { message: 'Plugin not enabled or route has no URL' });
      return;
    }
    const base = interpolate(route.url, settings);
    let upstreamUrl: URL;
    try {
      upstreamUrl = new URL(base);
    } catch {
      record(502);
      sendJson(res, 502, { message: 'Bad Gateway: invalid route URL' });
      return;
    }
    upstreamUrl.pathname = joinUrlFragments(upstreamUrl.pathname, match.rest);
    upstreamUrl.search = search;

    // Like Grafana's director: client cookies, auth and forwarded identity never reach the backend; its other
    // headers do (a conditional GET's If-None-Match too).
    const headers: Record<string, string> = {};
    for (const name of ['content-type', 'accept', 'accept-encoding', 'user-agent', 'if-none-match']) {
      const value = req.headers[name];
      if (typeof value === 'string') {
        headers[name] = value;
      }
    }
    for (const h of route.headers ?? []) {
      headers[h.name.toLowerCase()] = interpolate(h.content, settings);
    }
    headers['x-grafana-user'] = user.login;
    headers['x-grafana-org-id'] = '1';
    const body = method === 'GET' || method === 'HEAD' ? undefined : await readBody(req);
    try {
      const upstream = await fetch(upstreamUrl, {
        method,
        headers,
        body: body ? new Uint8Array(body) : undefined,
        signal: AbortSignal.timeout(30_000),
      });
      const payload = Buffer.from(await upstream.arrayBuffer());
      record(upstream.status);
      const out: Record<string, string> = { 'content-length': String(payload.length) };
      for (const name of ['content-type', 'content-disposition', 'cache-control', 'retry-after', 'etag']) {
        const value = upstream.headers.get(name);
        if (value) {
          out[name] = value;
        }
      }
      res.writeHead(upstream.status, out);
      res.end(payload);
    } catch {
      record(502);
      sendJson(res, 502, { message: 'Bad Gateway' });
    }
  };

  const settingsApi = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    if (req.method === 'GET') {
      sendJson(res, 200, meta());
      return;
    }
    if (req.method !== 'POST') {
      sendJson(res, 405, { message: 'Method not allowed' });
      return;
    }
    if (userOf(req).orgRole !== 'Admin') {
      sendJson(res, 403, { message: 'You do not have permission to update plugin settings' });
      return;
    }
    let body: Partial<PluginSettings>;
    try {
      body = JSON.parse((await readBody(req)).toString('utf8') || '{}');
    } catch {
      sendJson(res, 400, { message: 'bad request data' });
      return;
    }
    if (typeof body.enabled === 'boolean') {
      settings.enabled = body.enabled;
    }
    if (typeof body.pinned === 'boolean') {
      settings.pinned = body.pinned;
    }
    if (body.jsonData && typeof body.jsonData === 'object') {
      settings.jsonData = body.jsonData;
    }
    for (const [key, value] of Object.entries(body.secureJsonData ?? {})) {
      if (typeof value === 'string') {
        settings.secureJsonData[key] = value;
      }
    }
    sendJson(res, 200, { message: 'Plugin settings updated' });
  };

  /** GET / PUT /api/datasources/uid/<uid> (Admin: Grafana's datasources:read / datasources:write of the basic roles). */
  const datasourceApi = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    if (!ds) {
      return sendJson(res, 404, { message: 'Data source not found' });
    }
    if (userOf(req).orgRole !== 'Admin') {
      return sendJson(res, 403, { message: 'You do not have permission to access this data source' });
    }
    if (req.method === 'GET') {
      return sendJson(res, 200, dsDto());
    }
    if (req.method !== 'PUT') {
      return sendJson(res, 405, { message: 'Method not allowed' });
    }
    let body: { name?: unknown; jsonData?: unknown; secureJsonData?: unknown; version?: unknown };
    try {
      body = JSON.parse((await readBody(req)).toString('utf8') || '{}');
    } catch {
      return sendJson(res, 400, { message: 'bad request data' });
    }
    // Grafana's optimistic lock: a PUT made from an older version of the settings is refused.
    if (typeof body.version === 'number' && body.version < ds.version) {
      return sendJson(res, 409, {
        message: 'Datasource has already been updated by someone else. Please reload and try again',
      });
    }
    if (typeof body.name === 'string' && body.name.trim()) {
      ds.name = body.name.trim();
    }
    if (body.jsonData && typeof body.jsonData === 'object') {
      ds.jsonData = body.jsonData as Record<string, unknown>;
    }
    // Keys sent replace the stored secret (an empty value clears it); keys not sent are kept.
    for (const [key, value] of Object.entries((body.secureJsonData ?? {}) as Record<string, unknown>)) {
      if (typeof value === 'string' && value !== '') {
        ds.secureJsonData[key] = value;
      } else if (value === '' || value === null) {
        delete ds.secureJsonData[key];
      }
    }
    ds.version += 1;
    sendJson(res, 200, { datasource: dsDto(), id: 1, message: 'Datasource updated', name: ds.name });
  };

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://host');
    const p = url.pathname;
    const handle = async () => {
      if (p.startsWith(`/api/plugin-proxy/${pluginId}/`)) {
        // The raw path: the proxy must see exactly what the browser sent (dot segments included).
        const raw = (req.url ?? '').split('?')[0].slice(`/api/plugin-proxy/${pluginId}/`.length);
        return proxy(req, res, decodeURI(raw), url.search, {
          kind: 'plugin',
          routes,
          settings,
          enabled: settings.enabled,
        });
      }
      if (ds && p.startsWith(`/api/datasources/proxy/uid/${ds.uid}/`)) {
        const raw = (req.url ?? '').split('?')[0].slice(`/api/datasources/proxy/uid/${ds.uid}/`.length);
        return proxy(req, res, decodeURI(raw), url.search, {
          kind: 'datasource',
          routes: dsRoutes,
          settings: ds,
          enabled: true,
        });
      }
      if (p.startsWith('/api/datasources/proxy/uid/')) {
        return sendJson(res, 404, { message: 'Unable to find datasource' });
      }
      if (p.startsWith('/api/datasources/uid/')) {
        return p === `/api/datasources/uid/${ds?.uid}`
          ? datasourceApi(req, res)
          : sendJson(res, 404, { message: 'Data source not found' });
      }
      if (p === `/api/plugins/${pluginId}/settings`) {
        return settingsApi(req, res);
      }
      if (p.startsWith('/api/')) {
        return sendJson(res, 404, { message: 'Not found' });
      }
      if (p === '/public/host/grafana-shim.js') {
        // Content-addressed (its cache directory is keyed by its inputs): the browser may keep it.
        return serveFile(
          res,
          path.dirname(opts.shimFile),
          path.basename(opts.shimFile),
          'public, max-age=3600, immutable'
        );
      }
      if (dsId && opts.datasource && p.startsWith(`/public/plugins/${dsId}/`)) {
        return serveFile(res, opts.datasource.distDir, p.slice(`/public/plugins/${dsId}/`.length));
      }
      if (p.startsWith(`/public/plugins/${pluginId}/`)) {
        return serveFile(res, opts.distDir, p.slice(`/public/plugins/${pluginId}/`.length));
      }
      if (p === '/public/build/img/icons/unicons/spinner.svg') {
        // Grafana's own build adds this one to the unicons; @grafana/ui's copy of the icons lacks it.
        res.writeHead(200, { 'content-type': 'image/svg+xml', 'cache-control': 'no-cache' });
        return res.end(SPINNER_SVG);
      }
      if (p.startsWith('/public/build/img/icons/')) {
        return serveFile(res, opts.iconsDir, p.slice('/public/build/img/icons/'.length));
      }
      const font = INTER_FILES[p];
      if (font && fs.existsSync(path.join(opts.fontsDir, font))) {
        return serveFile(res, opts.fontsDir, font, 'public, max-age=3600');
      }
      if (p.startsWith('/public/')) {
        return sendJson(res, 404, { message: 'Not found' });
      }
      if (p === `/a/${pluginId}` || p.startsWith(`/a/${pluginId}/`)) {
        return page(req, res, url, 'app');
      }
      if (p === `/plugins/${pluginId}`) {
        return page(req, res, url, 'config');
      }
      if (ds && p === `/connections/datasources/edit/${ds.uid}`) {
        return page(req, res, url, 'datasource-config');
      }
      if (ds && p === '/explore') {
        return page(req, res, url, 'explore');
      }
      res.writeHead(302, { location: `/a/${pluginId}/haproxy` });
      res.end();
    };
    handle().catch((err: unknown) => {
      if (!res.headersSent) {
        sendJson(res, 500, { message: String(err) });
      } else {
        res.destroy();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    pluginId,
    settings,
    datasource: ds,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
