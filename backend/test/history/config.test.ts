import { ConfigError, loadConfig } from '../../src/config';
import { startTestService } from '../support/service';

test('metric-history settings: defaults, values, and a clear error for each bad one', () => {
  expect(loadConfig({})).toMatchObject({
    metricsRawRetentionHours: 24,
    metrics5mRetentionDays: 3,
    metricsRetentionDays: 30,
    metricsMaintenanceCron: '* * * * *',
  });
  expect(
    loadConfig({
      HAPROXY_METRICS_RAW_RETENTION_HOURS: '48',
      HAPROXY_METRICS_5M_RETENTION_DAYS: '7',
      HAPROXY_METRICS_RETENTION_DAYS: '90',
      HAPROXY_METRICS_MAINTENANCE_CRON: '*/5 * * * *',
    })
  ).toMatchObject({
    metricsRawRetentionHours: 48,
    metrics5mRetentionDays: 7,
    metricsRetentionDays: 90,
    metricsMaintenanceCron: '*/5 * * * *',
  });
  const bad = {
    HAPROXY_METRICS_RAW_RETENTION_HOURS: '0',
    HAPROXY_METRICS_RETENTION_DAYS: 'a month',
    HAPROXY_METRICS_MAINTENANCE_CRON: 'every minute',
  };
  expect(() => loadConfig(bad)).toThrow(ConfigError);
  try {
    loadConfig(bad);
  } catch (e) {
    for (const key of Object.keys(bad)) {
      expect((e as Error).message).toContain(key);
    }
    expect((e as Error).message).toContain('must be a cron expression');
  }
});

test('the service runs the maintenance when syncing is on: partitions exist right after start', async () => {
  const t = await startTestService({ enabled: true, pollingIntervalSec: 3600 });
  try {
    let partitions = 0;
    for (let i = 0; i < 200 && partitions <= 30; i++) {
      const [{ n }] = await t.service.ds.query(
        `SELECT count(*)::int AS n FROM pg_inherits WHERE inhparent = 'haproxy_metric_rollup_1h'::regclass`
      );
      partitions = n;
      if (partitions <= 30) {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    expect(partitions).toBeGreaterThan(30); // DEFAULT + 30 days back + 2 ahead
  } finally {
    await t.stop();
  }
});
