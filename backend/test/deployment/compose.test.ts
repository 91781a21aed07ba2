import fs from 'node:fs';
import path from 'node:path';
import picomatch from 'picomatch';
import YAML from 'yaml';
import { SERVICE_NODE_FLAGS } from '../../src/node-flags';

/**
 * No Docker engine runs here, so docker-compose.yaml and provisioning/ are checked by reading them:
 * they parse, every file and stage they name exists, and the names that tie them together agree.
 */
const root = path.resolve(__dirname, '../../..');
const read = (p: string) => fs.readFileSync(path.join(root, p), 'utf8');
// Compose applies YAML merge keys (<<: *secrets).
const compose = YAML.parse(read('docker-compose.yaml'), { merge: true });
const services: Record<string, any> = compose.services;
const dockerfile = read('docker/Dockerfile');
const stages = [...dockerfile.matchAll(/^FROM\s+\S+\s+AS\s+(\S+)/gim)].map((m) => m[1]);
const pluginId = JSON.parse(read('src/plugin.json')).id;

test('every service builds from an existing Dockerfile stage or names an image', () => {
  expect(Object.keys(services).sort()).toEqual(['backend', 'demo', 'grafana', 'postgres']);
  for (const [name, s] of Object.entries(services)) {
    if (s.image) {
      continue;
    }
    expect(fs.existsSync(path.join(root, s.build.context, s.build.dockerfile))).toBe(true);
    expect({ name, target: stages.includes(s.build.target) }).toEqual({ name, target: true });
  }
});

test('the Dockerfile copies only paths that exist', () => {
  for (const m of dockerfile.matchAll(/^COPY\s+(?!--from)(.+)\s+\S+$/gm)) {
    for (const src of m[1].trim().split(/\s+/)) {
      expect({ src, exists: fs.existsSync(path.join(root, src)) }).toEqual({ src, exists: true });
    }
  }
});

test('ports and URLs agree between the services', () => {
  expect(services.backend.ports).toContain('8080:8080');
  expect(services.backend.environment.PORT).toBe('8080');
  expect(services.grafana.ports).toContain('3000:3000');
  expect(services.grafana.environment.HAPROXY_CONTROL_BACKEND_URL).toBe('http://backend:8080');
  expect(services.demo.environment.DEMO_BACKEND_URL).toBe('http://backend:8080');
  expect(services.demo.environment.DEMO_AGENT_PUBLIC_URL).toBe(
    `http://demo:${services.demo.environment.DEMO_AGENT_PORT}`
  );
  expect(services.backend.environment.DATABASE_URL).toMatch(/@postgres:5432\/haproxy_control$/);
  expect(services.grafana.volumes).toContain('./provisioning:/etc/grafana/provisioning:ro');
});

test('state outlives `docker compose down`: both databases have named volumes', () => {
  const named = (mount: string) => {
    const [volume, target] = mount.split(':');
    return volume in compose.volumes ? target : undefined;
  };
  expect(services.postgres.volumes.map(named)).toContain('/var/lib/postgresql/data');
  expect(services.grafana.volumes.map(named)).toContain('/var/lib/grafana');
});

test('Grafana loads the plugin of the image it runs, not a copy the grafana-data volume kept from an older build', () => {
  const stage = dockerfile.slice(dockerfile.search(/^FROM\s+\S+\s+AS\s+grafana\s*$/im));
  const pluginsDir: string =
    services.grafana.environment.GF_PATHS_PLUGINS ??
    /^ENV\s+GF_PATHS_PLUGINS=(\S+)/m.exec(stage)?.[1] ??
    '/var/lib/grafana/plugins'; // the official image's
  expect(/^COPY\s+--from=plugin\s+(?:--\S+\s+)*\/app\/dist\s+(\S+)$/m.exec(stage)?.[1]).toBe(
    `${pluginsDir}/${pluginId}`
  );
  // Docker fills a volume from the image only when the volume is new: no mount may cover the plugins.
  for (const mount of services.grafana.volumes as string[]) {
    const target = mount.split(':')[1].replace(/\/$/, '');
    expect({ mount, covers: `${pluginsDir}/`.startsWith(`${target}/`) }).toEqual({ mount, covers: false });
  }
});

