import { ConfigError, loadConfig } from '../../src/config';

/** The METRICS_* and GRAFANA_DB_PASSWORD settings. */
test('defaults: /metrics on the API port, every server, no Grafana password', () => {
  expect(loadConfig({})).toMatchObject({
    metricsPort: undefined,
    metricsHost: '127.0.0.1',
    metricsToken: undefined,
    metricsPerServer: true,
    metricsServerInstances: undefined,
    grafanaDbPassword: undefined,
  });
});

test('values are read; the instance list is split on commas and trimmed; empty means unset', () => {
  expect(
    loadConfig({
      METRICS_PORT: '9464',
      METRICS_HOST: '0.0.0.0',
      METRICS_TOKEN: 'scrape-only-secret-0123456789abcdef',
      METRICS_PER_SERVER: 'false',
      METRICS_SERVER_INSTANCES: ' edge-* , lb1/main,,',
      GRAFANA_DB_PASSWORD: 'pw',
    })
  ).toMatchObject({
    metricsPort: 9464,
    metricsHost: '0.0.0.0',
    metricsToken: 'scrape-only-secret-0123456789abcdef',
    metricsPerServer: false,
    metricsServerInstances: ['edge-*', 'lb1/main'],
    grafanaDbPassword: 'pw',
  });
  expect(
    loadConfig({ METRICS_PORT: '', METRICS_SERVER_INSTANCES: ' , ', METRICS_TOKEN: '', GRAFANA_DB_PASSWORD: ' ' })
  ).toMatchObject({
    metricsPort: undefined,
    metricsServerInstances: undefined,
    metricsToken: undefined,
    grafanaDbPassword: undefined,
  });
});

test('a per-server instance pattern is a bounded glob', () => {
  const bad = () => loadConfig({ METRICS_SERVER_INSTANCES: `edge-*,${'x'.repeat(201)}` });
  expect(bad).toThrow(/METRICS_SERVER_INSTANCES: "x+" must be at most 200 characters/);
});

test('bad values are named', () => {
  const bad = () => loadConfig({ METRICS_PORT: '70000', METRICS_TOKEN: 'short', METRICS_PER_SERVER: 'sometimes' });
  expect(bad).toThrow(ConfigError);
  for (const key of ['METRICS_PORT', 'METRICS_TOKEN', 'METRICS_PER_SERVER']) {
    expect(bad).toThrow(new RegExp(key));
  }
});
