import fs from 'fs';
import path from 'path';
import { QUERY_TYPES, SCOPE_KEYS } from '../api/types';

/**
 * The "HAProxy fleet trends" dashboard ships twice: as an app include (src/dashboards/, copied into dist/) and
 * provisioned by file (provisioning/dashboards/json/, mounted into Grafana by docker-compose). Same file, same uid.
 */
const ROOT = path.resolve(__dirname, '..', '..');
const SRC = path.join(__dirname, 'haproxy-fleet-trends.json');
const PROVISIONED = path.join(ROOT, 'provisioning', 'dashboards', 'json', 'haproxy-fleet-trends.json');
const DS_UID = 'haproxy-control-ds';
const DS_TYPE = 'appcontrol-haproxy-datasource';

const text = fs.readFileSync(SRC, 'utf8');
const dashboard = JSON.parse(text);
const panels: any[] = dashboard.panels;
const variables: any[] = dashboard.templating.list;

/** Every `$name` / `${name}` / `[[name]]` in a JSON value. */
function referencedVariables(value: unknown): string[] {
  const found = JSON.stringify(value).matchAll(/\$\{(\w+)(?::\w+)?\}|\$(\w+)|\[\[(\w+)\]\]/g);
  return Array.from(found, (m) => m[1] ?? m[2] ?? m[3]).filter((name) => !name.startsWith('__'));
}

describe('HAProxy fleet trends dashboard', () => {
  it('is identical in the app include and in provisioning', () => {
    expect(fs.readFileSync(PROVISIONED, 'utf8')).toBe(text);
  });

  it('is listed in the app includes under its title', () => {
    const app = JSON.parse(fs.readFileSync(path.join(ROOT, 'src', 'plugin.json'), 'utf8'));
    expect(app.includes).toContainEqual({
      type: 'dashboard',
      name: 'HAProxy fleet trends',
      path: 'dashboards/haproxy-fleet-trends.json',
    });
    expect(dashboard.title).toBe('HAProxy fleet trends');
    expect(dashboard.uid).toBe('haproxy-fleet-trends');
    expect(dashboard.id).toBeUndefined();
  });

  it('reads every panel and query from the provisioned data source, with query types it knows', () => {
    expect(panels.length).toBeGreaterThanOrEqual(4);
    for (const panel of panels) {
      expect(panel.datasource).toEqual({ type: DS_TYPE, uid: DS_UID });
      expect(panel.targets.length).toBeGreaterThan(0);
      for (const target of panel.targets) {
        expect(target.datasource).toEqual({ type: DS_TYPE, uid: DS_UID });
        expect(QUERY_TYPES).toContain(target.type);
        expect(Object.keys(target.scope).every((key) => (SCOPE_KEYS as readonly string[]).includes(key))).toBe(true);
      }
    }
    const ids = panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('shows status counts (stacked), a state timeline, sessions per backend and the current servers', () => {
    const byType = (type: string) => panels.filter((p) => p.targets.some((t: any) => t.type === type));
    const [counts] = byType('status_counts');
    expect(counts.type).toBe('timeseries');
    expect(counts.fieldConfig.defaults.custom.stacking.mode).toBe('normal');
    const [timeline] = byType('status_timeline');
    expect(timeline.type).toBe('state-timeline');
    expect(timeline.targets[0].scope.backend).toBe('$backend');
    const [sessions] = byType('sessions');
    expect(sessions.type).toBe('timeseries');
    expect(['sum', 'avg', 'max']).toContain(sessions.targets[0].aggregate);
    expect(byType('servers_table')[0].type).toBe('table');
  });

  it('marks commands as annotations on the data source', () => {
    const commands = dashboard.annotations.list.filter((a: any) => a.datasource?.uid === DS_UID);
    expect(commands).toHaveLength(1);
    expect(commands[0]).toMatchObject({ enable: true, target: { type: 'commands' } });
  });

  it('defines instance and backend as multi-value query variables with All, backend narrowed by instance', () => {
    const byName = Object.fromEntries(variables.map((v) => [v.name, v]));
    for (const name of ['instance', 'backend']) {
      expect(byName[name]).toMatchObject({
        type: 'query',
        datasource: { type: DS_TYPE, uid: DS_UID },
        multi: true,
        includeAll: true,
      });
    }
    expect(byName.instance.query).toEqual({ kind: 'instances' });
    expect(byName.backend.query).toEqual({ kind: 'backends', instance: '$instance' });
    // a variable only refers to those defined before it (Grafana resolves them in order)
    expect(variables.findIndex((v) => v.name === 'instance')).toBeLessThan(
      variables.findIndex((v) => v.name === 'backend')
    );
  });

  it('refers only to variables it defines', () => {
    const defined = new Set(variables.map((v) => v.name));
    const used = new Set([
      ...referencedVariables(panels),
      ...referencedVariables(dashboard.annotations),
      ...referencedVariables(variables),
    ]);
    expect(used.size).toBeGreaterThan(0);
    for (const name of used) {
      expect(defined).toContain(name);
    }
  });

  it('is provisioned from the folder docker-compose mounts, with the data source it uses', () => {
    const provider = fs.readFileSync(path.join(ROOT, 'provisioning', 'dashboards', 'haproxy-control.yaml'), 'utf8');
    expect(provider).toMatch(/type: file/);
    expect(provider).toMatch(/path: \/etc\/grafana\/provisioning\/dashboards\/json\s/);
    const compose = fs.readFileSync(path.join(ROOT, 'docker-compose.yaml'), 'utf8');
    expect(compose).toContain('./provisioning:/etc/grafana/provisioning');
    const ds = fs.readFileSync(path.join(ROOT, 'provisioning', 'datasources', 'haproxy-control-app-ds.yaml'), 'utf8');
    expect(ds).toMatch(/type: appcontrol-haproxy-datasource\n/);
    expect(ds).toMatch(new RegExp(`uid: ${DS_UID}\\n`));
    expect(ds).toMatch(/backendUrl: \$\{HAPROXY_CONTROL_BACKEND_URL\}\n/);
    expect(ds).toMatch(/apiToken: \$\{BOOTSTRAP_GRAFANA_VIEWER_TOKEN\}\n/);
  });
});