test('PostgreSQL is healthy only once it takes TCP connections, as the backend makes them', () => {
  // While initialising a new volume the image runs a server on the Unix socket only, then restarts it.
  const [kind, command] = services.postgres.healthcheck.test;
  expect(kind).toBe('CMD-SHELL');
  expect(command).toMatch(/^pg_isready (.* )?-h (127\.0\.0\.1|localhost) /);
  expect(services.backend.depends_on.postgres.condition).toBe('service_healthy');
});

test('the database password reaches the backend whole, whatever URL syntax it holds', () => {
  // In the URL it would need percent-encoding, which compose cannot do: it goes in PGPASSWORD (password-from-environment.test.ts).
  const url = new URL(services.backend.environment.DATABASE_URL);
  expect(url.username).toBe(services.postgres.environment.POSTGRES_USER);
  expect(url.password).toBe('');
  expect(services.backend.environment.PGPASSWORD).toBe(services.postgres.environment.POSTGRES_PASSWORD);
  expect(services.grafana.environment.GF_PLUGINS_ALLOW_LOADING_UNSIGNED_PLUGINS.split(',')).toContain(pluginId);
});

test('provisioning enables this app with the backend URL and tokens from variables Grafana has', () => {
  const app = YAML.parse(read('provisioning/plugins/haproxy-control.yaml')).apps[0];
  expect(app.type).toBe(pluginId);
  expect(app.jsonData).toEqual({ backendUrl: '${HAPROXY_CONTROL_BACKEND_URL}' });
  const grafanaEnv = services.grafana.environment;
  for (const file of ['provisioning/plugins/haproxy-control.yaml', 'provisioning/datasources/haproxy-control.yaml']) {
    for (const [, v] of read(file).matchAll(/\$\{(\w+)\}/g)) {
      expect({ file, v, set: v in grafanaEnv }).toEqual({ file, v, set: true });
    }
  }
});

/** The secureJsonData keys a manifest's routes send (`{{ .SecureJsonData.<key> }}`). */
const routeTokens = (manifest: string) =>
  new Set([...read(manifest).matchAll(/SecureJsonData\.(\w+)/g)].map((m) => m[1]));

test("each Grafana role's slot gets the token the backend creates with that role, and nothing else", () => {
  const app = YAML.parse(read('provisioning/plugins/haproxy-control.yaml')).apps[0];
  const slots = { viewerToken: 'VIEWER', operatorToken: 'OPERATOR', adminToken: 'ADMIN' } as const;
  // The slots are exactly the keys the routes send.
  expect(new Set(Object.keys(app.secureJsonData))).toEqual(routeTokens('src/plugin.json'));
  for (const [slot, role] of Object.entries(slots)) {
    const variable = `BOOTSTRAP_GRAFANA_${role}_TOKEN`;
    expect({ slot, value: app.secureJsonData[slot] }).toEqual({ slot, value: `\${${variable}}` });
    // The backend creates the token from the same compose value Grafana provisions.
    expect(services.grafana.environment[variable]).toBeDefined();
    expect(services.backend.environment[variable]).toBe(services.grafana.environment[variable]);
    // Set by the user (HAPROXY_CONTROL_GRAFANA_<ROLE>_TOKEN), else a demo default as long as the backend wants.
    const [, userVariable, fallback] = /^\$\{(\w+):-(.+)\}$/.exec(services.backend.environment[variable])!;
    expect(userVariable).toBe(`HAPROXY_CONTROL_GRAFANA_${role}_TOKEN`);
    expect(fallback.length).toBeGreaterThanOrEqual(24);
  }
  const values = Object.keys(slots).map(
    (s) => services.backend.environment[`BOOTSTRAP_GRAFANA_${slots[s as keyof typeof slots]}_TOKEN`]
  );
  expect(new Set(values).size).toBe(3);
  // The data source only reads: the viewer token.
  const ds = YAML.parse(read('provisioning/datasources/haproxy-control-app-ds.yaml')).datasources[0];
  expect(ds.secureJsonData).toEqual({ apiToken: '${BOOTSTRAP_GRAFANA_VIEWER_TOKEN}' });
  expect(routeTokens('src/datasource/plugin.json')).toEqual(new Set(['apiToken']));
  // Grafana never holds the bootstrap admin token (automation's), nor does provisioning name it.
  expect(services.grafana.environment.BOOTSTRAP_ADMIN_TOKEN).toBeUndefined();
  expect(read('provisioning/plugins/haproxy-control.yaml')).not.toContain('BOOTSTRAP_ADMIN_TOKEN');
  expect(services.demo.environment.DEMO_ADMIN_TOKEN).toBe(services.backend.environment.BOOTSTRAP_ADMIN_TOKEN);
});

