import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';

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
  expect(services.grafana.environment.GF_PLUGINS_ALLOW_LOADING_UNSIGNED_PLUGINS.split(',')).toContain(pluginId);
});

test('provisioning enables this app with the backend URL and a token from variables Grafana has', () => {
  const app = YAML.parse(read('provisioning/plugins/haproxy-control.yaml')).apps[0];
  expect(app.type).toBe(pluginId);
  expect(app.jsonData).toEqual({ backendUrl: '${HAPROXY_CONTROL_BACKEND_URL}' });
  expect(Object.keys(app.secureJsonData)).toEqual(['apiToken']);
  const grafanaEnv = services.grafana.environment;
  for (const file of ['provisioning/plugins/haproxy-control.yaml', 'provisioning/datasources/haproxy-control.yaml']) {
    for (const [, v] of read(file).matchAll(/\$\{(\w+)\}/g)) {
      expect({ file, v, set: v in grafanaEnv }).toEqual({ file, v, set: true });
    }
  }
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
