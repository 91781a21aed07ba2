import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { loadRuleFile, PG_DATASOURCE_UID, ruleSql } from './grafana-rules';

/** What Grafana's file provisioning needs of provisioning/alerting/haproxy-control.yaml, and its twin for Prometheus. */
const file = loadRuleFile();
const rules = file.groups.flatMap((g) => g.rules);

/** Grafana rule uid -> Prometheus alert of the same meaning. */
const TWINS: Record<string, string> = {
  'haproxy-server-down': 'HAProxyServerDown',
  'haproxy-backend-few-up': 'HAProxyBackendFewServersUp',
  'haproxy-backend-on-backup': 'HAProxyBackendOnBackup',
  'haproxy-instance-sync-failing': 'HAProxyInstanceSyncFailing',
  'haproxy-instance-breaker-open': 'HAProxyInstanceBreakerOpen',
  'haproxy-server-drift': 'HAProxyServerDrift',
  'haproxy-backend-below-budget': 'HAProxyBackendBelowBudget',
  'haproxy-application-below-budget': 'HAProxyApplicationBelowBudget',
  'haproxy-operation-failed': 'HAProxyOperationFailed',
  'haproxy-drain-past-deadline': 'HAProxyDrainPastDeadline',
};

test('one group with a folder and an interval, the ten rules with unique, valid uids', () => {
  expect(file.apiVersion).toBe(1);
  expect(file.groups).toHaveLength(1);
  expect(file.groups[0]).toMatchObject({
    orgId: 1,
    folder: expect.any(String),
    name: expect.any(String),
    interval: '1m',
  });
  expect(rules.map((r) => r.uid).sort()).toEqual(Object.keys(TWINS).sort());
  for (const r of rules) {
    expect(r.uid).toMatch(/^[a-zA-Z0-9_-]{1,40}$/);
  }
});

test.each(rules.map((r) => [r.uid, r] as const))(
  '%s: SQL table query, reduce, threshold condition, labels and annotations',
  (_uid, r) => {
    const [a, b, c] = r.data;
    expect(a).toMatchObject({
      refId: 'A',
      datasourceUid: PG_DATASOURCE_UID,
      model: { refId: 'A', format: 'table', rawQuery: true },
    });
    expect(b).toMatchObject({ refId: 'B', datasourceUid: '__expr__', model: { type: 'reduce', expression: 'A' } });
    expect(c).toMatchObject({ refId: 'C', datasourceUid: '__expr__', model: { type: 'threshold', expression: 'B' } });
    expect(r.condition).toBe('C');
    expect(r).toMatchObject({ noDataState: 'OK', execErrState: 'Error', for: expect.stringMatching(/^\d+[smh]$/) });
    expect(['critical', 'warning']).toContain(r.labels.severity);
    expect(r.annotations.summary.length).toBeGreaterThan(20);
    expect(r.annotations.description.length).toBeGreaterThan(100);
    expect(ruleSql(r)).toMatch(/^SELECT /); // run as the read-only role in grafana-rules.test.ts
  }
);

test('no dollar sign where Grafana expands environment variables (everything but annotations)', () => {
  for (const r of rules) {
    const { annotations, ...expanded } = r;
    expect({ uid: r.uid, dollar: JSON.stringify(expanded).includes('$') }).toEqual({ uid: r.uid, dollar: false });
    expect(Object.keys(annotations).sort()).toEqual(['description', 'summary']);
  }
});

test('the Prometheus rules have the same ten alerts with the same severities', () => {
  const prom = YAML.parse(
    fs.readFileSync(path.resolve(__dirname, '../../../prometheus/haproxy-control.rules.yml'), 'utf8')
  );
  const alerts = prom.groups.flatMap((g: { rules: Array<{ alert: string; labels: { severity: string } }> }) => g.rules);
  expect(alerts.map((a: { alert: string }) => a.alert).sort()).toEqual(Object.values(TWINS).sort());
  for (const r of rules) {
    expect({
      alert: TWINS[r.uid],
      severity: alerts.find((a: { alert: string }) => a.alert === TWINS[r.uid]).labels.severity,
    }).toEqual({
      alert: TWINS[r.uid],
      severity: r.labels.severity,
    });
  }
});