test('the PostgreSQL data source reaches the compose database', () => {
  const ds = YAML.parse(read('provisioning/datasources/haproxy-control.yaml')).datasources.find(
    (d: { uid: string }) => d.uid === 'haproxy-control-pg'
  );
  expect(ds).toMatchObject({
    type: 'grafana-postgresql-datasource',
    url: 'postgres:5432',
    jsonData: { database: services.postgres.environment.POSTGRES_DB },
  });
});

test('the service runs with its V8 flags wherever it is started', () => {
  const scripts: Record<string, string> = JSON.parse(read('backend/package.json')).scripts;
  const nodeCommands = [
    ...['start', 'bench', 'demo'].map((s) => scripts[s].slice(scripts[s].indexOf('node '))),
    ...[...dockerfile.matchAll(/^CMD\s+(\[.*\])$/gm)].map((m) => (JSON.parse(m[1]) as string[]).join(' ')),
  ];
  expect(nodeCommands).toHaveLength(5);
  for (const command of nodeCommands) {
    expect({ command, flags: SERVICE_NODE_FLAGS.every((f) => command.split(' ').includes(f)) }).toEqual({
      command,
      flags: true,
    });
  }
});

/** The paths a stage's COPY lines (its own and those of the stages it is built FROM) take from the context. */
function stageSources(stage: string): string[] {
  const sources = new Map<string, { parent?: string; copies: string[] }>();
  let current: { parent?: string; copies: string[] } | undefined;
  for (const line of dockerfile.split('\n')) {
    const from = /^FROM\s+(\S+)\s+AS\s+(\S+)/i.exec(line);
    if (from) {
      current = { parent: from[1], copies: [] };
      sources.set(from[2], current);
    }
    const copy = /^COPY\s+(?!--from)(.+)\s+\S+$/.exec(line);
    if (copy) {
      current!.copies.push(...copy[1].trim().split(/\s+/));
    }
  }
  const own = sources.get(stage);
  return own ? [...own.copies, ...stageSources(own.parent!)] : [];
}

test('the plugin stage has every file `npm run build` reads', () => {
  const inStage = stageSources('plugin');
  const has = (file: string) => inStage.some((src) => file === src || file.startsWith(`${src}/`));
  const build: string = JSON.parse(read('package.json')).scripts.build;
  const config = /-c\s+(?:\.\/)?(\S+)/.exec(build)![1];
  // create-plugin's copy patterns are relative to src/: '../X' is the repository's X.
  const copied = [...read('.config/bundler/copyFiles.ts').matchAll(/'\.\.\/([^']+)'/g)].map((m) => m[1]);
  expect(copied).toEqual(expect.arrayContaining(['LICENSE', 'CHANGELOG.md']));
  for (const file of [config, ...copied, 'package.json', 'tsconfig.json', '.config/webpack/webpack.config.ts']) {
    expect({ file, exists: fs.existsSync(path.join(root, file)), inStage: has(file) }).toEqual({
      file,
      exists: true,
      inStage: true,
    });
  }
});

test('.dockerignore keeps host installs, builds and the embedded database out of the images, not what they copy', () => {
  const patterns = read('.dockerignore')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const isMatch = picomatch(patterns, { dot: true });
  // Docker ignores a directory's contents with it.
  const ignored = (p: string) => p.split('/').some((_, i, parts) => isMatch(parts.slice(0, i + 1).join('/')));
  // `npm start` leaves its PostgreSQL (tokens, agents, audit) in backend/.data.
  for (const p of [
    'backend/.data/PG_VERSION',
    'node_modules/x',
    'backend/node_modules/undici/index.js',
    'dist/module.js',
    'backend/dist/main.js',
  ]) {
    expect({ p, ignored: ignored(p) }).toEqual({ p, ignored: true });
  }
  const copied = [...new Set(['backend', 'deps', 'plugin'].flatMap(stageSources))];
  for (const p of [
    ...copied,
    'backend/openapi.yaml',
    'backend/src/main.ts',
    'src/plugin.json',
    'src/datasource/plugin.json',
  ]) {
    expect({ p, ignored: ignored(p) }).toEqual({ p, ignored: false });
  }
});
